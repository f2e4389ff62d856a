"""Places named in prose: the gazetteer's names and variants (Latin transliterations and Arabic),
plus unknown place-like names ('in Tawila', 'Hays district'), which are kept as written and flagged.

Matching works on word n-grams folded with ``name_key`` (case, accents, hyphens, the Arabic
article), so 'al-Fu'ah', 'Al Fuah' and 'الفوعة' meet; the matcher is built once per gazetteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from loaders.gazetteer import builtin_places
from loaders.normalise.countries import country_iso3
from loaders.normalise.names import name_key
from loaders.records import PlaceRecord

_TOKEN = re.compile(r"[^\s,.;:!?()\[\]{}\"“”/|<>]+")
_MONTHS_DAYS = re.compile(
    r"^(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$"
)
_TYPE_WORDS = r"district|camp|town|village|city|province|governorate|region|state|oblast|neighbourhood|neighborhood|area|crossing|checkpoint|locality|county|municipality|sub-district|settlement|hospital|market|port"
_UNKNOWN = re.compile(
    r"(?<!according )(?:\b(?i:in|at|near|into|towards?|from|reached|reach|entered|outside|inside|around|to|hit|struck|shelled|bombed|of the (?:town|village|city|district|camp|neighbou?rhood|area|locality) of)\s+(?P<the>the\s+)?)"
    r"(?P<name>(?:(?:al|el|Al|El|ad|ar|as|ash|an|az|Ad|Ar|As|An)[-\s])?[A-Z][\w'’]+(?:[-\s](?:(?:al|el|ad|ar|as|an)-)?[A-Z][\w'’]+){0,3}"
    rf"(?:\s(?:{_TYPE_WORDS}))?)"
)
# 'Abu Shouk camp', 'Karari locality', 'Bulengo site': a name with its type word is a place wherever it is.
_TYPED = re.compile(
    r"(?<![\w-])(?P<name>(?:(?:al|el|Al|El)[-\s])?[A-Z][a-z][\w'’]*(?:[-\s](?:(?:al|el)-)?[A-Z][\w'’]+){0,2}\s"
    r"(?:camp|site|locality|district|sub-district|village|neighbou?rhood|settlement|county|municipality|IDP camp))\b"
)
_NOT_PLACES = {
    "the",
    "un",
    "united",
    "nations",
    "security",
    "council",
    "government",
    "president",
    "minister",
    "army",
    "coalition",
    "forces",
    "state",
    "ministry",
    "office",
    "agency",
    "committee",
    "red",
    "cross",
    "crescent",
    "press",
    "reuters",
    "afp",
    "ap",
    "tv",
    "media",
    "war",
    "islamic",
    "christmas",
    "ramadan",
    "eid",
    "geneva",
    "conventions",
    "english",
    "arabic",
    "operation",
    "plan",
    "programme",
    "program",
    "deputy",
    "general",
    "secretary-general",
    "chief",
    "spokesman",
    "spokeswoman",
    "council's",
    "it",
    "its",
    "their",
}


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer place, with its ancestors' names (nearest first, countries left out)."""

    name: str
    place_type: str | None
    admin_level: int | None
    country: str | None
    ancestors: tuple[str, ...]
    lat: float | None = None  # set for places found through GeoNames (the built-in ones resolve by name)
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class PlaceMention:
    start: int
    end: int
    text: str
    place: Place | None  # None: not in the gazetteer, kept as written

    @property
    def name(self) -> str:
        return self.place.name if self.place else _GENERIC_TYPE.sub("", self.text)

    @property
    def parts(self) -> list[str]:
        """location_parts: this place, then its ancestors (not the country)."""
        return [self.name, *(self.place.ancestors if self.place else ())]

    @property
    def country(self) -> str | None:
        return self.place.country if self.place else None

    def kind_word(self) -> str:
        """A coarse type for 'the city', 'the district', 'the camp' references."""
        low = self.text.lower()
        ptype = self.place.place_type if self.place else None
        level = self.place.admin_level if self.place else None
        for word, kind in (("district", "district"), ("camp", "camp"), ("province", "province"),
                           ("governorate", "province"), ("region", "province"), ("oblast", "province"),
                           ("village", "town"), ("town", "town"), ("city", "town"), ("neighbourhood", "area")):  # fmt: skip
            if word in low:
                return kind
        if ptype == "camp":
            return "camp"
        if ptype in {"admin2", "admin3"}:
            return "district"
        if ptype == "admin1":
            return "province"
        if ptype == "country":
            return "country"
        if level == 4 or ptype == "community":
            return "town"
        return "area"


def _ancestors(
    place: PlaceRecord, by_code: dict[str, PlaceRecord], by_name: dict[str, PlaceRecord]
) -> tuple[str, ...]:
    out: list[str] = []
    current = place
    for _ in range(6):
        parent = by_code.get(current.parent_pcode or "") or by_name.get(current.parent_name or "")
        if parent is None or parent.place_type == "country":
            break
        if parent.name != place.name and parent.name not in out:
            out.append(parent.name)
        current = parent
    return tuple(out)


def _rank(place: Place, alias: str) -> tuple[int, int]:
    exact = 0 if name_key(place.name) == name_key(alias) else 1
    level = {"community": 0, "camp": 1, "neighbourhood": 1, "area": 2, "crossing": 2, "admin3": 3, "admin2": 4,
             "admin1": 5, "country": 6}.get(place.place_type or "", 3)  # fmt: skip
    return level, exact  # 'Duma' in a report is the town more often than the district named after it


class PlaceMatcher:
    """Finds gazetteer places in text. Build once (``matcher()``), use for every report."""

    def __init__(self, records: list[PlaceRecord], extra: list[tuple[str, tuple[str, ...]]] = ()) -> None:  # type: ignore[assignment]
        by_code = {r.pcode: r for r in records if r.pcode}
        by_name = {r.name: r for r in records}
        candidates: dict[str, list[tuple[tuple[int, int], Place, bool]]] = {}
        self.aliases: list[str] = []
        self.by_name: dict[str, Place] = {}
        for rec in records:
            place = Place(
                rec.name, rec.place_type, rec.admin_level, rec.country, _ancestors(rec, by_code, by_name)
            )
            self.by_name.setdefault(rec.name, place)
            for alias in (rec.name, *rec.alt_names):
                self._add(candidates, alias, place)
        for name, alts in extra:
            place = Place(name, None, None, None, ())
            for alias in (name, *alts):
                self._add(candidates, alias, place)
        self.index = {k: (sorted(v, key=lambda c: c[0])[0][1], v[0][2]) for k, v in candidates.items()}
        self.every: dict[str, list[Place]] = {k: [c[1] for c in v] for k, v in candidates.items()}
        # Longest alias (in words) for each first-word key: most words start no place and are skipped.
        self.longest: dict[str, int] = {}
        for alias in self.aliases:
            words = _TOKEN.findall(alias)
            if words:
                first = name_key(words[0])
                self.longest[first] = max(self.longest.get(first, 0), len(words))

    def _add(self, candidates: dict, alias: str, place: Place) -> None:
        # An alias with no capital and no Arabic ('coastal road') is too common a phrase to match.
        if not re.search(r"[A-Z\u0600-\u06ff\u0400-\u04ff]", alias):
            return
        key = name_key(alias)
        if key and len(key) >= 3:
            self.aliases.append(alias)
            capital = alias[:1].isupper()
            candidates.setdefault(key, []).append((_rank(place, alias), place, capital))

    def find(self, text: str, masked: list[tuple[int, int]] = ()) -> list[PlaceMention]:  # type: ignore[assignment]
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        firsts = [self.longest.get(name_key(t[2]), 0) for t in tokens]
        found: list[PlaceMention] = []
        i = 0
        while i < len(tokens):
            hit = self._longest(text, tokens, i, masked, firsts[i]) if firsts[i] else None
            if hit is None:
                i += 1
                continue
            mention, used = hit
            if not (
                found
                and found[-1].place == mention.place
                and _parenthesised(text, found[-1].end, mention.start)
            ):
                found.append(mention)
            i += used
        return found

    def _longest(
        self,
        text: str,
        tokens: list[tuple[int, int, str]],
        i: int,
        masked,
        longest: int,  # type: ignore[no-untyped-def]
    ) -> tuple[PlaceMention, int] | None:
        for n in range(min(longest, len(tokens) - i), 0, -1):
            start, end = tokens[i][0], tokens[i + n - 1][1]
            if any(s < end and start < e for s, e in masked):
                continue
            phrase = text[start:end]
            for variant in _variants(phrase):
                entry = self.index.get(name_key(variant))
                if entry is None:
                    continue
                place, capital = entry
                if capital and not re.match(
                    r"[A-Z\u0600-\u06ff\u0400-\u04ff]|(?:al|el|ad|ar|as|an)-", variant
                ):
                    continue
                return PlaceMention(start, start + len(variant), variant, place), n
        return None


def _variants(phrase: str) -> list[str]:
    """'Gaza's' -> 'Gaza'; 'El Fasher-bound' -> 'El Fasher'."""
    out = [phrase]
    stripped = re.sub(r"['’]s$", "", phrase)
    if stripped != phrase:
        out.append(stripped)
    m = re.match(r"^(.*[A-Za-z])-(?:bound|based|held|run|controlled|led|backed|area|wide)$", stripped)
    if m:
        out.append(m.group(1))
    return out


def _parenthesised(text: str, prev_end: int, start: int) -> bool:
    """'Douma (دوما)': the name in brackets repeats the one before it."""
    return re.fullmatch(r"\s*\(\s*", text[prev_end:start]) is not None


@lru_cache(maxsize=8)
def matcher(extra: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> PlaceMatcher:
    return PlaceMatcher(builtin_places(), list(extra))


_STOP_WORD = re.compile(
    r"\s+(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|(?!(?:I{1,3}|IV|V|VI{1,3})\b)[A-Z]{2,})\b.*$"
)
_ORG_WORD = re.compile(
    r"\b(?:Association|Organi[sz]ation|Council|Committee|Ministry|Office|Agency|Society|Network|Federation|Union|"
    r"Party|Movement|Forces|Army|Front|Brigade|Group|Coalition|Commission|Foundation|Institute|Programme|Fund|Bank|"
    r"University|Company|Centre|Center|Authority|Authorities|Police|Government|Administration|Observatory|Room)\b"
)
_GENERIC_TYPE = re.compile(r"\s+(?:town|city|village)$", re.I)


def _candidate(name: str) -> str | None:
    """Trim a captured name ('Kurakhove Tue' -> 'Kurakhove'); None when it is not a place name."""
    name = _STOP_WORD.sub("", name)
    words = re.split(r"[\s-]+", name)
    if any(w.lower().strip("'’s") in _NOT_PLACES for w in words) or _MONTHS_DAYS.match(words[0]):
        return None
    if _ORG_WORD.search(name) or country_iso3(name):
        return None  # 'the Darfur Bar Association', 'Chad' (countries are not fact places)
    if len(name) < 3 or re.search(r"['’]s$", name):
        return None  # 'in Assad's favour' names a person, not a place
    return name


_FUNCTION_WORDS = {
    "on",
    "in",
    "at",
    "near",
    "with",
    "from",
    "to",
    "and",
    "or",
    "after",
    "before",
    "for",
    "by",
    "since",
    "was",
    "were",
    "is",
    "are",
    "had",
    "has",
    "have",
    "which",
    "where",
    "when",
    "until",
    "as",
    "but",
}


def _adjective(text: str, m: re.Match[str]) -> bool:
    """'the Dutch base', 'the Jordanian border': a capitalised adjective before a common noun."""
    nxt = re.match(r"\s+([a-z]+)", text[m.end("name") :])
    return bool(m.group("the")) and nxt is not None and nxt.group(1) not in _FUNCTION_WORDS


def unknown_lexicon(text: str, places: PlaceMatcher) -> set[str]:
    """Names the whole document uses as places ('to Avdiivka') though the gazetteer lacks them."""
    names = set()
    for m in _UNKNOWN.finditer(text):
        if _adjective(text, m):
            continue
        name = _candidate(m.group("name"))
        if name and not places.index.get(name_key(name)):
            names.add(_GENERIC_TYPE.sub("", name))
    return names


def unknown_places(
    text: str,
    known: list[PlaceMention],
    masked: list[tuple[int, int]],
    lexicon: frozenset[str] | set[str] = frozenset(),
) -> list[PlaceMention]:
    """Capitalised names after 'in', 'near', 'reached' ... that the gazetteer does not know, and any
    name of ``lexicon`` (found that way elsewhere in the document)."""
    out: list[PlaceMention] = []
    spans = [(m.start("name"), m.group("name")) for m in _UNKNOWN.finditer(text) if not _adjective(text, m)]
    spans += [(m.start("name"), m.group("name")) for m in _TYPED.finditer(text)]
    for name in lexicon:
        spans += [(m.start(), m.group()) for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]
    for start, raw in sorted(spans):
        candidate = _candidate(raw)
        if candidate is None:
            continue
        name = candidate
        end = start + len(name)
        if any(s < end and start < e for s, e in masked) or any(o.start < end and start < o.end for o in out):
            continue
        inside = [k for k in known if k.start < end and start < k.end]
        if inside and not all(
            start <= k.start and k.end <= end and len(name) > len(k.text) + 3 for k in inside
        ):
            continue  # a known place wins unless the name extends it ('Daraa al-Balad', 'Wadi Gaza')
        out.append(PlaceMention(start, end, name, None))
    return out
