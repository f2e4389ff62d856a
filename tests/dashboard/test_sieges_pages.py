"""The Overview and the Besieged populations page after a 2025 file lands in a 2018 store (issue 14,
item 2): 2018 figures expire (unknown, "–", listed with their last figure and date), hard to reach is
its own figure, Harasta went with eastern Ghouta, every figure shows its age, and the two ages are
settings the pages follow. Through streamlit's AppTest, as the other page tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db import sieges
from db.engine import dispose_all
from db.migrate import forget, upgrade
from tests.conftest import fresh_store_url
from tests.dashboard.seed import ROOT, Store, import_csv
from tests.db.test_sieges import BESIEGED_2018, CONVOYS_2025

APP = str(ROOT / "app.py")
BESIEGED_PAGE = "dashboard/pages/besieged.py"


@pytest.fixture
def store_2025(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    url = fresh_store_url(tmp_path)
    upgrade(url)
    for name, text in {"besieged.csv": BESIEGED_2018, "convoys-2025.csv": CONVOYS_2025}.items():
        import_csv(tmp_path, name, text, url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv(sieges.STALE_ENV, raising=False)
    monkeypatch.delenv(sieges.EXPIRE_ENV, raising=False)
    st.cache_data.clear()
    yield Store(url, tmp_path / "store.db", {})
    forget(url)
    dispose_all()
    st.cache_data.clear()


def _app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_overview_of_a_2025_week_shows_2018_figures_as_unknown(store_2025: Store) -> None:
    at = _app()
    assert at.selectbox(key="overview_week").value == dt.date(2025, 5, 12)  # the 2025 convoy's week
    metrics = _metrics(at)
    # Madaya's 40,000 (20 Feb 2018) and Rukban's 50,000 (31 Jan 2018) are years old: unknown, not counted.
    assert metrics["People besieged"] == "–"
    assert metrics["People hard to reach"] == "–"
    assert metrics["People trapped"] == "0"
    assert metrics["Places under siege"] == "0"
    assert (
        "Unknown (no observation in the last 180 days, so not in the totals): "
        "Rukban (hard to reach: last 50,000 on 31 Jan 2018); Madaya (besieged: last 40,000 on 20 Feb 2018)."
    ) in _captions(at)
    table = at.dataframe[0].value  # the figures with their age
    assert table[["place", "population", "last figure"]].values.tolist() == [
        ["Rukban", "–", "50,000"], ["Madaya", "–", "40,000"],
    ]  # fmt: skip
    # 20 Feb 2018 to Sun 18 May 2025: 2,644 days.
    assert table.set_index("place").loc["Madaya", "age"] == "2,644 days old (expired: not in totals)"


def test_the_overview_follows_the_age_settings(store_2025: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sieges.STALE_ENV, "3000")
    monkeypatch.setenv(sieges.EXPIRE_ENV, "5000")
    at = _app()
    metrics = _metrics(at)
    # Nothing expires now: Madaya counts as besieged, Rukban stays apart; Harasta went with eastern
    # Ghouta on 14 Apr 2018 whatever the ages.
    assert metrics["People besieged"] == "40,000"
    assert metrics["People hard to reach"] == "50,000"
    assert metrics["Places under siege"] == "1"
    table = at.dataframe[0].value.set_index("place")
    assert sorted(table.index) == ["Madaya", "Rukban"]
    assert table.loc["Madaya", "age"] == "2,644 days old"


def test_besieged_page_lists_expired_figures_with_their_age(store_2025: Store) -> None:
    at = _app(BESIEGED_PAGE)
    metrics = _metrics(at)
    besieged = [v for k, v in metrics.items() if k.startswith("People besieged on ")]
    assert besieged == ["–"]
    assert metrics["People hard to reach"] == "–" and metrics["Places under siege"] == "0"
    table = at.dataframe[0].value.set_index("place")
    assert table.loc["Madaya", "population"] == "–" and table.loc["Madaya", "last figure"] == "40,000"
    assert str(table.loc["Madaya", "as of"]).startswith("2018-02-20")
    assert table.loc["Rukban", "figure"] == "hard to reach"
    assert "Harasta" not in table.index
    assert "Madaya (besieged: last 40,000 on 20 Feb 2018)" in _captions(at)


def test_besieged_page_marks_stale_figures(store_2025: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sieges.STALE_ENV, "2000")
    monkeypatch.setenv(sieges.EXPIRE_ENV, "9000")
    at = _app(BESIEGED_PAGE)
    metrics = _metrics(at)
    assert [v for k, v in metrics.items() if k.startswith("People besieged on ")] == ["40,000"]
    assert metrics["People hard to reach"] == "50,000"  # its own figure, not added into the 40,000
    ages = at.dataframe[0].value.set_index("place")["age"]
    assert ages["Madaya"].endswith("days old (stale)") and ages["Rukban"].endswith("days old (stale)")
