"""Report files: formats, header lines, detection, the LoadResult contract."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from loaders import reports
from loaders.records import FactKind, LoadError, Severity
from loaders.registry import Format, detect_format, load_file, read_head
from tests.loaders.reports.conftest import FIXTURES

TEXT = "A WFP convoy of 12 trucks reached Douma on Monday, the UN said. Shelling killed three civilians in Harasta on Tuesday."


def _pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with a text layer, built by hand (no binary fixture to keep in the repo)."""
    escaped = [ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in lines]
    content = "BT /F1 10 Tf 40 760 Td 14 TL " + " ".join(f"({ln}) Tj T*" for ln in escaped) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def _docx(path: Path, paragraphs: list[str]) -> Path:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", xml)
    return path


def _check(result, published: dt.date | None) -> None:
    result.check_accounting()
    assert result.format == Format.REPORT and result.rows_in == len(result.records) == 2
    assert result.published == published
    for rec in result.records:
        prov = rec.provenance
        assert prov.method == "text" and result.text[prov.span_start : prov.span_end] == prov.evidence
    convoy = next(r for r in result.records if r.kind == FactKind.CONVOY)
    assert (convoy.trucks.value, convoy.organisations, convoy.place.name) == (12, ["WFP"], "Douma")


def test_txt_with_header_lines(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text(
        f"title: Note\npublisher: field office\npublished: 2024-03-06\n\n{TEXT}\n", encoding="utf-8"
    )
    result = reports.load(path)
    _check(result, dt.date(2024, 3, 6))
    assert (result.title, result.publisher, result.content_type) == ("Note", "field office", "text/plain")
    toll = next(r for r in result.records if r.kind == FactKind.TOLL)
    assert (toll.killed.value, toll.period_start, toll.date_basis) == (
        3,
        dt.date(2024, 3, 5),
        "relative_to_pubdate",
    )
    assert not [i for i in result.issues if i.severity == Severity.WARNING and "publication" in i.reason]


def test_published_option_and_missing_date_warning(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text(TEXT, encoding="utf-8")
    unresolved = reports.load(path)
    _check(unresolved, None)
    warning = next(i for i in unresolved.issues if i.severity == Severity.WARNING)
    assert "--published" in warning.reason
    toll = next(r for r in unresolved.records if r.kind == FactKind.TOLL)
    assert (toll.period_start, toll.date.text) == (None, "on Tuesday")
    resolved = reports.load(path, published="2024-03-06")
    _check(resolved, dt.date(2024, 3, 6))
    with pytest.raises(LoadError, match="YYYY-MM-DD"):
        reports.load(path, published="next week")


def test_html_markdown_pdf_docx(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    html.write_text(
        f"<html><head><title>x</title><script>var a='killed 99 people';</script></head><body><p>{TEXT}</p></body></html>"
    )
    _check(reports.load(html, published="2024-03-06"), dt.date(2024, 3, 6))
    md = tmp_path / "r.md"
    md.write_text(f"# Update\n\n- {TEXT}\n")
    _check(reports.load(md, published="2024-03-06"), dt.date(2024, 3, 6))
    pdf = _pdf(tmp_path / "r.pdf", ["published: 2024-03-06", "", *TEXT.split(". ")])
    result = reports.load(pdf)
    assert result.content_type == "application/pdf"
    _check(result, dt.date(2024, 3, 6))
    docx = _docx(tmp_path / "r.docx", ["published: 2024-03-06", TEXT])
    _check(reports.load(docx), dt.date(2024, 3, 6))


def test_detect_claims_prose_not_tables(tmp_path: Path) -> None:
    prose = tmp_path / "prose.txt"
    prose.write_text(TEXT + "\n" + TEXT)
    assert reports.detect(read_head(prose)) == 50 and detect_format(prose) == Format.REPORT
    table = tmp_path / "table.txt"
    table.write_text(
        "date,location,trucks,outcome\n2024-03-01,Douma,12,delivered\n2024-03-02,Saqba,5,blocked\n"
    )
    assert reports.detect(read_head(table)) == 0
    csv = tmp_path / "prose.csv"
    csv.write_text(TEXT)
    assert reports.detect(read_head(csv)) == 0
    assert reports.detect(read_head(_pdf(tmp_path / "x.pdf", [TEXT]))) == 60


def test_every_fixture_report_loads_through_the_registry() -> None:
    for path in sorted(FIXTURES.glob("R*")):
        if path.name.endswith(".json"):
            continue
        result = load_file(path)
        assert result.format == Format.REPORT and result.records, path.name
        assert all(
            result.text[r.provenance.span_start : r.provenance.span_end] == r.provenance.evidence
            for r in result.records
        )


def test_unreadable_files_raise(tmp_path: Path) -> None:
    broken = tmp_path / "b.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(LoadError):
        reports.load(broken)
    empty = tmp_path / "e.txt"
    empty.write_text("\n\n")
    with pytest.raises(LoadError, match="no text"):
        reports.load(empty)
