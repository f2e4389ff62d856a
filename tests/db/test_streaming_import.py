"""The streaming import (loaders.stream + the writer's bulk path) stores exactly what the
straightforward one (loader -> LoadResult -> write_import) stores, on a generated ACLED export."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bench import acled_gen
from db.auth import Actor
from db.engine import write_engine
from db.hashing import Hasher
from db.writer import _content_hash, write_import
from loaders import acled
from loaders.registry import load_file
from loaders.stream import collect, stream_file
from tests.conftest import fresh_store_url

EDITOR = Actor("tester", "editor")
FACT_COLUMNS = (
    "kind, fingerprint, content_hash, external_id, place_id, place_text, date, date_precision, date_text, "
    "period_start, period_end, killed, killed_text, victim_group, cumulative, notes, source_row, method, "
    "evidence, review_status, reviewed_by, retracted"
)


def _store(url: str) -> dict[str, list[tuple]]:
    with write_engine(url).connect() as conn:
        return {
            "facts": [tuple(r) for r in conn.execute(text(f"SELECT {FACT_COLUMNS} FROM facts ORDER BY source_row"))],
            "links": [tuple(r) for r in conn.execute(text(
                "SELECT f.source_row, o.short_name, fo.role FROM fact_organisations fo JOIN facts f ON f.id = fo.fact_id "
                "JOIN organisations o ON o.id = fo.organisation_id ORDER BY 1, 2"))],
            "issues": [tuple(r) for r in conn.execute(text(
                'SELECT "row", "column", severity, reason, value FROM import_issues ORDER BY "row", id'))],
            "imports": [tuple(r) for r in conn.execute(text(
                "SELECT rows_in, added, updated, duplicate, skipped, rejected, retracted, places_added FROM imports"))],
            "places": [tuple(r) for r in conn.execute(text("SELECT name, country, verified FROM places ORDER BY id"))],
        }  # fmt: skip


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = acled_gen.write(tmp_path / "acled_gen.csv", 3000, seed=7)
    lines = path.read_text(encoding="utf-8").splitlines()
    # A repeated event, a bad count and a bad date, as real exports have now and then.
    broken = [lines[5], lines[6].replace(",Middle East,", ",Middle East,").rsplit(",", 3)[0] + ",x1,,1"]
    broken.append(lines[7].replace(lines[7].split(",")[1], "31 Febtember 2019", 1))
    path.write_text("\n".join([*lines, *broken]) + "\n", encoding="utf-8")
    return path


def test_stream_loads_what_load_loads(export: Path) -> None:
    whole = acled.load(export)
    streamed = collect(stream_file(export, batch_rows=700))
    assert streamed.rows_in == whole.rows_in == 3003
    assert streamed.records == whole.records
    assert streamed.issues == whole.issues
    assert streamed.meta == whole.meta
    assert whole.rejected >= 2 and len(whole.records) > 100


def test_streaming_import_equals_straightforward_import(export: Path, tmp_path: Path) -> None:
    plain_url, stream_url = fresh_store_url(tmp_path, "plain"), fresh_store_url(tmp_path, "stream")
    plain = write_import(load_file(export), actor=EDITOR, url=plain_url)
    streamed = write_import(stream_file(export, batch_rows=500), actor=EDITOR, url=stream_url)
    counts = ("rows_in", "added", "updated", "duplicate", "skipped", "rejected", "places_added")
    assert [getattr(streamed, c) for c in counts] == [getattr(plain, c) for c in counts]
    assert _store(stream_url) == _store(plain_url)
    again = write_import(stream_file(export), actor=EDITOR, url=stream_url)
    assert (again.status, again.added, again.duplicate) == ("already imported", 0, plain.added)


def test_stream_reimport_updates_edited_events_and_retracts_missing(export: Path, tmp_path: Path) -> None:
    url = fresh_store_url(tmp_path)
    first = write_import(stream_file(export), actor=EDITOR, url=url)
    lines = export.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines[:2500]]
    edited = tmp_path / "acled_v2.csv"
    facts = load_file(export).records
    target = facts[0].external_id.split(":")[1]
    kept = [line.replace(",Syria,", ",Syria,", 1) if not line.startswith(target + ",") else
            line[: line.rfind(",", 0, line.rfind(",", 0, line.rfind(",")))] + ",99,,1700000000" for line in kept]  # fmt: skip
    edited.write_text("\n".join(kept) + "\n", encoding="utf-8")
    second = write_import(stream_file(edited), actor=EDITOR, url=url, retract_missing=True)
    assert second.updated == 1 and second.retracted > 0 and second.added == 0
    plain_url = fresh_store_url(tmp_path, "plain")
    write_import(load_file(export), actor=EDITOR, url=plain_url)
    plain = write_import(load_file(edited), actor=EDITOR, url=plain_url, retract_missing=True)
    assert (plain.updated, plain.retracted, plain.duplicate) == (
        second.updated,
        second.retracted,
        second.duplicate,
    )
    assert _store(plain_url)["facts"] == _store(url)["facts"]
    assert first.added > 0


def test_fast_hashes_equal_the_definitions(export: Path) -> None:
    records = (
        load_file(export).records + load_file(Path(__file__).parents[2] / "demo" / "convoys.csv").records
    )
    hasher = Hasher()
    assert [hasher.content_hash(r) for r in records] == [_content_hash(r) for r in records]
    assert [hasher.fingerprint(r) for r in records] == [r.fingerprint() for r in records]
