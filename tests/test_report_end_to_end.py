"""The report that started the project, end to end: S00 into the store, through review, to the
Overview figures of its week. Skipped when ../shared/samples is absent."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from db.auth import Actor
from db.documents import pending_facts
from db.queries import Scope, week_headline
from db.review import confirm_fact
from db.writer import write_import
from loaders.registry import Format, load_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("ACCESS_MONITOR_SHARED", ROOT.parent / "shared")) / "samples" / "reports"
W10 = dt.date(2018, 3, 5)  # 2018-W10: 5-11 March 2018


def test_s00_report_to_overview(store_url: str) -> None:
    report = next(SAMPLES.glob("S00-*.txt"), None)
    if report is None:
        pytest.skip(f"sample reports not found in {SAMPLES}")
    result = load_file(report)
    assert result.format == Format.REPORT and result.published == dt.date(2018, 3, 10)
    summary = write_import(result, actor=Actor("analyst", "editor"))
    assert summary.added == 3 and summary.rejected == 0

    # Extracted facts wait for review: nothing counts yet, everything counts when asked.
    assert week_headline(W10, url=store_url)["convoys"] == 0
    pending = pending_facts(url=store_url)
    assert sorted(pending["kind"]) == ["besieged_population", "civilian_toll", "convoy"]
    assert week_headline(W10, Scope(include_pending=True), url=store_url)["convoys"] == 1

    for fact_id in pending["id"]:
        assert confirm_fact(int(fact_id), actor=Actor("analyst", "editor"), url=store_url)
    headline = week_headline(W10, url=store_url)
    assert (headline["convoys"], headline["attacked"], headline["trucks"], headline["people_served"]) == (
        1,
        1,
        13,
        12000,
    )
    assert headline["besieged_low"] == headline["besieged_high"] == 400_000
    # 940-1,000 killed over 24 Feb - 9 Mar (14 days) is spread evenly: 5 of those days fall in W10.
    assert (headline["killed_low"], headline["killed_high"]) == (round(940 * 5 / 14), round(1000 * 5 / 14))

    again = write_import(load_file(report), actor=Actor("analyst", "editor"))
    assert again.status == "already imported" and again.added == 0
