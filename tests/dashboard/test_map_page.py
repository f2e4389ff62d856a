"""AppTest over the Map page: empty and seeded stores, the keyed widgets, imported boundaries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from db.auth import Actor
from db.shapes import place_figures
from db.writer import write_import
from loaders.registry import load_file
from tests.dashboard.seed import LATEST_WEEK, ROOT, SEED_FILES, W10, Store, import_csv

APP = str(ROOT / "app.py")
MAP_PAGE = "dashboard/pages/map.py"
TIMEOUT = 30


def _map() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(MAP_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Map"
    return at


def _figure(at: AppTest) -> dict[str, Any]:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def _table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def _expected(metric: str, start: dt.date, end: dt.date, url: str) -> list[tuple[str, int, int, int]]:
    frame = place_figures(metric, start, end, url=url).frame
    return [(r.place, int(r.low), int(r.high), int(r.sources)) for r in frame.itertuples()]


def _shown(at: AppTest) -> list[tuple[str, int, int, int]]:
    table = _table(at)
    return [(r.place, int(r.low), int(r.high), int(r.sources)) for r in table.itertuples()]


def _assert_offline(figure: dict[str, Any]) -> None:
    layout = figure["layout"]
    assert "geo" not in layout and "mapbox" not in layout
    assert layout["map"]["style"] == "white-bg"
    assert all(isinstance(layer["source"], dict) for layer in layout["map"]["layers"])
    assert "http" not in json.dumps(figure)


def test_map_on_empty_store_draws_outlines_and_says_how_to_load(empty_store: Store) -> None:
    at = _map()
    assert "no facts yet" in at.info[0].value and "Import" in at.info[0].value
    figure = _figure(at)
    _assert_offline(figure)
    assert figure["data"] == []
    countries = figure["layout"]["map"]["layers"][0]["source"]["features"]
    assert len(countries) > 150  # the whole world: nothing to zoom to yet
    assert not at.dataframe


def test_map_defaults_to_latest_week_and_shows_query_figures(seeded_store: Store) -> None:
    at = _map()
    assert at.selectbox(key="map_metric").value == "convoys"
    assert at.selectbox(key="map_week").value == LATEST_WEEK
    end = LATEST_WEEK + dt.timedelta(days=6)
    assert _shown(at) == _expected("convoys", LATEST_WEEK, end, seeded_store.url) == [("Douma", 1, 1, 1)]
    figure = _figure(at)
    _assert_offline(figure)
    (points,) = figure["data"]
    assert points["type"] == "scattermap" and points["text"] == ["Douma"]
    names = {f["properties"]["name"] for f in figure["layout"]["map"]["layers"][0]["source"]["features"]}
    assert "Syria" in names and "Brazil" not in names  # only the neighbourhood is sent
    assert "each convoy counted once" in at.caption[0].value


def test_places_without_coordinates_are_listed(seeded_store: Store) -> None:
    at = _map()
    at.selectbox(key="map_week").set_value(W10).run()
    assert not at.exception
    assert _shown(at) == [("Douma", 2, 2, 1), ("Beit Sawa farms", 1, 1, 1)]
    assert "Beit Sawa farms (1)" in at.warning[0].value and "no coordinates" in at.warning[0].value
    assert _figure(at)["data"][0]["text"] == ["Douma"]


def test_tolls_are_sized_by_the_chosen_end_of_the_range(seeded_store: Store) -> None:
    at = _map()
    at.selectbox(key="map_week").set_value(W10).run()
    at.selectbox(key="map_metric").set_value("killed").run()
    assert not at.exception
    assert _table(at)["Civilians killed"].tolist() == ["940–1,000"]
    assert "never summed across sources" in at.caption[0].value and "high end" in at.caption[0].value
    assert "2 estimating source(s)" in at.caption[1].value
    assert _figure(at)["data"][0]["marker"]["color"] == [1000.0]
    at.radio(key="map_size_by").set_value("low").run()
    assert _figure(at)["data"][0]["marker"]["color"] == [940.0]
    assert "low end" in at.caption[0].value


def test_date_range_period(seeded_store: Store) -> None:
    at = _map()
    at.selectbox(key="map_metric").set_value("killed").run()
    at.radio(key="map_period").set_value("range").run()
    at.date_input(key="map_range").set_value((dt.date(2018, 2, 26), dt.date(2018, 3, 18))).run()
    assert not at.exception
    start, end = dt.date(2018, 2, 26), dt.date(2018, 3, 18)
    assert (
        _shown(at) == _expected("killed", start, end, seeded_store.url) == [("eastern Ghouta", 1240, 1300, 2)]
    )


def test_besieged_and_pending_scope(seeded_store: Store) -> None:
    at = _map()
    at.selectbox(key="map_week").set_value(W10).run()
    at.selectbox(key="map_metric").set_value("besieged").run()
    assert _shown(at) == [("eastern Ghouta", 393_000, 393_000, 1), ("Madaya", 40_000, 40_000, 1)]
    at.checkbox(key="map_include_pending").check().run()
    assert "pending" in at.warning[0].value


def test_imported_boundaries_are_drawn(empty_store: Store, tmp_path: Path) -> None:
    for name, text in SEED_FILES.items():
        import_csv(tmp_path, name, text, empty_store.url)
    ring = [[36.0, 33.0], [37.0, 33.0], [37.0, 34.0], [36.0, 34.0], [36.0, 33.0]]
    layer = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"NAME_EN": "Rural Damascus", "PCODE": "SY03"},
             "geometry": {"type": "Polygon", "coordinates": [ring]}},
        ],
    }  # fmt: skip
    path = tmp_path / "syr_admin1_test.geojson"
    path.write_text(json.dumps(layer), encoding="utf-8")
    write_import(load_file(path), actor=Actor("test", "editor"), url=empty_store.url)
    at = _map()
    assert at.selectbox(key="map_boundary_level").value == 1
    figure = _figure(at)
    assert [trace["type"] for trace in figure["data"]] == ["choroplethmap", "scattermap"]
    admin = figure["data"][0]
    assert admin["locations"] == ["SY03"] and isinstance(admin["geojson"], dict)
    assert "admin 1 boundaries imported" in at.caption[1].value
    at.selectbox(key="map_boundary_level").set_value("none").run()
    assert [trace["type"] for trace in _figure(at)["data"]] == ["scattermap"]
