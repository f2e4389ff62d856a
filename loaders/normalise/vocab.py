"""Controlled vocabularies read from loaders/vocab/outcomes.toml: convoy outcomes and siege status."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from loaders.normalise.text import fold

_VOCAB_FILE = Path(__file__).resolve().parents[1] / "vocab" / "outcomes.toml"


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    data = tomllib.loads(_VOCAB_FILE.read_text(encoding="utf-8"))
    return {
        table: {fold(word): canonical for canonical, words in entries.items() for word in (canonical, *words)}
        for table, entries in data.items()
    }


def _lookup(table: str, raw: str, what: str) -> str:
    key = fold(raw)
    found = _tables()[table].get(key)
    if found is None:
        choices = ", ".join(sorted(set(_tables()[table].values())))
        raise ValueError(f"'{raw}' is not a known {what}; use one of: {choices}")
    return found


def parse_outcome(raw: str) -> tuple[str, list[str]]:
    """'Attacked; delivered' -> ('attacked', ['attacked', 'delivered']). Raises ValueError if unknown."""
    parts = [p for p in re.split(r"[;+|/]| and ", raw) if p.strip()]
    if not parts:
        raise ValueError("the outcome is empty; write delivered, blocked, attacked ...")
    tags: list[str] = []
    for part in parts:
        outcome = _lookup("convoy_outcome", part, "convoy outcome")
        if outcome not in tags:
            tags.append(outcome)
    return tags[0], tags


def parse_siege_status(raw: str) -> str:
    return _lookup("siege_status", raw, "siege status")


def outcome_words() -> dict[str, str]:
    """Every accepted outcome word (folded) -> canonical outcome, for the text extractor and docs."""
    return dict(_tables()["convoy_outcome"])
