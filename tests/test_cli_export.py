"""`python -m cli export` as a scheduled job runs it: files written and readable, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

import cli
from tests.dashboard.report.readback import parse_html, pdf_text, sheet_rows, workbook, zip_csvs
from tests.dashboard.report.test_unknown import load

STEM = "access-monitor-2018-W10"


@pytest.fixture
def demo(store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["demo"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("ACCESS_MONITOR_PDF_CHARTS", "off")  # the browser is tested in tests/dashboard/report
    return store_url


def test_export_writes_every_format(demo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "weekly"
    code = cli.main(["export", "--week", "2018-W10", "--variant", "internal", "--format",
                     "pdf,xlsx,html,csv,hxl", "--out", str(out)])  # fmt: skip
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([
        f"{STEM}-internal.pdf", f"{STEM}-internal.xlsx", f"{STEM}-internal.html",
        f"{STEM}-internal-tables.zip", f"{STEM}-internal-convoys.hxl.csv",
        f"{STEM}-internal-besieged.hxl.csv", f"{STEM}-internal-tolls.hxl.csv",
    ])  # fmt: skip
    assert f"{STEM}-internal.pdf" in capsys.readouterr().out
    page = parse_html((out / f"{STEM}-internal.html").read_text(encoding="utf-8"))
    assert page.rows_by_key["killed"][1] == "274–493"
    assert "274–493" in pdf_text((out / f"{STEM}-internal.pdf").read_bytes())
    rows = {
        r["Figure"]: r
        for r in sheet_rows(workbook((out / f"{STEM}-internal.xlsx").read_bytes()), "Summary", 9)
    }
    assert rows["Convoys"]["This week (low)"] == 2
    tables = zip_csvs((out / f"{STEM}-internal-tables.zip").read_bytes())
    assert len(tables["convoys.csv"]) == 3  # header and two convoys
    hxl_lines = (out / f"{STEM}-internal-tolls.hxl.csv").read_text(encoding="utf-8-sig").splitlines()
    assert hxl_lines[1].startswith("#date+start,#date+end,#adm1+name")


def test_export_one_place_public(demo: str, tmp_path: Path) -> None:
    assert cli.main(["export", "--week", "2018-W10", "--place", "eastern ghouta", "--format", "html",
                     "--out", str(tmp_path)]) == 0  # fmt: skip
    page = parse_html((tmp_path / f"{STEM}-eastern-ghouta-public.html").read_text(encoding="utf-8"))
    assert {r[1] for r in page.tables["convoys"][1:]} == {"Douma"}
    assert page.ids["classification"] == "PUBLIC"


def test_export_refuses_a_week_outside_the_data(
    demo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for week in ("2030-W10", "2010-W10"):  # after today; before the demo's first fact (2015)
        assert cli.main(["export", "--week", week, "--format", "csv", "--out", str(tmp_path / "x")]) == 2
        err = " ".join(capsys.readouterr().err.split())
        assert f"{week} is outside the data" in err and "choose a week in between" in err
    assert not (tmp_path / "x").exists()


def test_export_a_quiet_week(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # tests/dashboard/report/test_unknown.py's store: 2018-W04 has no dated fact, Madaya's siege
    # (40,000 since 8 Jan) carries through it.
    load(tmp_path, store_url)
    monkeypatch.setenv("ACCESS_MONITOR_PDF_CHARTS", "off")
    out = tmp_path / "weekly"
    assert cli.main(["export", "--week", "2018-W04", "--variant", "internal", "--format", "xlsx,html,csv,pdf",
                     "--out", str(out)]) == 0  # fmt: skip
    assert "no fact is dated in" in " ".join(capsys.readouterr().out.split())
    stem = "access-monitor-2018-W04-internal"
    page = parse_html((out / f"{stem}.html").read_text(encoding="utf-8"))
    assert page.rows_by_key["besieged"][1] == "40,000"
    assert page.rows_by_key["convoys"][1] == page.rows_by_key["killed"][1] == "–"
    assert "40,000" in pdf_text((out / f"{stem}.pdf").read_bytes())
    rows = {r["Figure"]: r for r in sheet_rows(workbook((out / f"{stem}.xlsx").read_bytes()), "Summary", 9)}
    assert rows["Civilians killed"]["This week (low)"] == "–"
    assert rows["People besieged (end of week)"]["This week (low)"] == 40000
    tables = zip_csvs((out / f"{stem}-tables.zip").read_bytes())
    killed = next(r for r in tables["summary.csv"] if r[0] == "Civilians killed")
    assert killed[1] == ""  # CSV: empty, not 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "March", "--format", "csv"], "not an ISO week"),
        (["--week", "2018-W10", "--format", "docx"], "unknown format docx"),
        (["--week", "2018-W10", "--format", "csv", "--place", "Gotham"], "no place called 'Gotham'"),
    ],
)
def test_export_refuses_bad_arguments(
    demo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "weekly"
    assert cli.main(["export", *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err.replace("\n", " ")
    assert not out.exists()
