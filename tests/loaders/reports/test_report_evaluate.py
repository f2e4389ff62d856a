"""The scorer, on tiny hand-made gold and prediction lists."""

from __future__ import annotations

from loaders.reports.evaluate import facts_match, places_agree, score_documents

CONVOY = {
    "kind": "convoy",
    "location": "Douma",
    "location_parts": ["Douma", "eastern Ghouta"],
    "trucks": 13,
    "outcome": "attacked",
}


def test_place_variants_and_parts_agree() -> None:
    assert places_agree(CONVOY, {"location": "Duma", "location_parts": []})
    assert places_agree(CONVOY, {"location": "دوما"})
    assert places_agree(CONVOY, {"location": "eastern Ghouta"})  # a part of the gold place
    assert places_agree({"location": "Hays"}, {"location": "Hays town"})
    assert not places_agree(CONVOY, {"location": "Harasta", "location_parts": ["Harasta", "eastern Ghouta"]})


def test_key_figure_must_be_exact() -> None:
    assert facts_match(CONVOY, {**CONVOY, "location": "Douma city"})
    assert not facts_match(CONVOY, {**CONVOY, "trucks": 12})
    assert not facts_match(CONVOY, {**CONVOY, "kind": "civilian_toll"})
    ranged = {
        "kind": "civilian_toll",
        "location": "Raqqa",
        "killed": None,
        "killed_low": 940,
        "killed_high": 1000,
    }
    assert facts_match(ranged, dict(ranged)) and not facts_match(
        ranged, {**ranged, "killed": 940, "killed_low": None}
    )


def test_without_figures_date_or_outcome_decides() -> None:
    gold = {
        "kind": "convoy",
        "location": "Srebrenica",
        "date": "1995-07-13",
        "outcome": "blocked",
        "outcome_alt": ["aborted"],
    }
    assert facts_match(gold, {"kind": "convoy", "location": "Srebrenica", "date": "1995-07-13"})
    assert facts_match(gold, {"kind": "convoy", "location": "Srebrenica", "outcome": "aborted"})
    assert not facts_match(gold, {"kind": "convoy", "location": "Srebrenica", "outcome": "delivered"})


def test_precision_recall_optional_and_duplicates() -> None:
    optional = {"kind": "civilian_toll", "location": "Douma", "killed": 4, "optional": True}
    missed = {"kind": "besieged_population", "location": "Douma", "population": 9000}
    gold = [CONVOY, optional, missed]
    pred = [dict(CONVOY), dict(CONVOY), {"kind": "civilian_toll", "location": "Douma", "killed": 4}]
    score = score_documents([("doc", gold, pred)])
    convoy, toll, besieged = (score.kinds[k] for k in ("convoy", "civilian_toll", "besieged_population"))
    assert (convoy.predicted, convoy.true_positive, convoy.gold, convoy.found) == (
        2,
        1,
        1,
        1,
    )  # duplicate costs
    assert (toll.predicted, toll.true_positive, toll.gold) == (1, 1, 0)  # optional: matches, not needed
    assert (besieged.gold, besieged.found, besieged.recall) == (1, 0, 0.0)
    overall = score.overall
    assert (round(overall.precision, 2), round(overall.recall, 2)) == (0.67, 0.5)
    assert score.fields["numbers"] == [2, 2] and [m[1] for m in score.misses] == [missed]
