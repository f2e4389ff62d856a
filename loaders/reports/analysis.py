"""One pass over a report's sentences: dates, counts, places and organisations in each, plus the
document context the fact rules lean on (the last place named, which places are besieged, who
spoke last, what 'the city' or 'the two towns' refers to).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from loaders.reports.dates import DateMention, date_spans, find_dates
from loaders.reports.geonames import (
    GeoMatch,
    country_votes,
    find_runs,
    geo_index,
    lowercase_vocabulary,
    with_geonames,
)
from loaders.reports.numbers import Num, find_numbers
from loaders.reports.orgs import OrgMention, org_matcher
from loaders.reports.parties import besieging_party
from loaders.reports.places import PlaceMatcher, PlaceMention, unknown_lexicon, unknown_places
from loaders.reports.sentences import Segment
from loaders.reports.vocab import vocab

_ANAPHOR = re.compile(
    r"\b(?:the|this|that|these|those|its)\s+(?:(?:two|three|four|five|besieged|encircled|rebel-held|same|whole|"
    r"nearby|neighbouring|neighboring|surrounding|entire|embattled|makeshift|historic)\s+)*"
    r"(city|town|towns|village|villages|district|enclave|pocket|camp|site|settlement|area|province|governorate|"
    r"region|neighbourhoods?|neighborhoods?|port|locality|municipality)\b(?!\s+(?:of|in)\s+[A-Z])",
    re.I,
)
_THERE = re.compile(
    r"\b(?:living|live|lives|remain|remaining|still|stuck|trapped|inside|reached|arrived)\s+there\b", re.I
)
_DIRECTION = re.compile(
    r"\bthe (north|south|east|west|north-?west|north-?east|south-?west|south-?east)\b(?!\s+of\b)", re.I
)
LANDMARK = re.compile(
    r"(?:\b(?:[NSEW]|north|south|east|west|north-?east|north-?west|south-?east|south-?west)\s+of|\bkm\s+(?:from|short of)|\bnear)\s*(?:the\s+)?$",
    re.I,
)
# 'KYIV, March 9 (wire) - ', 'TAIZZ CITY, 26 May 2019 -- ': where and when the report was filed.
_DATELINE = re.compile(r"^\s*[A-Z][\w'’ ./]{1,40},\s+[^-–—\n]{3,30}?\s*(?:\([^)]{1,20}\)\s*)?(?:--|[-–—])\s+")
_KINDS = {
    "city": {"town", "area"}, "town": {"town", "area"}, "towns": {"town", "area"}, "village": {"town", "area"},
    "villages": {"town", "area"}, "district": {"district"}, "enclave": {"area", "town", "district"},
    "pocket": {"area", "town"}, "camp": {"camp", "area"}, "site": {"camp", "area", "town"},
    "settlement": {"camp", "area", "town"}, "area": {"area", "town", "district"}, "province": {"province"},
    "governorate": {"province"}, "region": {"province", "area"}, "port": {"town", "area"},
    "neighbourhood": {"area"}, "neighbourhoods": {"area"}, "neighborhood": {"area"}, "neighborhoods": {"area"},
    "locality": {"town", "district"}, "municipality": {"town", "district"},
}  # fmt: skip


@dataclass(slots=True)
class Sent:
    """A sentence with everything found in it; spans of the mentions are relative to ``text``."""

    idx: int
    start: int
    end: int
    para: int
    text: str
    heading: bool
    dates: list[DateMention]
    nums: list[Num]
    places: list[PlaceMention]
    orgs: list[OrgMention]
    anaphors: list[PlaceMention] = field(default_factory=list)  # resolved 'the city', 'there'
    landmarks: set[int] = field(default_factory=set)  # starts of places named as landmarks ('south of X')
    described: dict[int, str] = field(default_factory=dict)  # 'city of Hodeidah', 'Al Abdiyah district'

    def is_landmark(self, place: PlaceMention) -> bool:
        return place.start in self.landmarks


@dataclass(slots=True)
class SiegeMark:
    status: str  # besieged | trapped | hard_to_reach
    party: str | None
    since: DateMention | None


_STATUS_RANK = {"besieged": 0, "trapped": 1, "hard_to_reach": 2}


@dataclass(slots=True)
class DocContext:
    text: str
    published: dt.date | None
    publisher: str | None
    sents: list[Sent]
    country: str | None = None
    siege: dict[str, SiegeMark] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)  # surname -> organisation or title it came with

    def all_places(self, sent: Sent) -> list[PlaceMention]:
        """Named places and resolved references, in text order."""
        return sorted([*sent.places, *sent.anaphors], key=lambda p: p.start)

    def context_places(
        self,
        idx: int,
        back: int = 4,
        keep: Callable[[list[PlaceMention], str], list[PlaceMention]] | None = None,
    ) -> tuple[list[PlaceMention], int | None]:
        """The places of the nearest earlier sentence that names any (and that sentence's index);
        ``keep`` filters a sentence's places first (a sentence left with none is passed over)."""
        for j in range(idx - 1, max(-1, idx - 1 - back), -1):
            prev = self.sents[j]
            found = [p for p in self.all_places(prev) if not _is_country(p) and not prev.is_landmark(p)]
            if keep is not None:
                found = keep(found, prev.text)
            if found:
                return found, j
        return [], None

    def context_date(self, idx: int, same_para: bool = True) -> DateMention | None:
        sent = self.sents[idx]
        for j in range(idx - 1, max(-1, idx - 3), -1):
            prev = self.sents[j]
            if same_para and prev.para != sent.para:
                break
            found = pick_event_date([d for d in prev.dates if d.first], prev.text)
            if found is not None:
                return found
        return None

    def siege_of(self, place: PlaceMention) -> SiegeMark | None:
        names = [place.name, *place.parts[1:2]]
        for name in names:
            if name in self.siege:
                return self.siege[name]
        return None


def pick_event_date(dates: list[DateMention], text: str) -> DateMention | None:
    """The sentence's event date: a period first, else its first day ('said on X' last)."""
    resolved = [d for d in dates if d.first or d.text]
    days_in = [d for d in resolved if d.is_day]
    # 'April 2017, when ... on April 15': the day inside the month is the date.
    resolved = [d for d in resolved if not (d.precision in {"month", "year"} and not d.since and any(
        d.first <= x.first <= (d.last or d.first) for x in days_in if x.first and d.first))]  # fmt: skip
    periods = [
        d for d in resolved if d.first and (d.precision in {"period", "month", "week", "year"} or d.since)
    ]
    if periods:
        return periods[0]
    days = [d for d in resolved if d.first]
    said = [
        d
        for d in days
        if re.search(
            r"\b(?:said|says|reported|announced|told)\s+(?:late\s+|early\s+)?(?:on\s+)?$", text[: d.start]
        )
    ]
    days = [d for d in days if d not in said] or said
    if days:
        return days[0]
    unresolved = [d for d in resolved if d.first is None]
    return unresolved[0] if unresolved else None


SPEECH_BOUNDARY = re.compile(r"[,;:(\"“”]|\b(?i:that|while|but)\b|\band\b(?= [A-Z])")


def left_boundary(text: str, end: int) -> int:
    """Start of the phrase that ends at ``end``: after the last comma, colon, 'that' ... before it."""
    left = 0
    for b in SPEECH_BOUNDARY.finditer(text, 0, end):
        left = b.end()
    return left


def speaker_spans(text: str) -> list[tuple[int, int]]:
    """Subjects of speech verbs ('Health authorities in North Kivu say'): places there are the
    speaker's, not the event's."""
    return [(left_boundary(text, m.start()), m.start()) for m in vocab().speech.finditer(text)]


def _is_country(p: PlaceMention) -> bool:
    return bool(p.place and p.place.place_type == "country")


def analyse(
    text: str,
    segments: list[Segment],
    published: dt.date | None,
    publisher: str | None,
    places: PlaceMatcher,
    check: Callable[[str], None] | None = None,
) -> DocContext:
    """Find dates, counts, places and organisations in every sentence; resolve references.
    ``check`` is called every 100 sentences (a report's time budget, loaders.limits.Budget)."""
    sents: list[Sent] = []
    body = "\n".join(text[seg.start : seg.end] for seg in segments if not seg.heading)
    lexicon = unknown_lexicon(body, places)
    lowercase = lowercase_vocabulary(body)
    geo: list[list[GeoMatch]] = []
    for idx, seg in enumerate(segments):
        if check is not None and idx % 100 == 0:
            check(f"analysing sentence {idx:,} of {len(segments):,}")
        s_text = text[seg.start : seg.end]
        dates = _year_from_neighbours(find_dates(s_text, published))
        dateline = _dateline_end(s_text, dates) if idx < 4 else 0
        dates = [d for d in dates if d.start >= dateline]
        orgs = org_matcher().find(s_text)
        masked = date_spans(dates) + [(o.start, o.end) for o in orgs] + [(0, dateline)]
        found = places.find(s_text, masked)
        unknown = unknown_places(s_text, found, masked, lexicon)
        found = [
            k for k in found if not any(u.start <= k.start and k.end <= u.end for u in unknown)
        ] + unknown
        found.sort(key=lambda p: p.start)
        taken = masked + [(p.start, p.end) for p in found]
        geo.append(
            [GeoMatch(u.start, u.end, u.text, c) for u in unknown if (c := geo_index().lookup(u.text))]
            + find_runs(s_text, taken, lowercase, seg.heading)
        )
        nums = find_numbers(s_text, [*date_spans(dates), (0, dateline)])
        sents.append(Sent(idx, seg.start, seg.end, seg.para, s_text, seg.heading, dates, nums, found, orgs))
    votes = country_votes(
        [m for ms in geo for m in ms], Counter(p.country for s in sents for p in s.places if p.country)
    )
    for sent, matches in zip(sents, geo, strict=True):
        if matches:
            sent.places = with_geonames(sent.places, matches, votes)
        sent.landmarks = {
            p.start for p in sent.places if LANDMARK.search(sent.text[max(0, p.start - 30) : p.start])
        }
        sent.described = {p.start: _described(sent.text, p) for p in sent.places}
    doc = DocContext(text, published, publisher, sents)
    doc.country = _main_country(sents)
    for sent in sents:
        sent.anaphors = _resolve_anaphors(doc, sent)
        _mark_siege(doc, sent)
        _introduced_people(doc, sent)
    return doc


_INTRODUCED = re.compile(r"^\s+(?:[a-z][\w-]*\s+){0,3}(?:[A-Z][a-z'’-]+\s+){0,2}([A-Z][a-z][\w'’-]+)")


def _introduced_people(doc: DocContext, sent: Sent) -> None:
    """'Sumy regional governor Dmytro Zhyvytskyi': a later 'Zhyvytskyi said' is that office speaking."""
    for org in sent.orgs:
        m = _INTRODUCED.match(sent.text[org.end :])
        if m and not org_matcher().find(m.group()):
            doc.people.setdefault(m.group(1), org.resolve(doc.country))


_TYPE_NOUN = r"(city|town|village|district|camp|enclave|province|governorate|region|port|settlement|site|area|neighbou?rhood)"
_TYPE_BEFORE = re.compile(rf"\b{_TYPE_NOUN}\s+of\s+(?:the\s+)?$", re.I)
_TYPE_AFTER = re.compile(rf"^\s+{_TYPE_NOUN}\b", re.I)


def _described(text: str, place: PlaceMention) -> str:
    """The type word written with a place: 'port city of Hodeidah' -> city, 'Mawiyah district' -> district."""
    inside = re.search(rf"\b{_TYPE_NOUN}\b", place.text, re.I)
    m = (
        inside
        or _TYPE_BEFORE.search(text[max(0, place.start - 25) : place.start])
        or _TYPE_AFTER.match(text[place.end :])
    )
    return m.group(1).lower() if m else ""


def _dateline_end(text: str, dates: list[DateMention]) -> int:
    m = _DATELINE.match(text)
    if m and any(d.end <= m.end() for d in dates):
        return m.end()
    return 0


def _year_from_neighbours(dates: list[DateMention]) -> list[DateMention]:
    """'memories of April 2017, when ... on April 15': a yearless date takes the year written beside it."""
    years = [
        d.first.year
        for d in dates
        if d.first and d.basis == "explicit" and d.precision in {"month", "year", "day"}
    ]
    if not years:
        return dates
    out = []
    for d in dates:
        if d.first and d.basis == "explicit_no_year+pubdate" and d.first.year != years[0]:
            with contextlib.suppress(ValueError):  # 29 February in a year without one
                d = replace(
                    d, first=d.first.replace(year=years[0]), last=d.last.replace(year=years[0]) if d.last else None,
                    basis="context",
                )  # fmt: skip
        out.append(d)
    return out


def _main_country(sents: list[Sent]) -> str | None:
    counts = Counter(p.country for s in sents for p in s.places if p.country)
    return counts.most_common(1)[0][0] if counts else None


def _resolve_anaphors(doc: DocContext, sent: Sent) -> list[PlaceMention]:
    out: list[PlaceMention] = []
    for m in _ANAPHOR.finditer(sent.text):
        word = m.group(1).lower()
        plural = (word.endswith("s") and word not in {"towns", "villages"}) or word in {"towns", "villages"}
        targets = _recent(doc, sent, m.start(), _KINDS.get(word, {"area"}), 2 if plural else 1, word)
        out.extend(
            PlaceMention(m.start(), m.end(), m.group() if t.place else t.text, t.place) for t in targets
        )
        sent.described[m.start()] = word.rstrip("s")
    for m in _THERE.finditer(sent.text):
        targets = _recent(doc, sent, m.start(), {"town", "area", "district", "camp"}, 1)
        out.extend(PlaceMention(m.end() - 5, m.end(), "there", t.place) for t in targets if t.place)
    for m in _DIRECTION.finditer(sent.text):
        direction = m.group(1).lower().replace("-", "")
        for earlier, _ in _earlier_places(doc, sent, m.start()):
            if direction in earlier.text.lower().replace(
                "-", ""
            ) or direction in earlier.name.lower().replace("-", ""):
                out.append(PlaceMention(m.start(), m.end(), m.group(), earlier.place))
                break
    return out


def _earlier_places(doc: DocContext, sent: Sent, before: int) -> list[tuple[PlaceMention, str]]:
    """Place mentions before position ``before`` of ``sent``, nearest first (up to 8 sentences back),
    leaving out countries and landmarks ('south of X')."""
    out = [
        (p, sent.described.get(p.start, ""))
        for p in reversed(sent.places)
        if p.end <= before and not sent.is_landmark(p)
    ]
    for j in range(sent.idx - 1, max(-1, sent.idx - 9), -1):
        prev = doc.sents[j]
        out.extend(
            (p, prev.described.get(p.start, ""))
            for p in reversed(doc.all_places(prev))
            if not prev.is_landmark(p)
        )
    return [(p, w) for p, w in out if not _is_country(p)]


def _recent(
    doc: DocContext, sent: Sent, before: int, kinds: set[str], count: int, word: str = ""
) -> list[PlaceMention]:
    """The latest places of a kind; a place written with the same word ('Al Abdiyah district' for
    'the district') wins over a nearer one of the same kind."""
    earlier = _earlier_places(doc, sent, before)
    singular = word[:-1] if word.endswith("s") else word
    # only among the nearest few: 'the city' is not a city named three paragraphs up
    named = [p for p, described in earlier[:4] if singular and described.startswith(singular[:5])]
    found: list[PlaceMention] = []
    for p in [*named, *(p for p, _ in earlier)]:
        if p.kind_word() in kinds and all(p.name != f.name for f in found):
            found.append(p)
            if len(found) == count:
                break
    return found


def _mark_siege(doc: DocContext, sent: Sent) -> None:
    v = vocab()
    status = None
    for name, pattern in (
        ("besieged", v.besieged),
        ("trapped", v.trapped),
        ("hard_to_reach", v.hard_to_reach),
    ):
        if pattern.search(sent.text):
            status = name
            break
    if status is None:
        return
    party = besieging_party(sent.text)
    since = next((d for d in sent.dates if d.since), None)
    for place in doc.all_places(sent):
        if _is_country(place):
            continue
        old = doc.siege.get(place.name)
        if old is None or _STATUS_RANK[status] < _STATUS_RANK[old.status]:
            doc.siege[place.name] = SiegeMark(
                status, party or (old.party if old else None), since or (old.since if old else None)
            )
        elif old.party is None and party:
            old.party = party
