"""OCHA COD loaders: p-code tables and admin GeoJSON, on small fixtures and on the real Syria files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loaders import cod, cod_geojson
from loaders.records import LoadError, LoadResult, PlaceRecord, Severity
from loaders.registry import Format, detect_format, load_file, read_head

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "cod"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _by_pcode(result: LoadResult) -> dict[str, PlaceRecord]:
    return {p.pcode or "": p for p in result.places}


def _issues(result: LoadResult, severity: str) -> list[tuple[int | None, str]]:
    return [(i.row, i.reason) for i in result.issues if i.severity == severity]


def _real(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} not present (shared data is beside the repository)")
    return path


# --------------------------------------------------------------------------- p-code tables


def test_global_pcodes_fixture_with_bom_and_crlf():
    path = FIXTURES / "global_pcodes_sample.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in path.read_bytes()
    assert detect_format(path) == Format.COD_PCODES
    result = load_file(path)
    assert result.format == "cod-pcodes" and result.rows_in == 8
    places = _by_pcode(result)
    assert sorted(places) == ["JO11", "SY01", "SY03", "SY0302", "SY0309"]
    assert places["SY0302"] == PlaceRecord(
        name="Duma",
        admin_level=2,
        pcode="SY0302",
        parent_pcode="SY03",
        country="SYR",
        place_type="admin2",
        row=4,
    )
    assert places["SY01"].parent_pcode == "SYR" and places["JO11"].country == "JOR"
    rejected = _issues(result, Severity.REJECTED)
    assert [row for row, _ in rejected] == [7, 8, 9]
    assert "P-Code is empty" in rejected[0][1]
    assert "'two' is not a whole number" in rejected[1][1]
    assert "SY03 already given on row 3" in rejected[2][1]


def test_global_pcodes_country_option_skips_other_countries():
    result = load_file(FIXTURES / "global_pcodes_sample.csv", country="Syria")
    assert "JO11" not in _by_pcode(result)
    assert _issues(result, Severity.SKIPPED) == [(6, "country 'JOR' is not the one asked for (SYR)")]
    assert result.rows_in == 8 and len(result.places) == 4 and result.rejected == 3


def test_wide_cod_table_puts_upper_levels_in_meta():
    path = FIXTURES / "cod_adm2_tabular.csv"
    assert detect_format(path) == Format.COD_PCODES
    result = load_file(path)
    places = _by_pcode(result)
    assert result.rows_in == 4 and sorted(places) == ["SY0302", "SY0309", "SY0700"]
    duma = places["SY0302"]
    assert (duma.name, duma.admin_level, duma.parent_pcode, duma.country) == ("Duma", 2, "SY03", "SYR")
    assert duma.alt_names == ("دوما", "Douma")
    assert _issues(result, Severity.REJECTED) == [(5, "ADM2_PCODE is empty for Harim; fill in its p-code")]
    parents = {p.pcode: p for p in result.meta["parent_places"]}
    assert sorted(parents) == ["SY03", "SY07"]
    assert parents["SY03"].alt_names == ("ريف دمشق",) and parents["SY03"].parent_pcode == "SYR"
    assert parents["SY07"].row == 4


def test_wide_table_lowercase_headers_and_hxl_row(tmp_path):
    path = tmp_path / "admin.csv"
    path.write_text(
        "admin1Name_en,admin1Name_ar,admin1Pcode,admin2Name_en,admin2Pcode,latitude,longitude\n"
        "#adm1+name,#adm1+name+i_ar,#adm1+code,#adm2+name,#adm2+code,#geo+lat,#geo+lon\n"
        "Idleb,إدلب,SY07,Harim,SY0703,36.2,36.5\n",
        encoding="utf-8",
    )
    result = cod.PCODES_LOADER.load(path)
    result.check_accounting()
    assert result.rows_in == 1
    harim = result.places[0]
    assert (harim.pcode, harim.parent_pcode, harim.row, harim.lat, harim.lon) == (
        "SY0703",
        "SY07",
        3,
        36.2,
        36.5,
    )
    assert result.meta["parent_places"][0].alt_names == ("إدلب",)


def test_pcodes_loader_refuses_a_table_without_pcodes(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("admin1_name,events\nIdleb,3\n", encoding="utf-8")
    assert cod.PCODES_LOADER.detect(read_head(path)) == 0
    with pytest.raises(LoadError, match="no p-code columns"):
        cod.PCODES_LOADER.load(path)


# --------------------------------------------------------------------------- GeoJSON


def test_polygon_centroid_is_area_weighted():
    path = FIXTURES / "syr_admin1_polygon.geojson"
    assert detect_format(path) == Format.COD_GEOJSON
    result = load_file(path)
    (quneitra,) = result.places
    assert (quneitra.name, quneitra.pcode, quneitra.admin_level, quneitra.parent_pcode) == (
        "Quneitra",
        "SY14",
        1,
        "SYR",
    )
    assert quneitra.alt_names == ("Al-Quneitra", "القنيطرة") and quneitra.country == "SYR"
    # the vertex average would be (33.129, 35.876): the extra vertices must not pull the centroid
    assert quneitra.lat == pytest.approx(33.15) and quneitra.lon == pytest.approx(35.9)


def test_points_with_a_truncated_arabic_name():
    path = FIXTURES / "syr_admin4_points.geojson"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert detect_format(path) == Format.COD_GEOJSON
    result = load_file(path)
    places = _by_pcode(result)
    assert result.rows_in == 4 and sorted(places) == ["C2327", "C2338", "C2450"]
    duma = places["C2338"]
    assert (duma.name, duma.admin_level, duma.parent_pcode, duma.place_type) == (
        "Duma",
        4,
        "SY030200",
        "community",
    )
    assert (duma.lat, duma.lon, duma.alt_names, duma.country) == (33.5698594, 36.399142, ("دوما",), "SYR")
    madaya = places["C2450"]  # LATITUDE is null: the point geometry gives the coordinates
    assert (madaya.lat, madaya.lon) == (33.6906, 36.1027)
    assert places["C2327"].alt_names == ("ضاحية قدسيا السكنية الجديد",)
    warnings = [i for i in result.issues if i.severity == Severity.WARNING]
    assert len(warnings) == 1 and warnings[0].row == 3 and warnings[0].column == "NAME_ARA"
    assert "C2327" in warnings[0].reason and "not valid UTF-8" in warnings[0].reason
    assert _issues(result, Severity.REJECTED) == [(4, "PCODE is empty; fill in the place's p-code")]
    parents = {p.pcode: p for p in result.meta["parent_places"]}
    assert set(parents) == {"SY03", "SY0301", "SY030107", "SY0302", "SY030200", "SY0307", "SY030701"}
    assert parents["SY030200"].alt_names == ("مركز دوما",) and parents["SY030200"].parent_pcode == "SY0302"


def test_current_cod_layout_multipolygon():
    result = load_file(FIXTURES / "syr_adm2_cod_layout.geojson")
    (zabdani,) = result.places
    assert (zabdani.name, zabdani.pcode, zabdani.admin_level, zabdani.parent_pcode) == (
        "Az-Zabdani",
        "SY0307",
        2,
        "SY03",
    )
    assert zabdani.alt_names == ("الزبداني", "Zabadani") and zabdani.country == "SYR"
    assert zabdani.lat == pytest.approx(33.69) and zabdani.lon == pytest.approx(36.17)
    assert [p.pcode for p in result.meta["parent_places"]] == ["SY03"]


def test_damascus_neighbourhoods_layout(tmp_path):
    square = {
        "type": "Polygon",
        "coordinates": [[[36.3, 33.47], [36.32, 33.47], [36.32, 33.49], [36.3, 33.49], [36.3, 33.47]]],
    }
    city = {"CITY_PCODE": "C1001", "CITY_NAME": "Damascus", "CITY_CODE": "1001"}
    features = [
        {"type": "Feature", "geometry": square, "properties": {"HAY_EN": name, "HAY_PCODE": code, **city}}
        for name, code in (("Yarmouk", "C10011023"), ("Unknown", "C10011067"))
    ]
    path = tmp_path / "syr_admin5.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = load_file(path, country="SYR")
    (yarmouk,) = result.places
    assert (yarmouk.name, yarmouk.admin_level, yarmouk.place_type, yarmouk.parent_pcode) == (
        "Yarmouk",
        None,
        "neighbourhood",
        "C1001",
    )
    assert yarmouk.country == "SYR" and yarmouk.lat == pytest.approx(33.48)
    assert _issues(result, Severity.SKIPPED) == [
        (2, "neighbourhood C10011067 is named 'Unknown': no place name to match")
    ]
    assert result.meta["parent_places"][0].name == "Damascus"


def test_geojson_without_pcodes_is_not_claimed(tmp_path):
    path = tmp_path / "points.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"}}]}'
    )
    assert cod_geojson.GEOJSON_LOADER.detect(read_head(path)) == 0
    result = cod_geojson.GEOJSON_LOADER.load(path)
    assert result.rejected == 1 and "no p-code property" in result.issues[0].reason


def test_broken_json_raises_load_error(tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(LoadError, match="is not valid JSON"):
        cod_geojson.GEOJSON_LOADER.load(path)


# --------------------------------------------------------------------------- real files


def test_real_pcodes_csv():
    result = load_file(_real("pcodes/syr_adm1_adm2_pcodes.csv"))
    assert result.format == Format.COD_PCODES and result.rows_in == 76 and not result.issues
    assert result.meta["levels"] == {"1": 14, "2": 62}
    places = _by_pcode(result)
    assert places["SY1006"].name == "Qadmous" and places["SY1006"].parent_pcode == "SY10"
    assert {p.country for p in result.places} == {"SYR"}


@pytest.mark.parametrize(
    ("name", "count", "level"),
    [("syr_admin1.geojson", 14, 1), ("syr_admin2.geojson", 61, 2), ("syr_admin4_point.geojson", 5251, 4)],
)
def test_real_geojson_counts(name, count, level):
    result = load_file(_real(f"geo/{name}"))
    assert result.format == Format.COD_GEOJSON
    assert result.rows_in == count and len(result.places) == count and result.rejected == 0
    assert result.meta["levels"] == {str(level): count}
    assert all(p.lat is not None and p.country == "SYR" for p in result.places)


def test_real_admin1_names_and_centroids():
    places = _by_pcode(load_file(_real("geo/syr_admin1.geojson")))
    idleb = places["SY07"]
    assert idleb.alt_names == ("إدلب",) and 35.5 < idleb.lat < 36.2 and 36.3 < idleb.lon < 37.0
    assert places["SY01"].alt_names == ("مدينة دمشق",)


def test_real_admin4_points():
    result = load_file(_real("geo/syr_admin4_point.geojson"))
    duma = _by_pcode(result)["C2338"]
    assert (duma.name, duma.alt_names, duma.parent_pcode) == ("Duma", ("دوما",), "SY030200")
    assert (duma.lat, duma.lon) == (pytest.approx(33.5699, abs=1e-4), pytest.approx(36.3991, abs=1e-4))
    warned = {
        i.reason.split("p-code ")[1].split(")")[0] for i in result.issues if i.severity == Severity.WARNING
    }
    assert warned == {"C3935", "C5770", "C1466", "C2929", "C2931", "C2327"}
    assert len(result.meta["parent_places"]) == 270 + 61 + 14
    assert not any("\ufffd" in n for p in result.places for n in p.alt_names)


def test_real_damascus_neighbourhoods():
    result = load_file(_real("geo/syr_admin5_damascus_neighbourhoods.geojson"), country="SYR")
    assert result.rows_in == 64 and len(result.places) == 63 and result.skipped == 1
    yarmouk = _by_pcode(result)["C10011023"]
    assert (yarmouk.name, yarmouk.parent_pcode, yarmouk.place_type) == ("Yarmouk", "C1001", "neighbourhood")


def test_real_facts_files_are_not_claimed():
    for name in ("hapi/hdx_hapi_conflict_event_syr_2025.csv", "insecurity_insight/aidWorkerKIKA.json"):
        path = SHARED / name
        if path.exists():
            head = read_head(path)
            assert cod.PCODES_LOADER.detect(head) == 0 and cod_geojson.GEOJSON_LOADER.detect(head) == 0
