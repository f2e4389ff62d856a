"""Browser imports read in a child process with a memory limit and a timeout (issue 13, item 7):
a file that needs too much memory or time gives a clear message and leaves the store as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, table

from dashboard import uploads
from db.auth import Actor
from loaders.records import LoadError, Severity
from loaders.registry import load_file
from loaders.worker import MEMORY_ENV, SECONDS_ENV, load_isolated, memory_limit_mb, time_limit_seconds
from tests.fixtures.bad_inputs import make

EDITOR = Actor("worker", "editor")


def _convoys(rows: int) -> str:
    body = "".join(
        f"2018-03-{1 + n % 28:02d},Douma {n},Rural Damascus,{n % 50},delivered,\n" for n in range(rows)
    )
    return make.CONVOY_HEADER + body


def _count(url: str, name: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
    finally:
        engine.dispose()


def test_child_returns_what_load_file_returns(tmp_path: Path) -> None:
    path = tmp_path / "convoys.csv"
    path.write_text(_convoys(12_000) + "2018-03-09,,Rural Damascus,3,delivered,\n", encoding="utf-8")
    steps: list[tuple[int, int]] = []
    isolated = load_isolated(path, lambda done, total: steps.append((done, total)))
    direct = load_file(path)
    assert isolated.records == direct.records and isolated.issues == direct.issues  # sent in several parts
    assert (isolated.rows_in, isolated.sha256, isolated.format) == (
        direct.rows_in,
        direct.sha256,
        direct.format,
    )
    assert [i.severity for i in isolated.issues] == [Severity.REJECTED]
    assert steps  # the child's progress reaches the page


def test_a_load_error_in_the_child_is_raised_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "many_pages.pdf"
    make.many_pages_pdf(path)
    with pytest.raises(LoadError, match=r"many_pages\.pdf: has 201 pages"):
        load_isolated(path)


def test_out_of_memory_is_a_clear_refusal(tmp_path: Path) -> None:
    """120 MB of address space: enough for the child to start, not to hold 60,000 rows."""
    path = tmp_path / "convoys.csv"
    path.write_text(_convoys(60_000), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_isolated(path, memory_mb=120)
    message = str(caught.value)
    assert message.startswith("convoys.csv: ") and "120 MB of memory" in message
    assert "nothing was stored" in message and "Split the file" in message


def test_timeout_is_a_clear_refusal(tmp_path: Path) -> None:
    path = tmp_path / "convoys.csv"
    path.write_text(_convoys(10), encoding="utf-8")
    with pytest.raises(LoadError, match=r"convoys.csv: took more than 0 seconds to read.*nothing was stored"):
        load_isolated(path, seconds=0.001)


def test_upload_over_the_memory_limit_leaves_the_store_unchanged(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", store_url)
    first = uploads.import_upload("small.csv", _convoys(3).encode(), {}, EDITOR)
    assert first.summary is not None and first.summary.added == 3
    before = {name: _count(store_url, name) for name in ("imports", "facts", "import_issues", "places")}
    monkeypatch.setenv(MEMORY_ENV, "120")
    outcome = uploads.import_upload("big.csv", _convoys(60_000).encode(), {}, EDITOR)
    assert outcome.summary is None and outcome.refused is not None
    assert "big.csv: " in outcome.refused and "120 MB of memory" in outcome.refused
    assert {name: _count(store_url, name) for name in before} == before


@pytest.mark.parametrize(
    ("raw", "memory", "seconds"), [("", 2048, 600.0), ("300", 300, 300.0), ("x", 2048, 600.0)]
)
def test_limits_from_the_environment(
    raw: str, memory: int, seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_ENV, raw)
    monkeypatch.setenv(SECONDS_ENV, raw)
    assert (memory_limit_mb(), time_limit_seconds()) == (memory, seconds)
