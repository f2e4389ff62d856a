"""Caps on what one file may cost and store (issue 13, items 7 and 8): issue texts clipped, names
capped at the store's column lengths, a report's pages, characters and seconds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from loaders.limits import NAME, REPORT_SECONDS_ENV, Budget, reject_oversized
from loaders.records import (
    ISSUE_TEXT,
    FactKind,
    FactRecord,
    Issue,
    LoadError,
    LoadResult,
    PlaceRef,
    Provenance,
    Quantity,
    Severity,
    clip,
)
from loaders.registry import load_file
from loaders.reports.documents import pdf_text, read_document
from tests.fixtures.bad_inputs import costs, make

CONVOYS = "date,place,admin1,organisations,trucks,outcome\n"


def test_issue_quotes_a_huge_value_and_says_how_long_it_was() -> None:
    huge = "x" * 1_000_000
    issue = Issue("f.csv", 2, "notes", f"'{huge}' is not a number", value=huge)
    assert len(issue.value or "") < ISSUE_TEXT + 30 and len(issue.reason) < ISSUE_TEXT + 30
    assert (issue.value or "").endswith("… (1,000,000 characters)")
    assert issue.reason.startswith("'xxx")
    short = Issue("f.csv", 2, "notes", "fine", value="ok")
    assert (short.reason, short.value) == ("fine", "ok")
    assert clip("abc", 2) == "ab… (3 characters)"


def test_a_long_error_message_is_clipped_too() -> None:
    error = LoadError("f.json", "cell " + "y" * 100_000)
    assert len(str(error)) < ISSUE_TEXT + 60 and "(100,005 characters)" in str(error)


def test_csv_rows_with_overlong_names_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "convoys.csv"
    rows = [
        "2018-03-05,Douma,Rural Damascus,UN,46,delivered",
        f"2018-03-06,Douma,{'A' * 5_000},UN,3,delivered",  # admin1
        f"2018-03-07,Douma,Rural Damascus,{'O' * (NAME + 1)},3,delivered",  # an organisation
        f"2018-03-08,Douma,Rural Damascus,UN,{'1' * 10},delivered",  # fits: trucks wording 10 long
    ]
    path.write_text(CONVOYS + "\n".join(rows) + "\n", encoding="utf-8")
    result = load_file(path)
    rejected = {(i.row, i.column): i.reason for i in result.issues if i.severity == Severity.REJECTED}
    assert rejected.keys() >= {(3, "admin1"), (4, "organisations")}
    assert "admin1 is 5,000 characters long, over the 300" in rejected[(3, "admin1")]
    assert "301 characters long" in rejected[(4, "organisations")]
    assert {r.provenance.row for r in result.records} <= {2, 5}
    assert all(len(r.place.admin1 or "") <= NAME for r in result.records)


def _prose_fact(name: str) -> FactRecord:
    return FactRecord(
        FactKind.TOLL, PlaceRef(name), Provenance(method="text", span_start=0, span_end=5), killed=Quantity(3)
    )


def test_facts_from_prose_are_cut_with_a_warning() -> None:
    """A fact read from a report has no row to reject (rows_in counts facts): it is cut instead."""
    result = LoadResult("r.txt", "report", "0" * 64, records=[_prose_fact("P" * 1_000), _prose_fact("Douma")])
    result.rows_in = 2
    result.title = "T" * 10_000
    assert reject_oversized(result) == 0
    assert [len(r.place.name) for r in result.records] == [NAME, 5]
    assert len(result.title) == 500
    warnings = [(i.column, i.severity) for i in result.issues]
    assert warnings == [("title", Severity.WARNING), ("place", Severity.WARNING)]
    result.check_accounting()


def test_gazetteer_row_with_a_huge_name_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "pcodes.csv"
    path.write_text(
        "Location,Admin Level,P-Code,Parent P-Code,Name\n"
        "SYR,1,SY01,SY,Damascus\n"
        f"SYR,1,SY02,SY,{'N' * 2_000_000}\n",
        encoding="utf-8",
    )
    result = load_file(path)
    [issue] = [i for i in result.issues if i.severity == Severity.REJECTED]
    assert (issue.row, issue.column) == (3, "name") and "2,000,000 characters long" in issue.reason
    assert len(issue.value or "") < ISSUE_TEXT + 30
    assert [p.pcode for p in result.places] == ["SY01"]


# --------------------------------------------------------------------------- a report's budget


def test_pdf_extraction_stops_at_the_first_page_over_the_character_cap(tmp_path: Path) -> None:
    """Eight pages of 72,000 characters each: with a 200,000-character budget the reader stops on
    page 3 instead of extracting all eight first."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(costs._pdf_page_font())
    for _ in range(8):  # one content stream per page: the shared-stream check does not apply
        stream = DecodedStreamObject()
        stream.set_data(b"BT /F1 9 Tf " + b"1 0 Td (convoy) Tj " * 12_000 + b"ET")
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    path = tmp_path / "pages.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(LoadError, match=r"more than 200,000 characters of text \(reached on page 3 of 8\)"):
        pdf_text(path, Budget(path.name, chars=200_000))
    assert len(pdf_text(path, Budget(path.name, chars=1_000_000))) > 500_000  # under the cap: read


def test_report_over_its_time_budget_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "slow.txt"
    sentence = "On 9 March 2018 a convoy of 13 trucks reached Douma in eastern Ghouta. "
    path.write_text("published: 2018-03-10\n\n" + sentence * 400, encoding="utf-8")
    assert load_file(path).records  # within the default budget
    monkeypatch.setenv(REPORT_SECONDS_ENV, "0.000001")
    with pytest.raises(LoadError) as caught:
        load_file(path)
    message = str(caught.value)
    assert message.startswith("slow.txt: took more than 0 seconds to read")
    assert "split it into smaller files" in message and REPORT_SECONDS_ENV in message


def test_budget_checks_time_between_steps() -> None:
    budget = Budget("r.pdf", seconds=0.05)
    budget.check("page 1")
    time.sleep(0.06)
    with pytest.raises(LoadError, match=r"r.pdf: took more than 0 seconds to read \(page 2\)"):
        budget.check("page 2")


@pytest.mark.parametrize("suffix", [".txt", ".html", ".docx"])
def test_text_html_and_word_reports_over_the_character_cap(tmp_path: Path, suffix: str) -> None:
    body = "Aid reached Douma on 9 March. " * 2_000  # 60,000 characters
    path = tmp_path / f"long{suffix}"
    if suffix == ".docx":
        paragraphs = "".join(f"<w:p><w:r><w:t>{body[:300]}</w:t></w:r></w:p>" for _ in range(400))
        xml = (
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            f"{paragraphs}</w:body></w:document>"
        )
        make._write_zip(path, {"word/document.xml": xml.encode()})
    else:
        path.write_text(f"<p>{body}</p>" if suffix == ".html" else body, encoding="utf-8")
    with pytest.raises(LoadError, match="holds more than 50,000 characters of text"):
        read_document(path, budget=Budget(path.name, chars=50_000))
    assert len(read_document(path, budget=Budget(path.name, chars=200_000)).text) > 50_000


def test_streamed_imports_reject_overlong_names_too(tmp_path: Path) -> None:
    """The command line streams files (loaders.stream): the same cap, batch by batch."""
    from loaders.stream import collect, stream_file

    path = tmp_path / "huge_place_name.csv"
    make.GENERATORS["huge_place_name_csv"](path)
    result = collect(stream_file(path, batch_rows=1))
    [issue] = [i for i in result.issues if i.severity == Severity.REJECTED]
    assert (issue.row, issue.column) == (3, "place") and "2,000,000 characters long" in issue.reason
    assert [r.place.name for r in result.records] == ["Douma"]


def test_acled_stream_rejects_an_overlong_location(tmp_path: Path) -> None:
    """ACLED exports stream batch by batch (loaders.stream.checked): a 1 MB location is rejected there."""
    from loaders.stream import collect, stream_file

    source = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "acled" / "acled_2023_sample.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    plain = load_file(source)
    target = plain.records[0].provenance.row
    assert target is not None
    lines[target - 1] = lines[target - 1].replace(plain.records[0].place.name, "L" * 1_000_000, 1)
    path = tmp_path / "acled.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = collect(stream_file(path, batch_rows=2))
    rejected = [(i.row, i.column) for i in result.issues if i.severity == Severity.REJECTED]
    assert (target, "place") in rejected
    assert len(result.records) == len(plain.records) - 1
