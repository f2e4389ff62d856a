"""AppTest of the Documents page: every import listed; a report opens with its facts highlighted."""

from __future__ import annotations

import html
import re

from streamlit.testing.v1 import AppTest

from db import documents
from db.auth import Actor
from db.review import confirm_fact
from db.writer import write_import
from tests.dashboard.seed import ROOT, Store
from tests.db.test_review import BESIEGED, CONVOY, TOLL, report_result

APP = str(ROOT / "app.py")
PAGE = "dashboard/pages/documents.py"


def _page(import_id: int | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(PAGE)
    if import_id is not None:
        at.query_params["import"] = str(import_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_empty_store(empty_store: Store) -> None:
    at = _page()
    assert at.title[0].value == "Documents"
    assert "No imports yet" in at.info[0].value
    assert not at.get("html")


def test_table_imports_show_their_summary_and_point_to_the_data_page(seeded_store: Store) -> None:
    at = _page()
    listed = at.dataframe[0].value
    assert list(listed["file"]) == ["tolls.csv", "besieged.csv", "convoys.csv"]
    assert listed.set_index("file").loc["convoys.csv", "confirmed"] == 7
    chooser = at.selectbox(key="documents_import")
    convoys = seeded_store.summaries["convoys.csv"].import_id
    chooser.set_value(convoys).run()
    assert not at.exception
    assert _metrics(at) == {"Rows in": "8", "Added": "7", "Updated": "0", "Duplicate": "0", "Skipped": "0",
                            "Rejected": "1"}  # fmt: skip
    assert f"**Data** page (choose import #{convoys})" in at.info[0].value
    assert not at.get("html")


def test_a_report_opens_with_every_fact_highlighted(empty_store: Store) -> None:
    older = write_import(
        report_result("older.txt", shift_days=-7), actor=Actor("i", "editor"), url=empty_store.url
    )
    report = write_import(report_result(), actor=Actor("i", "editor"), url=empty_store.url)
    ids = {
        str(r["kind"]): int(r["id"])
        for _, r in documents.document_facts(report.import_id, empty_store.url).iterrows()
    }  # type: ignore[arg-type]
    confirm_fact(ids["civilian_toll"], actor=Actor("Amira", "editor"))

    at = _page()
    assert at.selectbox(key="documents_import").value == report.import_id  # newest first
    assert older.import_id != report.import_id
    body = _html(at)
    for sentence in (CONVOY, TOLL, BESIEGED):
        assert f">{html.escape(sentence)}</mark>" in body
    assert "<script>" not in body and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    marks = dict(re.findall(r'class="am-fact (am-[a-z_]+ am-[a-z]+)"[^>]*data-facts="(\d+)"', body))
    by_fact = {int(v): k for k, v in marks.items()}
    assert by_fact == {
        ids["convoy"]: "am-convoy am-pending",
        ids["civilian_toll"]: "am-civilian_toll am-confirmed",
        ids["besieged_population"]: "am-besieged_population am-pending",
    }
    assert _metrics(at) == {"Facts": "3", "Pending": "2", "Confirmed": "1", "Rejected": "0"}
    facts = at.dataframe[1].value
    assert facts[["kind", "review status", "figures"]].values.tolist() == [
        ["convoy", "pending", "trucks 13 · people served 12,000"],
        ["civilian toll", "confirmed", "killed 25"],
        ["besieged population", "pending", "population about 400,000"],
    ]
    assert facts["reviewed by"].tolist()[1] == "Amira"
    assert "2 fact(s) wait for review" in "\n".join(c.value for c in at.caption)
    listed = at.dataframe[0].value.set_index("import")
    assert (listed.loc[report.import_id, "publisher"], listed.loc[report.import_id, "published"]) == (
        "news agency", "2018-03-10"
    )  # fmt: skip


def test_the_address_opens_a_report(empty_store: Store) -> None:
    older = write_import(
        report_result("older.txt", shift_days=-7), actor=Actor("i", "editor"), url=empty_store.url
    )
    write_import(report_result(), actor=Actor("i", "editor"), url=empty_store.url)
    at = _page(import_id=older.import_id)
    assert at.selectbox(key="documents_import").value == older.import_id
    assert "Aid update (older.txt)" in at.subheader[0].value
