"""The extractor on whole reports: the shared samples (when present) and our own fixture reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from loaders import reports
from tests.loaders.reports.conftest import FIXTURES, SAMPLES


def _assert_quality(folder: Path) -> None:
    score = reports.evaluate_dir(folder)
    assert score.overall.f1 >= 0.90, {k: round(c.f1, 2) for k, c in score.kinds.items()}
    for counts in score.kinds.values():
        assert counts.f1 >= 0.85
    right, compared = score.fields["numbers"]
    assert compared > 0 and right == compared  # every matched number exact


def test_fixture_reports_score() -> None:
    _assert_quality(FIXTURES)


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present beside the repository")
def test_shared_samples_score() -> None:
    _assert_quality(SAMPLES)


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present beside the repository")
def test_s00_facts() -> None:
    facts = reports.extract_facts(SAMPLES / "S00-eastern-ghouta-2018-03-10.txt")
    assert sorted(f["kind"] for f in facts) == ["besieged_population", "civilian_toll", "convoy"]
    convoy = next(f for f in facts if f["kind"] == "convoy")
    assert (convoy["location"], convoy["trucks"], convoy["people_served"], convoy["organisations"]) == (
        "Douma", 13, 12000, ["ICRC", "SARC"])  # fmt: skip
    toll = next(f for f in facts if f["kind"] == "civilian_toll")
    assert (toll["killed_low"], toll["killed_high"], toll["period_start"]) == (940, 1000, "2018-02-24")


def test_cli_extract_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "R12-no-date-note.txt"
    assert cli.main(["extract", str(path), "--published", "2018-03-07", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    convoy = next(f for f in facts if f["kind"] == "convoy")
    assert (convoy["trucks"], convoy["date"], convoy["location"]) == (18, "2018-03-06", "Ein Tarma")
    assert set(convoy["evidence"]) == {"start", "end", "text"}
    for key in (
        "trucks_low",
        "trucks_high",
        "trucks_text",
        "trucks_qualifier",
        "killed",
        "population",
        "approximate",
    ):
        assert key in convoy


def test_cli_extract_table_and_evaluate(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["extract", str(FIXTURES / "R01-kadugli-convoy-looted-2024-08-21.txt")]) == 0
    assert "Kadugli" in capsys.readouterr().out
    assert cli.main(["extract", "--evaluate", str(FIXTURES)]) == 0
    printed = capsys.readouterr().out
    assert "precision" in printed and "overall" in printed and "numbers" in printed
