"""Migrations run on start, are re-runnable, and configure SQLite for concurrent use."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from db.engine import read_engine, write_engine
from db.gazetteer import PlaceIndex
from db.migrate import current_revision, forget, head_revision, upgrade
from loaders.gazetteer import builtin_organisations, builtin_places
from loaders.records import PlaceRef
from tests.conftest import on_postgres


def test_upgrade_creates_schema_and_is_rerunnable(store_url: str) -> None:
    engine = upgrade(store_url)
    tables = set(inspect(engine).get_table_names())
    assert {"imports", "import_issues", "places", "place_names", "organisations", "facts"} <= tables
    forget(store_url)
    upgrade(store_url)  # second run: nothing to do, no error
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        places = conn.execute(text("SELECT count(*) FROM places")).scalar_one()
        orgs = conn.execute(text("SELECT count(*) FROM organisations")).scalar_one()
    # Every built-in entry is its own place (Hodeidah city is not merged into its governorate).
    assert places == len(builtin_places()) and orgs == len(builtin_organisations())


@pytest.mark.skipif(on_postgres(), reason="SQLite connection settings")
def test_sqlite_pragmas(store_url: str) -> None:
    upgrade(store_url)
    with write_engine(store_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 60000
    with read_engine(store_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1


def test_builtin_gazetteer_hierarchy_in_store(store_url: str) -> None:
    engine = upgrade(store_url)
    with engine.connect() as conn:
        chain = conn.execute(
            text(
                "SELECT p.name, e.name, g.pcode FROM places p JOIN place_names n ON n.place_id = p.id "
                "JOIN places e ON e.id = p.parent_id JOIN places g ON g.id = e.parent_id WHERE n.key = 'دوما' AND p.pcode = 'C2338'"
            )
        ).one()
    assert chain[1].lower() == "eastern ghouta" and chain[2] == "SY03"
    with engine.connect() as conn:
        index = PlaceIndex.load(conn)
        douma = index.resolve(PlaceRef(name="دوما"))
        assert index.entries[douma].pcode == "C2338"  # the town, not the district named after it
        district = index.resolve(PlaceRef(name="Duma", admin_level=2, pcode="SY0302"))
        assert index.entries[district].admin_level == 2
