"""The Data page's "Undo merge" form (issue 13, item 9): an editor undoes an unverified place's
merge; a verified place's merge is the admins' to undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.auth import Actor
from db.curation import merge_place, merged_places
from db.engine import database_url
from db.queries import known_places, unverified_places
from tests.dashboard.conftest import _reset, _seed, _use, login
from tests.dashboard.seed import ROOT, Store

APP = str(ROOT / "app.py")
DATA_PAGE = "dashboard/pages/data.py"


@pytest.fixture
def own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A seeded store of this test's own: these tests merge places and add accounts, which the
    shared seeded store (read-only by convention) must not keep."""
    store = _seed(tmp_path / "seeded")
    _use(store.url, monkeypatch)
    yield store
    _reset(store.url)


def _data_page(actor: Actor) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    login(at, database_url(), actor.name, actor.role)
    at.run()
    at.switch_page(DATA_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _known(url: str, name: str) -> int:
    known = known_places(url)
    return int(known.loc[known["name"] == name, "id"].iloc[0])


def test_an_editor_undoes_a_merge(own_store: Store) -> None:
    url = own_store.url
    source = int(unverified_places(url)["id"][0])
    moved = merge_place(source, _known(url, "Douma"), actor=Actor("amal", "editor"), url=url)
    at = _data_page(Actor("ben", "editor"))
    at.selectbox(key="data_unmerge_source").set_value(source)
    next(b for b in at.button if b.label == "Undo merge").click().run()
    assert not at.exception
    assert any(f"{moved} fact(s) moved back" in s.value.replace("\\", "") for s in at.success), [
        s.value for s in at.success
    ]
    assert source in set(unverified_places(url)["id"])
    assert source not in set(merged_places(url)["id"])


def test_an_editor_may_not_undo_a_verified_places_merge(own_store: Store) -> None:
    url = own_store.url
    harasta = _known(url, "Harasta")
    merge_place(harasta, _known(url, "Douma"), actor=Actor("root", "admin"), url=url)
    at = _data_page(Actor("ben", "editor"))
    at.selectbox(key="data_unmerge_source").set_value(harasta)
    next(b for b in at.button if b.label == "Undo merge").click().run()
    assert not at.exception
    assert "may not merge or unmerge verified" in at.error[0].value
    assert harasta in set(merged_places(url)["id"])
