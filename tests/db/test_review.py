"""Reviewing facts: confirm, reject and edit, each one transaction with its history; refusals."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select, text

import db.review as review
from db import queries
from db.auth import Actor
from db.engine import write_engine
from db.models import Fact, FactChange, FactOrganisation, Organisation
from db.queries import Scope
from db.review import ReviewError, confirm_fact, edit_fact, reject_fact, set_review_status
from db.writer import write_import
from loaders.records import DateValue, FactKind, FactRecord, LoadResult, PlaceRef, Provenance, Quantity

# A small report in the shape the text extractor produces: its spans index into REPORT_TEXT.
CONVOY = "A 13-truck convoy of the UN and SARC reached Douma on Friday and delivered aid for 12,000 people."
TOLL = "The Syrian Observatory said 25 civilians were killed in Douma on March 8."
BESIEGED = "About 400,000 people remain besieged in eastern Ghouta, according to OCHA."
REPORT_TEXT = (
    "Eastern Ghouta, 9 March 2018 <b>update</b>\n\n"
    f"{CONVOY}\n\n"
    f"{TOLL} <script>alert('x')</script>\n\n"
    f"{BESIEGED}\n"
    "وصلت قافلة إلى دوما يوم الجمعة.\n"
)
W10 = dt.date(2018, 3, 5)  # the Monday of the week of 8 and 9 March 2018


def _prov(sentence: str, text_: str) -> Provenance:
    start = text_.index(sentence)
    return Provenance(span_start=start, span_end=start + len(sentence), method="text", evidence=sentence)


def report_records(text_: str = REPORT_TEXT, shift_days: int = 0) -> list[FactRecord]:
    """The three facts of REPORT_TEXT: a convoy, a toll and a besieged population.

    ``shift_days`` moves their dates: another report's facts (the same facts would be duplicates).
    """

    def day(n: int) -> dt.date:
        return dt.date(2018, 3, n) + dt.timedelta(days=shift_days)

    return [
        FactRecord(
            kind=FactKind.CONVOY, place=PlaceRef(name="Douma", country="SYR"), provenance=_prov(CONVOY, text_),
            date=DateValue(day(9), text="on Friday"), trucks=Quantity(value=13, text="13-truck"),
            people_served=Quantity(value=12000, text="12,000"), outcome="delivered",
            outcome_tags=["delivered"], organisations=["UN", "SARC"],
        ),
        FactRecord(
            kind=FactKind.TOLL, place=PlaceRef(name="Douma", country="SYR"), provenance=_prov(TOLL, text_),
            date=DateValue(day(8), text="on March 8"), period_start=day(8), period_end=day(8), killed=Quantity(value=25, text="25"), sources=["SOHR"],
        ),
        FactRecord(
            kind=FactKind.BESIEGED, place=PlaceRef(name="eastern Ghouta", country="SYR"),
            provenance=_prov(BESIEGED, text_), date=DateValue(day(10)),
            population=Quantity(value=400000, qualifier="about", text="About 400,000"), status="besieged",
            sources=["OCHA"],
        ),
    ]  # fmt: skip


def report_result(
    name: str = "report.txt",
    text_: str = REPORT_TEXT,
    records: list[FactRecord] | None = None,
    published: dt.date = dt.date(2018, 3, 10),
    shift_days: int = 0,
) -> LoadResult:
    """A report LoadResult as the text loader will build it (method 'text' facts with spans)."""
    records = report_records(text_, shift_days) if records is None else records
    digest = hashlib.sha256(f"{name}\n{text_}".encode()).hexdigest()
    return LoadResult(
        file=name, format="report", sha256=digest, records=records, rows_in=len(records), text=text_,
        title=f"Aid update ({name})", publisher="news agency", published=published, content_type="text/plain",
    )  # fmt: skip


def _fact(url: str, kind: str) -> dict:
    with write_engine(url).connect() as conn:
        return dict(conn.execute(select(Fact.__table__).where(Fact.kind == kind)).mappings().one())


def _changes(url: str, fact_id: int) -> list[tuple]:
    with write_engine(url).connect() as conn:
        stmt = (
            select(FactChange.action, FactChange.changed_by, FactChange.before, FactChange.after)
            .where(FactChange.fact_id == fact_id)
            .order_by(FactChange.id)
        )
        return [tuple(r) for r in conn.execute(stmt)]


def _sources(url: str, fact_id: int, role: str = "source") -> list[str]:
    with write_engine(url).connect() as conn:
        stmt = (
            select(Organisation.short_name)
            .join(FactOrganisation, FactOrganisation.organisation_id == Organisation.id)
            .where(FactOrganisation.fact_id == fact_id, FactOrganisation.role == role)
            .order_by(Organisation.short_name)
        )
        return list(conn.execute(stmt).scalars())


@pytest.fixture
def report(store_url: str) -> str:
    write_import(report_result(), actor=Actor("importer", "editor"))
    return store_url


def test_text_facts_arrive_pending_with_their_spans(report: str) -> None:
    toll = _fact(report, "civilian_toll")
    assert (toll["review_status"], toll["method"], toll["reviewed_by"]) == ("pending", "text", None)
    assert REPORT_TEXT[toll["span_start"] : toll["span_end"]] == TOLL


def test_confirm_records_who_when_before_after(report: str) -> None:
    toll = _fact(report, "civilian_toll")
    assert confirm_fact(toll["id"], actor=Actor("  Amira ", "editor")) is True
    after = _fact(report, "civilian_toll")
    assert (after["review_status"], after["reviewed_by"]) == ("confirmed", "Amira")
    assert after["reviewed_at"] is not None
    assert _changes(report, toll["id"]) == [
        ("confirm", "Amira", {"review_status": "pending"}, {"review_status": "confirmed"})
    ]
    # Confirming twice changes nothing and records nothing.
    assert confirm_fact(toll["id"], actor=Actor("Amira", "editor")) is False
    assert len(_changes(report, toll["id"])) == 1


def test_reject_keeps_the_fact_and_the_reason(report: str) -> None:
    convoy = _fact(report, "convoy")
    assert reject_fact(convoy["id"], actor=Actor("Ben", "editor"), reason="an evacuation, not aid") is True
    assert _fact(report, "convoy")["review_status"] == "rejected"
    assert _changes(report, convoy["id"]) == [
        ("reject", "Ben", {"review_status": "pending"},
         {"review_status": "rejected", "reason": "an evacuation, not aid"}),
    ]  # fmt: skip
    assert set_review_status(convoy["id"], "pending", actor=Actor("Ben", "editor")) is True
    reopened = _fact(report, "convoy")
    assert (reopened["review_status"], reopened["reviewed_by"]) == ("pending", None)
    assert _changes(report, convoy["id"])[-1][0] == "reopen"


def test_confirming_a_toll_brings_it_into_the_week_figures(report: str) -> None:
    toll = _fact(report, "civilian_toll")
    assert queries.week_headline(W10, url=report)["killed_low"] is None  # pending: not counted, no report
    pending = queries.week_headline(W10, Scope(include_pending=True), url=report)
    assert (pending["killed_low"], pending["killed_high"]) == (25, 25)  # counted only when asked
    confirm_fact(toll["id"], actor=Actor("a", "editor"))
    headline = queries.week_headline(W10, url=report)
    assert (headline["killed_low"], headline["killed_high"]) == (25, 25)


def test_rejecting_a_toll_keeps_it_out_even_with_pending(report: str) -> None:
    toll = _fact(report, "civilian_toll")
    reject_fact(toll["id"], actor=Actor("a", "editor"))
    for scope in (Scope(), Scope(include_pending=True)):
        headline = queries.week_headline(W10, scope, url=report)
        assert (headline["killed_low"], headline["killed_high"]) == (None, None)  # no report, not 0


def test_edit_records_only_the_changed_fields(report: str) -> None:
    toll = _fact(report, "civilian_toll")
    changed = edit_fact(
        toll["id"],
        {"killed": "27", "injured_low": "40", "injured_high": "45", "injured_qualifier": "about",
         "period_start": "2018-03-08", "place_text": "Douma", "sources": "SOHR; SAMS"},
        actor=Actor("Amira", "editor"),
    )  # fmt: skip
    assert changed == {
        "killed": 27, "injured_low": 40, "injured_high": 45, "injured_qualifier": "about", "sources": "SAMS; SOHR"
    }  # fmt: skip
    after = _fact(report, "civilian_toll")
    assert (after["killed"], after["killed_low"], after["killed_high"], after["killed_text"]) == (
        27,
        None,
        None,
        "25",
    )
    assert after["review_status"] == "pending"  # an edit alone is no confirmation
    assert _sources(report, toll["id"]) == ["SAMS", "SOHR"]
    action, who, before, after_ = _changes(report, toll["id"])[0]
    assert (action, who) == ("edit", "Amira")
    assert before == {"killed": 25, "injured_low": None, "injured_high": None, "injured_qualifier": None,
                      "sources": "SOHR"}  # fmt: skip
    assert after_ == changed
    # The same values again: nothing changes, nothing is recorded.
    assert (
        edit_fact(toll["id"], {"killed": 27, "sources": ["SAMS", "SOHR"]}, actor=Actor("Amira", "editor"))
        == {}
    )
    assert len(_changes(report, toll["id"])) == 1


def test_edit_and_confirm_in_one_go(report: str) -> None:
    convoy = _fact(report, "convoy")
    changed = edit_fact(
        convoy["id"], {"trucks": 14, "outcome": "partially_delivered", "organisations": "UN; SARC; ICRC"},
        actor=Actor("Ben", "editor"), confirm=True,
    )  # fmt: skip
    assert changed == {"trucks": 14, "outcome": "partially_delivered", "organisations": "ICRC; SARC; UN"}
    after = _fact(report, "convoy")
    assert (after["trucks"], after["outcome"], after["review_status"]) == (
        14,
        "partially_delivered",
        "confirmed",
    )
    assert after["outcome_tags"] == "delivered"  # recompute nothing else
    assert [c[0] for c in _changes(report, convoy["id"])] == ["edit", "confirm"]
    assert _sources(report, convoy["id"], "operator") == ["ICRC", "SARC", "UN"]
    assert queries.week_headline(W10, url=report)["trucks"] == 14


def test_editing_place_and_date_moves_the_fact(report: str) -> None:
    convoy = _fact(report, "convoy")
    changed = edit_fact(
        convoy["id"], {"place_text": "Madaya", "date": dt.date(2018, 3, 12)}, actor=Actor("a", "editor")
    )
    assert changed["place_text"] == "Madaya" and changed["date"] == "2018-03-12"
    assert "place_id" in changed  # resolved through the gazetteer again, and recorded
    with write_engine(report).connect() as conn:
        place = conn.execute(text("SELECT p.name FROM facts f JOIN places p ON p.id = f.place_id "
                                  f"WHERE f.id = {convoy['id']}")).scalar_one()  # fmt: skip
    assert place == "Madaya"
    after = _fact(report, "convoy")
    assert (after["date"], after["date_precision"], after["date_text"]) == (
        dt.date(2018, 3, 12),
        "day",
        "on Friday",
    )


def test_besieged_fields(report: str) -> None:
    besieged = _fact(report, "besieged_population")
    edit_fact(
        besieged["id"],
        {"population": "", "population_low": "390,000", "population_high": "400000", "status": "besieged",
         "besieging_party": "  Syrian   government forces "},
        actor=Actor("a", "editor"),
    )  # fmt: skip
    after = _fact(report, "besieged_population")
    assert (after["population"], after["population_low"], after["population_high"]) == (None, 390000, 400000)
    assert after["besieging_party"] == "Syrian government forces"
    assert after["population_qualifier"] == "about"


@pytest.mark.parametrize(
    ("kind", "changes", "message"),
    [
        ("civilian_toll", {"victims": 3}, "unknown field 'victims'"),
        ("civilian_toll", {"trucks": 3}, "trucks: not a field of a civilian toll fact"),
        ("civilian_toll", {"review_status": "confirmed"}, "unknown field 'review_status'"),
        ("civilian_toll", {"killed": "twelve"}, "killed: 'twelve' is not a whole number"),
        ("civilian_toll", {"killed": -3}, "killed: -3 is negative"),
        ("civilian_toll", {"killed": 2.5}, "killed: 2.5 is not a whole number"),
        ("civilian_toll", {"killed": True}, "killed: True is not a whole number"),
        ("civilian_toll", {"killed_qualifier": "roughly"}, "killed_qualifier: 'roughly' is not allowed"),
        (
            "civilian_toll",
            {"period_end": "8 March"},
            "period_end: '8 March' is not a date; write it as YYYY-MM-DD",
        ),
        ("civilian_toll", {"period_end": "2018-03-01"}, "period_end: 2018-03-01 is before period_start"),
        ("civilian_toll", {"killed_low": 30}, "killed: give either a value or a low–high range"),
        ("civilian_toll", {"killed": None, "killed_low": 30, "killed_high": 20}, "killed_low: 30 is above"),
        ("civilian_toll", {"place_text": "  "}, "place_text: the place cannot be empty"),
        ("convoy", {"outcome": "great"}, "outcome: 'great' is not allowed; use one of: planned"),
        ("besieged_population", {"status": "surrounded"}, "status: 'surrounded' is not allowed"),
        ("besieged_population", {"sources": 5}, "sources: expected names separated by ';'"),
    ],
)
def test_edit_refuses_bad_input_and_changes_nothing(
    report: str, kind: str, changes: dict, message: str
) -> None:
    before = _fact(report, kind)
    with pytest.raises(ReviewError, match=message):
        edit_fact(before["id"], changes, actor=Actor("a", "editor"))
    assert _fact(report, kind) == before
    assert _changes(report, before["id"]) == []


def test_refusals_name_what_to_do(report: str) -> None:
    toll = _fact(report, "civilian_toll")
    with pytest.raises(ReviewError, match="there is no fact with id 999999"):
        confirm_fact(999999, actor=Actor("a", "editor"))
    with pytest.raises(ValueError, match="an actor needs a name"):
        confirm_fact(toll["id"], actor=Actor(" ", "editor"))
    with pytest.raises(ReviewError, match="review_status: 'maybe' is not allowed"):
        set_review_status(toll["id"], "maybe", actor=Actor("a", "editor"))
    assert _fact(report, "civilian_toll")["review_status"] == "pending"


def test_an_error_mid_edit_leaves_the_fact_unchanged(report: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fact's columns are updated before the organisations are linked: a failure there rolls back."""
    toll = _fact(report, "civilian_toll")

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(review.OrganisationIndex, "resolve_or_add", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        edit_fact(toll["id"], {"killed": 99, "sources": "MSF"}, actor=Actor("a", "editor"), confirm=True)
    assert _fact(report, "civilian_toll") == toll
    assert _sources(report, toll["id"]) == ["SOHR"]
    with write_engine(report).connect() as conn:
        assert conn.execute(select(func.count()).select_from(FactChange)).scalar_one() == 0


def test_structured_facts_can_be_reviewed_too(store_url: str) -> None:
    record = FactRecord(
        kind=FactKind.TOLL, place=PlaceRef(name="Douma", country="SYR"), provenance=Provenance(row=2),
        period_start=dt.date(2018, 3, 8), period_end=dt.date(2018, 3, 8), killed=Quantity(value=5),
    )  # fmt: skip
    write_import(
        LoadResult(file="t.csv", format="table-csv", sha256="t" * 64, records=[record], rows_in=1),
        actor=Actor("i", "editor"),
    )
    fact = _fact(store_url, "civilian_toll")
    assert fact["review_status"] == "confirmed"
    assert reject_fact(fact["id"], actor=Actor("a", "editor")) is True
    assert queries.week_headline(W10, url=store_url)["killed_high"] is None  # no report left: unknown
