"""Imports whose rows are read and prepared by a worker process (db.pipeline) store what the
in-process path stores, report progress, and fail whole: an error in the worker leaves the store
as it was and names the file."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from sqlalchemy import text

from bench import acled_gen
from db import pipeline
from db.auth import Actor
from db.engine import write_engine
from db.writer import write_import
from loaders.records import LoadError
from loaders.stream import stream_file
from tests.conftest import fresh_store_url
from tests.db.test_streaming_import import _store

EDITOR = Actor("tester", "editor")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return acled_gen.write(tmp_path / "acled_gen.csv", 6000, seed=3)


def _counts(url: str) -> dict[str, int]:
    with write_engine(url).connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in (
                "imports",
                "facts",
                "import_issues",
                "fact_organisations",
                "toll_days",
                "place_counts",
            )
        }


def test_worker_process_import_equals_in_process_import(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_process_url, worker_url = fresh_store_url(tmp_path, "thread"), fresh_store_url(tmp_path, "worker")
    monkeypatch.setattr(pipeline, "PROCESS_BYTES", 1 << 40)
    plain = write_import(stream_file(export, batch_rows=1000), actor=EDITOR, url=in_process_url)
    monkeypatch.setattr(pipeline, "PROCESS_BYTES", 0)
    started = []
    monkeypatch.setattr(pipeline, "_from_process", _watch(pipeline._from_process, started))
    seen: list[tuple[int, int]] = []
    worker = write_import(
        stream_file(export, batch_rows=1000, progress=lambda done, total: seen.append((done, total))),
        actor=EDITOR, url=worker_url,
    )  # fmt: skip
    assert started == [True]
    counts = ("rows_in", "added", "updated", "duplicate", "skipped", "rejected", "places_added")
    assert [getattr(worker, c) for c in counts] == [getattr(plain, c) for c in counts]
    assert worker.added > 500 and worker.rows_in == 6000
    assert _store(worker_url) == _store(in_process_url)
    assert seen and seen[-1] == (6000, 6000)  # the reading progress came back from the worker
    assert [i.row for i in worker.issues] == [i.row for i in plain.issues]


def _watch(function, calls: list[bool]):
    def watched(*args, **kwargs):
        calls.append(True)
        return function(*args, **kwargs)

    return watched


def test_error_in_worker_leaves_store_as_it_was(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_store_url(tmp_path)
    write_import(stream_file(export), actor=EDITOR, url=url)
    before = _counts(url)
    # Day-first slash dates at the top, then a month-first one near the end: the whole-file date
    # order check fails after every batch has been written, so the rollback must undo them all.
    lines = export.read_text(encoding="utf-8").splitlines()
    for i in range(1, 200):
        cells = lines[i].split(",")
        cells[1] = "03/04/2021"
        lines[i] = ",".join(cells)
    cells = lines[-5].split(",")
    cells[1] = "04/25/2021"
    lines[-5] = ",".join(cells)
    broken = tmp_path / "mixed_dates.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(pipeline, "PROCESS_BYTES", 0)
    with pytest.raises(LoadError) as caught:
        write_import(stream_file(broken, batch_rows=500), actor=EDITOR, url=url)
    assert "mixed_dates.csv" in str(caught.value) and "mdy" in str(caught.value)
    assert caught.value.issue.column == "event_date"
    assert _counts(url) == before


def test_load_error_survives_the_trip_between_processes() -> None:
    error = LoadError("acled.csv", "the date is wrong; fix it", row=12, column="event_date")
    back = pickle.loads(pickle.dumps(error))
    assert (back.issue, str(back)) == (error.issue, str(error))
