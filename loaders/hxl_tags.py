"""HXL tag matching: which column of a hashtag row gives which field, and what the file holds.

The map lives in ``vocab/hxl_tags.toml``: tag rules (most specific match wins), alternate and
disaggregation attributes, the fact-kind order and profiles for known datasets. ``loaders.hxl``
reads the rows through the columns found here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from loaders.records import FactKind

VOCAB = Path(__file__).parent / "vocab" / "hxl_tags.toml"
TAG_ROW_SEARCH = 5
_TAG = re.compile(r"^#([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def tag_vocab() -> dict[str, Any]:
    with VOCAB.open("rb") as fh:
        return tomllib.load(fh)


def parse_tag(cell: str) -> tuple[str, frozenset[str]] | None:
    """'#affected +killed' -> ('affected', {'killed'}); None when the cell is not an HXL tag."""
    m = _TAG.match(cell.strip())
    if not m:
        return None
    attrs = frozenset(a.strip().lower() for a in m.group(2).split("+") if a.strip())
    return m.group(1).lower(), attrs


def find_tag_row(rows: list[list[str]]) -> int | None:
    """Index of the first of the first five rows where most non-empty cells are HXL tags."""
    for index, row in enumerate(rows[:TAG_ROW_SEARCH]):
        cells = [c for c in row if c.strip()]
        if cells and sum(parse_tag(c) is not None for c in cells) * 2 > len(cells):
            return index
    return None


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    tag: str
    label: str  # "header (#tag)" for issues
    field: str
    alternate: bool
    rule: dict[str, Any]


def _rule_for(hashtag: str, attrs: frozenset[str]) -> dict[str, Any] | None:
    best: tuple[int, dict[str, Any]] | None = None
    for rule in tag_vocab()["tags"]:
        tag, needed = parse_tag(rule["match"]) or ("", frozenset())
        if tag != hashtag or not needed <= attrs or attrs & set(rule.get("unless", [])):
            continue
        if best is None or len(needed) > best[0]:
            best = (len(needed), rule)
    return best[1] if best else None


def map_columns(tags: list[str], headers: list[str]) -> tuple[dict[str, list[Column]], list[str]]:
    """Fields -> candidate columns (first choice first), and the disaggregated tags left unread."""
    fields: dict[str, list[Column]] = {}
    unread: list[str] = []
    alternate, parts = set(tag_vocab()["alternate"]), set(tag_vocab()["disaggregation"])
    for index, cell in enumerate(tags):
        parsed = parse_tag(cell) if cell.strip() else None
        rule = parsed and _rule_for(*parsed)
        if not parsed or not rule:
            continue
        if parsed[1] & parts:
            unread.append(cell.strip())
            continue
        header = headers[index] if index < len(headers) else ""
        label = f"{header} ({cell.strip()})" if header else cell.strip()
        fields.setdefault(rule["field"], []).append(
            Column(index, cell.strip(), label, rule["field"], bool(parsed[1] & alternate), rule)
        )
    for columns in fields.values():
        columns.sort(key=lambda c: (c.alternate, c.index))
    return fields, unread


def fact_kind(fields: dict[str, list[Column]]) -> FactKind | None:
    """The file's fact kind from its fields (order documented in hxl_tags.toml), None if none."""
    if "trucks" in fields:
        return FactKind.CONVOY
    if "killed" in fields or "injured" in fields:
        return FactKind.TOLL
    population = fields.get("population", [])
    if population and ("status" in fields or any("status" in c.rule for c in population)):
        return FactKind.BESIEGED
    if "reached" in fields and "status" in fields:
        return FactKind.CONVOY
    return None


def match_profile(tags: list[str]) -> tuple[str | None, dict[str, Any]]:
    """The known dataset (name, settings) whose required tags are all in the file."""
    present = {parse_tag(t) for t in tags if t.strip()}
    for name, profile in tag_vocab()["profiles"].items():
        if all(parse_tag(t) in present for t in profile["requires"]):
            return name, profile
    return None, {}
