"""Aid convoys in prose: 'a 13-truck Red Cross and Red Crescent convoy', '14 WFP trucks delivered ...',
'the column did not reach the city' (a later mention of the last convoy), with their destination,
origin, operators, people served, date and outcome. Evacuation buses and military columns are not
aid convoys. Table rows are read in ``convoy_tables``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise

from loaders.records import EMPTY, Quantity
from loaders.reports.analysis import DocContext, Sent
from loaders.reports.dates import DateMention
from loaders.reports.drafts import Draft, choose_place, event_date, usable
from loaders.reports.mentions import noun_of
from loaders.reports.numbers import Num
from loaders.reports.orgs import OPERATOR_KINDS
from loaders.reports.places import PlaceMention
from loaders.reports.sources import in_attribution
from loaders.reports.vocab import vocab

_RATE = re.compile(r"^\s*(?:\w+\s+)?(?:a|per|each|every)\s+(?:day|week|month)\b|^\s*\w*\s*daily\b", re.I)
_COREF = re.compile(
    r"\b(?:the|this|its|their)\s+(?:\.\.\.|…)?\s*(?:[\w-]+\s+){0,2}?(?:convoy|column|trucks|lorries|delivery|shipment|drops|airdrops)\b",
    re.I,
)
_REMAINING = re.compile(r"\b(?:the )?(?:remaining|other|rest of the)\s*$", re.I)
_PRONOUN_START = re.compile(r"^\s*(?:It|They)\b")
_SERVE = re.compile(
    r"\b(?:for|to|reach|reaching|reached|serve|serving|feed|feeding|assist|assisting|benefit|benefiting|benefitting|support|supporting)\s+(?:\w+\s+){0,1}$",
    re.I,
)
_SCOPE_BREAK = re.compile(
    r";|,\s+(?:while|but|although|whereas)\b|\s+while\b|\s+on the same day as\b|\s+as well as\b", re.I
)
_DEST = re.compile(
    r"(?:\b(?:to|towards|toward|into|reached|reach|reaching|entered|entering|enter|arrived (?:in|at)|for|inside|bound for|destined for)\s+(?:the\s+)?(?:[\w-]+\s+){0,3})$",
    re.I,
)
_WEAK = re.compile(r"(?:\b(?:in|at|near|around|outside)\s+(?:the\s+)?(?:[\w-]+\s+){0,3})$", re.I)
_ORIGIN = re.compile(
    r"\b(?:from|left|leave|leaving|depart|departed|departing|return(?:ed|ing)? to|back to|out of|"
    r"loaded (?:in|at)|dispatched from)\s+(?:the\s+)?(?:(?!(?:to|for|towards|into|via)\b)[\w-]+\s+){0,2}$",
    re.I,
)
# 'held for eleven days at Lere', 'stuck in Mellit', 'turned back at Guit': where it stopped.
_STOP = re.compile(
    r"\b(?:held|stuck|stopped|blocked|waited|waiting|turned (?:back|away)|detained|halted|kept)\b"
    r"[^.;,]{0,25}?\b(?:at|in)\s+(?:the\s+)?(?:[\w-]+\s+)?$",
    re.I,
)
_ROUTE = re.compile(r"\b(?:via|through|along)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$", re.I)
_AGGREGATE = re.compile(r"\b(?:a total of|in total|in all|altogether|cumulative|so far this|so far)\b", re.I)
_NO_HARM = re.compile(
    r"\bno (?:injuries|casualties) (?:were|was) reported|\bno one was (?:hurt|injured)|\bwithout (?:injury|casualties)",
    re.I,
)
_PRESENT = re.compile(
    r"\b(?:still|continues|continuing|remains?|is being|are being|awaits|awaiting|is|are|now)\b", re.I
)
# 'three trucks were set alight', 'seized two trucks from a WFP convoy': trucks lost from a convoy
# named elsewhere, not a convoy of their own.
_DAMAGE_VERB = (
    r"(?:looted|seized|stolen|stole|hijacked|commandeered|set alight|set on fire|burned|burnt|torched|"
    r"destroyed|damaged|hit|robbed|plundered|confiscated|taken)"
)
_DAMAGE_BEFORE = re.compile(rf"\b{_DAMAGE_VERB}\s+(?:\w+\s+)?$", re.I)
_DAMAGE_AFTER = re.compile(
    rf"^\s*(?:\w+\s+)?(?:were|was|have been|had been|got)\s+(?:\w+\s+)?{_DAMAGE_VERB}\b"
    r"|^\s*(?:[\w-]+\s+){0,2}from (?:a|an|the|its|their) (?:[\w-]+\s+){0,5}(?:convoy|column)\b",
    re.I,
)
_POSSESSIVE = re.compile(r"\b(?:its|their)\s+(?:\w+\s+)?(?:convoy|trucks|teams|column)\b", re.I)


def _truck_nums(sent: Sent) -> list[tuple[Num, bool]]:
    """(count, partitive) for each count of trucks, leaving out rates ('82 a day')."""
    out = []
    for num in sent.nums:
        noun = noun_of(sent, num)
        if noun.kind == "truck" and not _RATE.match(sent.text[noun.end :]):
            out.append((num, noun.partitive))
    return out


_NEGATED = re.compile(r"\b(?:no|not a single|not one)\s+(?:[\w-]+\s+){0,2}$", re.I)


def _cue_nouns(sent: Sent) -> list[re.Match[str]]:
    v = vocab()
    out = []
    for m in v.convoy.finditer(sent.text):
        near = sent.text[max(0, m.start() - 25) : m.end() + 25]
        if v.convoy_exclude.search(near):
            continue
        if _NEGATED.search(sent.text[max(0, m.start() - 30) : m.start()]):
            continue  # 'No humanitarian convoy reached the town in August': nothing moved
        out.append(m)
    out += list(v.convoy_verbs.finditer(sent.text))
    if any(o.kind in OPERATOR_KINDS for o in sent.orgs):
        out += list(v.distribution_verbs.finditer(sent.text))
    return sorted(out, key=lambda m: m.start())


def sentence_convoys(doc: DocContext, sent: Sent, previous_had_convoy: bool) -> list[Draft]:
    """Convoy mentions in ``sent``: one per distinct truck count, else one for the convoy noun."""
    if sent.heading:
        return []
    trucks = _truck_nums(sent)
    nouns = _cue_nouns(sent)
    coref = any(
        not vocab().convoy_exclude.search(sent.text[m.start() : m.end() + 25])
        for m in _COREF.finditer(sent.text)
    )
    coref = coref or any(p for _, p in trucks)
    pronoun = previous_had_convoy and bool(_PRONOUN_START.match(sent.text)) and _outcomes(sent.text)
    counts = [n for n, partitive in trucks if not partitive]
    if not counts and not nouns and not coref and not pronoun:
        return []
    if counts and any(
        vocab().convoy_exclude.search(sent.text[max(0, n.start - 25) : n.start]) for n in counts
    ):
        counts = [
            n for n in counts if not vocab().convoy_exclude.search(sent.text[max(0, n.start - 25) : n.start])
        ]
    distinct = _distinct(counts)
    anchors = (
        [n.start for n in distinct]
        + [m.start() for m in nouns]
        + [m.start() for m in _COREF.finditer(sent.text)]
    )
    scopes = _scopes(sent.text, distinct, min(anchors, default=0))
    drafts = []
    numbers: list[Num | None] = [*distinct] or [None]
    for k, ((a, b), num) in enumerate(zip(scopes, numbers, strict=False)):
        draft = _mention(doc, sent, a, b, num, nouns, first=k == 0)
        draft.coref = draft.coref or (
            (coref or bool(pronoun))
            and not draft.new
            and (num is None or _COREF.search(sent.text[a:b]) is not None)
        )
        drafts.append(draft)
    return drafts


def _distinct(counts: list[Num]) -> list[Num]:
    out: list[Num] = []
    for n in counts:
        if not any(o.value == n.value and o.low == n.low for o in out):
            out.append(n)
    return out


def _scopes(text: str, counts: list[Num], anchor: int) -> list[tuple[int, int]]:
    """Where each mention's words are: from the clause break before it to the next mention."""
    if len(counts) < 2:
        start = 0
        for m in _SCOPE_BREAK.finditer(text, 0, anchor):
            start = m.end()
        return [(start, len(text))]
    bounds = [0]
    for prev, nxt in pairwise(counts):
        cut = prev.end
        for m in re.finditer(r";|,|\bas\b|\bwhile\b|\band\b", text[prev.end : nxt.start]):
            cut = prev.end + m.start()
        bounds.append(cut)
    bounds.append(len(text))
    return list(pairwise(bounds))


# 'is expected to arrive', 'will try to enter': not (yet) an arrival or a movement under way.
_FUTURE = re.compile(
    r"\b(?:due to|expected to|will|would|shall|to be|plans? to|planned to|scheduled to|is to|are to|ready to|"
    r"try to|trying to|set to|about to|intends? to|intended to|hopes? to|aims? to|in order to|so as to|"
    r"cannot|can't|could not|couldn't|unable to|not yet)\s+(?:\w+\s+){0,2}$",
    re.I,
)
_MAY_BE_FUTURE = {"delivered", "underway", "attacked", "blocked"}


def _outcomes(text: str) -> list[str]:
    out = []
    for name, pattern in vocab().outcomes:
        hits = list(pattern.finditer(text))
        if name in _MAY_BE_FUTURE:
            hits = [m for m in hits if not _FUTURE.search(text[max(0, m.start() - 40) : m.start()])]
        if hits:
            out.append(name)
    return out


def _mention(
    doc: DocContext,
    sent: Sent,
    a: int,
    b: int,
    num: Num | None,
    nouns: list[re.Match[str]],
    first: bool = True,
) -> Draft:
    v = vocab()
    scope = sent.text[a:b]
    draft = Draft("convoy", sent.idx, sent.start, sent.end, mode="road")
    if num is not None:
        noun = noun_of(sent, num)
        draft.trucks = num.quantity(sent.text[num.start : noun.end])
    anchor = num.start if num is not None else (nouns[0].start() if nouns else a)
    draft.new = bool(v.new_marker.search(sent.text[max(a, anchor - 30) : anchor + 1]))
    in_scope = [m for m in nouns if a <= m.start() < b]
    draft.plural = (
        num is None and bool(in_scope) and all(m.group().lower().endswith(("s", "ies")) for m in in_scope)
    )
    if any(m.group().lower().startswith("distribution") for m in in_scope) or "distribut" in scope.lower():
        draft.mode = "distribution" if num is None else "road"
    if re.search(r"\bair ?drops?\b|\bairdropped\b|\bparachut", scope, re.I) or vocab().convoy_verbs.search(
        scope
    ):
        draft.mode = "airdrop"
    draft.people_served = _people(sent, a, b)
    draft.organisations = _operators(doc, sent, a, b, first)
    if _NO_HARM.search(scope):
        draft.injured = Quantity(value=0, text=_NO_HARM.search(scope).group())  # type: ignore[union-attr]
    draft.outcome_tags = _outcomes(scope)
    _places(doc, sent, a, b, draft)
    dates = [d for d in sent.dates if a <= d.start < b and (d.first or d.text)]
    draft.date = dates[0] if dates else event_date(sent)
    if (draft.date is None or draft.date.first is None) and not _PRESENT.search(scope):
        context = doc.context_date(sent.idx)  # 'Thu 08/02: our distrib.' then 'Bulengo site - 6 trks'
        if context is not None and context.is_day and not re.match(r"(?i)today|tonight|this ", context.text):
            draft.date, draft.date_basis = context, "context"
    if draft.date is None and doc.published and _PRESENT.search(scope):
        draft.date = DateMention(
            0, 0, "", doc.published, doc.published, "day", "pubdate"
        )  # 'are still being turned away'
    future = set(draft.outcome_tags) <= {"planned", "postponed", "underway"} and bool(draft.outcome_tags)
    if draft.date is not None and draft.date.precision in {"month", "period", "week"} and num is not None:
        draft.aggregate = (draft.date.precision == "month" and not future) or bool(_AGGREGATE.search(scope))
    if (
        draft.date is not None
        and draft.date.since
        and num is not None
        and "delivered" in draft.outcome_tags
        and doc.published
    ):
        # 'Since 15 August, 420 trucks have crossed': a running total up to the report's date
        draft.date = replace(draft.date, last=doc.published, precision="period")
        draft.aggregate = True
    draft.aggregate = draft.aggregate or bool(_AGGREGATE.search(scope))
    if draft.mode == "distribution" and not draft.people_served.is_empty and draft.date and not future:
        draft.aggregate = draft.aggregate or draft.date.precision in {"month", "period", "week"}
    if (
        not draft.outcome_tags
        and draft.date
        and draft.date.first
        and doc.published
        and draft.date.first > doc.published
    ):
        draft.outcome_tags = ["planned"]  # 'dep. Tue 13/02' in a note of 12/02
    if num is not None and _REMAINING.search(sent.text[max(0, num.start - 20) : num.start]):
        draft.trucks, draft.coref = EMPTY, True  # 'the remaining 17 trucks': part of the convoy just named
        if "delivered" in draft.outcome_tags:
            draft.outcome_tags = [
                "partially_delivered" if t == "delivered" else t for t in draft.outcome_tags
            ]
    if num is not None and _lost_trucks(sent, num):
        draft.trucks, draft.coref = EMPTY, True
    return draft


def _lost_trucks(sent: Sent, num: Num) -> bool:
    """'Two trucks were looted', 'seized two trucks from a convoy': a damage count, not a convoy."""
    noun = noun_of(sent, num)
    return bool(
        _DAMAGE_BEFORE.search(sent.text[max(0, num.start - 30) : num.start])
        or _DAMAGE_AFTER.match(sent.text[noun.end : noun.end + 80])
    )


def _people(sent: Sent, a: int, b: int) -> Quantity:
    v = vocab()
    for num in sent.nums:
        if not a <= num.start < b:
            continue
        noun = noun_of(sent, num)
        if noun.kind != "person" or noun.partitive:
            continue
        served_after = re.match(
            r"\)?\s*(?:were\s+|have been\s+)?(?:served|reached|assisted)\b", sent.text[noun.end :]
        )
        if not _SERVE.search(sent.text[max(0, num.start - 40) : num.start]) and not served_after:
            continue
        if v.kill.search(sent.text[noun.end : noun.end + 25]) or v.injure.search(
            sent.text[noun.end : noun.end + 25]
        ):
            continue
        return num.quantity(sent.text[num.start : noun.end])
    return EMPTY


def _operators(doc: DocContext, sent: Sent, a: int, b: int, first: bool) -> list[str]:
    names = []
    speakers = []
    for org in sent.orgs:
        short = org.resolve(doc.country)
        if org.kind not in OPERATOR_KINDS:
            continue
        if in_attribution(sent, org):
            speakers.append(short)
        elif a <= org.start < b or (first and org.end <= a and _before_subject(sent.text, org.end, a)):
            names.append(short)
    if not names and speakers and _POSSESSIVE.search(sent.text[a:b]):
        names = speakers
    return list(dict.fromkeys(names))


def _before_subject(text: str, org_end: int, scope_start: int) -> bool:
    """An organisation in the subject before the scope ('The UN and SARC today concluded ...')."""
    return scope_start == 0 or not re.search(r"[;]", text[org_end:scope_start])


def _places(doc: DocContext, sent: Sent, a: int, b: int, draft: Draft) -> None:
    everything = usable(doc.all_places(sent), sent.text)
    in_scope = [p for p in everything if a <= p.start < b]
    dest, weak, origin, route, stops = [], [], [], [], []
    for p in in_scope:
        before = sent.text[max(0, p.start - 40) : p.start]
        is_crossing = bool(p.place and p.place.place_type == "crossing")
        if _ORIGIN.search(before):
            origin.append(p)
        elif _STOP.search(before) or re.search(
            r"\b(?:checkpoint|chkpt)\b", p.text + sent.text[p.end : p.end + 12], re.I
        ):
            stops.append(
                p
            )  # 'held for eleven days at Lere', 'at the al-Saraya checkpoint': not the destination
        elif _ROUTE.search(before):
            route.append(p)
        elif _DEST.search(before) and not is_crossing:
            dest.append(p)
        else:
            weak.append(p)
    through = [p for p in route if re.search(r"\b(?:entered|crossed|came|passed)\s+(?:\w+\s+)?through\s+(?:the\s+)?$",
                                             sent.text[max(0, p.start - 40) : p.start])]  # fmt: skip
    chosen: list[PlaceMention] = dest or weak or through  # 'trucks entered through the Rafah crossing'
    draft.place, draft.parts = choose_place(chosen, sent.text)
    draft.parts += [p.name for p in stops]
    draft.place_strength = 3 if dest else (2 if weak or through else 0)
    draft.mentioned = [p.name for p in in_scope]
    route = [p for p in route if p not in through]
    if origin or route:
        draft.origin = (origin or route)[0].name
