"""The report model against the query results for 2018-W10 of the demo data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.report.model import ReportError, ReportOptions, build_report, find_place, parse_week, suppress
from db import queries, review, trends
from db.auth import Actor
from tests.conftest import EDITOR
from tests.dashboard.report.conftest import ARABIC_PLACE, W10

END = W10 + dt.timedelta(days=6)


def _trend(url: str, pending: bool) -> pd.DataFrame:
    first = queries.data_range(url)[0]  # type: ignore[index]
    start = max(W10 - dt.timedelta(weeks=11), first - dt.timedelta(days=first.weekday()))
    return trends.weekly_overview(trends.Selection(start, END, include_pending=pending), url)


@pytest.mark.parametrize("variant", ["internal", "public"])
def test_headlines_equal_the_overview_query(demo_store: str, variant: str) -> None:
    report = build_report(ReportOptions(W10, variant=variant), demo_store, actor=EDITOR)  # type: ignore[arg-type]
    trend = _trend(demo_store, variant == "internal")
    this, before = trend.iloc[-1], trend.iloc[-2]
    got = {h.key: h for h in report.headlines}
    assert (got["convoys"].low, got["convoys"].previous_low) == (this["convoys"], before["convoys"]) == (2, 1)
    assert (got["killed"].low, got["killed"].high) == (this["killed_low"], this["killed_high"]) == (274, 493)
    assert (got["besieged"].low, got["besieged"].high) == (this["besieged_low"], this["besieged_high"])
    assert got["injured"].change() == (this["injured_low"] - before["injured_low"],
                                       this["injured_high"] - before["injured_high"])  # fmt: skip
    assert len(report.trend) == 12 and len(report.figures) == 6
    assert report.has_data


def test_tables_equal_the_query_results(demo_store: str) -> None:
    report = build_report(ReportOptions(W10, variant="internal"), demo_store, actor=EDITOR)
    sel = trends.Selection(W10, END, include_pending=True)
    convoys = trends.convoy_facts(sel, demo_store).sort_values("date")
    assert report.convoys["date"].tolist() == convoys["date"].tolist()
    assert report.convoys["outcome"].tolist() == convoys["outcome"].tolist() == ["items_removed", "attacked"]
    assert report.convoys["trucks"].tolist() == convoys["trucks"].tolist() == [46, 13]
    assert report.convoys["organisations"].tolist() == ["ICRC; SARC; UN"] * 2
    besieged = trends.besieged_table(sel, demo_store).sort_values("place")
    assert report.besieged["place"].tolist() == besieged["place"].tolist()
    assert report.besieged["pop_high"].tolist() == besieged["pop_high"].tolist()
    compare = trends.toll_trends(sel, demo_store)["compare"].set_index("source")
    per_source = report.tolls[report.tolls["row_type"] == "source"].set_index("source")
    assert per_source["killed_low"].tolist() == compare.loc[per_source.index, "killed_low"].tolist()
    assert per_source.loc["SOHR", ["killed_low", "killed_high"]].tolist() == [438, 467]
    ranged = report.tolls[report.tolls["row_type"] == "range"].iloc[0]
    assert (ranged["killed_low"], ranged["killed_high"], ranged["place"]) == (274, 493, "eastern Ghouta")


def test_sources_appendix_lists_every_import_behind_the_figures(demo_store: str) -> None:
    report = build_report(ReportOptions(W10), demo_store, actor=EDITOR)
    by_file = report.sources.set_index("file_name")
    assert set(by_file.index) == {"besieged.csv", "convoys.csv", "tolls.csv"}
    assert by_file.loc["convoys.csv", "facts"] == 2
    assert by_file.loc["tolls.csv", "used_for"] == "civilian tolls"
    assert "SOHR" in by_file.loc["tolls.csv", "named_sources"]
    assert any("never added up across sources" in n for n in report.notes)


def test_public_variant_leaves_out_pending_facts(writable_demo: str) -> None:
    attacked = trends.convoy_facts(trends.Selection(W10, END), writable_demo)
    fact_id = int(attacked.loc[attacked["outcome"] == "attacked", "id"].iloc[0])
    review.set_review_status(fact_id, "pending", actor=Actor("tester", "editor"), url=writable_demo)
    public = build_report(ReportOptions(W10, variant="public"), writable_demo, actor=EDITOR)
    internal = build_report(ReportOptions(W10, variant="internal"), writable_demo, actor=EDITOR)
    # Public: the convoy's last confirmed report (postponed) stands; the pending attack is left out.
    assert public.convoys["outcome"].tolist() == ["items_removed", "postponed"]
    assert set(public.convoys["review_status"]) == {"confirmed"}
    assert internal.convoys["outcome"].tolist() == ["items_removed", "attacked"]
    assert internal.convoys["review_status"].tolist() == ["confirmed", "pending"]
    # The attack alert came from the pending fact; the confirmed items-removed convoy is an access
    # alert in both variants.
    public_convoys = public.alerts.loc[public.alerts["alert"] == "convoy", "message"].tolist()
    internal_convoys = internal.alerts.loc[internal.alerts["alert"] == "convoy", "message"].tolist()
    assert [m for m in public_convoys if "was attacked" in m] == []
    assert len([m for m in internal_convoys if "was attacked" in m]) == 1
    assert [len([m for m in c if "had items removed" in m]) for c in (public_convoys, internal_convoys)] == [
        1,
        1,
    ]


def test_public_variant_suppresses_small_counts_and_coarsens_coordinates(tricky_store: str) -> None:
    public = build_report(ReportOptions(W10, variant="public", threshold=5), tricky_store, actor=EDITOR)
    internal = build_report(ReportOptions(W10, variant="internal"), tricky_store, actor=EDITOR)
    pub = public.convoys.set_index("place")
    assert pub.loc[ARABIC_PLACE, "people_served"] == "<5"
    assert internal.convoys.set_index("place").loc[ARABIC_PLACE, "people_served"] == 2
    assert pub.loc[ARABIC_PLACE, "trucks"] == 3  # trucks are not people: never suppressed
    douma_public = pub.loc["Douma"].iloc[0]
    douma_internal = internal.convoys.set_index("place").loc["Douma"].iloc[0]
    # Douma sits in eastern Ghouta, in Rural Damascus (no admin-2 in the gazetteer): admin-1 coordinates.
    assert (douma_internal["lat"], douma_internal["lon"]) == (33.5699, 36.3991)
    assert (douma_public["lat"], douma_public["lon"]) == (33.49, 37.39)
    assert suppress(4, 5) == "<5" and suppress(0, 5) == 0 and suppress(5, 5) == 5


def test_a_place_with_its_sub_places(demo_store: str) -> None:
    place_id, name = find_place("EASTERN ghouta", demo_store)
    report = build_report(ReportOptions(W10, place_id, name, "internal"), demo_store, actor=EDITOR)
    assert set(report.convoys["place"]) == {"Douma"}  # inside eastern Ghouta
    assert report.besieged["place"].tolist() == ["eastern Ghouta"]
    assert "eastern Ghouta and the places inside it" in report.scope


def test_arguments_are_checked(demo_store: str) -> None:
    assert parse_week("2018-W10") == W10 and parse_week("2018w10") == W10
    with pytest.raises(ReportError, match="2018-W10"):
        parse_week("March 2018")
    with pytest.raises(ReportError, match="does not exist"):
        parse_week("2018-W60")
    with pytest.raises(ReportError, match="no place called 'Gotham'"):
        find_place("Gotham", demo_store)


def test_a_week_after_today_is_refused(demo_store: str) -> None:
    with pytest.raises(ReportError, match="2030-W10 is outside the data"):
        build_report(ReportOptions(dt.date(2030, 3, 4)), demo_store, actor=EDITOR)
