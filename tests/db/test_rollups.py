"""The rollups (db.rollups) equal the straightforward aggregation of the facts after every kind of
write: imports of tables, ACLED events and reports, review, edits, place merges, re-imports that
update and retract. And the pages' toll figures read from the rollups equal those computed from
the base rows, under every filter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import text

from commands.ingest import DEMO_DIR, DEMO_FILES
from db import analytics, convoys, queries, rollups, rules, tolls, trends
from db.curation import merge_place, unmerge_place
from db.engine import write_engine
from db.models import Fact
from db.review import confirm_fact, edit_fact, reject_fact
from db.selection import Selection
from db.writer import write_import
from loaders.records import DateValue, FactKind, FactRecord, LoadResult, PlaceRef, Provenance, Quantity
from loaders.registry import load_file
from tests.conftest import EDITOR, fresh_store_url

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs"
EVERYTHING = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def _read(url: str, sql: str) -> list[tuple[Any, ...]]:
    with write_engine(url).connect() as conn:
        return [tuple(_plain(v) for v in row) for row in conn.execute(text(sql))]


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _stored(url: str) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "toll_days": _read(url, "SELECT scope, victim_group, day, place_id, source, killed_low, killed_high, "
                                "injured_low, injured_high FROM toll_days ORDER BY 1, 2, 3, 4, 5"),
        "toll_reports": _read(url, "SELECT scope, victim_group, period_end, period_start, place_id, source, "
                                   "import_id, reports FROM toll_reports ORDER BY 1, 2, 3, 4, 5, 6, 7"),
        "place_counts": _read(url, "SELECT place_id, kind, review_status, facts FROM place_counts ORDER BY 1, 2, 3"),
        "organisation_counts": _read(url, "SELECT organisation_id, role, facts FROM organisation_counts ORDER BY 1, 2"),
        "toll_weeks": _read(url, "SELECT scope, victim_group, week, killed_low, killed_high, injured_low, "
                                 "injured_high, sources FROM toll_weeks ORDER BY 1, 2, 3"),
        "convoy_finals": _read(url, "SELECT scope, convoy_key, fact_id, date, week, place_id, outcome, import_id, "
                                    "trucks, people_served FROM convoy_finals ORDER BY 1, 2"),
    }  # fmt: skip


def _expected(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The same four tables computed the plain way: GROUP BY over the facts, and the toll rules
    (db.analytics.source_days) over the rows the base-path query returns."""
    days: list[tuple[Any, ...]] = []
    reports: list[tuple[Any, ...]] = []
    weeks: list[tuple[Any, ...]] = []
    parents = queries.place_parents(url)
    groups = [
        g for (g,) in _read(url, "SELECT DISTINCT victim_group FROM facts WHERE victim_group IS NOT NULL")
    ]
    for scope, pending in (("all", True), ("confirmed", False)):
        for group in sorted(groups):
            rows = tolls.toll_rows(Selection(*EVERYTHING, include_pending=pending), url, group)
            for r in analytics.source_days(rows).itertuples():
                days.append((scope, group, r.day.date().isoformat(), int(r.place_id), r.source,
                             *(None if pd.isna(v) else round(float(v), 6) for v in
                               (r.killed_low, r.killed_high, r.injured_low, r.injured_high))))  # fmt: skip
            if rows.empty:
                continue
            per_source = analytics.source_days(rows)
            kept = rules.source_days_kept(per_source, parents)
            band = rules.toll_week_band(per_source, kept, parents, sorted(set(kept["week"])))
            for b in band[band["sources"] > 0].itertuples():
                weeks.append((scope, group, b.week.isoformat(), b.killed_low, b.killed_high, b.injured_low,
                              b.injured_high, b.sources))  # fmt: skip
            counted = rows.groupby(["period_end", "period_start", "place_id", "source", "import_id"]).size()
            for (end, start, place, source, imp), n in counted.items():
                reports.append(
                    (scope, group, end.isoformat(), start.isoformat(), int(place), source, int(imp), int(n))
                )
    live = "NOT f.retracted" if url.startswith("postgresql") else "f.retracted = 0"
    finals: list[tuple[Any, ...]] = []
    for scope, pending in (("all", True), ("confirmed", False)):
        for r in convoys.convoy_facts(
            Selection(*EVERYTHING, include_pending=pending), url, base=True
        ).itertuples():
            monday = r.date - dt.timedelta(days=r.date.weekday())
            finals.append((scope, r.convoy_key, int(r.id), r.date.isoformat(), monday.isoformat(), int(r.place_id),
                           None if pd.isna(r.outcome) else r.outcome, int(r.import_id), _count(r.trucks),
                           _count(r.people_served)))  # fmt: skip
    return {
        "toll_days": sorted(days, key=lambda r: r[:5]),
        "toll_reports": sorted(reports, key=lambda r: r[:7]),
        "place_counts": _read(url, f"SELECT place_id, kind, review_status, count(*) FROM facts f WHERE {live} "
                                   "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
        "organisation_counts": _read(url, "SELECT fo.organisation_id, fo.role, count(*) FROM fact_organisations fo "
                                          f"JOIN facts f ON f.id = fo.fact_id WHERE {live} GROUP BY 1, 2 ORDER BY 1, 2"),
        "toll_weeks": sorted(weeks, key=lambda r: r[:3]),
        "convoy_finals": sorted(finals, key=lambda r: r[:2]),
    }  # fmt: skip


def _count(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _assert_in_step(url: str, step: str) -> None:
    stored, expected = _stored(url), _expected(url)
    for table in stored:
        assert stored[table] == expected[table], f"{table} differs from the facts after: {step}"
    assert stored["toll_days"] and stored["place_counts"] and stored["toll_weeks"], "nothing to compare"


def _assert_pages_equal(url: str, step: str) -> None:
    douma = int(_read(url, "SELECT id FROM places WHERE name = 'eastern Ghouta'")[0][0])
    selections = [
        Selection(dt.date(2018, 2, 5), dt.date(2018, 4, 29)),
        Selection(dt.date(2018, 2, 5), dt.date(2018, 4, 29), include_pending=True),
        Selection(dt.date(2018, 2, 5), dt.date(2018, 4, 29), place_id=douma),
        Selection(dt.date(2015, 1, 5), dt.date(2024, 12, 29), include_pending=True),
        Selection(dt.date(2016, 12, 12), dt.date(2016, 12, 25)),
    ]
    for sel in selections:
        fast, slow = tolls.toll_trends(sel, url), tolls.toll_trends(sel, url, base=True)
        for name in fast:
            pd.testing.assert_frame_equal(
                fast[name].reset_index(drop=True), slow[name].reset_index(drop=True), check_dtype=False,
                obj=f"{name} for {sel} after {step}",
            )  # fmt: skip
        pd.testing.assert_frame_equal(tolls.toll_band(sel, url), tolls.toll_band(sel, url, base=True),
                                      check_dtype=False, obj=f"band for {sel} after {step}")  # fmt: skip
        pd.testing.assert_frame_equal(
            convoys.convoy_facts(sel, url), convoys.convoy_facts(sel, url, base=True), check_dtype=False,
            obj=f"convoys for {sel} after {step}",
        )  # fmt: skip
        fast_counts, slow_counts = convoys.convoy_counts(sel, url), convoys.convoy_counts(sel, url, base=True)
        pd.testing.assert_frame_equal(
            rules.weekly_from_counts(fast_counts, sel.weeks()), rules.weekly_from_counts(slow_counts, sel.weeks()),
            obj=f"weekly convoys for {sel} after {step}",
        )  # fmt: skip
        assert convoys.convoy_summary(fast_counts) == convoys.convoy_summary(slow_counts)
        summary = tolls.report_summary(tolls.report_counts(sel, url))
        assert summary == tolls.report_summary(tolls.report_counts(sel, url, base=True))
        for metric in ("killed", "injured"):
            (fast_map, fast_total), (slow_map, slow_total) = (
                tolls.place_figures(sel, metric, url), tolls.place_figures(sel, metric, url, base=True)
            )  # fmt: skip
            pd.testing.assert_frame_equal(
                fast_map.sort_values("place_id").reset_index(drop=True),
                slow_map.sort_values("place_id").reset_index(drop=True), check_dtype=False,
                obj=f"map {metric} for {sel} after {step}",
            )  # fmt: skip
            assert fast_total == slow_total


def _report(
    place: str, source: str, start: int, end: int, killed: int, injured: int | None = None
) -> FactRecord:
    return FactRecord(
        kind=FactKind.TOLL, place=PlaceRef(name=place, country="SYR"), provenance=Provenance(row=start, method="table"),
        date=DateValue(dt.date(2018, 3, end)), period_start=dt.date(2018, 3, start), period_end=dt.date(2018, 3, end),
        killed=Quantity(value=killed), injured=Quantity(value=injured), sources=[source],
    )  # fmt: skip


def test_places_inside_others_are_left_out_the_same_way(url: str) -> None:
    """A region's report and reports for towns inside it on the same days: the database's sums
    (db.toll_sums) drop the towns as the base path does, for the band, each source and the map."""
    records = [
        _report("eastern Ghouta", "SOHR", 1, 10, 100, 40),
        _report("Douma", "SOHR", 5, 5, 30),  # inside the region's report, same source: left out
        _report("Douma", "Syria Civil Defence", 5, 6, 12, 20),  # another source: its own row
        _report("Douma", "Syria Civil Defence", 20, 21, 8),  # no region figure those days: kept
        _report("Harasta", "SNHR", 3, 3, 6),
    ]
    nested = _events("nested.csv", records)
    nested.sha256 = "7" * 64  # a digest's length (the column holds 64 characters on PostgreSQL)
    write_import(nested, actor=EDITOR, url=url)
    sel = Selection(dt.date(2018, 2, 26), dt.date(2018, 3, 25))
    _assert_pages_equal(url, "reports for a region and the towns inside it")
    band = tolls.toll_band(sel, url)
    naive = sum(r.killed.value for r in records)
    assert 0 < band["killed_high"].sum() < naive  # the towns' days under the region's report went
    figures, _ = tolls.place_figures(sel, "killed", url)
    assert set(figures["place_id"]) >= {
        int(_read(url, "SELECT id FROM places WHERE name = 'eastern Ghouta'")[0][0])
    }


def _toll(ext: str, killed: int, day: int) -> FactRecord:
    return FactRecord(
        kind=FactKind.TOLL, place=PlaceRef(name="Douma", country="SYR"), provenance=Provenance(row=day, method="acled"),
        date=DateValue(dt.date(2018, 3, day)), period_start=dt.date(2018, 3, day), period_end=dt.date(2018, 3, day),
        killed=Quantity(value=killed), sources=["ACLED"], external_id=f"acled:{ext}",
    )  # fmt: skip


def _events(name: str, records: list[FactRecord], **meta: object) -> LoadResult:
    result = LoadResult(file=name, format="acled", sha256=name * 8, records=records, rows_in=len(records))
    result.meta.update(meta)
    return result


def _pending_toll(url: str) -> list[int]:
    return [int(i) for (i,) in _read(url, "SELECT id FROM facts WHERE kind = 'civilian_toll' AND "
                                          "review_status = 'pending' ORDER BY id")]  # fmt: skip


@pytest.fixture
def url(tmp_path: Path) -> str:
    return fresh_store_url(tmp_path)


def test_rollups_follow_every_write(url: str) -> None:
    for name in DEMO_FILES:
        write_import(load_file(DEMO_DIR / name), actor=EDITOR, url=url)
    _assert_in_step(url, "demo import")
    write_import(load_file(FIXTURES / "acled" / "acled_2023_sample.csv"), actor=EDITOR, url=url)
    for report in sorted((FIXTURES / "reports").glob("R*.txt"))[:6]:
        write_import(load_file(report), actor=EDITOR, url=url)
    _assert_in_step(url, "ACLED and report imports (pending facts)")

    pending = _pending_toll(url)
    assert len(pending) >= 3
    confirm_fact(pending[0], actor=EDITOR, url=url)
    edit_fact(pending[1], {"killed": 77, "sources": "MSF; SOHR"}, actor=EDITOR, confirm=True, url=url)
    reject_fact(pending[2], actor=EDITOR, url=url)
    _assert_in_step(url, "confirm, edit (figure and sources), reject")
    _assert_pages_equal(url, "review")

    unverified = queries.unverified_places(url)
    if not unverified.empty:
        known = queries.known_places(url)
        target = int(known[known["name"] == "Douma"]["id"].iloc[0])
        merge_place(int(unverified["id"].iloc[0]), target, actor=EDITOR, url=url)
        _assert_in_step(url, "place merge")
        unmerge_place(int(unverified["id"].iloc[0]), actor=EDITOR, url=url)
        _assert_in_step(url, "place unmerge")
        merge_place(int(unverified["id"].iloc[0]), target, actor=EDITOR, url=url)
        _assert_in_step(url, "place merged again")

    write_import(_events("v1", [_toll("1", 3, 1), _toll("2", 5, 2), _toll("3", 7, 3)]), actor=EDITOR, url=url)
    edited = _events("v2", [_toll("1", 3, 1), _toll("2", 6, 2)], dataset="acled", countries=["SYR"],
                     date_min=dt.date(2018, 3, 1), date_max=dt.date(2018, 3, 31))  # fmt: skip
    summary = write_import(edited, actor=EDITOR, url=url, retract_missing=True)
    assert (summary.updated, summary.retracted) == (1, 1)
    _assert_in_step(url, "re-import with an update and a retraction")
    _assert_pages_equal(url, "re-import")

    # A rebuild from scratch gives what the incremental refreshes gave, and clears rows no fact
    # backs (as after a hand edit in SQL).
    before = _stored(url)
    with write_engine(url).begin() as conn:
        conn.execute(text("INSERT INTO toll_weeks VALUES ('all', 'civilians', '1990-01-01', 1, 2, 3, 4, 1)"))
        conn.execute(text("INSERT INTO convoy_finals (scope, convoy_key, fact_id, date, week, place_id, import_id) "
                          "VALUES ('all', 'stray', 1, '1990-01-03', '1990-01-01', 1, 1)"))  # fmt: skip
    with write_engine(url).begin() as conn:
        rollups.rebuild(conn)
    assert _stored(url) == before


def test_failed_import_leaves_rollups_as_they_were(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write_import(load_file(DEMO_DIR / "tolls.csv"), actor=EDITOR, url=url)
    before = _stored(url)

    def explode(*_args: object, **_kw: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("db.writer._audit_import", explode)  # after the rollups were refreshed
    with pytest.raises(RuntimeError):
        write_import(_events("v9", [_toll("9", 4, 9)]), actor=EDITOR, url=url)
    assert _stored(url) == before


def test_counts_pages_read_the_rollups(url: str) -> None:
    for name in DEMO_FILES:
        write_import(load_file(DEMO_DIR / name), actor=EDITOR, url=url)
    live = _read(url, "SELECT kind, count(*) FROM facts GROUP BY kind")
    counts = queries.store_counts(url)
    assert {k: counts[k] for k, _ in live} == dict(live)
    places = trends.filter_places(url)
    assert int(places["facts"].sum()) == sum(n for _, n in live)
    with write_engine(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM facts")).scalar_one() == sum(n for _, n in live)
    assert Fact.__tablename__ == "facts"
