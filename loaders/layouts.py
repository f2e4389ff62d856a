"""The project's own table layouts (loaders/vocab/table_layouts.toml) as typed objects.

Used by the table loader to map headers and by the Import page to offer templates.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from loaders.normalise.text import fold
from loaders.records import FactKind

LAYOUT_FILE = Path(__file__).with_name("vocab") / "table_layouts.toml"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    help: str
    required: bool = False
    one_of: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Layout:
    kind: FactKind
    description: str
    columns: tuple[Column, ...]
    detect_any: tuple[str, ...]

    def match_headers(self, headers: list[str]) -> dict[int, Column]:
        """Map header positions to columns; a header matches its name or an alias, folded."""
        lookup: dict[str, Column] = {}
        for col in self.columns:
            for label in (col.name, *col.aliases):
                lookup.setdefault(fold(label), col)
        found: dict[int, Column] = {}
        taken: set[str] = set()
        for pos, header in enumerate(headers):
            match = lookup.get(fold(header))
            if match and match.name not in taken:
                found[pos] = match
                taken.add(match.name)
        return found

    def missing(self, matched: dict[int, Column]) -> list[str]:
        """Required columns (and one_of groups) the headers do not provide."""
        names = {c.name for c in matched.values()}
        out = [c.name for c in self.columns if c.required and c.name not in names]
        groups: dict[str, list[str]] = {}
        for c in self.columns:
            if c.one_of:
                groups.setdefault(c.one_of, []).append(c.name)
        for members in groups.values():
            if not names.intersection(members):
                out.append(" or ".join(members))
        return out

    def template_csv(self) -> str:
        """The header row alone: the template users fill in (the column guide carries the help)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c.name for c in self.columns])
        return buffer.getvalue()


@lru_cache(maxsize=1)
def layouts() -> dict[FactKind, Layout]:
    data = tomllib.loads(LAYOUT_FILE.read_text(encoding="utf-8"))
    out: dict[FactKind, Layout] = {}
    for kind_name, spec in data.items():
        kind = FactKind(kind_name)
        columns = tuple(
            Column(
                name=name,
                type=col["type"],
                help=col.get("help", ""),
                required=bool(col.get("required", False)),
                one_of=col.get("one_of"),
                aliases=tuple(col.get("aliases", ())),
            )
            for name, col in spec["columns"].items()
        )
        out[kind] = Layout(kind, spec["description"], columns, tuple(spec.get("detect_any", ())))
    return out


def best_layout(headers: list[str]) -> tuple[Layout, dict[int, Column]] | None:
    """The layout whose distinctive columns appear in ``headers``, with its header map."""
    best: tuple[int, Layout, dict[int, Column]] | None = None
    for layout in layouts().values():
        matched = layout.match_headers(headers)
        names = {c.name for c in matched.values()}
        if not names.intersection(layout.detect_any):
            continue
        score = len(matched) - 3 * len(layout.missing(matched))
        if best is None or score > best[0]:
            best = (score, layout, matched)
    return (best[1], best[2]) if best else None
