"""A fact while it is being read (``Draft``), and the shared choices every fact kind makes:
which of a sentence's places it is about, and which of its dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from loaders.records import EMPTY, Quantity
from loaders.reports.analysis import DocContext, Sent, pick_event_date, speaker_spans
from loaders.reports.dates import DateMention
from loaders.reports.places import PlaceMention, matcher

_LANDMARK = re.compile(
    r"(?:\b(?:[NSEW]|north|south|east|west|north-?east|north-?west|south-?east|south-?west)\s+of|\bkm\s+(?:from|short of))\s*(?:the\s+)?$",
    re.I,
)
_FROM = re.compile(
    r"\b(?:from|out of|left|leaving|departed|through|via|along)\s+(?:the\s+)?(?:\w+\s+){0,2}$", re.I
)
_WITHIN = re.compile(r"^\s*(?:,|in|near|of|outside)\s*(?:the\s+)?$", re.I)
_LIST_JOIN = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:,|and|, and|&)\s*$")


@dataclass(slots=True)
class Draft:
    """One fact found in the text, before merging and conversion to a FactRecord."""

    kind: str
    sent: int  # index of the sentence it came from
    start: int  # evidence span in the document
    end: int
    place: PlaceMention | None = None
    parts: list[str] = field(default_factory=list)
    place_strength: int = 0  # 3 destination, 2 named in the sentence, 1 context
    date: DateMention | None = None
    date_basis: str | None = None
    trucks: Quantity = EMPTY
    people_served: Quantity = EMPTY
    population: Quantity = EMPTY
    killed: Quantity = EMPTY
    injured: Quantity = EMPTY
    organisations: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    outcome_tags: list[str] = field(default_factory=list)
    origin: str | None = None
    mode: str | None = None
    aggregate: bool = False
    status: str | None = None
    party: str | None = None
    since: DateMention | None = None
    as_of: dt.date | None = None
    new: bool = False  # 'a second convoy': never merged into an earlier one
    plural: bool = False  # 'convoys of the ICRC and MSF'
    coref: bool = False  # 'the convoy', 'It': the last convoy
    notes: list[str] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)  # every place named in the mention's words

    @property
    def has_figure(self) -> bool:
        return any(
            not q.is_empty or q.qualifier
            for q in (self.trucks, self.people_served, self.population, self.killed, self.injured)
        )


def usable(places: list[PlaceMention], text: str, for_toll: bool = False) -> list[PlaceMention]:
    """Drop countries, landmarks ('E of Taizz City') and, for tolls, where people came from."""
    out = []
    for p in places:
        if p.place and p.place.place_type == "country":
            continue
        before = text[max(0, p.start - 30) : p.start]
        if _LANDMARK.search(before) or (for_toll and _FROM.search(before)):
            continue
        out.append(p)
    speakers = speaker_spans(text)
    events = [p for p in out if not any(s <= p.start < e for s, e in speakers)]
    return events or out


def choose_place(places: list[PlaceMention], text: str) -> tuple[PlaceMention | None, list[str]]:
    """The place a fact is about, and its location_parts.

    A place inside another named one wins ('Dinets' over 'Kharkiv region'); a listed set of places
    with a common parent is that parent with the places as parts ('Douma, Harasta and Arbin').
    """
    if not places:
        return None, []
    names = {p.name for p in places}
    specific = [p for p in places if not any(p.name in o.parts[1:] for o in places if o.name != p.name)]
    specific = specific or places
    first = specific[0]
    listed = [first]
    for p in specific[1:]:
        if _LIST_JOIN.match(text[listed[-1].end : p.start]):
            listed.append(p)
    if len(listed) > 1:
        common = [a for a in listed[0].parts[1:] if all(a in p.parts[1:] for p in listed[1:])]
        parts = list(dict.fromkeys([p.name for p in listed] + common))
        parent = matcher().by_name.get(common[0]) if common else None
        if parent is not None and parent.place_type not in {"admin1", "country"}:
            return PlaceMention(listed[0].start, listed[-1].end, parent.name, parent), parts
        return first, parts
    parts = list(dict.fromkeys([*first.parts, *(n for n in names if n in first.parts)]))
    after = next((p for p in places if p.start >= first.end), None)
    if after is not None and _WITHIN.match(text[first.end : after.start]):
        parts = list(dict.fromkeys([*parts, *after.parts]))  # 'the South Hospital in El Fasher'
    return first, parts


def event_date(sent: Sent) -> DateMention | None:
    """The sentence's event date: a period first, else its first day ('said on X' last)."""
    return pick_event_date(sent.dates, sent.text)


def context_date(doc: DocContext, sent: Sent) -> DateMention | None:
    return doc.context_date(sent.idx)
