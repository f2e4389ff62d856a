"""dashboard.inert and dashboard.cells.safe_table on their own (issue 13, items 6 and 11): each
attack is first shown to be live for the checkers in tests/dashboard/hostile.py, then inert."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import charts, maps
from dashboard.cells import FORMULA_START, safe_table
from dashboard.inert import JOINER, inert, plot_text
from tests.dashboard.hostile import (
    FAKE_LINK,
    FORMULA,
    HTML_IMG,
    IMAGE,
    LATEX,
    PAYLOADS,
    markdown_problems,
    plotly_problems,
    shown_text,
)

MORE = [
    "<http://evil.example>", "www.evil.example/login", "help@evil.example", ":red[alarm] :material/lock:",
    "# Heading", "- item", "1. item", "> quote", "`code`", "~~gone~~", "a | b", "&lt;img src=x&gt;",
    "back\\slash [x]\\(y)", "line one\n\n[x](http://evil.example)", "<a href='http://evil.example'>x</a>",
]  # fmt: skip


@pytest.mark.parametrize("text", [*PAYLOADS, *MORE])
def test_inert_renders_the_characters_and_nothing_live(text: str) -> None:
    escaped = inert(text)
    assert markdown_problems(escaped) == []
    # The reader sees the characters as stored (line breaks as spaces; the joiner is invisible).
    assert shown_text(escaped).replace(JOINER, "") == " ".join(text.split("\n")).replace("  ", " ").strip()


@pytest.mark.parametrize("text", [IMAGE, FAKE_LINK, HTML_IMG, LATEX, MORE[0], MORE[1], MORE[2], MORE[3]])
def test_the_checker_sees_each_attack_when_raw(text: str) -> None:
    """The page test's checker is not blind: the raw payloads are links, images, HTML or LaTeX."""
    assert markdown_problems(text)
    assert markdown_problems(f"**Report:** {text} (publisher)")


def test_inert_keeps_ordinary_text_as_written() -> None:
    for text in ("Douma (Rural Damascus)", "2018-W10 (5–11 Mar 2018)", "From 3 toll reports: SOHR, SAMS.",
                 "دوما", "940–1,000", None):  # fmt: skip
        assert inert(text) == ("" if text is None else text)


def test_plot_text_defuses_plotly_tags_and_template_variables() -> None:
    assert plot_text("<a href='http://evil.example'>x</a> & %{y}") == (
        "&lt;a href='http://evil.example'&gt;x&lt;/a&gt; &amp; &#37;{y}"
    )
    assert plot_text("Douma") == "Douma"


def _spec(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), default=str)


def test_charts_and_maps_put_no_live_tag_in_a_figure() -> None:
    place = "<a href='http://evil.example'>Douma</a>"
    weeks = pd.to_datetime(["2018-03-05", "2018-03-12"]).date
    top = pd.DataFrame(
        {"place": [place], "convoys": [3], "delivered_or_partial": [1], "blocked_or_attacked": [1]}
    )
    besieged = pd.DataFrame({"week": weeks, "place": [place] * 2, "pop_low": [10, 12], "pop_high": [11, 13]})
    band = pd.DataFrame({"week": weeks, "killed_low": [1, 2], "killed_high": [2, 3], "sources": [1, 1]})
    by_source = pd.DataFrame(
        {"week": weeks, "source": [place] * 2, "killed_low": [1, 2], "killed_high": [2, 3]}
    )
    compare = pd.DataFrame({"source": [place], "killed_low": [1], "killed_high": [2], "injured_low": [0],
                            "injured_high": [1]})  # fmt: skip
    points = pd.DataFrame(
        {"place": [place], "lat": [33.5], "lon": [36.4], "low": [1], "high": [2], "sources": [1]}
    )
    admin = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "SY01", "properties": {"name": place},
         "geometry": {"type": "Polygon", "coordinates": [[[36, 33], [37, 33], [37, 34], [36, 33]]]}}]}  # fmt: skip
    figures = [
        charts.top_destinations_bar(top), charts.besieged_by_place(besieged),
        charts.toll_by_source(band, by_source), charts.sources_side_by_side(compare),
        maps.place_map(points, "convoys", admin=admin),
    ]  # fmt: skip
    for fig in figures:
        spec = _spec(fig)
        assert "Douma" in spec  # the name is there, as text
        assert plotly_problems(spec) == []
    # The checker itself sees a raw tag.
    assert plotly_problems(json.dumps({"data": [{"name": place}]}))


def test_safe_table_defuses_every_formula_cell_and_column() -> None:
    frame = pd.DataFrame(
        {"user": [FORMULA, "+1", "-2", "@SUM(A1)", "\t=x", "\r=x", "amal"], "n": [1, -2, 3, 4, 5, 6, 7],
         FORMULA: ["a"] * 7}
    )  # fmt: skip
    frame["user"] = frame["user"].astype("string")  # pandas 3: strings have their own dtype
    safe = safe_table(frame)
    cells = [v for col in safe.columns for v in safe[col] if isinstance(v, str)]
    assert not [c for c in [*cells, *map(str, safe.columns)] if c.startswith(FORMULA_START)]
    assert safe["user"].iloc[0] == "'" + FORMULA and safe["user"].iloc[-1] == "amal"
    assert safe["n"].tolist() == [1, -2, 3, 4, 5, 6, 7]  # numbers are not text: left alone
    assert frame["user"].iloc[0] == FORMULA  # the caller's frame is not changed


def test_inert_leaves_no_material_icon_shortcode() -> None:
    """':material/NAME:' makes the browser fetch Google's icon font; stored text never draws one."""
    for text in (":material/lock:", "Douma :MATERIAL/warning: x", "a:material/b:"):
        escaped = inert(text)
        assert ":material/" not in escaped.lower()
        assert escaped.replace(JOINER, "") == text
