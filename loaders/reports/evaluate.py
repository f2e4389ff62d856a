"""Score extracted facts against gold annotations (the sample reports' ``*.expected.json``).

Matching rule (samples README): a prediction matches a gold fact when the kind agrees, the place
agrees (transliteration variants and location_parts allowed) and the key figure is exactly equal
(convoys: trucks or people served; besieged: population; tolls: killed or injured) or, for a gold
fact without figures, the date or the outcome agrees. Optional gold facts do not count against
recall when missed, but a prediction that matches one is not a false positive. Each gold fact
matches one prediction: a convoy reported twice costs precision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from loaders.normalise.names import name_key
from loaders.reports.orgs import org_matcher
from loaders.reports.places import matcher

KINDS = ("convoy", "besieged_population", "civilian_toll")
KEY_FIGURES = {"convoy": ("trucks", "people_served"), "besieged_population": ("population",),
               "civilian_toll": ("killed", "injured")}  # fmt: skip
Fact = dict[str, Any]
# 'Hays town', 'Wadi Gaza checkpoint': the type word is not part of the name.
_TYPE_WORD = re.compile(
    r"\s+(?:town|city|village|district|checkpoint|crossing|camp|area|governorate|province|region|state)$",
    re.I,
)


def place_keys(name: str | None) -> set[str]:
    """Keys a place name can mean: the gazetteer place(s) it names, else its folded spelling."""
    if not name:
        return set()
    pieces = [name, *re.split(r",\s*|\s+and\s+|\s*&\s*", name)]
    keys = set()
    every = matcher().every
    for piece in pieces:
        for variant in {piece.strip(), _TYPE_WORD.sub("", piece.strip())}:
            key = name_key(variant)
            if not key:
                continue
            found = every.get(key)
            keys |= {f"place:{p.name}" for p in found} if found else {key}
    return keys


def places_agree(gold: Fact, pred: Fact) -> bool:
    gold_main, pred_main = place_keys(gold.get("location")), place_keys(pred.get("location"))
    gold_all = gold_main.union(*(place_keys(p) for p in gold.get("location_parts") or []))
    pred_all = pred_main.union(*(place_keys(p) for p in pred.get("location_parts") or []))
    return bool(pred_main & gold_all) or bool(gold_main & pred_all)


def _figure(fact: Fact, name: str) -> tuple[Any, Any, Any] | None:
    value = (fact.get(name), fact.get(f"{name}_low"), fact.get(f"{name}_high"))
    return None if value == (None, None, None) else value


def _date_of(fact: Fact) -> Any:
    return fact.get("date") or fact.get("period_start") or fact.get("period_end")


def facts_match(gold: Fact, pred: Fact) -> bool:
    if gold.get("kind") != pred.get("kind") or not places_agree(gold, pred):
        return False
    figures = [f for f in KEY_FIGURES.get(gold["kind"], ()) if _figure(gold, f) is not None]
    if figures:
        return any(_figure(gold, f) == _figure(pred, f) for f in figures)
    if _date_of(gold) is not None and _date_of(gold) == _date_of(pred):
        return True
    outcomes = {gold.get("outcome"), *(gold.get("outcome_alt") or [])} - {None}
    return bool(outcomes) and pred.get("outcome") in outcomes


@dataclass(slots=True)
class Counts:
    predicted: int = 0
    true_positive: int = 0  # predictions matched to any gold fact
    gold: int = 0  # non-optional gold facts
    found: int = 0  # non-optional gold facts matched

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Score:
    kinds: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    fields: dict[str, list[int]] = field(default_factory=dict)  # field -> [right, compared]
    misses: list[tuple[str, Fact]] = field(default_factory=list)  # (document, gold fact)
    false_positives: list[tuple[str, Fact]] = field(default_factory=list)

    @property
    def overall(self) -> Counts:
        total = Counts()
        for c in self.kinds.values():
            total.predicted += c.predicted
            total.true_positive += c.true_positive
            total.gold += c.gold
            total.found += c.found
        return total

    def field_accuracy(self, name: str) -> float | None:
        right, compared = self.fields.get(name, [0, 0])
        return right / compared if compared else None

    def tally(self, name: str, ok: bool) -> None:
        entry = self.fields.setdefault(name, [0, 0])
        entry[0] += int(ok)
        entry[1] += 1


def match_document(gold: list[Fact], pred: list[Fact]) -> list[tuple[Fact, Fact]]:
    """Greedy one-to-one matching; required gold facts choose first."""
    used: set[int] = set()
    pairs = []
    for g in sorted(gold, key=lambda f: bool(f.get("optional"))):
        for i, p in enumerate(pred):
            if i not in used and facts_match(g, p):
                used.add(i)
                pairs.append((g, p))
                break
    return pairs


def score_documents(docs: Iterable[tuple[str, list[Fact], list[Fact]]]) -> Score:
    """Score (name, gold facts, predicted facts) for every document."""
    score = Score()
    for name, gold, pred in docs:
        pairs = match_document(gold, pred)
        matched_gold = {id(g) for g, _ in pairs}
        matched_pred = {id(p) for _, p in pairs}
        for g in gold:
            if g.get("kind") not in score.kinds:
                continue
            if not g.get("optional"):
                score.kinds[g["kind"]].gold += 1
                score.kinds[g["kind"]].found += id(g) in matched_gold
                if id(g) not in matched_gold:
                    score.misses.append((name, g))
        for p in pred:
            if p.get("kind") in score.kinds:
                score.kinds[p["kind"]].predicted += 1
                score.kinds[p["kind"]].true_positive += id(p) in matched_pred
                if id(p) not in matched_pred:
                    score.false_positives.append((name, p))
        for g, p in pairs:
            _compare_fields(score, g, p)
    return score


def _orgs(names: Iterable[str] | None) -> set[str]:
    out = set()
    for name in names or []:
        found = org_matcher().find(name)
        out.add(
            found[0].resolve(None)
            if found and found[0].end - found[0].start >= len(name) - 4
            else name.casefold()
        )
    return out


def _compare_fields(score: Score, gold: Fact, pred: Fact) -> None:
    for name in ("trucks", "people_served", "population", "killed", "injured"):
        if _figure(gold, name) is not None:
            score.tally("numbers", _figure(gold, name) == _figure(pred, name))
    if _date_of(gold) is not None:
        pred_days = {pred.get("date"), pred.get("period_start")} - {None}
        score.tally("dates", _date_of(gold) in pred_days)
    if gold["kind"] == "convoy":
        if gold.get("outcome"):
            score.tally("outcome", pred.get("outcome") in {gold["outcome"], *(gold.get("outcome_alt") or [])})
        score.tally("organisations", _orgs(gold.get("organisations")) == _orgs(pred.get("organisations")))
    elif gold.get("sources"):
        score.tally("sources", bool(_orgs(gold.get("sources")) & _orgs(pred.get("sources"))))
