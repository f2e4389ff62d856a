"""What an analyst may type on the Review page, and how it is read: the editable fields of each
kind of fact, and the parsing of a typed value into its stored form (db.review writes it).

Every refusal is a ReviewError naming the field and what to type instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from db.rows import QUANTITIES
from loaders.records import Outcome, Qualifier

REVIEW_STATUSES = ("pending", "confirmed", "rejected")
SIEGE_STATUSES = ("besieged", "trapped", "hard_to_reach", "lifted")
OUTCOMES = tuple(o.value for o in Outcome)
QUALIFIERS = tuple(q.value for q in Qualifier)
ORG_ROLES = {"organisations": "operator", "sources": "source"}


def quantity_fields(name: str) -> tuple[str, ...]:
    """The editable columns of one quantity: value, low, high, qualifier."""
    return (name, f"{name}_low", f"{name}_high", f"{name}_qualifier")


# What an analyst can edit, per kind, in the order the Review page's form shows it.
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "convoy": (
        "place_text", "date", *quantity_fields("trucks"), *quantity_fields("people_served"), "outcome",
        "organisations",
    ),
    "besieged_population": (
        "place_text", "date", *quantity_fields("population"), "status", "besieging_party", "sources",
    ),
    "civilian_toll": (
        "place_text", "date", "period_start", "period_end", *quantity_fields("killed"),
        *quantity_fields("injured"), "sources",
    ),
}  # fmt: skip
_ALL_FIELDS = {f for fields in FIELDS_BY_KIND.values() for f in fields}
_COUNT_FIELDS = {f for q in QUANTITIES for f in (q, f"{q}_low", f"{q}_high")}
_DATE_FIELDS = {"date", "period_start", "period_end"}
_TEXT_LIMITS = {"place_text": 300, "besieging_party": 300}


class ReviewError(ValueError):
    """A review request that cannot be carried out; the message names the field and what to do."""


# ---- parsing what the analyst typed -------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _parse_count(name: str, raw: Any) -> int | None:
    if _blank(raw):
        return None
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ReviewError(
            f"{name}: {raw!r} is not a whole number; type digits such as 1200, or leave it empty"
        )
    if isinstance(raw, int | float):
        value = int(raw)
    else:
        digits = str(raw).strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
        if not digits.isdigit():
            raise ReviewError(
                f"{name}: '{raw}' is not a whole number; type digits such as 1200, or leave it empty"
            )
        value = int(digits)
    if value < 0:
        raise ReviewError(f"{name}: {value} is negative; a count is 0 or more")
    return value


def _parse_date(name: str, raw: Any) -> dt.date | None:
    if _blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ReviewError(
            f"{name}: '{raw}' is not a date; write it as YYYY-MM-DD, or leave it empty"
        ) from None


def _parse_choice(name: str, raw: Any, choices: tuple[str, ...]) -> str | None:
    if _blank(raw):
        return None
    value = str(raw).strip()
    if value not in choices:
        raise ReviewError(f"{name}: '{value}' is not allowed; use one of: {', '.join(choices)}")
    return value


def _parse_text(name: str, raw: Any) -> str | None:
    if _blank(raw):
        if name == "place_text":
            raise ReviewError("place_text: the place cannot be empty; type the place as the text names it")
        return None
    if not isinstance(raw, str):
        raise ReviewError(f"{name}: expected text, got {type(raw).__name__}")
    value = " ".join(raw.split())
    limit = _TEXT_LIMITS.get(name, 300)
    if len(value) > limit:
        raise ReviewError(f"{name}: {len(value)} characters is too long; keep it under {limit}")
    return value


def _parse_names(name: str, raw: Any) -> list[str]:
    """'UN; SARC' or ['UN', 'SARC'] -> ['UN', 'SARC'] (';' separates: names may hold commas)."""
    if _blank(raw):
        return []
    if isinstance(raw, str):
        parts = raw.split(";")
    elif isinstance(raw, list | tuple):
        parts = [str(p) for p in raw]
    else:
        raise ReviewError(f"{name}: expected names separated by ';', got {type(raw).__name__}")
    names = [" ".join(p.split()) for p in parts if p.strip()]
    if any(len(n) > 100 for n in names):
        raise ReviewError(f"{name}: a name is longer than 100 characters; separate names with ';'")
    return names


def parse_value(field: str, raw: Any) -> Any:
    """The stored form of one typed value; raises ReviewError naming the field when it is bad."""
    if field in _COUNT_FIELDS:
        return _parse_count(field, raw)
    if field in _DATE_FIELDS:
        return _parse_date(field, raw)
    if field.endswith("_qualifier"):
        return _parse_choice(field, raw, QUALIFIERS)
    if field == "outcome":
        return _parse_choice(field, raw, OUTCOMES)
    if field == "status":
        return _parse_choice(field, raw, SIEGE_STATUSES)
    if field in ORG_ROLES:
        return _parse_names(field, raw)
    return _parse_text(field, raw)


def check_fields(kind: str, changes: Mapping[str, Any]) -> None:
    allowed = FIELDS_BY_KIND.get(kind, ())
    for name in changes:
        if name in allowed:
            continue
        label = kind.replace("_", " ")
        if name in _ALL_FIELDS:
            raise ReviewError(f"{name}: not a field of a {label} fact; editable: {', '.join(allowed)}")
        raise ReviewError(
            f"unknown field '{name}'; a {label} fact's editable fields are: {', '.join(allowed)}"
        )


def check_consistency(row: Mapping[str, Any], touched: set[str]) -> None:
    for q in QUANTITIES:
        if not touched & set(quantity_fields(q)):
            continue
        low, high = row[f"{q}_low"], row[f"{q}_high"]
        if low is not None and high is not None and low > high:
            raise ReviewError(f"{q}_low: {low:,} is above {q}_high {high:,}; swap them or fix one")
        if row[q] is not None and (low is not None or high is not None):
            raise ReviewError(f"{q}: give either a value or a low–high range, not both; clear the other")
    if touched & {"period_start", "period_end"}:
        start, end = row["period_start"], row["period_end"]
        if start is not None and end is not None and start > end:
            raise ReviewError(f"period_end: {end} is before period_start {start}; fix one of them")
