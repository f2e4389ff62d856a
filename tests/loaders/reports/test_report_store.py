"""A report's facts go into the store as pending, with the document and each fact's span."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from db.auth import Actor
from db.migrate import upgrade
from db.writer import write_import
from loaders import reports
from tests.loaders.reports.conftest import FIXTURES


def test_report_facts_are_stored_pending_with_spans(store_url: str) -> None:
    upgrade()
    result = reports.load(FIXTURES / "R11-taiz-wire-restated-2016-02-03.txt")
    summary = write_import(result, actor=Actor("tester", "editor"))
    assert summary.added == len(result.records) == 3
    engine = create_engine(store_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT kind, review_status, method, span_start, span_end, evidence FROM facts")
        ).all()
        document = conn.execute(text("SELECT text FROM documents")).scalar_one()
    engine.dispose()
    assert {r.review_status for r in rows} == {"pending"} and {r.method for r in rows} == {"text"}
    for row in rows:
        assert document[row.span_start : row.span_end] == row.evidence
    again = write_import(
        reports.load(FIXTURES / "R11-taiz-wire-restated-2016-02-03.txt"), actor=Actor("tester", "editor")
    )
    assert again.added == 0  # idempotent


def test_one_line_html_article_is_a_report(tmp_path: Path) -> None:
    from loaders.registry import Format, detect_format

    page = tmp_path / "article.html"
    page.write_text(
        "<html><body><p>A convoy of 12 trucks reached Madaya on 11 January 2016.</p><p>The UN said "
        "40,000 people remain besieged in the town.</p></body></html>",
        encoding="utf-8",
    )
    assert detect_format(page) == Format.REPORT


def test_docx_with_an_entity_declaration_is_refused_by_the_loader(tmp_path: Path) -> None:
    import zipfile

    from loaders import reports
    from loaders.records import LoadError

    doc = tmp_path / "bomb.docx"
    with zipfile.ZipFile(doc, "w") as zf:
        zf.writestr("word/document.xml", '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>')
    with pytest.raises(LoadError, match="declares entities"):
        reports.load(doc)
