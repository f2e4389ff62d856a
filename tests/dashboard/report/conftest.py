"""Weekly report fixtures: the demo dataset (demo/*.csv) in temp-file SQLite stores, loaded the real
way (loaders.registry.load_file, then db.writer.write_import); never the live data/ store.

``demo_store``: the demo data only. ``tricky_store``: the demo data plus two convoys in 2018-W10
from an HXL file, to a Lebanese place with an Arabic name (دوما, not the gazetteer's Syrian Douma)
and to a place whose name is HTML, one of them run by an organisation named like a formula.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.auth import Actor
from db.engine import dispose_all
from db.migrate import forget, upgrade
from db.writer import write_import
from loaders.registry import load_file

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "demo"
W10 = dt.date(2018, 3, 5)
FORMULA = '=HYPERLINK("http://x","y")'
HTML_PLACE = "<b>Douma</b><script>alert(1)</script>"
ARABIC_PLACE = "دوما"
EXTRA_HXL = f"""Convoy date,Destination,Country,Agencies,Trucks,People reached,Outcome,Ref
#date,#loc+name,#country+code,#org,#indicator+trucks,#reached,#status,#activity+code
2018-03-06,{ARABIC_PLACE},LBN,"{FORMULA.replace('"', '""')}",3,2,delivered,X-1
2018-03-07,{HTML_PLACE},SYR,SARC,4,1000,blocked,X-2
"""


def _copy(url: str, target: Path) -> str:
    """A consistent copy of a SQLite store (the backup API: the WAL file's pages included)."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


def _load(url: str, paths: list[Path]) -> None:
    upgrade(url)
    for path in paths:
        write_import(load_file(path), actor=Actor("test", "editor"), url=url)
    forget(url)
    dispose_all()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a store holding the demo dataset (tests only read it)."""
    folder = tmp_path_factory.mktemp("report-demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    _load(url, [DEMO / n for n in ("besieged.csv", "convoys.csv", "tolls.csv")])
    return url


@pytest.fixture(scope="session")
def tricky_store(demo_store: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("report-tricky")
    url = _copy(demo_store, folder / "tricky.db")
    extra = folder / "extra_convoys_hxl.csv"
    extra.write_text(EXTRA_HXL, encoding="utf-8")
    _load(url, [extra])
    return url


@pytest.fixture
def writable_demo(demo_store: str, tmp_path: Path) -> Iterator[str]:
    """A private copy of the demo store, for tests that change review statuses."""
    url = _copy(demo_store, tmp_path / "demo.db")
    yield url
    forget(url)
    dispose_all()
