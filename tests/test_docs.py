"""The README names every dashboard page and every accepted input format, and the two commands."""

from __future__ import annotations

import re
from pathlib import Path

from loaders.registry import Format

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# How the README names each format (a reader searches for these words, not the enum values).
FORMAT_WORDS = {
    Format.TABLE_CSV: "CSV or XLSX",
    Format.TABLE_XLSX: "CSV or XLSX",
    Format.HXL: "HXL-tagged CSV",
    Format.ACLED: "ACLED export",
    Format.AWSD: "AWSD",
    Format.KIKA: "Insecurity Insight",
    Format.DAILY_CASUALTIES: "daily casualty JSON",
    Format.COD_PCODES: "OCHA COD p-codes",
    Format.COD_GEOJSON: "GeoJSON",
    Format.REPORT: "report (TXT, Markdown, HTML, PDF, DOCX)",
}


def test_every_format_is_documented() -> None:
    assert set(FORMAT_WORDS) == set(Format)
    for fmt, words in FORMAT_WORDS.items():
        assert words in README, f"README does not mention {fmt.value} ({words})"


def test_every_page_is_documented() -> None:
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    pages = re.findall(r'\("(\w+\.py)", "([^"]+)", "[\w-]+"\)', app)
    present = [title for file, title in pages if (ROOT / "dashboard" / "pages" / file).exists()]
    assert "Overview" in present and "Data" in present
    for title in present:
        assert f"**{title}**" in README, f"README has no section line for the {title} page"


def test_first_screen_gives_the_two_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:30])
    assert "make run" in first_screen and "make test" in first_screen
