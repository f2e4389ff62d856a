"""One event mentioned several times is one fact.

A convoy is often named three times: 'an emergency aid convoy was shelled', 'the ... convoy at risk',
'a 13-truck Red Cross and Red Crescent convoy'. A later mention joins an earlier convoy when it
refers back to it ('the convoy', 'It'), or when nothing conflicts (truck count, people served, day,
operators, place) and something links them (same place, day, count or operator). 'A second convoy',
'a further ten trucks' and table rows start new convoys. Tolls and besieged figures repeated with the
same numbers for the same place (a headline and its paragraph) are kept once.
"""

from __future__ import annotations

from loaders.records import Quantity
from loaders.reports.drafts import Draft
from loaders.reports.places import PlaceMention

_FUTURE = {"planned", "postponed"}
_UN_AGENCIES = {
    "WFP",
    "UNICEF",
    "UNHCR",
    "UNRWA",
    "WHO",
    "OCHA",
    "UNFPA",
    "IOM",
    "FAO",
    "UNDP",
    "UNOPS",
    "UNMAS",
    "OHCHR",
}
_BASIS_RANK = {
    "explicit": 0,
    "explicit_no_year+pubdate": 1,
    "context": 2,
    "relative_to_pubdate": 2,
    "pubdate": 3,
    None: 4,
}


def _q_conflict(a: Quantity, b: Quantity) -> bool:
    if a.is_empty or b.is_empty:
        return False
    return (a.value, a.low, a.high) != (b.value, b.low, b.high)


def _q_same(a: Quantity, b: Quantity) -> bool:
    return not a.is_empty and not b.is_empty and not _q_conflict(a, b)


def places_related(
    a: PlaceMention | None, b: PlaceMention | None, a_parts: list[str], b_parts: list[str]
) -> bool:
    if a is None or b is None:
        return False
    return a.name == b.name or a.name in b_parts or b.name in a_parts


def _orgs_compatible(a: list[str], b: list[str]) -> bool:
    if not a or not b or set(a) & set(b):
        return True
    return ("UN" in a and set(b) <= _UN_AGENCIES | {"UN"}) or ("UN" in b and set(a) <= _UN_AGENCIES | {"UN"})


def _days(d: Draft) -> tuple[object, object] | None:
    if d.date is None or d.date.first is None or d.date.basis == "pubdate":
        return None  # a publication-date default says nothing about which day it was
    return d.date.first, d.date.last


def compatible(c: Draft, d: Draft, strict: bool = True) -> bool:
    if _q_conflict(c.trucks, d.trucks) or _q_conflict(c.people_served, d.people_served):
        return False
    if not strict:
        return True
    if _days(c) and _days(d) and _days(c) != _days(d):
        return False
    if not _orgs_compatible(c.organisations, d.organisations):
        return False
    same_total = (
        _q_same(c.trucks, d.trucks) and (c.trucks.value or 0) >= 50
    )  # a headline repeating a body figure
    if (
        c.place is not None
        and d.place is not None
        and not places_related(c.place, d.place, c.parts, d.parts)
        and not same_total
    ):
        return False
    future_c, future_d = set(c.outcome_tags) & _FUTURE, set(d.outcome_tags) & _FUTURE
    past_c, past_d = set(c.outcome_tags) - _FUTURE, set(d.outcome_tags) - _FUTURE
    return not (
        (future_c and not past_c and past_d and not future_d)
        or (future_d and not past_d and past_c and not future_c)
    )


def related(c: Draft, d: Draft) -> bool:
    if places_related(c.place, d.place, c.parts, d.parts) or _q_same(c.trucks, d.trucks):
        return True
    if _days(c) and _days(c) == _days(d):
        return True
    if set(c.organisations) & set(d.organisations):
        return True
    bare = d.place is None and not d.organisations and (d.date is None or d.date.first is None)
    return bare and 0 <= d.sent - c.sent <= 2


def absorb(c: Draft, d: Draft) -> None:
    """Fold mention ``d`` into convoy ``c``."""
    if c.trucks.is_empty and not d.trucks.is_empty:
        c.trucks = d.trucks
        c.start, c.end, c.sent = d.start, d.end, d.sent  # the evidence is the mention with the count
    if c.people_served.is_empty and not d.people_served.is_empty:
        c.people_served = d.people_served
    if c.injured.is_empty and not d.injured.is_empty:
        c.injured = d.injured
    c.organisations = list(dict.fromkeys([*c.organisations, *d.organisations]))
    if "UN" in c.organisations and set(c.organisations) & _UN_AGENCIES:
        c.organisations.remove("UN")
    c.outcome_tags = list(dict.fromkeys([*c.outcome_tags, *d.outcome_tags]))
    more_specific = c.place is not None and d.place is not None and c.place.name in d.parts[1:]
    if d.place is not None and (
        c.place is None or d.place_strength > c.place_strength or (more_specific and d.place_strength >= 2)
    ):
        c.place, c.parts, c.place_strength = (
            d.place,
            list(dict.fromkeys([*d.parts, *c.parts])),
            d.place_strength,
        )
    day_kept = c.date is not None and c.date.is_day and not (d.date is not None and d.date.is_day)
    if (
        d.date is not None
        and d.date.first
        and not day_kept
        and (c.date is None or c.date.first is None or _BASIS_RANK[d.date.basis] < _BASIS_RANK[c.date.basis])
    ):
        c.date, c.date_basis = d.date, d.date_basis
    c.origin = c.origin or d.origin
    c.aggregate = c.aggregate or d.aggregate
    if (
        c.mode in (None, "road")
        and d.mode not in (None, "road")
        and not (d.mode == "distribution" and not c.trucks.is_empty)
    ):
        c.mode = d.mode


def merge_convoys(drafts: list[Draft]) -> list[Draft]:
    out: list[Draft] = []
    for d in drafts:
        target = None
        if d.coref and out:
            target = _referent(out, d)
        elif not d.new and not d.plural:
            for c in reversed(out):
                if not c.plural and compatible(c, d) and related(c, d):
                    target = c
                    break
        if target is not None:
            absorb(target, d)
        else:
            out.append(d)
    return out


def fold_plurals(convoys: list[Draft]) -> list[Draft]:
    """'Inter-agency convoys organized by the UN and ICRC reached Madaya' then '44 trucks went into
    Madaya': the counted convoys just after a plural mention take its operators and outcome, and the
    plural mention is dropped when they cover it."""
    out = []
    for p in convoys:
        if not p.plural:
            out.append(p)
            continue
        parts = [c for c in convoys if not c.plural and not c.aggregate and 0 < c.sent - p.sent <= 4
                 and not c.trucks.is_empty and (c.place is None or c.place.name in p.mentioned
                 or places_related(p.place, c.place, p.parts, c.parts))]  # fmt: skip
        for c in parts:
            c.organisations = c.organisations or list(p.organisations)
            c.outcome_tags = c.outcome_tags or [t for t in p.outcome_tags if t not in _FUTURE]
        if not parts:
            out.append(p)
    return out


def _referent(out: list[Draft], d: Draft) -> Draft | None:
    """The convoy 'the convoy' / 'the Madaya trucks' / 'the 08 Jun convoy' means: among the last few,
    the one whose day or place the mention names, else the last one (never a total, unless the
    mention is one)."""
    recent = [
        c for c in reversed(out[-8:]) if compatible(c, d, strict=False) and (d.aggregate or not c.aggregate)
    ]
    if not recent:
        return None
    named = [c for c in recent if c.place is not None and (c.place.name in d.mentioned or
             (d.place is not None and d.place_strength >= 2 and places_related(c.place, d.place, c.parts, d.parts)))]  # fmt: skip
    if _days(d) and d.date_basis != "context":
        same_day = [c for c in named or recent if _days(c) and _days(c)[0] == _days(d)[0]]  # type: ignore[index]
        if same_day:
            return same_day[0]
    if named:
        return named[0]
    return recent[0]


def dedupe(drafts: list[Draft]) -> list[Draft]:
    """Drop a toll or besieged figure already stated for the same place with the same numbers."""
    out: list[Draft] = []
    for d in drafts:
        key = _figures(d)
        twin = next(
            (o for o in out if o.kind == d.kind and _figures(o) == key
             and (o.place is None or d.place is None or places_related(o.place, d.place, o.parts, d.parts))),
            None,
        )  # fmt: skip
        if twin is None:
            out.append(d)
        elif not twin.sources and d.sources:
            twin.sources = d.sources
    return out


def _figures(d: Draft) -> tuple[tuple[object, ...], ...]:
    return tuple(
        (q.value, q.low, q.high, q.text if q.qualifier == "vague" else None)
        for q in (d.killed, d.injured, d.population)
    )
