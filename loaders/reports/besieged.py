"""Besieged populations: 'some 400,000 people are trapped in Mariupol, which Russian forces have
encircled', 'The two towns, home to an estimated 20,000 people, have been besieged by ...'.

A figure counts people (or families) who live, remain or are trapped somewhere, and the place is
called besieged, encircled, trapped or cut off in the sentence or anywhere in the report. Never a
besieged population: people who fled, left or were evacuated, people in need or at risk, pre-war
totals, what supplies 'could feed', the dead and the missing.
"""

from __future__ import annotations

import re

from loaders.reports.analysis import DocContext, Sent
from loaders.reports.drafts import Draft, choose_place, usable
from loaders.reports.mentions import clause_of, noun_of
from loaders.reports.numbers import Num
from loaders.reports.parties import besieging_party
from loaders.reports.places import PlaceMention
from loaders.reports.sources import sources_near
from loaders.reports.vocab import vocab

_SUBCLAUSE_END = re.compile(
    r",\s+(?:and|but|while|so|as|out of|compared|against|up from|down from)\b|;|\.\s|\.$"
    r"|,\s+(?=(?:some|about|around|nearly|almost|roughly|an estimated|more than)?\s*\d)"  # ', about 200,000 are ...'
)
_NOUN_BEFORE = re.compile(
    r"\b(?:people|population|residents|civilians|inhabitants|families)\b[^.;]{0,40}:\s*$", re.I
)


# 'about 200,000 are besieged by ISIL in Deir ez-Zor': people understood from the sentence before.
_BARE_VERB = re.compile(
    r"^\s+(?:people\s+)?(?:are|were|remain|still live|live)\s+(?:still\s+)?(?:besieged|trapped|encircled)\b",
    re.I,
)


def _window(sent: Sent, num: Num) -> tuple[int, int]:
    start, _ = clause_of(sent.text, num.start, num.end)
    m = _SUBCLAUSE_END.search(sent.text, num.end)
    return start, m.start() if m else len(sent.text)


def _status(text: str) -> str | None:
    v = vocab()
    for name, pattern in (
        ("besieged", v.besieged),
        ("trapped", v.trapped),
        ("hard_to_reach", v.hard_to_reach),
    ):
        if pattern.search(text):
            return name
    return None


def sentence_besieged(doc: DocContext, sent: Sent, last_sources: list[str]) -> list[Draft]:
    v = vocab()
    out: list[Draft] = []
    for num in sent.nums:
        noun = noun_of(sent, num)
        counted = noun.kind in {"person", "family"} and not noun.partitive and not noun.of_them
        bare = noun.kind is None and not noun.of_them and bool(_BARE_VERB.match(sent.text[num.end :]))
        if (
            not counted
            and not bare
            and not (noun.kind is None and _NOUN_BEFORE.search(sent.text[: num.start]))
        ):
            continue
        start, end = _window(sent, num)
        window = sent.text[start:end]
        if v.pop_exclude.search(window) or not v.population.search(window):
            continue
        place, parts, mark = _place(doc, sent, num, start, end)
        status = _status(sent.text) or (mark.status if mark else None)
        if status is None or place is None:
            continue
        draft = Draft("besieged_population", sent.idx, sent.start, sent.end, place, parts, 2)
        draft.population = num.quantity(sent.text[num.start : noun.end] if noun.kind else num.text)
        draft.status = status
        draft.party = besieging_party(sent.text) or (mark.party if mark else None)
        own_since = next((d for d in sent.dates if d.since), None) or _closed_on(sent, num)
        draft.since = own_since or (mark.since if mark else None)
        as_of = _as_of(sent, num)
        if as_of is not None:
            draft.date, draft.date_basis = as_of, as_of.basis
        draft.sources = sources_near(doc, sent, num.start, last_sources)
        out.append(draft)
    return out


_CLOSED = re.compile(
    r"\b(?:after|since|when)\b[^.;]{0,80}\b(?:closed|cut|encircled|besieged|surrounded|sealed|blocked|seized)\b[^.;]*$",
    re.I,
)


def _as_of(sent: Sent, num: Num):  # type: ignore[no-untyped-def]
    """The day a figure was given: a date before it ('On 15 December, the UN estimated'), in brackets
    after it ('(HC statement, 24 Oct 2015)') or after 'as of'; not the day a road was closed."""
    for d in sent.dates:
        if not d.first or d.since or d.precision != "day":
            continue
        before = sent.text[: d.start]
        if d.end <= num.start or (before.rstrip().endswith(("(", "as of", ",")) and "(" in before[num.end :]):
            return d
        if re.search(r"\bas of\s*$", before, re.I):
            return d
    return None


def _closed_on(sent: Sent, num: Num):  # type: ignore[no-untyped-def]
    """'... cut off, after Ansar Allah forces closed the only road on 24 September': siege since."""
    for d in sent.dates:
        if d.first and d.start > num.end and _CLOSED.search(sent.text[num.end : d.start]):
            return d
    return None


def _place(doc: DocContext, sent: Sent, num: Num, start: int, end: int):  # type: ignore[no-untyped-def]
    """(place, parts, siege mark) for the figure: a place in its clause, else one named nearby."""
    everything = usable(doc.all_places(sent), sent.text)
    in_clause = [p for p in everything if start <= p.start < end and p.start > num.end]
    candidates = in_clause or [p for p in everything if start <= p.start < end] or everything
    place, parts = choose_place(candidates, sent.text)
    if place is None:
        context, j = doc.context_places(sent.idx, back=2)
        if j is not None and _status(doc.sents[j].text):
            candidates = usable(context, doc.sents[j].text)
            place, parts = choose_place(candidates, doc.sents[j].text)
    if place is None:
        countries = [
            p for p in sent.places if p.place and p.place.place_type == "country" and start <= p.start < end
        ]
        if countries and _status(
            sent.text[start:end]
        ):  # '400,000 people in 15 besieged locations across Syria'
            return countries[0], [countries[0].name], None
        return None, [], None
    mark = _mark(doc, place, candidates)
    return place, parts, mark


def _mark(doc: DocContext, place: PlaceMention, candidates: list[PlaceMention]):  # type: ignore[no-untyped-def]
    for p in [place, *candidates]:
        found = doc.siege_of(p)
        if found:
            return found
    return None
