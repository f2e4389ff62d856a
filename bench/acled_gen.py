"""A seeded generator of ACLED exports in the real 2023+ column layout, with realistic spreads.

Used by the ingest benchmark (a million rows is an ordinary country-years export) and by tests
that compare the streaming import with the straightforward one on a small file. The places come
from the built-in gazetteer (Syrian communities with coordinates), so the rows resolve the way a
real export does; the event mix and the fatalities tail follow ACLED's published Syria figures in
shape (mostly battles and shelling, most events without deaths, a long tail), not in detail.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

from loaders.gazetteer import builtin_places

HEADER = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip

# (event type, sub event type, disorder type, share)
EVENTS = [
    ("Battles", "Armed clash", "Political violence", 0.33),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Political violence", 0.22),
    ("Explosions/Remote violence", "Air/drone strike", "Political violence", 0.08),
    ("Violence against civilians", "Attack", "Political violence", 0.12),
    ("Violence against civilians", "Abduction/forced disappearance", "Political violence", 0.03),
    ("Protests", "Peaceful protest", "Demonstrations", 0.12),
    ("Riots", "Violent demonstration", "Demonstrations", 0.03),
    ("Strategic developments", "Looting/property destruction", "Strategic developments", 0.07),
]
ACTORS = [
    ("Military Forces of Syria (2000-2024)", "State forces"),
    ("Hayat Tahrir al-Sham", "Rebel group"),
    ("Islamic State (Syria)", "Rebel group"),
    ("SDF: Syrian Democratic Forces", "Rebel group"),
    ("Military Forces of Russia (2000-)", "External/Other forces"),
    ("Unidentified Armed Group (Syria)", "Political militia"),
]
CIVILIANS = ("Civilians (Syria)", "Civilians")
SOURCES = [
    "SOHR",
    "Syrian Network for Human Rights",
    "SANA",
    "Step News Agency",
    "Enab Baladi",
    "North Press Agency",
]
WORDS = [
    "shelled",
    "killed",
    "wounded",
    "village",
    "town",
    "checkpoint",
    "convoy",
    "market",
    "residential",
    "area",
    "rocket",
    "artillery",
    "drone",
    "strike",
    "clash",
    "fighters",
    "civilians",
    "children",
    "woman",
    "man",
    "near",
    "outskirts",
    "reported",
    "according",
    "to",
    "sources",
]


def _places() -> list[tuple[str, str, str, float, float]]:
    by_pcode = {p.pcode: p for p in builtin_places() if p.pcode}
    out = []
    for p in builtin_places():
        if p.country == "SYR" and p.lat is not None and p.admin_level == 4:
            district = by_pcode.get(p.parent_pcode or "")
            governorate = by_pcode.get(district.parent_pcode or "") if district else None
            out.append(
                (
                    p.name,
                    governorate.name if governorate else "",
                    district.name if district else "",
                    p.lat,
                    p.lon,
                )
            )
    return out or [("Douma", "Rural Damascus", "Duma", 33.57, 36.40)]


def _fatalities(rng: random.Random, event_type: str) -> int:
    if event_type in {"Protests", "Strategic developments"}:
        return 0
    if rng.random() < 0.55:
        return 0
    return min(int(rng.paretovariate(1.6)), 250)


def rows(count: int, seed: int = 2018, start: dt.date = dt.date(2016, 1, 1)) -> Iterator[list[str]]:
    """``count`` ACLED rows (lists of strings in HEADER order), the same for the same seed."""
    rng = random.Random(seed)
    places = _places()
    weights = [e[3] for e in EVENTS]
    span_days = 365 * 6
    for n in range(count):
        event_type, sub_type, disorder, _ = rng.choices(EVENTS, weights)[0]
        actor1, inter1 = rng.choice(ACTORS)
        targets_civilians = event_type == "Violence against civilians" or (
            event_type.startswith("Explosions") and rng.random() < 0.35
        )
        actor2, inter2 = CIVILIANS if targets_civilians else rng.choice(ACTORS)
        name, admin1, admin2, lat, lon = rng.choice(places)
        day = start + dt.timedelta(days=rng.randrange(span_days))
        fatalities = _fatalities(rng, event_type)
        notes = " ".join(rng.choices(WORDS, k=rng.randint(8, 40)))
        yield [
            f"SYR{n + 1}", day.strftime("%d %B %Y"), str(day.year), str(rng.choice([1, 1, 1, 2, 3])), disorder,
            event_type, sub_type, actor1, "", inter1, actor2, "", inter2, f"{inter1}-{inter2}",
            "Civilian targeting" if targets_civilians else "", "760", "Middle East", "Syria", admin1, admin2, "",
            name, f"{lat + rng.uniform(-0.01, 0.01):.4f}", f"{lon + rng.uniform(-0.01, 0.01):.4f}",
            str(rng.choice([1, 1, 2])), rng.choice(SOURCES), "National", notes.capitalize() + ".", str(fatalities),
            "", str(1_700_000_000 + n),
        ]  # fmt: skip


def write(path: Path, count: int, seed: int = 2018) -> Path:
    """Write an ACLED export of ``count`` rows to ``path`` (UTF-8, comma-separated)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed))
    return path
