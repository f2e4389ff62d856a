"""Map builders (pure) and the TopoJSON -> GeoJSON conversion behind the shipped country outlines."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import maps
from dashboard.geo import build_countries as bc
from dashboard.geo.build_countries import decode_arcs, features, round_geometry
from tests.dashboard.seed import ROOT

COUNTRIES_FILE = ROOT / "dashboard" / "geo" / "countries.geojson"

# A hand-made quantised topology: scale 0.5, translate (10, 20). Arc 0 runs (0,0)->(2,0)->(2,2) in
# quantised units, stored as deltas; arc 1 closes the square back from (2,2) to (0,0) through (0,2).
TINY_TOPOLOGY: dict[str, Any] = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "arcs": [
        [[0, 0], [2, 0], [0, 2]],
        [[2, 2], [-2, 0], [0, -2]],
        [[4, 4], [1, 0], [0, 1], [-1, 0], [0, -1]],
    ],
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "id": "760", "properties": {"name": "Square"}},
                {
                    "type": "MultiPolygon",
                    "arcs": [[[~1, ~0]], [[2]]],
                    "id": "887",
                    "properties": {"name": "Two"},
                },
                {"type": None, "id": "999", "properties": {"name": "Nothing"}},
            ],
        }
    },
}


# ---- TopoJSON conversion -------------------------------------------------------------------------


def test_arcs_are_delta_decoded_and_transformed() -> None:
    arcs = decode_arcs(TINY_TOPOLOGY)
    assert arcs[0] == [[10.0, 20.0], [11.0, 20.0], [11.0, 21.0]]
    assert arcs[1] == [[11.0, 21.0], [10.0, 21.0], [10.0, 20.0]]
    assert arcs[2][0] == [12.0, 22.0] and arcs[2][-1] == [12.0, 22.0]


def test_polygon_joins_arcs_without_repeating_shared_points() -> None:
    square = features(TINY_TOPOLOGY, "countries")[0]
    assert square["id"] == "760" and square["properties"] == {"name": "Square"}
    assert square["geometry"] == {
        "type": "Polygon",
        "coordinates": [[[10.0, 20.0], [11.0, 20.0], [11.0, 21.0], [10.0, 21.0], [10.0, 20.0]]],
    }


def test_negative_arc_index_means_the_arc_reversed() -> None:
    two = features(TINY_TOPOLOGY, "countries")[1]["geometry"]
    assert two["type"] == "MultiPolygon"
    # ~1 then ~0: the square walked the other way round.
    assert two["coordinates"][0] == [[[10.0, 20.0], [10.0, 21.0], [11.0, 21.0], [11.0, 20.0], [10.0, 20.0]]]
    assert two["coordinates"][1][0] == [[12.0, 22.0], [12.5, 22.0], [12.5, 22.5], [12.0, 22.5], [12.0, 22.0]]
    assert features(TINY_TOPOLOGY, "countries")[2]["geometry"] is None


def test_untransformed_topology_keeps_coordinates() -> None:
    topology = {
        "type": "Topology",
        "arcs": [[[1.5, 2.5], [3.5, 2.5], [3.5, 4.5], [1.5, 2.5]]],
        "objects": {"x": {"type": "Polygon", "arcs": [[0]]}},
    }
    (feature,) = features(topology, "x")
    assert feature["geometry"]["coordinates"][0][1] == [3.5, 2.5]


def test_rounding_drops_repeats_and_collapsed_rings() -> None:
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[0.0001, 0.0], [1.0, 0.0], [1.00004, 0.0], [1.0, 1.0], [0.0, 0.0001]]],
            [[[5.0, 5.0], [5.0001, 5.0], [5.0, 5.0002], [5.0, 5.0]]],  # collapses to one point
        ],
    }
    assert round_geometry(geometry) == {
        "type": "Polygon",
        "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
    }


def test_countries_takes_detail_inside_the_region_only() -> None:
    coarse = json.loads(json.dumps(TINY_TOPOLOGY))
    detailed = json.loads(json.dumps(TINY_TOPOLOGY))
    detailed["transform"]["scale"] = [0.25, 0.25]  # a different outline, to tell them apart
    inside = bc.countries(detailed, coarse, region=(9.0, 19.0, 11.5, 21.5))
    by_name = {f["properties"]["name"]: f["properties"] for f in inside["features"]}
    assert by_name["Square"] == {"name": "Square", "iso3": "SYR", "detail": "50m"}
    assert by_name["Two"]["iso3"] == "YEM"
    assert "Nothing" not in by_name  # no geometry, no feature
    outside = bc.countries(detailed, coarse, region=(100.0, 0.0, 110.0, 10.0))
    assert {f["properties"]["detail"] for f in outside["features"]} == {"110m"}


def test_shipped_countries_file_is_small_inline_ready_geojson() -> None:
    assert COUNTRIES_FILE.stat().st_size < 1_500_000
    collection = json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    props = {f["properties"]["name"]: f["properties"] for f in collection["features"]}
    assert props["Syria"] == {"name": "Syria", "iso3": "SYR", "detail": "50m"}
    assert props["Palestine"]["iso3"] == "PSE" and props["Yemen"]["detail"] == "50m"
    assert props["Brazil"]["detail"] == "110m"
    # Coordinates rounded to 3 decimals: no number in the file has more.
    assert not re.search(r"\d\.\d{4,}", COUNTRIES_FILE.read_text(encoding="utf-8")[:200_000])


# ---- map figures ---------------------------------------------------------------------------------

POINTS = pd.DataFrame(
    {
        "place": ["eastern Ghouta", "Madaya", "Nowhere"],
        "lat": [33.53, 33.6906, None],
        "lon": [36.40, 36.1027, None],
        "low": [940, 100, 5],
        "high": [1000, 400, 5],
        "sources": [2, 1, 1],
    }
)
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[36.0, 33.0], [37.0, 33.0], [37.0, 34.0], [36.0, 34.0], [36.0, 33.0]]],
}
ADMIN = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "id": "SY03", "properties": {"name": "Rural Damascus"}, "geometry": SQUARE}
    ],
}
COUNTRIES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"name": "Syria"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"name": "Far away"}, "geometry": {
            "type": "Polygon", "coordinates": [[[-70.0, -10.0], [-69.0, -10.0], [-69.0, -9.0], [-70.0, -10.0]]]}},
    ],
}  # fmt: skip


def _layout(fig: go.Figure) -> dict[str, Any]:
    return fig.to_plotly_json()["layout"]


def test_place_map_uses_maplibre_traces_on_a_blank_style() -> None:
    fig = maps.place_map(POINTS, "killed", "high", COUNTRIES, ADMIN)
    assert [type(t) for t in fig.data] == [go.Choroplethmap, go.Scattermap]
    layout = _layout(fig)
    assert "geo" not in layout and "mapbox" not in layout
    assert layout["map"]["style"] == "white-bg"
    assert not any(isinstance(t, go.Scattergeo | go.Choropleth) for t in fig.data)


def test_boundaries_are_inline_geojson_not_urls() -> None:
    fig = maps.place_map(POINTS, "killed", "high", COUNTRIES, ADMIN)
    layers = _layout(fig)["map"]["layers"]
    assert layers and all(isinstance(layer["source"], dict) for layer in layers)
    assert all(layer["sourcetype"] == "geojson" for layer in layers)
    # Only the countries near the points are sent to the browser.
    assert [f["properties"]["name"] for f in layers[0]["source"]["features"]] == ["Syria"]
    admin = fig.data[0]
    assert isinstance(admin.geojson, dict) and list(admin.locations) == ["SY03"]
    assert "http" not in json.dumps(fig.to_plotly_json())


def test_marker_sizes_follow_the_chosen_end_of_the_range() -> None:
    by_high = maps.place_map(POINTS, "killed", "high").data[0]
    by_low = maps.place_map(POINTS, "killed", "low").data[0]
    assert list(by_high.text) == ["eastern Ghouta", "Madaya"]  # the place without coordinates is left out
    assert list(by_high.marker.color) == [1000, 400]
    assert list(by_low.marker.color) == [940, 100]
    assert by_high.marker.size[0] == maps.MAX_SIZE
    # Area follows the value: 400 of 1000 -> sqrt(0.4) of the way from the minimum to the maximum.
    assert by_high.marker.size[1] == pytest.approx(
        maps.MIN_SIZE + (maps.MAX_SIZE - maps.MIN_SIZE) * 0.4**0.5, abs=0.01
    )
    assert by_low.marker.size[1] < by_high.marker.size[1]
    assert by_high.customdata[0][0] == "940–1,000" and by_high.customdata[0][1] == 2


def test_marker_sizes_are_monotonic_and_zero_safe() -> None:
    sizes = maps.marker_sizes([0, 1, 4, 9, 100])
    assert sizes == sorted(sizes) and sizes[0] == maps.MIN_SIZE and sizes[-1] == maps.MAX_SIZE
    assert maps.marker_sizes([0, 0]) == [maps.MIN_SIZE, maps.MIN_SIZE]


def test_empty_map_still_draws_outlines_over_the_world() -> None:
    fig = maps.place_map(pd.DataFrame(), "convoys", countries=COUNTRIES)
    assert list(fig.data) == []
    layout = _layout(fig)
    assert layout["map"]["zoom"] < 2
    assert len(layout["map"]["layers"][0]["source"]["features"]) == 2


def test_view_fits_the_points() -> None:
    centre, zoom = maps.centre_and_zoom(maps.view_of(POINTS))
    assert centre["lat"] == pytest.approx((33.53 + 33.6906) / 2)
    assert 6 < zoom < 9  # a lone enclave is shown with its surroundings


def test_simplify_keeps_rings_closed_and_drops_close_points() -> None:
    ring = [[36.0 + i * 0.001, 33.0] for i in range(100)] + [[37.0, 34.0], [36.0, 33.0]]
    simple = maps.simplify_geometry({"type": "Polygon", "coordinates": [ring]}, tolerance=0.01)
    out = simple["coordinates"][0]
    assert out[0] == out[-1] == [36.0, 33.0]
    assert len(out) < 15
    assert maps.simplify_geometry({"type": "Point", "coordinates": [1, 2]}) == {
        "type": "Point",
        "coordinates": [1, 2],
    }


def test_admin_collection_ids_are_pcodes() -> None:
    shapes = pd.DataFrame({"pcode": ["SY03"], "name": ["Rural Damascus"], "level": [1], "geometry": [SQUARE]})
    collection = maps.admin_collection(shapes)
    (feature,) = collection["features"]
    assert feature["id"] == "SY03" and feature["properties"]["name"] == "Rural Damascus"
    assert feature["bbox"] == (36.0, 33.0, 37.0, 34.0)


def test_describe_says_what_is_sized_and_never_summed() -> None:
    week = dt.date(2018, 3, 5)
    killed = maps.MapView("killed", week, week + dt.timedelta(days=6), "low", week=True).describe()
    assert "2018-W10" in killed and "never summed across sources" in killed and "low end" in killed
    convoys = maps.MapView("convoys", week, dt.date(2018, 3, 31)).describe()
    assert "counted once" in convoys and "sized by" not in convoys and "confirmed facts only" in convoys
    besieged = maps.MapView("besieged", week, dt.date(2018, 3, 31), include_pending=True).describe()
    assert "on 31 Mar 2018" in besieged and "pending" in besieged
