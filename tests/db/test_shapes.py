"""Boundary polygons stored by a COD GeoJSON import, and the Map page's figures per place."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select

import db.writer as writer
from db.auth import Actor
from db.engine import write_engine
from db.models import Import, Place, PlaceShape
from db.shapes import boundaries, boundary_levels, place_figures
from db.writer import write_import
from loaders.registry import load_file
from tests.dashboard.seed import SEED_FILES, import_csv

W10 = dt.date(2018, 3, 5)
W10_END = dt.date(2018, 3, 11)


def _ring(x: float, y: float, size: float = 0.5) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _geojson(folder: Path, name: str, features: list[dict[str, Any]]) -> Path:
    path = folder / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _governorate(pcode: str, name: str, geometry: dict[str, Any]) -> dict[str, Any]:
    """A feature in the 2015-era OCHA Syria layout (as syr_admin1.geojson)."""
    return {"type": "Feature", "properties": {"NAME_EN": name, "PCODE": pcode}, "geometry": geometry}


def _shape_rows(url: str) -> list[tuple[str, int | None, str, str]]:
    with write_engine(url).connect() as conn:
        rows = conn.execute(
            select(Place.pcode, PlaceShape.level, PlaceShape.source, PlaceShape.geojson)
            .join(Place, Place.id == PlaceShape.place_id)
            .order_by(Place.pcode)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


# ---- shapes stored by the COD import -----------------------------------------------------------------


def test_cod_polygons_are_stored_on_their_places(tmp_path: Path, store_url: str) -> None:
    square = {"type": "Polygon", "coordinates": [_ring(36.0, 33.0)]}
    multi = {"type": "MultiPolygon", "coordinates": [[_ring(37.0, 35.0)], [_ring(38.0, 35.0, 0.25)]]}
    path = _geojson(
        tmp_path,
        "gov.geojson",
        [_governorate("SY03", "Rural Damascus", square), _governorate("SY99", "Testland", multi)],
    )
    result = load_file(path)
    assert set(result.meta["shapes"]) == {"SY03", "SY99"}
    summary = write_import(result, actor=Actor("test", "editor"))
    assert summary.status == "imported"
    rows = _shape_rows(store_url)
    assert [(r[0], r[1], r[2]) for r in rows] == [("SY03", 1, "gov.geojson"), ("SY99", 1, "gov.geojson")]
    assert json.loads(rows[0][3]) == square  # stored as given; display simplifies
    assert json.loads(rows[1][3])["type"] == "MultiPolygon"
    # The shape went to the built-in Rural Damascus (same p-code), not to a new place.
    with write_engine(store_url).connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(Place).where(Place.pcode == "SY03")).scalar_one()
            == 1
        )
    assert boundary_levels(store_url) == [1]
    frame = boundaries(1, store_url)
    assert list(frame["pcode"]) == ["SY03", "SY99"] and list(frame["name"]) == ["Rural Damascus", "Testland"]
    assert boundaries(2, store_url).empty


def test_points_store_no_shape(tmp_path: Path, store_url: str) -> None:
    point = {"type": "Point", "coordinates": [36.4, 33.5]}
    result = load_file(_geojson(tmp_path, "points.geojson", [_governorate("SY03", "Rural Damascus", point)]))
    assert "shapes" not in result.meta
    write_import(result, actor=Actor("test", "editor"))
    assert _shape_rows(store_url) == []
    assert boundary_levels(store_url) == []


def test_a_new_version_of_the_layer_replaces_the_shape(tmp_path: Path, store_url: str) -> None:
    first = {"type": "Polygon", "coordinates": [_ring(36.0, 33.0)]}
    second = {"type": "Polygon", "coordinates": [_ring(36.0, 33.0, 0.75)]}
    write_import(
        load_file(_geojson(tmp_path, "v1.geojson", [_governorate("SY03", "Rural Damascus", first)])),
        actor=Actor("t", "editor"),
    )
    write_import(
        load_file(_geojson(tmp_path, "v2.geojson", [_governorate("SY03", "Rural Damascus", second)])),
        actor=Actor("t", "editor"),
    )
    rows = _shape_rows(store_url)
    assert len(rows) == 1
    assert rows[0][2] == "v2.geojson" and json.loads(rows[0][3]) == second


def test_shapes_roll_back_with_their_import(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    square = {"type": "Polygon", "coordinates": [_ring(36.0, 33.0)]}
    result = load_file(_geojson(tmp_path, "gov.geojson", [_governorate("SY99", "Testland", square)]))

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "_write_issues", fail)  # fails after the places and shapes are written
    with pytest.raises(RuntimeError, match="disk full"):
        write_import(result, actor=Actor("test", "editor"))
    assert _shape_rows(store_url) == []
    with write_engine(store_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Import)).scalar_one() == 0


def test_real_syria_admin1_layer_stores_fourteen_governorates(shared_data: Path, store_url: str) -> None:
    path = shared_data / "geo" / "syr_admin1.geojson"
    if not path.exists():
        pytest.skip(f"{path} not found")
    result = load_file(path)
    assert len(result.meta["shapes"]) == 14
    write_import(result, actor=Actor("test", "editor"))
    frame = boundaries(None, store_url).set_index("pcode")
    assert len(frame) == 14 and set(frame["level"]) == {1}
    assert set(frame["source"]) == {"syr_admin1.geojson"}
    idleb = json.loads(frame.loc["SY07", "geojson"])
    original = json.loads(path.read_text(encoding="utf-8"))["features"][0]
    assert original["properties"]["PCODE"] == "SY07"
    assert idleb == original["geometry"]


# ---- figures per place (numbers worked out by hand from tests/dashboard/seed.py) ---------------------


@pytest.fixture
def seeded(tmp_path: Path, store_url: str) -> str:
    for name, text in SEED_FILES.items():
        import_csv(tmp_path, name, text, store_url)
    return store_url


def _by_place(metric: str, start: dt.date, end: dt.date, url: str) -> dict[str, tuple[int, int, int]]:
    frame = place_figures(metric, start, end, url=url).frame
    return {r.place: (int(r.low), int(r.high), int(r.sources)) for r in frame.itertuples()}


def test_convoys_per_destination_by_final_outcome(seeded: str) -> None:
    # W10: C-02 (items removed on 5 Mar; its 46 trucks and 27,500 people carried over from the planned
    # row of 1 Mar) and C-03 (blocked, 13 trucks, 5,000) reach Douma; C-06 (4 trucks) Beit Sawa farms.
    assert _by_place("convoys", W10, W10_END, seeded) == {"Douma": (2, 2, 1), "Beit Sawa farms": (1, 1, 1)}
    assert _by_place("trucks", W10, W10_END, seeded)["Douma"] == (59, 59, 1)
    assert _by_place("people_served", W10, W10_END, seeded)["Douma"] == (32_500, 32_500, 1)
    figures = place_figures("convoys", W10, W10_END, url=seeded)
    assert figures.sources == 1  # one file behind the map
    assert list(figures.frame["place"]) == ["Douma", "Beit Sawa farms"]  # largest first
    unlocated = figures.frame.set_index("place").loc["Beit Sawa farms"]
    assert pd.isna(unlocated["lat"]) and unlocated["parent"] == "Rural Damascus"


def test_besieged_at_the_end_of_the_period_without_double_counting(seeded: str) -> None:
    # 11 Mar: eastern Ghouta's 393,000 (1 Mar) carried forward; Douma (inside it) left out.
    assert _by_place("besieged", W10, W10_END, seeded) == {
        "eastern Ghouta": (393_000, 393_000, 1),
        "Madaya": (40_000, 40_000, 1),
    }
    # 18 Mar: SAMS's 390,000–400,000 of 12 Mar is the latest.
    later = _by_place("besieged", W10, dt.date(2018, 3, 18), seeded)
    assert later["eastern Ghouta"] == (390_000, 400_000, 1)


def test_tolls_are_a_range_across_sources_never_a_sum(seeded: str) -> None:
    assert _by_place("killed", W10, W10_END, seeded) == {"eastern Ghouta": (940, 1_000, 2)}
    assert _by_place("injured", W10, W10_END, seeded) == {"eastern Ghouta": (3_000, 3_500, 2)}
    # Two weeks: SOHR's 300 of the week before plus 940–1,000.
    assert _by_place("killed", dt.date(2018, 2, 26), dt.date(2018, 3, 18), seeded) == {
        "eastern Ghouta": (1_240, 1_300, 2)
    }
    # Three days of W10: each weekly figure spread evenly, 3/7 of 940 and of 1,000.
    assert _by_place("killed", W10, dt.date(2018, 3, 7), seeded) == {"eastern Ghouta": (403, 429, 2)}
    assert place_figures("killed", W10, W10_END, url=seeded).sources == 2


def test_empty_period_and_unknown_metric(seeded: str) -> None:
    empty = place_figures("killed", dt.date(2017, 1, 1), dt.date(2017, 1, 7), url=seeded)
    assert empty.frame.empty and empty.sources == 0
    assert list(empty.frame.columns) == [
        "place_id",
        "place",
        "parent",
        "lat",
        "lon",
        "low",
        "high",
        "sources",
    ]
    with pytest.raises(ValueError, match="unknown map metric"):
        place_figures("tanks", W10, W10_END, url=seeded)
