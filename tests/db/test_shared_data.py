"""Every real data file in ../shared/data that holds convoys, tolls, places or incidents imports
end to end through the write path: no traceback, and rows in = stored + duplicate + skipped + rejected.
Skipped when the shared folder is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from db.auth import Actor
from db.engine import write_engine
from db.writer import write_import
from loaders.records import LoadError
from loaders.registry import Format, load_file

FACT_FILES = {
    "acled/acled_afg_2020-03_pre2023_layout.csv": Format.ACLED,
    "awsd/security_incidents2016-10-03.csv": Format.AWSD,
    "gaza/casualties_daily.json": Format.DAILY_CASUALTIES,
    "hapi/hdx_hapi_conflict_event_syr_2025.csv": Format.HXL,
    "insecurity_insight/aidWorkerKIKA.json": Format.KIKA,
}
PLACE_FILES = {
    "pcodes/syr_adm1_adm2_pcodes.csv": Format.COD_PCODES,
    "geo/syr_admin1.geojson": Format.COD_GEOJSON,
    "geo/syr_admin2.geojson": Format.COD_GEOJSON,
    "geo/syr_admin4_point.geojson": Format.COD_GEOJSON,
    "geo/syr_admin5_damascus_neighbourhoods.geojson": Format.COD_GEOJSON,
}


@pytest.mark.parametrize("name", sorted({**FACT_FILES, **PLACE_FILES}))
def test_shared_file_imports_with_full_accounting(name: str, shared_data: Path, store_url: str) -> None:
    result = load_file(shared_data / name)
    assert result.format == {**FACT_FILES, **PLACE_FILES}[name]
    summary = write_import(result, actor=Actor("test", "editor"))
    assert summary.status == "imported"
    assert summary.rows_in > 0
    assert (
        summary.added + summary.updated + summary.duplicate + summary.skipped + summary.rejected
        == summary.rows_in
    )
    again = write_import(load_file(shared_data / name), actor=Actor("test", "editor"))
    assert again.status == "already imported" and again.added == 0


def test_all_shared_files_into_one_store(shared_data: Path, store_url: str) -> None:
    """Gazetteer first, then facts: places resolve against the COD names, nothing double counted."""
    for name in [*PLACE_FILES, *FACT_FILES]:
        write_import(load_file(shared_data / name), actor=Actor("test", "editor"))
    with write_engine(store_url).connect() as conn:
        duma = conn.execute(
            text("SELECT p.name, p.lat, p.verified FROM places p WHERE p.pcode = 'C2338'")
        ).one()
        facts = conn.execute(text("SELECT count(*) FROM facts")).scalar_one()
        hapi_unverified = conn.execute(
            text(
                "SELECT count(*) FROM facts f JOIN places p ON p.id = f.place_id JOIN imports i ON i.id = f.import_id "
                "WHERE i.format = 'hxl' AND NOT p.verified"
            )
        ).scalar_one()
    assert duma.name == "Douma" and duma.verified == 1 and abs(duma.lat - 33.57) < 0.01
    assert facts > 3000
    assert hapi_unverified == 0  # every HAPI district resolves to a COD admin-2 p-code


@pytest.mark.parametrize("name", ["hxl/hashtag.hxl.csv", "hxl/attribute.hxl.csv"])
def test_hxl_dictionaries_are_refused_clearly(name: str, shared_data: Path) -> None:
    with pytest.raises(LoadError, match="no fact tags"):
        load_file(shared_data / name)
