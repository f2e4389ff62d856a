"""The demo-like seed: small CSVs in the project's table layouts and the facts they imply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from db.auth import Actor
from db.writer import ImportSummary, write_import
from loaders.registry import load_file

ROOT = Path(__file__).resolve().parents[2]

# Convoy C-02 has two status rows (planned in W09, items removed in W10): it counts once, in W10.
# Row 9 has no place: the one rejected row.
CONVOYS_CSV = """date,place,admin1,organisations,trucks,people_served,outcome,convoy_id,notes
2018-02-14,Douma,Rural Damascus,UN; SARC; ICRC,9,7200,delivered,C-01,
2018-03-01,Douma,Rural Damascus,UN; SARC; ICRC,46,27500,planned,C-02,
2018-03-05,Douma,Rural Damascus,UN; SARC; ICRC,,,items_removed,C-02,medical items removed
2018-03-09,Douma,Rural Damascus,UN; SARC; ICRC,13,5000,blocked,C-03,
2018-02-27,Madaya,Rural Damascus,UN; SARC,20,4000,delivered,C-04,
2018-03-15,Douma,Rural Damascus,UN; SARC; ICRC,13,,delivered,C-05,
2018-03-07,Beit Sawa farms,Rural Damascus,SARC,4,1000,delivered,C-06,
2018-03-08,,Rural Damascus,SARC,4,1000,delivered,C-07,
"""

# Eastern Ghouta and Douma (inside it) observed on the same date: Douma must not be added on top.
BESIEGED_CSV = """date,place,admin1,population,status,sources
2018-02-20,Madaya,Rural Damascus,40000,besieged,OCHA
2018-03-01,Eastern Ghouta,Rural Damascus,393000,besieged,OCHA
2018-03-01,Douma,Rural Damascus,140000,besieged,OCHA
2018-03-12,Eastern Ghouta,Rural Damascus,390000-400000,besieged,SAMS
"""

# Two sources for the same place and week (940 vs 1000): a range, never 1,940.
TOLLS_CSV = """period_start,period_end,place,admin1,killed,injured,sources
2018-02-26,2018-03-04,Eastern Ghouta,Rural Damascus,300,1200,SOHR
2018-03-05,2018-03-11,Eastern Ghouta,Rural Damascus,940,3000,SOHR
2018-03-05,2018-03-11,Eastern Ghouta,Rural Damascus,1000,3500,SAMS
"""

SEED_FILES = {"convoys.csv": CONVOYS_CSV, "besieged.csv": BESIEGED_CSV, "tolls.csv": TOLLS_CSV}
LATEST_WEEK = dt.date(2018, 3, 12)  # the Monday of 2018-W11, the last week with data
W10 = dt.date(2018, 3, 5)


@dataclass(frozen=True, slots=True)
class Store:
    url: str
    path: Path
    summaries: dict[str, ImportSummary]


def import_csv(folder: Path, name: str, text: str, url: str) -> ImportSummary:
    """Write one CSV and store it the real way: registry detection and loader, then the writer."""
    file = folder / name
    file.write_text(text, encoding="utf-8")
    return write_import(load_file(file), actor=Actor("test", "editor"), url=url)
