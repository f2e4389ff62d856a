"""Viewers are outside the sensitive boundary (issue 13, item 14): they see what the public weekly
report shows. The Map gives a viewer each place at its admin-2 area, never its own coordinates, and
the public report's suppression threshold cannot be lowered by a viewer: not on the page, not by
calling build_report or the export functions, not on the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import cli
from dashboard.report.files import export_files, record_export
from dashboard.report.model import MIN_PUBLIC_THRESHOLD, ReportError, ReportOptions, build_report
from db import lookups, queries
from db.auth import add_user, audit_events
from db.shapes import place_figures
from tests.conftest import ADMIN, EDITOR, VIEWER
from tests.dashboard.conftest import _reset, _seed, _use, login
from tests.dashboard.report.conftest import W10
from tests.dashboard.seed import LATEST_WEEK, ROOT, Store

APP = str(ROOT / "app.py")
PASSWORD = "correct horse battery staple 42"


@pytest.fixture(scope="module")
def team_template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The seeded store, our own copy: these tests add accounts (the shared seeded store has none)."""
    return _seed(tmp_path_factory.mktemp("boundary"))


@pytest.fixture
def team_store(team_template: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    _use(team_template.url, monkeypatch)
    yield team_template
    _reset(team_template.url)


def _map(url: str, role: str, metric: str = "convoys") -> AppTest:
    at = login(AppTest.from_file(APP, default_timeout=30), url, f"a-{role}", role)
    at.run()
    at.switch_page("dashboard/pages/map.py").run()
    at.selectbox(key="map_metric").set_value(metric).run()
    at.radio(key="map_period").set_value("range").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _points(at: AppTest) -> list[tuple[float, float]]:
    spec: dict[str, Any] = json.loads(at.get("plotly_chart")[0].proto.spec)
    trace = next(t for t in spec["data"] if t["type"] == "scattermap")
    return sorted(zip(trace["lat"], trace["lon"], strict=True))


def _coordinates(url: str, metric: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(own, area) coordinates of every place on the map: place_id, lat, lon."""
    span = queries.data_range(url)
    assert span is not None
    frame = place_figures(metric, span[0], span[1], url=url).frame
    areas = lookups.place_details(frame["place_id"].astype(int).tolist(), queries.place_parents(url), url)
    area = areas.rename(columns={"admin2_lat": "a_lat", "admin2_lon": "a_lon"})[
        ["place_id", "a_lat", "a_lon"]
    ]
    return frame[["place_id", "place", "lat", "lon"]], area


@pytest.mark.parametrize("metric", ["convoys", "besieged", "killed"])
def test_a_viewer_map_shows_admin2_areas_not_exact_coordinates(team_store: Store, metric: str) -> None:
    own, area = _coordinates(team_store.url, metric)
    both = own.merge(area, on="place_id")
    exact = sorted((float(r.lat), float(r.lon)) for r in both.dropna(subset=["lat", "lon"]).itertuples())
    blurred = sorted(
        (float(r.a_lat), float(r.a_lon)) for r in both.dropna(subset=["a_lat", "a_lon"]).itertuples()
    )
    hidden = {(float(r.lat), float(r.lon)) for r in both.dropna(subset=["lat", "lon"]).itertuples()} - set(
        blurred
    )
    assert hidden, "the seed must hold a place whose own coordinates differ from its area's"

    editor = _map(team_store.url, "editor", metric)
    assert _points(editor) == exact
    viewer = _map(team_store.url, "viewer", metric)
    assert _points(viewer) == blurred
    table = viewer.dataframe[0].value
    shown = {(float(a), float(b)) for a, b in zip(table["lat"], table["lon"], strict=True) if pd.notna(a)}
    assert not shown & hidden  # the table and its CSV carry no exact position either
    assert any("admin-2 area" in c.value for c in viewer.caption)


def test_a_viewer_data_page_lists_no_coordinates(team_store: Store) -> None:
    at = login(AppTest.from_file(APP, default_timeout=30), team_store.url, "a-viewer", "viewer")
    at.run()
    at.switch_page("dashboard/pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert all("lat" not in t.value.columns and "lon" not in t.value.columns for t in at.dataframe)


@pytest.mark.parametrize("threshold", [1, 2, MIN_PUBLIC_THRESHOLD - 1, 0, -3])
def test_a_viewer_may_not_lower_the_public_threshold(team_store: Store, threshold: int) -> None:
    with pytest.raises(ReportError, match="threshold"):
        build_report(ReportOptions(LATEST_WEEK, threshold=threshold), team_store.url, actor=VIEWER)


def test_the_threshold_rule_by_role(team_store: Store) -> None:
    url = team_store.url
    for threshold in (MIN_PUBLIC_THRESHOLD, MIN_PUBLIC_THRESHOLD + 5):
        assert build_report(ReportOptions(LATEST_WEEK, threshold=threshold), url, actor=VIEWER).has_data
    for actor in (EDITOR, ADMIN):  # inside the boundary: they may read the exact counts anyway
        report = build_report(ReportOptions(LATEST_WEEK, threshold=1), url, actor=actor)
        assert report.options.threshold == 1
        with pytest.raises(ReportError, match="1 or more"):
            build_report(ReportOptions(LATEST_WEEK, threshold=0), url, actor=actor)
    # A report an editor built with threshold 1 is not a viewer's to export or download.
    low = build_report(ReportOptions(LATEST_WEEK, threshold=1), url, actor=EDITOR)
    with pytest.raises(ReportError, match="threshold"):
        export_files(low, "csv", actor=VIEWER, url=url)
    with pytest.raises(ReportError, match="threshold"):
        record_export(low, "csv", actor=VIEWER, url=url)
    events = audit_events(ADMIN, action="export", url=url)
    assert VIEWER.name not in set(events["user"])  # refused before its audit line: nothing went out


def test_the_report_page_offers_a_viewer_no_lower_threshold(team_store: Store) -> None:
    at = login(AppTest.from_file(APP, default_timeout=30), team_store.url, "a-viewer", "viewer")
    at.run()
    at.switch_page("dashboard/pages/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.number_input(key="report_threshold")
    assert box.min == MIN_PUBLIC_THRESHOLD and box.value == MIN_PUBLIC_THRESHOLD
    editor = login(AppTest.from_file(APP, default_timeout=30), team_store.url, "a-editor", "editor")
    editor.run()
    editor.switch_page("dashboard/pages/report.py").run()
    assert editor.number_input(key="report_threshold").min == 1


def test_the_command_line_refuses_a_viewer_threshold(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo"]) == 0
    add_user("amal", PASSWORD, "viewer", actor=ADMIN, url=store_url)
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", PASSWORD)
    capsys.readouterr()
    out = tmp_path / "weekly"
    args = ["--user", "amal", "export", "--week", f"{W10:%G-W%V}", "--format", "csv", "--out", str(out)]
    assert cli.main([*args, "--threshold", "1"]) == 2
    message = capsys.readouterr().err
    assert "threshold 1 refused" in message and f"Use {MIN_PUBLIC_THRESHOLD} or more" in message
    assert not out.exists()
    assert cli.main([*args, "--threshold", str(MIN_PUBLIC_THRESHOLD)]) == 0
