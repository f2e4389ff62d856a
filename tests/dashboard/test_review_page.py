"""AppTest of the Review page: empty store, table-only store, and a store with a pending report."""

from __future__ import annotations

import html

import pytest
from streamlit.testing.v1 import AppTest

from db import documents, review
from db.auth import Actor
from db.engine import database_url
from db.writer import write_import
from tests.dashboard.conftest import login
from tests.dashboard.seed import ROOT, Store
from tests.db.test_review import BESIEGED, CONVOY, TOLL, report_result

APP = str(ROOT / "app.py")
PAGE = "dashboard/pages/review.py"


@pytest.fixture
def report_store(empty_store: Store) -> Store:
    write_import(report_result(), actor=Actor("importer", "editor"), url=empty_store.url)
    return empty_store


def _page(actor: Actor | None = None) -> AppTest:
    """The page in single-user mode, or logged in as ``actor`` (an account is created for it)."""
    at = AppTest.from_file(APP, default_timeout=30)
    if actor is not None:
        login(at, database_url(), actor.name, actor.role)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _ids(url: str) -> dict[str, int]:
    facts = documents.pending_facts(url=url)
    return {str(r["kind"]): int(r["id"]) for _, r in facts.iterrows()}


def _plain(markdown: str) -> str:
    """An alert's text as the reader sees it: the page escapes stored text's Markdown with '\\'."""
    return markdown.replace("\\", "")


def _status(url: str, fact_id: int) -> str:
    detail = documents.fact_detail(fact_id, url)
    assert detail is not None
    return str(detail["review_status"])


def test_empty_store(empty_store: Store) -> None:
    at = _page()
    assert at.title[0].value == "Review"
    assert "No facts wait for review" in at.info[0].value


def test_table_imports_leave_nothing_to_review(seeded_store: Store) -> None:
    at = _page()
    assert "No facts wait for review" in at.info[0].value
    assert not [s for s in at.selectbox if s.key == "review_fact"]


def test_first_pending_fact_shown_inside_its_document(report_store: Store) -> None:
    ids = _ids(report_store.url)
    at = _page()
    chooser = at.selectbox(key="review_fact")
    assert chooser.value == ids["convoy"]  # text order within the newest document
    assert len(chooser.options) == 3
    body = _html(at)
    # The fact's sentence is marked and outlined; the neighbouring paragraphs are shown and marked too.
    assert f">{html.escape(CONVOY)}</mark>" in body
    focus = body[body.index("am-focus") - 200 : body.index(html.escape(CONVOY))]
    assert "am-convoy am-pending" in focus
    assert f">{html.escape(TOLL)}</mark>" in body
    assert "&lt;b&gt;update&lt;/b&gt;" in body  # the text's own markup is shown, not run
    assert html.escape(BESIEGED) not in body  # two paragraphs away: outside the window
    fields = at.dataframe[0].value.set_index("field")["value"]
    assert (
        fields["trucks"] == "13"
        and fields["organisations"] == "SARC; UN"
        and fields["outcome"] == "delivered"
    )


def test_confirm_button_confirms_and_moves_on(report_store: Store) -> None:
    ids = _ids(report_store.url)
    at = _page(actor=Actor("Amira", "editor"))
    at.button(key="review_confirm").click().run()
    assert not at.exception
    assert _status(report_store.url, ids["convoy"]) == "confirmed"
    assert documents.fact_history(ids["convoy"], report_store.url)["changed_by"].tolist() == ["Amira"]
    assert _plain(at.success[0].value) == f"Fact #{ids['convoy']} confirmed."
    chooser = at.selectbox(key="review_fact")
    assert chooser.value == ids["civilian_toll"] and ids["convoy"] not in chooser.options


def test_reject_with_reason_then_the_history_shows_it(report_store: Store) -> None:
    ids = _ids(report_store.url)
    at = _page()
    at.selectbox(key="review_fact").set_value(ids["civilian_toll"]).run()
    at.text_input(key=f"review_reason_{ids['civilian_toll']}").input("combatants, not civilians")
    at.button(key="review_reject").click().run()
    assert not at.exception
    assert _status(report_store.url, ids["civilian_toll"]) == "rejected"
    history = documents.fact_history(ids["civilian_toll"], report_store.url)
    assert history["after"].tolist() == ["rejected", "combatants, not civilians"]
    assert at.selectbox(key="review_fact").value == ids["besieged_population"]


def test_edit_form_saves_each_changed_field(report_store: Store) -> None:
    ids = _ids(report_store.url)
    toll = ids["civilian_toll"]
    at = _page(actor=Actor("Ben", "editor"))
    at.selectbox(key="review_fact").set_value(toll).run()
    at.text_input(key=f"review_edit_killed_{toll}").input("27")
    at.text_input(key=f"review_edit_sources_{toll}").input("SOHR; SAMS")
    at.selectbox(key=f"review_edit_killed_qualifier_{toll}").set_value("at_least")
    at.button(key="review_save").click().run()
    assert not at.exception
    assert "saved (killed, killed_qualifier, sources)" in _plain(at.success[0].value)
    detail = documents.fact_detail(toll, report_store.url)
    assert detail is not None
    assert (detail["killed"], detail["killed_qualifier"], detail["sources"], detail["review_status"]) == (
        27, "at_least", "SAMS; SOHR", "pending"
    )  # fmt: skip
    assert at.selectbox(key="review_fact").value == toll  # a plain save stays on the fact
    history = at.dataframe[-1].value
    assert history[["changed_by", "field", "before", "after"]].values.tolist() == [
        ["Ben", "killed", "25", "27"], ["Ben", "killed_qualifier", "", "at_least"],
        ["Ben", "sources", "SOHR", "SAMS; SOHR"],
    ]  # fmt: skip


def test_bad_edit_names_the_field_and_changes_nothing(report_store: Store) -> None:
    ids = _ids(report_store.url)
    convoy = ids["convoy"]
    at = _page()
    at.text_input(key=f"review_edit_trucks_{convoy}").input("13 trucks")
    at.button(key="review_save_confirm").click().run()
    assert not at.exception
    assert "trucks: '13 trucks' is not a whole number" in _plain(at.error[0].value)
    assert _status(report_store.url, convoy) == "pending"
    assert documents.fact_history(convoy, report_store.url).empty


def test_save_and_confirm_moves_on(report_store: Store) -> None:
    ids = _ids(report_store.url)
    convoy = ids["convoy"]
    at = _page()
    at.text_input(key=f"review_edit_trucks_{convoy}").input("14")
    at.button(key="review_save_confirm").click().run()
    assert not at.exception
    detail = documents.fact_detail(convoy, report_store.url)
    assert detail is not None and (detail["trucks"], detail["review_status"]) == (14, "confirmed")
    assert at.selectbox(key="review_fact").value == ids["civilian_toll"]


def test_filters_by_kind_and_document(report_store: Store) -> None:
    second = write_import(
        report_result("other.txt", shift_days=-7), actor=Actor("i", "editor"), url=report_store.url
    )
    at = _page()
    assert len(at.selectbox(key="review_fact").options) == 6
    at.selectbox(key="review_kind").set_value("civilian_toll").run()
    assert not at.exception
    assert len(at.selectbox(key="review_fact").options) == 2
    at.selectbox(key="review_document").set_value(second.import_id).run()
    assert not at.exception
    chooser = at.selectbox(key="review_fact")
    tolls = documents.pending_facts("civilian_toll", second.import_id, report_store.url)
    assert [int(i) for i in tolls["id"]] == [int(o.split()[0].lstrip("#")) for o in chooser.options]
    assert len(chooser.options) == 1


# ---- two editors, one fact (issue 13, item 12) ----------------------------------------------------


def _open_toll(url: str, actor: Actor) -> tuple[AppTest, int]:
    toll = _ids(url)["civilian_toll"]
    at = _page(actor=actor)
    at.selectbox(key="review_fact").set_value(toll).run()
    assert at.text_input(key=f"review_edit_killed_{toll}").value == "25"
    return at, toll


def test_a_stale_form_does_not_undo_another_editors_change(report_store: Store) -> None:
    url = report_store.url
    at, toll = _open_toll(url, Actor("Ben", "editor"))
    review.edit_fact(
        toll, {"killed": 27}, actor=Actor("Amira", "editor"), url=url
    )  # while Ben's form is open
    # Ben changes another field only: that field is saved, Amira's 27 stays (the old form sent 25 back).
    at.text_input(key=f"review_edit_injured_{toll}").input("3")
    at.button(key="review_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    detail = documents.fact_detail(toll, url)
    assert detail is not None and (detail["killed"], detail["injured"]) == (27, 3)
    assert at.text_input(key=f"review_edit_killed_{toll}").value == "27"  # the form was drawn afresh


def test_a_stale_save_of_the_same_field_is_refused_and_the_form_reloads(report_store: Store) -> None:
    url = report_store.url
    at, toll = _open_toll(url, Actor("Ben", "editor"))
    review.edit_fact(toll, {"killed": 27}, actor=Actor("Amira", "editor"), url=url)
    at.text_input(key=f"review_edit_killed_{toll}").input("30")
    at.button(key="review_save").click().run()
    assert not at.exception
    assert "killed was changed from 25 to 27 by Amira at" in _plain(at.error[0].value)
    assert "(your 30 was not saved)" in _plain(at.error[0].value)
    assert "The form now shows them" in _plain(at.error[0].value)
    detail = documents.fact_detail(toll, url)
    assert detail is not None and detail["killed"] == 27
    assert at.text_input(key=f"review_edit_killed_{toll}").value == "27"
    # Now that Ben has seen 27, his change goes through.
    at.text_input(key=f"review_edit_killed_{toll}").input("30")
    at.button(key="review_save").click().run()
    assert not at.error and not at.exception
    detail = documents.fact_detail(toll, url)
    assert detail is not None and detail["killed"] == 30


def test_confirming_a_fact_edited_since_it_was_shown_is_refused(report_store: Store) -> None:
    url = report_store.url
    at, toll = _open_toll(url, Actor("Ben", "editor"))
    review.edit_fact(toll, {"killed": 27}, actor=Actor("Amira", "editor"), url=url)
    at.button(key="review_confirm").click().run()
    assert not at.exception
    message = _plain(at.error[0].value)
    assert "Amira edited it (killed)" in message and "before you confirm it" in message
    assert _status(url, toll) == "pending"
    at.button(key="review_confirm").click().run()  # the page shows the current fact now: confirmed
    assert not at.error and _status(url, toll) == "confirmed"
