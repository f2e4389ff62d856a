"""Read queries for the Review and Documents pages: pending facts, report texts with their facts'
spans, imports with their facts counted by review status, and a fact's change history.

Like db.queries, each function runs on the read engine and returns a DataFrame (or a small dict);
dates come back as ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Select, case, func, select

from db.engine import read_engine
from db.migrate import upgrade
from db.models import Document, Fact, FactChange, FactOrganisation, Import, Organisation, Place
from db.reading import read_frame
from db.rows import QUANTITIES


def _frame(stmt: Select, url: str | None, date_cols: tuple[str, ...] = ()) -> pd.DataFrame:
    """db.reading.read_frame, with missing dates as None (the pages show them as blanks)."""
    frame = read_frame(stmt, url, date_cols)
    for col in date_cols:
        if col in frame:
            frame[col] = frame[col].astype("object")
            frame[col] = frame[col].where(frame[col].notna(), None)
    return frame


def _count(status: str | None = None) -> Any:
    live = Fact.retracted.is_(False)
    cond = live if status is None else live & (Fact.review_status == status)
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _org_names(fact_id: int, url: str | None) -> dict[str, str]:
    """{'organisations': 'SARC; UN', 'sources': ''}: short names per role, sorted, '; '-joined."""
    stmt = (
        select(FactOrganisation.role, Organisation.short_name)
        .join(Organisation, Organisation.id == FactOrganisation.organisation_id)
        .where(FactOrganisation.fact_id == fact_id)
        .order_by(Organisation.short_name)
    )
    frame = _frame(stmt, url)
    return {
        label: "; ".join(frame.loc[frame["role"] == role, "short_name"])
        for label, role in (("organisations", "operator"), ("sources", "source"))
    }


def imports_with_counts(url: str | None = None) -> pd.DataFrame:
    """Every import (reports and tables), newest first.

    Columns: import_id, file_name, format, kind, title, publisher, published, imported_at, imported_by,
    rows_in, added, updated, duplicate, skipped, rows_rejected, has_text (bool: a report whose text is
    stored), facts (live), pending, confirmed, rejected (facts by review status).
    """
    counts = (
        select(
            Fact.import_id, _count().label("facts"), _count("pending").label("pending"),
            _count("confirmed").label("confirmed"), _count("rejected").label("rejected"),
        )
        .group_by(Fact.import_id)
        .subquery()
    )  # fmt: skip
    stmt = (
        select(
            Import.id.label("import_id"), Import.file_name, Import.format, Import.kind,
            func.coalesce(Document.title, Import.title).label("title"),
            func.coalesce(Document.publisher, Import.publisher).label("publisher"),
            func.coalesce(Document.published, Import.published).label("published"),
            Import.imported_at, Import.imported_by, Import.rows_in, Import.added, Import.updated,
            Import.duplicate, Import.skipped, Import.rejected.label("rows_rejected"),
            (Document.id.is_not(None)).label("has_text"),
            *(func.coalesce(counts.c[c], 0).label(c) for c in ("facts", "pending", "confirmed", "rejected")),
        )
        .outerjoin(Document, Document.import_id == Import.id)
        .outerjoin(counts, counts.c.import_id == Import.id)
        .order_by(Import.id.desc())
    )  # fmt: skip
    frame = _frame(stmt, url, ("published",))
    frame["has_text"] = frame["has_text"].astype(bool)
    return frame


def document(import_id: int, url: str | None = None) -> dict[str, Any] | None:
    """One report: import_id, file_name, format, title, publisher, published, content_type, text.

    None when the import has no stored text (a table import, or no such import).
    """
    stmt = (
        select(
            Import.id.label("import_id"), Import.file_name, Import.format, Document.title, Document.publisher,
            Document.published, Document.content_type, Document.text,
        )
        .join(Document, Document.import_id == Import.id)
        .where(Import.id == import_id)
    )  # fmt: skip
    upgrade(url)
    with read_engine(url).connect() as conn:
        row = conn.execute(stmt).mappings().one_or_none()
    return None if row is None else dict(row)


def _fact_columns() -> list[Any]:
    quantities = [c for q in QUANTITIES for c in (q, f"{q}_low", f"{q}_high", f"{q}_qualifier")]
    return [
        Fact.id, Fact.kind, Fact.review_status, Fact.reviewed_by, Fact.method, Fact.span_start, Fact.span_end,
        Fact.evidence, Place.name.label("place"), Fact.place_text, Fact.date, Fact.date_text,
        Fact.period_start, Fact.period_end, Fact.outcome, Fact.status, Fact.besieging_party,
        *(getattr(Fact, c) for c in quantities), Fact.retracted,
    ]  # fmt: skip


def document_facts(import_id: int, url: str | None = None) -> pd.DataFrame:
    """Every fact of one import in text order (span_start; then id), with a ``figures`` summary.

    Columns: id, kind, review_status, reviewed_by, method, span_start, span_end, evidence, place,
    place_text, date, date_text, period_start, period_end, outcome, status, besieging_party, each
    quantity's value/low/high/qualifier, retracted, figures (str such as 'killed 940–1,000').
    """
    stmt = (
        select(*_fact_columns())
        .join(Place, Place.id == Fact.place_id)
        .where(Fact.import_id == import_id)
        .order_by(Fact.span_start.is_(None), Fact.span_start, Fact.id)
    )
    frame = _frame(stmt, url, ("date", "period_start", "period_end"))
    frame["figures"] = [figures(row) for row in frame.to_dict("records")] if not frame.empty else []
    return frame


def pending_facts(
    kind: str | None = None, import_id: int | None = None, url: str | None = None
) -> pd.DataFrame:
    """Pending, live facts to review: newest document first (published, then import), text order within.

    Columns: id, kind, place, place_text, date, date_text, evidence, span_start, span_end, method,
    import_id, file_name, title, published, figures.
    """
    stmt = (
        select(
            Fact.id, Fact.kind, Place.name.label("place"), Fact.place_text, Fact.date, Fact.date_text,
            Fact.evidence, Fact.span_start, Fact.span_end, Fact.method, Fact.import_id, Import.file_name,
            func.coalesce(Document.title, Import.title, Import.file_name).label("title"),
            func.coalesce(Document.published, Import.published).label("published"),
            *(getattr(Fact, c) for q in QUANTITIES for c in (q, f"{q}_low", f"{q}_high", f"{q}_qualifier")),
        )
        .join(Place, Place.id == Fact.place_id)
        .join(Import, Import.id == Fact.import_id)
        .outerjoin(Document, Document.import_id == Import.id)
        .where(Fact.review_status == "pending", Fact.retracted.is_(False))
    )  # fmt: skip
    if kind:
        stmt = stmt.where(Fact.kind == kind)
    if import_id is not None:
        stmt = stmt.where(Fact.import_id == import_id)
    published = func.coalesce(Document.published, Import.published)
    stmt = stmt.order_by(
        published.is_(None), published.desc(), Import.id.desc(), Fact.span_start.is_(None), Fact.span_start,
        Fact.id,
    )  # fmt: skip
    frame = _frame(stmt, url, ("date", "published"))
    frame["figures"] = [figures(row) for row in frame.to_dict("records")] if not frame.empty else []
    return frame


def fact_detail(fact_id: int, url: str | None = None) -> dict[str, Any] | None:
    """Every column of one fact plus place (gazetteer name), place_country, organisations and sources
    ('; '-joined short names), file_name, title, publisher, published. None when there is no such fact."""
    stmt = (
        select(
            Fact.__table__, Place.name.label("place"), Place.country.label("place_country"), Import.file_name,
            func.coalesce(Document.title, Import.title).label("title"),
            func.coalesce(Document.publisher, Import.publisher).label("publisher"),
            func.coalesce(Document.published, Import.published).label("published"),
        )
        .join(Place, Place.id == Fact.place_id)
        .join(Import, Import.id == Fact.import_id)
        .outerjoin(Document, Document.import_id == Import.id)
        .where(Fact.id == fact_id)
    )  # fmt: skip
    upgrade(url)
    with read_engine(url).connect() as conn:
        row = conn.execute(stmt).mappings().one_or_none()
    return None if row is None else dict(row) | _org_names(fact_id, url)


def fact_history(fact_id: int, url: str | None = None) -> pd.DataFrame:
    """A fact's changes, oldest first, one row per changed field.

    Columns: change_id, changed_at, changed_by, action, field, before, after (values as text; '' for
    empty). A change that names no field (e.g. a creation) gives one row with field ''.
    """
    stmt = (
        select(
            FactChange.id.label("change_id"), FactChange.changed_at, FactChange.changed_by, FactChange.action,
            FactChange.before, FactChange.after,
        )
        .where(FactChange.fact_id == fact_id)
        .order_by(FactChange.id)
    )  # fmt: skip
    upgrade(url)
    with read_engine(url).connect() as conn:
        changes = conn.execute(stmt).mappings().all()
    rows = []
    for c in changes:
        before, after = c["before"] or {}, c["after"] or {}
        fields = list(dict.fromkeys([*before, *after])) or [""]
        for name in fields:
            rows.append(
                {"change_id": c["change_id"], "changed_at": c["changed_at"], "changed_by": c["changed_by"],
                 "action": c["action"], "field": name, "before": _text(before.get(name)),
                 "after": _text(after.get(name))}
            )  # fmt: skip
    columns = ["change_id", "changed_at", "changed_by", "action", "field", "before", "after"]
    return pd.DataFrame(rows, columns=columns)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _number(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def figures(row: dict[str, Any]) -> str:
    """The quantities a fact states, in words: 'killed 940–1,000 · injured about 12'."""
    parts = []
    for q in QUANTITIES:
        value, low, high = _number(row.get(q)), _number(row.get(f"{q}_low")), _number(row.get(f"{q}_high"))
        if value is not None:
            shown = f"{value:,}"
        elif low is not None and high is not None:
            shown = f"{low:,}–{high:,}"
        elif low is not None or high is not None:
            shown = f"{low:,}–?" if low is not None else f"?–{high:,}"
        elif row.get(f"{q}_qualifier") == "vague":
            shown = "(vague)"
        else:
            continue
        qualifier = row.get(f"{q}_qualifier")
        if isinstance(qualifier, str) and qualifier not in ("vague",):
            shown = f"{qualifier.replace('_', ' ')} {shown}"
        parts.append(f"{q.replace('_', ' ')} {shown}")
    return " · ".join(parts)
