"""Cells that stay inert in spreadsheets: the one rule every CSV and XLSX export applies.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return that hides
one) as a formula ("CSV injection"). Text that starts so gets a leading apostrophe, which every
spreadsheet shows as plain text; numbers and dates pass unchanged. Pure: no streamlit import, so
the dashboard's downloads and the weekly report share it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """``value`` itself, or with a leading apostrophe when it is text that would run as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def defuse_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell defused."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(defuse)
    return out


def safe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` ready for st.dataframe: its toolbar's "Download as CSV" writes cells exactly as
    shown, so every text cell and column name is defused here, as the app's own exports are."""
    out = defuse_frame(frame)
    out.columns = [defuse(c) for c in out.columns]
    return out
