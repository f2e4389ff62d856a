"""GeoJSON geometry checked at import and cut to a vertex budget (issue 13, item 10), and a Map
page that skips a bad stored shape instead of crashing."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from dashboard.maps import admin_collection, place_map
from db.auth import Actor
from db.writer import write_import
from loaders.geometry import MAX_FEATURE_VERTICES, feature_budget, problem, simplify, simplify_line, vertices
from loaders.records import Severity
from loaders.registry import load_file
from tests.fixtures.bad_inputs import make

SQUARE = [[36.0, 33.0], [36.5, 33.0], [36.5, 33.5], [36.0, 33.5], [36.0, 33.0]]


def _wobbly_ring(count: int) -> list[list[float]]:
    ring = [
        [36.0 + math.cos(2 * math.pi * i / count) * (1 + 0.05 * math.sin(i / 3)), 34.0 + math.sin(2 * math.pi * i / count)]
        for i in range(count)
    ]  # fmt: skip
    return [*ring, ring[0]]


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        (
            {"type": "Polygon", "coordinates": [[[36.0, 33.0], ["x", 33.0], [36.5, 33.5], [36.0, 33.0]]]},
            "not a number",
        ),
        (
            {"type": "Polygon", "coordinates": [[[36.0, 33.0], [True, 33.0], [36.5, 33.5], [36.0, 33.0]]]},
            "not a number",
        ),
        ({"type": "Point", "coordinates": [float("nan"), 33.0]}, "NaN"),
        ({"type": "Point", "coordinates": [3_900_000.0, 4_000_000.0]}, "EPSG:4326"),
        ({"type": "Point", "coordinates": [36.0, 95.0]}, "latitude -90..90"),
        ({"type": "Polygon", "coordinates": [SQUARE[:-1]]}, "is not closed"),
        ({"type": "Polygon", "coordinates": [SQUARE[:3]]}, "at least 4"),
        ({"type": "Polygon", "coordinates": SQUARE}, "nested"),
        ({"type": "MultiPolygon", "coordinates": [SQUARE]}, "nested"),
        ({"type": "Polygon", "coordinates": [[[36.0], [36.5, 33.0], [36.5, 33.5], [36.0]]]}, "pair"),
        ({"type": "Blob", "coordinates": []}, "not a GeoJSON geometry type"),
        ({"type": "Polygon"}, "no coordinates"),
        ("POLYGON((36 33, 37 33))", "not a GeoJSON geometry object"),
    ],
)
def test_problem_names_what_is_wrong(geometry: Any, words: str) -> None:
    found = problem(geometry)
    assert found is not None and words in found


def test_valid_geometries_pass() -> None:
    assert problem(None) is None
    assert problem({"type": "Polygon", "coordinates": [SQUARE]}) is None
    assert problem({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]}) is None
    assert problem({"type": "Point", "coordinates": [36, 33, 420]}) is None  # altitude allowed
    assert (
        problem({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]})
        is None
    )


def test_simplify_keeps_the_ring_closed_and_its_extent() -> None:
    ring = _wobbly_ring(100_000)
    geometry = {"type": "Polygon", "coordinates": [ring]}
    small = simplify(geometry, 2_000)
    [out] = small["coordinates"]
    assert 4 <= len(out) <= 2_000 and vertices(small) == len(out)
    assert out[0] == out[-1] == [float(v) for v in ring[0]]
    assert problem(small) is None
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    sx, sy = [p[0] for p in out], [p[1] for p in out]
    for full, kept in ((min(xs), min(sx)), (max(xs), max(sx)), (min(ys), min(sy)), (max(ys), max(sy))):
        assert abs(full - kept) < 0.01  # the extent within about 1 km


def test_simplify_keeps_the_farthest_points_first() -> None:
    line = [[0.0, 0.0], [1.0, 0.1], [2.0, 5.0], [3.0, 0.2], [4.0, 0.0]]
    assert simplify_line(line, 3) == [[0.0, 0.0], [2.0, 5.0], [4.0, 0.0]]
    assert simplify_line(line, 10) == line


def test_simplify_a_multipolygon_drops_islands_that_do_not_fit() -> None:
    big = _wobbly_ring(20_000)
    islands = [[[40.0 + i, 30.0], [40.2 + i, 30.0], [40.2 + i, 30.2], [40.0 + i, 30.0]] for i in range(50)]
    geometry = {"type": "MultiPolygon", "coordinates": [[big], *([isle] for isle in islands)]}
    small = simplify(geometry, 100)
    assert vertices(small) <= 100 and problem(small) is None
    assert small["coordinates"][0][0][0] == big[0]  # the main outline kept, islands past the budget dropped


def test_feature_budget_shares_the_file_total() -> None:
    assert feature_budget(1) == MAX_FEATURE_VERTICES
    assert feature_budget(1_000) == 500
    assert feature_budget(100_000) == 64


def _load(tmp_path: Path, generator: str) -> Path:
    path = tmp_path / f"{generator}.geojson"
    make.GENERATORS[generator](path)
    return path


def test_loader_rejects_bad_features_by_index_and_property(tmp_path: Path) -> None:
    result = load_file(_load(tmp_path, "geojson_bad_coordinate"))
    rejected = [(i.row, i.column, i.reason) for i in result.issues if i.severity == Severity.REJECTED]
    assert [(row, column) for row, column, _ in rejected] == [(2, "geometry"), (3, "geometry")]
    assert "feature 2 (East Test): property 'geometry': coordinates[0][2] holds something" in rejected[0][2]
    assert "feature 3 (West Test)" in rejected[1][2] and "not closed" in rejected[1][2]
    assert [p.pcode for p in result.places] == ["SY91"] and list(result.meta["shapes"]) == ["SY91"]


def test_loader_stores_a_huge_polygon_within_the_budget(tmp_path: Path, store_url: str) -> None:
    result = load_file(_load(tmp_path, "geojson_many_vertices"))
    shape = result.meta["shapes"]["SY94"]
    assert 4 <= vertices(shape) <= MAX_FEATURE_VERTICES and problem(shape) is None
    [place] = result.places
    assert place.lat is not None and abs(place.lat - 34.0) < 0.01  # the centre from the full polygon
    write_import(result, actor=Actor("geo", "editor"), url=store_url)
    engine = create_engine(store_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT geojson FROM place_shapes")).scalar_one()
    engine.dispose()
    assert vertices(json.loads(stored)) <= MAX_FEATURE_VERTICES
    assert len(stored) < 200_000  # was 5.6 MB of JSON for this one polygon


def test_map_skips_stored_bad_geometry_instead_of_crashing() -> None:
    """Shapes stored before imports checked them: a text coordinate, damaged JSON (None), a
    million-vertex polygon. The map draws the good ones and names the rest."""
    bad = {"type": "Polygon", "coordinates": [[[36.0, 33.0], ["36.5", 33.0], [36.5, 33.5], [36.0, 33.0]]]}
    huge = {"type": "Polygon", "coordinates": [_wobbly_ring(200_000)]}
    shapes = pd.DataFrame(
        {
            "pcode": ["SY01", "SY02", "SY03", "SY04"],
            "name": ["Good", "Bad", "Broken", "Huge"],
            "level": [1, 1, 1, 1],
            "geometry": [{"type": "Polygon", "coordinates": [SQUARE]}, bad, None, huge],
        }
    )
    collection = admin_collection(shapes)
    assert [f["id"] for f in collection["features"]] == ["SY01", "SY04"]
    assert collection["skipped"] == ["Bad (SY02)", "Broken (SY03)"]
    assert vertices(collection["features"][1]["geometry"]) <= MAX_FEATURE_VERTICES
    fig = place_map(pd.DataFrame(), "convoys", admin=collection)
    sent = fig.data[0].geojson
    assert "skipped" not in sent and len(sent["features"]) == 2
    assert len(json.dumps(fig.to_plotly_json()["data"][0]["geojson"])) < 200_000
