"""The bad-input corpus: every case in tests/fixtures/bad_inputs/cases.toml through the real path.

Each case's file is loaded with ``loaders.registry.load_file`` and stored with
``db.writer.write_import`` in a fresh store that already holds one import. A refused case must
raise LoadError with its message, quickly, and leave every table's row count as it was; an imported
case must store exactly the facts, rejects and warnings the table says. No case may leave a file
behind in the temporary folder or beside its input.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, inspect, select, table, text

from dashboard.highlight import highlight_html, spans_from_records
from db.auth import Actor
from db.writer import ImportSummary, write_import
from loaders.records import LoadError, Severity
from loaders.registry import load_file
from loaders.safety import MAX_UPLOAD_ENV
from tests.fixtures.bad_inputs import make

CASES = make.cases()
README = Path(__file__).resolve().parents[1] / "README.md"
REFUSE_SECONDS = 2.0
EDITOR = Actor("bad-inputs", "editor")
SEED = "date,place,admin1,trucks,outcome\n2018-02-14,Nashabiyeh,Rural Damascus,9,delivered\n"


def _case_id(case: dict[str, Any]) -> str:
    options = "".join(f"-{k}={v}" for k, v in case.get("options", {}).items())
    return case["file"] + options


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case["pending"])] if case.get("pending") else []
        params.append(pytest.param(case, id=_case_id(case), marks=marks))
    return params


@pytest.fixture
def seeded_store(store_url: str, tmp_path: Path) -> str:
    """A fresh store holding one convoy import, so 'unchanged' means something."""
    seed = tmp_path / "seed.csv"
    seed.write_text(SEED, encoding="utf-8")
    write_import(load_file(seed), actor=EDITOR, url=store_url)
    seed.unlink()
    return store_url


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {
                name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in names
            }
    finally:
        engine.dispose()


def _rows(url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(text(sql), params).mappings()]
    finally:
        engine.dispose()


@pytest.mark.parametrize("case", _params())
def test_bad_input(
    case: dict[str, Any], seeded_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs, temp = tmp_path / "inputs", tmp_path / "temp"
    inputs.mkdir()
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.delenv(MAX_UPLOAD_ENV, raising=False)
    path = make.materialise(case, inputs)
    before = _counts(seeded_store)

    started = time.perf_counter()
    try:
        result = load_file(path, **case.get("options", {}))
    except LoadError as exc:
        elapsed = time.perf_counter() - started
        assert case["expect"] == "refused", f"refused unexpectedly: {exc}"
        assert case["message"] in str(exc)
        assert str(exc).startswith(path.name)
        assert elapsed < case.get("seconds", REFUSE_SECONDS), f"took {elapsed:.2f}s to refuse"
        assert _counts(seeded_store) == before
    else:
        assert case["expect"] == "imported", f"imported, but should be refused with {case.get('message')!r}"
        try:
            summary = write_import(result, actor=EDITOR, url=seeded_store)
        except Exception:
            assert _counts(seeded_store) == before, "a failed import left rows behind"
            raise
        _check_imported(case, summary, result.format, seeded_store, before)

    assert list(temp.iterdir()) == [], "temporary files left behind"
    assert [p.name for p in inputs.iterdir()] == [path.name], "files left beside the input"


def _check_imported(
    case: dict[str, Any], summary: ImportSummary, fmt: str, url: str, before: dict[str, int]
) -> None:
    assert summary.status == "imported"
    if "added" in case:
        assert summary.added == case["added"]
    rejected = {(i.row, i.column): i.reason for i in summary.issues if i.severity == Severity.REJECTED}
    expected = {(row, column): words for row, column, words in case.get("rejected", [])}
    assert set(rejected) == set(expected)
    for key, words in expected.items():
        assert words in rejected[key], f"row {key[0]}: {rejected[key]!r} lacks {words!r}"
    warnings = [i.reason for i in summary.issues if i.severity == Severity.WARNING and i.row is None]
    if fmt != "report" or "warnings" in case:
        assert len(warnings) == len(case.get("warnings", [])), warnings
        for words, reason in zip(case.get("warnings", []), warnings, strict=False):
            assert words in reason
    after = _counts(url)
    assert after["imports"] == before["imports"] + 1
    if fmt.startswith("cod-"):  # a gazetteer adds places (and their parents), no facts
        assert after["facts"] == before["facts"]
        assert after["places"] >= before["places"] + summary.added
    else:
        assert after["facts"] == before["facts"] + summary.added
    assert after["import_issues"] == before["import_issues"] + len(summary.issues)
    if "issue_text_max" in case:  # a huge cell is quoted, not copied, in every stored issue
        [row] = _rows(
            url,
            "SELECT MAX(LENGTH(reason)) AS reason, MAX(LENGTH(value)) AS value FROM import_issues WHERE import_id = :i",
            i=summary.import_id,
        )
        assert max(row["reason"] or 0, row["value"] or 0) <= case["issue_text_max"], row
    if "encoding" in case:
        [row] = _rows(url, "SELECT encoding FROM imports WHERE id = :i", i=summary.import_id)
        assert row["encoding"] == case["encoding"]
    for expected_row in case.get("stored", []):
        wanted = {k: v for k, v in expected_row.items() if k != "row"}
        facts = _rows(
            url,
            "SELECT * FROM facts WHERE import_id = :i AND source_row = :r",
            i=summary.import_id,
            r=expected_row["row"],
        )
        assert len(facts) == 1, f"row {expected_row['row']}: {len(facts)} facts"
        got = {k: _plain(facts[0][k]) for k in wanted}
        assert got == wanted
    if {"text_lacks", "html_has", "html_lacks"} & set(case):
        _check_document(case, summary.import_id, url)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _check_document(case: dict[str, Any], import_id: int | None, url: str) -> None:
    [doc] = _rows(url, "SELECT text FROM documents WHERE import_id = :i", i=import_id)
    stored = doc["text"]
    for words in case.get("text_lacks", []):
        assert words not in stored
    facts = _rows(
        url,
        "SELECT id, kind, review_status, span_start, span_end FROM facts WHERE import_id = :i",
        i=import_id,
    )
    shown = highlight_html(stored, spans_from_records(facts))
    for words in case.get("html_has", []):
        assert words in shown
    for words in case.get("html_lacks", []):
        assert words not in shown


def test_corpus_is_complete() -> None:
    """At least 30 cases; every committed input and every generator is used by a case."""
    assert len(CASES) >= 30
    used = {case["file"] for case in CASES if "make" not in case}
    committed = {p.name for p in make.HERE.iterdir() if p.suffix not in {".py", ".toml"} and p.is_file()}
    assert used == committed
    assert {case["make"] for case in CASES if "make" in case} == set(make.GENERATORS)
    for case in CASES:
        assert case["expect"] in {"refused", "imported"}
        assert ("message" in case) == (case["expect"] == "refused"), case["file"]


def test_readme_lists_the_corpus() -> None:
    """README.md holds the table generated from cases.toml (python -m tests.fixtures.bad_inputs.make)."""
    readme = README.read_text(encoding="utf-8")
    assert make.START in readme and make.END in readme
    assert make.readme_block(readme) == make.markdown_table()
