"""The Data page sends one page of an import's issues, and the Import page the first rejected rows,
not the whole table (issue 13, item 8)."""

from __future__ import annotations

from pathlib import Path

from tests.dashboard.seed import Store, import_csv
from tests.dashboard.test_import_page import _import_page, _upload
from tests.dashboard.test_pages import DATA_PAGE, _app, _text

HEADER = "date,place,admin1,organisations,trucks,people_served,outcome,convoy_id,notes\n"


def test_data_page_pages_through_a_long_issue_list(empty_store: Store, tmp_path: Path) -> None:
    rows = [
        f"2018-03-{1 + n % 28:02d},,Rural Damascus,SARC,4,1000,delivered,C-{n},{'x' * 2_000}"
        for n in range(450)
    ]
    rows.append("2018-03-05,Douma,Rural Damascus,SARC,4,1000,delivered,C-ok,")
    summary = import_csv(tmp_path, "convoys.csv", HEADER + "\n".join(rows) + "\n", empty_store.url)
    assert summary.rejected == 450

    at = _app()
    at.switch_page(DATA_PAGE).run()
    assert not at.exception
    issues = at.dataframe[1].value
    assert len(issues) == 200 and list(issues["row"][:2]) == [2, 3]  # the first page only
    assert "Issues 1 to 200 of 450; the download holds them all." in _text(at)
    assert "**450** rejected" in _text(at)

    at.number_input(key="data_issues_page").set_value(3).run()
    assert not at.exception
    last = at.dataframe[1].value
    assert len(last) == 50 and list(last["row"])[-1] == 451
    assert "Issues 401 to 450 of 450" in _text(at)


def test_import_page_shows_the_first_thousand_rejects(empty_store: Store) -> None:
    rows = [f"2018-03-{1 + n % 28:02d},,Rural Damascus,SARC,4,1000,delivered,C-{n}," for n in range(1_050)]
    at = _upload(_import_page(), "convoys.csv", (HEADER + "\n".join(rows) + "\n").encode())
    assert "1,050 row(s) rejected" in at.warning[0].value
    assert len(at.dataframe[0].value) == 1_000
    assert any("The first 1,000 of 1,050 rejected rows" in c.value for c in at.caption)
