"""The Weekly report page through AppTest, on the demo-like seeded store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db.migrate import upgrade
from tests.dashboard.report.test_unknown import load
from tests.dashboard.seed import ROOT, Store

PAGE = "dashboard/pages/report.py"


def _page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_offers_every_format(seeded_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_MONITOR_PDF_CHARTS", "off")
    at = _page()
    assert at.selectbox(key="report_week").value.isoformat() == "2018-03-12"  # the latest active week
    keys = {b.key for b in at.get("download_button")}
    assert keys == {
        "report_download_xlsx",
        "report_download_html",
        "report_download_csv",
        "report_download_hxl",
    }
    assert any("public variant" in c.value for c in at.caption)
    at.button(key="report_build_pdf").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "report_download_pdf" in {b.key for b in at.get("download_button")}


def test_page_switches_variant_and_week(seeded_store: Store) -> None:
    at = _page()
    at.radio(key="report_variant").set_value("internal").run()
    assert any("confirmed and pending" in c.value for c in at.caption)
    at.selectbox(key="report_week").select_index(1).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2018-W10" in c.value and "internal variant" in c.value for c in at.caption)


def test_page_on_an_empty_store(empty_store: Store) -> None:
    at = _page()
    assert any("no facts yet" in i.value for i in at.info)


def test_page_makes_the_report_of_a_quiet_week(empty_store: Store, tmp_path: Path) -> None:
    # tests/dashboard/report/test_unknown.py's store: 2018-W04 has no dated fact, Madaya's siege
    # carries through it. The report is made, says so, and offers its files (it used to stop here).
    upgrade(empty_store.url)
    load(tmp_path, empty_store.url)
    st.cache_data.clear()
    at = _page()
    at.selectbox(key="report_week").set_value(dt.date(2018, 1, 22)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("what carries through it" in i.value for i in at.info)
    assert "report_download_xlsx" in {b.key for b in at.get("download_button")}
