"""Every page on a store whose every text field is Markdown, HTML, LaTeX or a formula (issue 13,
items 6 and 11): no element renders a link, an image, raw HTML or LaTeX, and no st.dataframe holds
a cell its toolbar's "Download as CSV" would write as a live formula."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard.inert import inert
from dashboard.maps import METRIC_LABELS
from db import queries, trends
from db.models import Fact
from db.reading import read_frame
from tests.conftest import fresh_store_url
from tests.dashboard.conftest import _reset, _use, login
from tests.dashboard.hostile import (
    FAKE_LINK,
    FORMULA,
    HTML_IMG,
    IMAGE,
    LATEX,
    formula_cells,
    page_problems,
    rendered,
    seed,
)
from tests.dashboard.seed import ROOT

APP = str(ROOT / "app.py")
PAGES = ROOT / "dashboard" / "pages"


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("hostile")
    url = fresh_store_url(folder)
    seed(folder / "files", url)
    _reset(url)
    return url


@pytest.fixture
def hostile_store(hostile_template: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _use(hostile_template, monkeypatch)
    yield hostile_template
    _reset(hostile_template)


class Tour:
    """Runs pages and widget choices, and keeps what each run would render."""

    def __init__(self, url: str) -> None:
        self.at = login(AppTest.from_file(APP, default_timeout=30), url, "admin", "admin")
        self.problems: list[str] = []
        self.formulas: list[str] = []
        self.texts: list[str] = []
        self.tables: list[str] = []

    def look(self, where: str) -> None:
        at = self.at
        assert not at.exception, (where, [e.value for e in at.exception])
        self.problems += [f"{where}: {p}" for p in page_problems(at)]
        self.formulas += [f"{where}: {c}" for c in formula_cells(at)]
        self.texts += [text for kind, _, text in rendered(at) if kind == "markdown"]
        self.tables += [str(v) for t in at.dataframe for col in t.value.columns for v in t.value[col]]

    def page(self, name: str) -> None:
        self.at.switch_page(f"dashboard/pages/{name}.py").run()
        self.look(name)

    def each(self, key: str, values: Sequence[object]) -> None:
        """Choose, in turn, every value of ``values`` that selectbox ``key`` offers."""
        for value in values:
            boxes = [s for s in self.at.selectbox if s.key == key]
            if not boxes or boxes[0].format_func(value) not in boxes[0].options:
                continue  # not offered under the current choices
            boxes[0].set_value(value).run()
            self.look(f"{key}={value}")


def _tour(url: str) -> Tour:
    places = [int(i) for i in trends.filter_places(url)["id"]]
    organisations = [int(i) for i in trends.filter_organisations(url)["id"]]
    facts = [int(i) for i in read_frame(select(Fact.id), url)["id"]]
    imports = [int(i) for i in queries.imports(url)["id"]]
    tour = Tour(url)
    tour.at.run()
    tour.look("start")
    tour.page("convoys")
    tour.each("convoys_source", facts)  # the source expander: title, publisher, file, importer
    tour.page("map")
    tour.each("map_metric", list(METRIC_LABELS))
    tour.page("review")
    tour.each("review_fact", facts)
    tour.page("documents")
    tour.each("documents_import", imports)
    tour.page("report")
    tour.each("report_place", places)
    tour.page("import")
    tour.page("data")
    tour.each("data_import_select", imports)
    tour.page("audit")
    for name in ("overview", "convoys", "besieged", "tolls"):
        tour.page(name)
        tour.each("filters_place", places)  # the place's name in captions, alerts and subheaders
    tour.each("filters_organisation", organisations)
    for name in ("overview", "convoys", "besieged", "tolls"):
        tour.page(name)
    return tour


def test_no_page_renders_stored_markdown_html_or_formulas(hostile_store: str) -> None:
    names = set(queries.unverified_places(hostile_store)["name"])
    assert {IMAGE, FAKE_LINK, HTML_IMG, LATEX, FORMULA} <= names  # the attack is in the store as written
    tour = _tour(hostile_store)
    assert tour.problems == []
    assert tour.formulas == []
    # The payloads did reach the pages, as plain text: escaped in Markdown, defused in tables.
    shown = "\n".join(tour.texts)
    for payload in (IMAGE, FAKE_LINK, HTML_IMG, LATEX):
        assert inert(payload) in shown, payload
    assert "'" + FORMULA in tour.tables  # a place name, an organisation, a failed login's name


def _calls(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name:
            yield node


@pytest.mark.parametrize("page", sorted(p.name for p in PAGES.glob("*.py") if p.name != "__init__.py"))
def test_every_dataframe_call_is_given_a_safe_table(page: str) -> None:
    """A new st.dataframe that forgets safe_table fails here, whether or not a test reaches it."""
    tree = ast.parse((PAGES / page).read_text(encoding="utf-8"))
    for call in [*_calls(tree, "dataframe"), *_calls(tree, "data_editor"), *_calls(tree, "table")]:
        first = call.args[0] if call.args else None
        safe = isinstance(first, ast.Call) and getattr(first.func, "id", "") == "safe_table"
        named = isinstance(first, ast.Name) and any(
            isinstance(a, ast.Assign)
            and any(getattr(t, "id", None) == first.id for t in a.targets)
            and isinstance(a.value, ast.Call)
            and getattr(a.value.func, "id", "") == "safe_table"
            for a in ast.walk(tree)
        )
        assert safe or named, f"{page}:{call.lineno}: st.{call.func.attr}(...) without safe_table(...)"  # type: ignore[attr-defined]


def test_the_tour_would_see_a_raw_payload(hostile_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tour is not blind: with the escaping switched off, the Overview's alerts are caught."""
    import dashboard.inert

    monkeypatch.setattr(dashboard.inert, "inert", lambda text: "" if text is None else str(text))
    at = login(
        AppTest.from_file(str(PAGES / "overview.py"), default_timeout=30), hostile_store, "admin", "admin"
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("<a>" in p or "<img>" in p for p in page_problems(at))
