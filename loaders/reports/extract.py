"""Facts from a report's text: the sentence rules for tolls, besieged populations and convoys,
then merging of repeated mentions. Pure: text in, ``Draft`` list out (see ``schema`` for records).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from loaders.reports.analysis import DocContext, analyse
from loaders.reports.besieged import sentence_besieged
from loaders.reports.convoys import sentence_convoys
from loaders.reports.drafts import Draft, choose_place, usable
from loaders.reports.merge import dedupe, fold_plurals, merge_convoys
from loaders.reports.orgs import org_matcher
from loaders.reports.places import PlaceMention, matcher
from loaders.reports.sentences import split_body
from loaders.reports.sources import sources_in, speech_spans
from loaders.reports.tables import convoy_tables
from loaders.reports.tolls import sentence_tolls
from loaders.reports.vocab import vocab


@dataclass(slots=True)
class Extraction:
    drafts: list[Draft]
    doc: DocContext


def extract_text(
    text: str,
    body_start: int = 0,
    published: dt.date | None = None,
    publisher: str | None = None,
    extra_places: tuple[tuple[str, tuple[str, ...]], ...] = (),
    check: Callable[[str], None] | None = None,
) -> Extraction:
    """Every fact in ``text`` (the body starts at ``body_start``), in document order. ``check``
    (a report's loaders.limits.Budget.check) is called between batches of sentences and raises
    when the report has taken too long."""
    check = check or _no_check
    segments, tables = split_body(text, body_start)
    check(f"after splitting {len(segments):,} sentences")
    doc = analyse(text, segments, published, publisher, matcher(extra_places), check)
    tolls: list[Draft] = []
    besieged: list[Draft] = []
    convoys: list[Draft] = []
    last_sources: list[str] = []
    speaker_para = -1
    previous_convoy = False
    for sent in doc.sents:
        if sent.idx % 100 == 0:
            check(f"reading facts at sentence {sent.idx:,} of {len(doc.sents):,}")
        if sent.heading:
            continue
        found_tolls = sentence_tolls(doc, sent, last_sources)
        found_besieged = sentence_besieged(doc, sent, last_sources)
        for draft in [*found_tolls, *found_besieged]:
            if not draft.sources and speaker_para == sent.para:
                draft.sources = list(last_sources)  # 'we recorded ...' carries to the next sentence
        tolls += found_tolls
        besieged += found_besieged
        found = sentence_convoys(doc, sent, previous_convoy)
        if found and convoys and _PART_OF.match(sent.text):
            for d in found:
                _inherit(d, convoys[-1])
        convoys += found
        previous_convoy = bool(found)
        named = [s for d in [*found_tolls, *found_besieged] for s in d.sources]
        speakers = named or _speakers(doc, sent.idx, [])
        if speakers:
            last_sources, speaker_para = list(dict.fromkeys(speakers)), sent.para
    table_drafts = convoy_tables(doc, tables)
    for d in table_drafts:
        d.sent = max((s.idx for s in doc.sents if s.start < d.start), default=0)
    convoys = fold_plurals(merge_convoys(sorted([*convoys, *table_drafts], key=lambda d: d.start)))
    convoys = [c for c in convoys if _keep_convoy(c)]
    facts = [*convoys, *dedupe(besieged), *dedupe(tolls)]
    fallback = _main_place(doc)
    for i, conv in enumerate(convoys):
        _convoy_place(doc, convoys[:i], conv, fallback)
    own = _publisher_source(doc)
    for fact in facts:
        _fill_place(doc, fact, fallback)
        if fact.kind != "convoy" and not fact.sources and own:
            fact.sources = [own]  # a figure nobody else is credited with is the publisher's own
        if fact.kind == "convoy":
            fact.outcome_tags = _ordered(fact.outcome_tags)
    facts.sort(key=lambda f: f.start)
    return Extraction(facts, doc)


def _no_check(where: str) -> None:
    """No budget: extraction from a string given directly (tests, the extractor's evaluation)."""


# 'It included 22 WFP trucks': a part of the convoy just named, which went where and when it went.
_PART_OF = re.compile(
    r"^\s*(?:It|They|The convoy|The column)\s+(?:also\s+)?(?:included|includes|comprised|consisted of|"
    r"was made up of|counted)\b",
    re.I,
)


def _inherit(part: Draft, whole: Draft) -> None:
    part.outcome_tags = part.outcome_tags or list(whole.outcome_tags)
    if part.date is None or part.date.first is None:
        part.date, part.date_basis = whole.date, whole.date_basis
    if part.place is None:
        part.place, part.parts, part.place_strength = whole.place, list(whole.parts), whole.place_strength
    part.coref = False


def _speakers(doc: DocContext, idx: int, last: list[str]) -> list[str]:
    """Who spoke in sentence ``idx`` (for a later 'It says'): the organisation nearest a speech verb."""
    sent = doc.sents[idx]
    spans = speech_spans(sent)
    for start, end, _ in spans:
        names = [o.resolve(doc.country) for o in sent.orgs if start <= o.start and o.end <= end]
        if names:
            return names[-1:]
    return sources_in(doc, sent, spans[0][0], spans[0][1], last) if spans else []


_MEDIA = re.compile(
    r"\b(?:wire|news|agency|press|media|newspaper|site|television|tv|radio|times|post|journal|translation)\b",
    re.I,
)


def _publisher_source(doc: DocContext) -> str | None:
    """The publisher as a source, through the organisation aliases; None for news outlets (they report
    other people's figures)."""
    publisher = (doc.publisher or "").strip()
    if not publisher or _MEDIA.search(publisher):
        return None
    found = org_matcher().find(publisher)
    return found[0].resolve(doc.country) if found else publisher


def _keep_convoy(c: Draft) -> bool:
    if c.plural:
        return bool(c.organisations and c.outcome_tags)
    if not c.trucks.is_empty or not c.people_served.is_empty:
        return True
    return bool(c.outcome_tags and (c.organisations or c.place is not None))


def _ordered(tags: list[str]) -> list[str]:
    priority = vocab().outcome_priority
    return sorted(dict.fromkeys(tags), key=lambda t: priority.index(t) if t in priority else len(priority))


def _main_place(doc: DocContext) -> PlaceMention | None:
    counts: Counter[str] = Counter()
    first: dict[str, PlaceMention] = {}
    for sent in doc.sents:
        for p in usable(sent.places, sent.text):
            if p.place is not None:
                counts[p.name] += 1
                first.setdefault(p.name, p)
    return first[counts.most_common(1)[0][0]] if counts else None


def _convoy_place(doc: DocContext, before: list[Draft], conv: Draft, fallback: PlaceMention | None) -> None:
    """A convoy with no place of its own goes where the convoy just before it went, else to the
    place named last before it; 'a second convoy' with no destination goes where an earlier one went."""
    prev = before[-1] if before else None
    if conv.place is None and prev is not None and prev.place is not None and 0 <= conv.sent - prev.sent <= 3:
        conv.place, conv.parts, conv.place_strength = prev.place, [*prev.parts, *conv.parts], 1
    if conv.place is None and conv.new:
        # 'A second convoy ... is being loaded in Semera': it goes where the first one went.
        earlier = next((c for c in reversed(before) if c.place is not None and c.place_strength >= 2), None)
        if earlier is not None:
            conv.place, conv.parts, conv.place_strength = earlier.place, list(earlier.parts), 1
    _fill_place(doc, conv, fallback)


def _fill_place(doc: DocContext, fact: Draft, fallback: PlaceMention | None) -> None:
    if fact.place is not None:
        return
    keep = (
        (lambda found, text: usable(found, text, for_toll=True)) if fact.kind == "civilian_toll" else usable
    )
    context, j = doc.context_places(max(fact.sent, 0), back=6, keep=keep)
    own_parts = list(fact.parts)  # 'held at Renk': where it stopped stays among the parts
    if j is not None:
        fact.place, fact.parts = choose_place(usable(context, doc.sents[j].text), doc.sents[j].text)
        fact.place_strength = 1
    if fact.place is None and fallback is not None:
        fact.place, fact.parts = fallback, fallback.parts
    fact.parts = list(dict.fromkeys([*fact.parts, *own_parts]))
