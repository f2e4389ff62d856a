"""Trigger vocabularies of the report extractor, read once from loaders/vocab/report_*.toml.

Each list becomes one compiled, case-insensitive alternation on word boundaries, so a rule in the
extractor reads ``VOCAB.kill.search(clause)`` and the words themselves stay data.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).resolve().parents[1] / "vocab"


def alternation(words: list[str]) -> str:
    """One regex alternation, longest entries first so that 'cut off' wins over 'cut'."""
    return "|".join(sorted(words, key=len, reverse=True))


def word_regex(words: list[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{alternation(words)})(?![\w-])", re.I)


@dataclass(frozen=True)
class Vocab:
    person: re.Pattern[str]
    family: re.Pattern[str]
    military: re.Pattern[str]
    truck: re.Pattern[str]
    bus: re.Pattern[str]
    item: re.Pattern[str]
    kill: re.Pattern[str]
    injure: re.Pattern[str]
    combined: re.Pattern[str]
    toll_update: re.Pattern[str]
    nonviolent: re.Pattern[str]
    breakdown_before: re.Pattern[str]
    breakdown_after: re.Pattern[str]
    besieged: re.Pattern[str]
    trapped: re.Pattern[str]
    hard_to_reach: re.Pattern[str]
    population: re.Pattern[str]
    pop_exclude: re.Pattern[str]
    convoy: re.Pattern[str]
    convoy_exclude: re.Pattern[str]
    convoy_verbs: re.Pattern[str]
    distribution_verbs: re.Pattern[str]
    new_marker: re.Pattern[str]
    speech: re.Pattern[str]
    source_before: re.Pattern[str]
    generic_source: re.Pattern[str]
    outcome_priority: tuple[str, ...]
    outcomes: tuple[tuple[str, re.Pattern[str]], ...]


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    trig = tomllib.loads((_DIR / "report_triggers.toml").read_text(encoding="utf-8"))
    outc = tomllib.loads((_DIR / "report_outcomes.toml").read_text(encoding="utf-8"))
    n, t, b, c, s = trig["nouns"], trig["toll"], trig["besieged"], trig["convoy"], trig["sources"]
    return Vocab(
        person=word_regex(n["person"]),
        family=word_regex(n["family"]),
        military=word_regex(n["military"]),
        truck=word_regex(n["truck"]),
        bus=word_regex(n["bus"]),
        item=word_regex(n["item"]),
        kill=word_regex(t["kill"]),
        injure=word_regex(t["injure"]),
        combined=word_regex(t["combined"]),
        toll_update=word_regex(t["toll_update"]),
        nonviolent=word_regex(t["nonviolent"]),
        breakdown_before=word_regex(t["breakdown_before"]),
        breakdown_after=word_regex(t["breakdown_after"]),
        besieged=word_regex(b["besieged"]),
        trapped=word_regex(b["trapped"]),
        hard_to_reach=word_regex(b["hard_to_reach"]),
        population=word_regex(b["population"]),
        pop_exclude=word_regex(b["exclude"]),
        convoy=word_regex(c["nouns"]),
        convoy_exclude=word_regex(c["exclude"]),
        convoy_verbs=word_regex(c["verb_cues"]),
        distribution_verbs=word_regex(c["distribution_cues"]),
        new_marker=word_regex(c["new_markers"]),
        speech=word_regex(s["speech"]),
        source_before=word_regex(s["before"]),
        generic_source=word_regex(s["generic"]),
        outcome_priority=tuple(outc["priority"]),
        outcomes=tuple((name, word_regex(words)) for name, words in outc["phrases"].items()),
    )
