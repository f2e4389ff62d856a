"""`places merge` and `places unmerge` from the command line (issue 13, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

import cli
from db import auth
from db.auth import Actor
from db.engine import write_engine


def _place(url: str, where: str) -> int:
    with write_engine(url).connect() as conn:
        return int(conn.execute(text(f"SELECT id FROM places WHERE {where}")).scalar_one())


def _facts_at(url: str, place_id: int) -> int:
    with write_engine(url).connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM facts WHERE place_id = {place_id}")).scalar_one())


@pytest.fixture
def madaya_store(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    table = tmp_path / "tolls.csv"
    table.write_text(
        "period_start,place,admin1,killed,sources\n2018-03-01,Madaya,Rural Damascus,4,SOHR\n"
        "2018-03-02,Rukban,,2,SOHR\n",
        encoding="utf-8",
    )
    assert cli.main(["ingest", str(table)]) == 0
    capsys.readouterr()
    return store_url


def test_merge_then_unmerge(madaya_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    madaya, rukban = _place(madaya_store, "name = 'Madaya'"), _place(madaya_store, "name = 'Rukban'")
    assert cli.main(["places", "merge", str(madaya), str(rukban)]) == 0  # single-user: the local admin
    out = capsys.readouterr().out
    assert "1 fact(s) moved" in out and f"places unmerge {madaya}" in out
    assert _facts_at(madaya_store, madaya) == 0
    assert cli.main(["places", "unmerge", str(madaya)]) == 0
    out = capsys.readouterr().out
    assert "'Madaya' is separate from 'Rukban' again: 1 fact(s) moved back" in out
    assert (_facts_at(madaya_store, madaya), _facts_at(madaya_store, rukban)) == (1, 1)
    assert cli.main(["places", "unmerge", str(madaya)]) == 1
    assert "is not merged; nothing to undo" in capsys.readouterr().err


def test_an_editor_account_may_not_merge_a_verified_place(
    madaya_store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.add_user("amal", "long enough pass", "editor", actor=Actor("setup", "admin"))
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "long enough pass")
    madaya, rukban = _place(madaya_store, "name = 'Madaya'"), _place(madaya_store, "name = 'Rukban'")
    assert cli.main(["--user", "amal", "places", "merge", str(madaya), str(rukban)]) == 1
    assert "may not merge or unmerge verified (gazetteer) places" in capsys.readouterr().err
    assert _facts_at(madaya_store, madaya) == 1
