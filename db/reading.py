"""The one way read queries reach the store: a statement in, a DataFrame out, on the read engine
(read-only on SQLite), with SQLite's text dates parsed back to ``datetime.date`` where asked."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import CompoundSelect, Select

from db.engine import read_engine
from db.migrate import upgrade


def read_frame(
    stmt: Select | CompoundSelect, url: str | None, date_cols: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Run ``stmt`` and return its rows; ``date_cols`` come back as dates (SQLite stores text)."""
    upgrade(url)
    with read_engine(url).connect() as conn:
        frame = pd.read_sql(stmt, conn)
    for col in date_cols:
        if col in frame:
            frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def read_rows(stmt: Select | CompoundSelect, url: str | None) -> list[tuple[Any, ...]]:
    """Run ``stmt`` and return its rows as plain tuples, typed by SQLAlchemy (dates as dates on
    every engine): for the few-dozen-row reads where building a DataFrame costs more than the query."""
    upgrade(url)
    with read_engine(url).connect() as conn:
        return [tuple(row) for row in conn.execute(stmt)]


def read_typed_frame(stmt: Select, url: str | None) -> pd.DataFrame:
    """read_frame through SQLAlchemy's own result types (dates as dates on every engine) and one
    DataFrame constructor: for reads of a few thousand rows, where read_sql's per-column
    conversions and a date parse cost more than the query."""
    columns = [c.name for c in stmt.selected_columns]
    return pd.DataFrame(read_rows(stmt, url), columns=columns)
