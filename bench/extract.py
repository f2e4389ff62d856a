"""Report extraction speed: reports per second on ~2,000-character texts, one core.

Texts: the shared sample reports (``../shared/samples/reports``) when present, else the fixture
reports in ``tests/fixtures/inputs/reports``, each cut or repeated to about 2,000 characters at a
sentence end. Baseline: reading and splitting the same texts into sentences only, so the ratio
shows what extraction itself costs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bench.common import Measure, peak_rss_mb, timed
from loaders.reports.documents import read_document
from loaders.reports.extract import extract_text
from loaders.reports.sentences import split_body

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "reports"
FIXTURES = ROOT / "tests" / "fixtures" / "inputs" / "reports"
SIZE = 2000


def _texts() -> tuple[list[tuple[str, dt.date | None]], str]:
    folder = SAMPLES if SAMPLES.exists() else FIXTURES
    out = []
    for path in sorted(folder.glob("*")):
        if path.name.endswith(".json") or path.suffix not in {".txt", ".md", ".html"}:
            continue
        doc = read_document(path)
        body = doc.text[doc.body_start :]
        while len(body) < SIZE:
            body += "\n\n" + body
        cut = body.rfind(". ", 0, SIZE) + 1 or SIZE
        out.append((body[:cut], doc.published))
    return out, folder.name


def run(quick: bool) -> list[Measure]:
    texts, source = _texts()
    rounds = 2 if quick else 10
    batch = texts * rounds

    def extract_all() -> int:
        return sum(len(extract_text(text, 0, published).drafts) for text, published in batch)

    def split_all() -> int:
        return sum(len(split_body(text, 0)[0]) for text, _ in batch)

    extract_text(
        texts[0][0], 0, texts[0][1]
    )  # build the gazetteer and organisation matchers once, outside the timing
    extract_s, facts = timed(extract_all, repeat=1 if quick else 3)
    split_s, _ = timed(split_all, repeat=1 if quick else 3)
    return [
        Measure(
            name=f"reports/s (~{SIZE} chars)", value=len(batch) / extract_s, unit="reports/s",
            baseline_name="read + split sentences", baseline=len(batch) / split_s, target="≥ 50/s",
            peak_mb=peak_rss_mb(), note=f"{len(texts)} texts from {source}, {facts // rounds} facts per round",
        )
    ]  # fmt: skip
