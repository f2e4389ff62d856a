"""The Import page through AppTest's file uploader, and dashboard.uploads.import_upload behind it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import loaders.registry
import loaders.worker
from dashboard import data, uploads
from db import queries
from db.auth import Actor, PermissionDenied
from db.engine import database_url
from tests.dashboard.conftest import login
from tests.dashboard.seed import CONVOYS_CSV, ROOT, TOLLS_CSV, Store

APP = str(ROOT / "app.py")
IMPORT_PAGE = "dashboard/pages/import.py"
TIMEOUT = 30
ALICE = Actor("alice", "editor")


def _import_page(name: str = "alice", role: str = "editor") -> AppTest:
    """The Import page, logged in as account ``name`` (its name is recorded with the import)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    login(at, database_url(), name, role)
    at.run()
    at.switch_page(IMPORT_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Import"
    return at


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="import_file").upload(name, content, "text/csv")
    at.run()
    at.button(key="import_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# ---- the page ----------------------------------------------------------------------------------


def test_upload_a_table_shows_the_summary_and_stores_it(empty_store: Store) -> None:
    at = _import_page()
    assert at.button(key="import_submit").disabled  # nothing uploaded yet
    assert at.file_uploader(key="import_file").proto.max_upload_size_mb == 50
    _upload(at, "tolls.csv", TOLLS_CSV.encode())
    assert "tolls.csv imported as table-csv" in at.success[0].value
    metrics = _metrics(at)
    assert (metrics["Rows in"], metrics["Added"], metrics["Rejected"], metrics["Duplicate"]) == (
        "3",
        "3",
        "0",
        "0",
    )
    assert any("No row was rejected" in c.value for c in at.caption)
    imports = queries.imports(empty_store.url)
    assert list(imports["file_name"]) == ["tolls.csv"]  # the original name, not the temp file's
    assert list(imports["imported_by"]) == ["alice"]
    assert queries.store_counts(empty_store.url)["civilian_toll"] == 3


def test_rejected_rows_are_listed_with_a_csv_download(empty_store: Store) -> None:
    at = _upload(_import_page(), "convoys.csv", CONVOYS_CSV.encode())
    metrics = _metrics(at)
    assert (metrics["Rows in"], metrics["Added"], metrics["Rejected"]) == ("8", "7", "1")
    assert "1 row(s) rejected" in at.warning[0].value
    rejects = at.dataframe[0].value
    assert rejects[["row", "column"]].values.tolist() == [[9, "place"]]
    assert "import_rejects_download" in {b.key for b in at.get("download_button")}


def test_the_same_file_twice_adds_nothing(empty_store: Store) -> None:
    at = _upload(_import_page(), "tolls.csv", TOLLS_CSV.encode())
    at.button(key="import_submit").click().run()
    assert "already imported" in at.info[0].value
    assert _metrics(at)["Duplicate"] == "3"
    assert len(queries.imports(empty_store.url)) == 1


def test_a_refused_file_shows_the_loader_message(empty_store: Store) -> None:
    at = _upload(_import_page(), "notes.csv", b"hello;there\nnothing;useful\n")
    assert "Not imported; nothing was stored" in at.error[0].value
    assert "is not a format Access Monitor reads" in at.error[0].value
    assert queries.imports(empty_store.url).empty


def test_a_viewer_gets_no_import_page_and_no_import(empty_store: Store) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    login(at, empty_store.url, "vera", "viewer")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(IMPORT_PAGE)  # not in a viewer's menu, nor reachable by its address
    page = login(
        AppTest.from_file(str(ROOT / IMPORT_PAGE), default_timeout=TIMEOUT), empty_store.url, "vera", "viewer"
    )
    page.run()  # the page file run on its own still refuses
    assert "needs the editor role" in page.info[0].value
    assert not page.get("file_uploader")
    with pytest.raises(PermissionDenied, match="viewer 'vera' may not import files"):
        uploads.import_upload("tolls.csv", TOLLS_CSV.encode(), {}, Actor("vera", "viewer"))
    assert queries.imports(empty_store.url).empty


# ---- import_upload -----------------------------------------------------------------------------


def test_upload_over_the_limit_is_refused_before_parsing(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCESS_MONITOR_MAX_UPLOAD_MB", "1")
    called: list[Path] = []
    monkeypatch.setattr(loaders.registry, "load_file", lambda path, **kw: called.append(path))
    outcome = uploads.import_upload("big.csv", b"x" * (1024 * 1024 + 1), {}, ALICE)
    assert outcome.summary is None and called == []
    assert outcome.refused and "over the 1 MB upload limit" in outcome.refused
    assert "ACCESS_MONITOR_MAX_UPLOAD_MB" in outcome.refused and "cli ingest big.csv" in outcome.refused


@pytest.mark.parametrize(("raw", "limit"), [("", 50), ("7", 7), ("0", 50), ("lots", 50)])
def test_upload_limit_setting(raw: str, limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_MONITOR_MAX_UPLOAD_MB", raw)
    assert uploads.max_upload_mb() == limit


def test_options_progress_and_temp_file(empty_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    real = loaders.worker.load_isolated  # the loader runs in a child process (memory and time limits)

    def spy(path: Path, progress: Any = None, **options: Any):  # type: ignore[no-untyped-def]
        seen["path"], seen["options"] = Path(path), dict(options)
        return real(path, progress, **options)

    monkeypatch.setattr(loaders.worker, "load_isolated", spy)
    steps: list[tuple[str, int, int]] = []
    options = {
        "date_order": "dmy",
        "encoding": "",
        "published": dt.date(2018, 3, 12),
        "retract_missing": False,
    }
    outcome = uploads.import_upload(
        "../../etc/tolls.csv",
        TOLLS_CSV.encode(),
        options,
        Actor("bob", "editor"),
        lambda *step: steps.append(step),
    )
    assert outcome.refused is None and outcome.summary is not None
    assert outcome.file == "tolls.csv" and seen["path"].name == "tolls.csv"  # no path from the browser
    assert not seen["path"].exists() and not seen["path"].parent.exists()  # deleted afterwards
    passed = {k: v for k, v in seen["options"].items() if k != "progress"}
    assert passed == {"date_order": "dmy", "published": dt.date(2018, 3, 12)}  # empty ones left out
    assert {s[0] for s in steps} == {"reading", "storing"}
    assert steps[-1] == ("storing", 3, 3)
    assert outcome.rejects().empty


def test_rejects_csv_is_formula_safe(empty_store: Store) -> None:
    hostile = CONVOYS_CSV.replace(
        "2018-03-09,Douma,Rural Damascus,UN; SARC; ICRC,13,",
        "2018-03-09,Douma,Rural Damascus,UN; SARC; ICRC,=1+2,",
    )
    outcome = uploads.import_upload("convoys.csv", hostile.encode(), {}, ALICE)
    rejects = outcome.rejects()
    assert rejects[["row", "column"]].values.tolist() == [[5, "trucks"], [9, "place"]]
    assert list(rejects.columns) == ["file", "row", "column", "reason", "value"]
    raw = data.csv_bytes(rejects).decode("utf-8-sig")
    assert ",'=1+2\n" in raw.replace("\r\n", "\n")  # quoted: a spreadsheet shows it, never runs it
    assert ",=1+2" not in raw


def test_upload_types_follow_the_registered_formats() -> None:
    types = uploads.upload_types()
    assert types is not None
    assert {"csv", "xlsx", "json", "geojson"} <= set(types)
    if uploads.reports_accepted():
        assert {"txt", "md", "html", "pdf", "docx"} <= set(types)
