"""Read queries behind the Review and Documents pages."""

from __future__ import annotations

import datetime as dt

from db import documents
from db.auth import Actor
from db.review import confirm_fact, edit_fact, reject_fact
from db.writer import write_import
from loaders.records import FactKind, FactRecord, LoadResult, PlaceRef, Provenance, Quantity
from tests.db.test_review import BESIEGED, CONVOY, REPORT_TEXT, TOLL, report_result


def _table_import() -> LoadResult:
    record = FactRecord(
        kind=FactKind.TOLL, place=PlaceRef(name="Douma", country="SYR"), provenance=Provenance(row=2),
        period_start=dt.date(2018, 3, 1), period_end=dt.date(2018, 3, 1), killed=Quantity(low=3, high=5),
    )  # fmt: skip
    return LoadResult(file="tolls.csv", format="table-csv", sha256="c" * 64, records=[record], rows_in=1)


def _two_reports(url: str) -> tuple[int, int]:
    older = write_import(
        report_result("old.txt", published=dt.date(2018, 3, 1), shift_days=-7), actor=Actor("i", "editor")
    ).import_id
    newer = write_import(
        report_result("new.txt", published=dt.date(2018, 3, 12)), actor=Actor("i", "editor")
    ).import_id
    assert older and newer
    return older, newer


def test_empty_store(store_url: str) -> None:
    assert documents.pending_facts(url=store_url).empty
    assert documents.imports_with_counts(store_url).empty
    assert documents.document(1, store_url) is None
    assert documents.document_facts(1, store_url).empty
    assert documents.fact_detail(1, store_url) is None
    assert documents.fact_history(1, store_url).empty


def test_pending_facts_newest_document_first_in_text_order(store_url: str) -> None:
    # The newer report is imported first: ordering follows the publication date, not the import.
    newer = write_import(
        report_result("new.txt", published=dt.date(2018, 3, 12)), actor=Actor("i", "editor")
    ).import_id
    older = write_import(
        report_result("old.txt", published=dt.date(2018, 3, 1), shift_days=-7), actor=Actor("i", "editor")
    ).import_id
    pending = documents.pending_facts(url=store_url)
    assert list(pending["import_id"]) == [newer] * 3 + [older] * 3
    assert list(pending["kind"][:3]) == ["convoy", "civilian_toll", "besieged_population"]
    assert list(pending["evidence"][:3]) == [CONVOY, TOLL, BESIEGED]
    first = pending.iloc[0]
    assert (first["title"], first["published"], first["place"]) == (
        "Aid update (new.txt)",
        dt.date(2018, 3, 12),
        "Douma",
    )
    assert pending["figures"][0] == "trucks 13 · people served 12,000"
    assert pending["figures"][2] == "population about 400,000"

    tolls = documents.pending_facts("civilian_toll", url=store_url)
    assert list(tolls["import_id"]) == [newer, older]
    only_old = documents.pending_facts(import_id=older, url=store_url)
    assert set(only_old["import_id"]) == {older} and len(only_old) == 3

    confirm_fact(int(first["id"]), actor=Actor("a", "editor"))
    reject_fact(int(pending["id"][1]), actor=Actor("a", "editor"))
    assert len(documents.pending_facts(url=store_url)) == 4


def test_imports_with_counts_reports_and_tables(store_url: str) -> None:
    older, newer = _two_reports(store_url)
    table = write_import(_table_import(), actor=Actor("i", "editor")).import_id
    facts = documents.pending_facts(import_id=newer, url=store_url)
    confirm_fact(int(facts["id"][0]), actor=Actor("a", "editor"))
    reject_fact(int(facts["id"][1]), actor=Actor("a", "editor"))
    listed = documents.imports_with_counts(store_url).set_index("import_id")
    assert list(listed.index) == [table, newer, older]  # newest import first
    new = listed.loc[newer]
    assert (new["facts"], new["pending"], new["confirmed"], new["rejected"]) == (3, 1, 1, 1)
    assert (new["publisher"], new["published"], new["format"], bool(new["has_text"])) == (
        "news agency", dt.date(2018, 3, 12), "report", True
    )  # fmt: skip
    csv = listed.loc[table]
    assert (csv["facts"], csv["confirmed"], csv["pending"], bool(csv["has_text"])) == (1, 1, 0, False)
    assert (csv["rows_in"], csv["added"], csv["rows_rejected"]) == (1, 1, 0)


def test_document_text_and_its_facts_with_spans(store_url: str) -> None:
    _, newer = _two_reports(store_url)
    doc = documents.document(newer, store_url)
    assert doc is not None
    assert doc["text"] == REPORT_TEXT  # stored exactly: the spans index into it
    assert (doc["title"], doc["publisher"], doc["published"], doc["content_type"]) == (
        "Aid update (new.txt)", "news agency", dt.date(2018, 3, 12), "text/plain"
    )  # fmt: skip
    facts = documents.document_facts(newer, store_url)
    assert list(facts["kind"]) == ["convoy", "civilian_toll", "besieged_population"]
    for row in facts.itertuples():
        assert REPORT_TEXT[row.span_start : row.span_end] == row.evidence
    assert set(facts["review_status"]) == {"pending"}
    assert facts["figures"][1] == "killed 25"
    assert facts["period_start"][1] == dt.date(2018, 3, 8)


def test_fact_detail_and_history(store_url: str) -> None:
    _, newer = _two_reports(store_url)
    toll_id = int(documents.document_facts(newer, store_url)["id"][1])
    detail = documents.fact_detail(toll_id, store_url)
    assert detail is not None
    assert (detail["kind"], detail["place"], detail["killed"], detail["sources"], detail["organisations"]) == (
        "civilian_toll", "Douma", 25, "SOHR", ""
    )  # fmt: skip
    assert (detail["period_start"], detail["published"], detail["file_name"]) == (
        dt.date(2018, 3, 8), dt.date(2018, 3, 12), "new.txt"
    )  # fmt: skip

    edit_fact(toll_id, {"killed": 27, "injured": "3"}, actor=Actor("Amira", "editor"))
    reject_fact(toll_id, actor=Actor("Ben", "editor"), reason="double count")
    history = documents.fact_history(toll_id, store_url)
    rows = history[["changed_by", "action", "field", "before", "after"]].values.tolist()
    assert rows == [
        ["Amira", "edit", "killed", "25", "27"],
        ["Amira", "edit", "injured", "", "3"],
        ["Ben", "reject", "review_status", "pending", "rejected"],
        ["Ben", "reject", "reason", "", "double count"],
    ]
    assert history["change_id"].nunique() == 2
    assert documents.fact_detail(toll_id, store_url)["reviewed_by"] == "Ben"  # type: ignore[index]


def test_figures_in_words() -> None:
    assert documents.figures(
        {"killed_low": 940, "killed_high": 1000, "injured": 12, "injured_qualifier": "about"}
    ) == ("killed 940–1,000 · injured about 12")
    assert documents.figures({"killed_qualifier": "vague"}) == "killed (vague)"
    assert documents.figures({"trucks": float("nan"), "people_served_low": 5000}) == "people served 5,000–?"
    assert documents.figures({}) == ""
