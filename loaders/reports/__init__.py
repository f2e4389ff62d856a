"""Free-text reports (.txt .md .html .pdf .docx) into convoy, besieged-population and civilian-toll
facts, each with the character span of the sentence it came from (``provenance.method = "text"``).

Every fact is its own "row": ``rows_in`` is the number of facts, so the accounting rule holds.
Relative dates ('on Tuesday', 'yesterday') need the publication date: from the ``published:``
header line or the ``published`` option; without one they stay unresolved, with a WARNING.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from loaders.limits import Budget
from loaders.records import LoadError, LoadResult, Severity
from loaders.reports import schema as schema
from loaders.reports.documents import SUFFIXES, parse_published, read_document
from loaders.reports.extract import extract_text
from loaders.reports.schema import to_record

FORMAT = "report"
_PROSE_SENTENCE = re.compile(r"[A-Za-z][^.!?\n]{30,}[.!?](?:\s|$)")


def detect(head: Any) -> int:
    """60 for a PDF or Word file, 50 for text that reads as prose, 0 for tables and everything else."""
    suffix = head.suffix
    if suffix not in SUFFIXES:
        return 0
    if suffix == ".pdf":
        return 60 if head.raw.startswith(b"%PDF") else 0
    if suffix == ".docx":
        return 60 if head.raw.startswith(b"PK") else 0
    if head.text is None or head.json_value is not None:
        return 0
    text = head.text
    if suffix in {".html", ".htm"}:
        # Markup may hold a whole article on one line ("…shelled.</p><p>The UN…"): judge the words.
        text = re.sub(r"<[^>]+>", " ", text)
    return 50 if _is_prose(text) else 0


def _is_prose(text: str) -> bool:
    """Sentences of running words, not a delimited table saved with a .txt name."""
    lines = [ln for ln in text.splitlines()[:40] if ln.strip()]
    if not lines:
        return False
    for delim in (",", ";", "\t"):
        counts = [ln.count(delim) for ln in lines]
        if min(counts) >= 2 and max(counts) - min(counts) <= 1 and len(lines) >= 3:
            return False
    return len(_PROSE_SENTENCE.findall(text)) >= 2


def load(path: Path, **options: Any) -> LoadResult:
    """Read one report and extract its facts. Options: published, gazetteer, encoding."""
    from loaders.registry import Format, sha256_file

    path = Path(path)
    budget = Budget(path.name)  # pages, characters and seconds: a report's cost is capped
    doc = read_document(path, options.get("encoding"), budget)
    published = parse_published(options.get("published")) or doc.published
    if options.get("published") and parse_published(options.get("published")) is None:
        raise LoadError(path.name, f"published date {options['published']!r} is not a date; write YYYY-MM-DD")
    extra = tuple((name, tuple(alts)) for name, alts in options.get("gazetteer") or ())
    result = LoadResult(
        file=path.name, format=Format.REPORT, sha256=sha256_file(path), encoding=doc.encoding,
        publisher=doc.publisher, published=published, title=doc.title, text=doc.text,
        content_type=doc.content_type,
    )  # fmt: skip
    extraction = extract_text(doc.text, doc.body_start, published, doc.publisher, extra, budget.check)
    result.records = [to_record(d, doc.text, published, extraction.doc.country) for d in extraction.drafts]
    result.rows_in = len(result.records)
    result.meta["kind"] = "report"
    if published is None:
        result.add_issue(
            None, None,
            "no publication date: relative dates ('on Tuesday', 'yesterday', 'last week') are left "
            "unresolved; add a 'published: YYYY-MM-DD' line or pass --published",
            severity=Severity.WARNING,
        )  # fmt: skip
    unresolved = sorted(
        {
            r.place.name
            for r, d in zip(result.records, extraction.drafts, strict=True)
            if d.place and d.place.place is None
        }
    )
    if unresolved:
        result.add_issue(
            None, None, f"{len(unresolved)} place(s) not in the gazetteer, kept as written: {', '.join(unresolved[:10])}",
            severity=Severity.WARNING,
        )  # fmt: skip
    return result


def extract_facts(path: Path, **options: Any) -> list[dict[str, Any]]:
    """The facts of one report in the annotation schema (what ``cli extract --json`` prints)."""
    from loaders.reports.schema import to_schema

    return [to_schema(r) for r in load(path, **options).records]


def report_for(expected: Path) -> Path | None:
    """The report beside an ``X.expected.json``: X.txt first, else X.md/.html/.pdf/.docx."""
    stem = expected.name.removesuffix(".expected.json")
    for suffix in (".txt", *SUFFIXES):
        candidate = expected.with_name(stem + suffix)
        if candidate.exists():
            return candidate
    return None


def evaluate_dir(folder: Path) -> Any:
    """Score the extractor on every ``*.expected.json`` in ``folder`` (see ``evaluate``)."""
    import json

    from loaders.reports.evaluate import score_documents

    docs = []
    for expected in sorted(Path(folder).glob("*.expected.json")):
        report = report_for(expected)
        if report is None:
            raise LoadError(
                expected.name,
                f"has no report beside it ({expected.stem}.txt); add the text or remove the file",
            )
        gold = json.loads(expected.read_text(encoding="utf-8"))
        docs.append((report.name, gold, extract_facts(report)))
    return score_documents(docs)
