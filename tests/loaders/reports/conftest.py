"""Helpers for the report extractor tests: extract facts from a few sentences written inline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from loaders.reports.extract import extract_text
from loaders.reports.schema import to_record, to_schema

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "inputs" / "reports"
SAMPLES = ROOT.parent / "shared" / "samples" / "reports"


def facts_of(
    text: str, published: str | None = "2024-03-06", publisher: str | None = "field office"
) -> list[dict[str, Any]]:
    """Schema dicts of every fact in ``text`` (published on a Wednesday unless said otherwise)."""
    pub = dt.date.fromisoformat(published) if published else None
    extraction = extract_text(text, 0, pub, publisher)
    return [to_schema(to_record(d, text, pub, extraction.doc.country)) for d in extraction.drafts]


@pytest.fixture
def extract():
    return facts_of
