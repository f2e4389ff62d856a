"""Error details (issue 13 item 15): a page that fails shows users a generic message, never the
exception's text nor a traceback with the server's paths; the traceback goes to the server's log."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.config import ShowErrorDetailsConfigOptions
from streamlit.testing.v1 import AppTest

from tests.dashboard.seed import ROOT

SETTINGS = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
SECRET = "could not open /srv/access-monitor/data/access_monitor.db"


def test_the_config_hides_error_details_and_logs_them() -> None:
    assert SETTINGS["client"]["showErrorDetails"] == ShowErrorDetailsConfigOptions.NONE.value == "none"
    assert SETTINGS["logger"]["enableRich"] is False


@pytest.fixture
def project_settings() -> Iterator[None]:
    """The project's settings, whatever directory pytest runs from (AppTest reads the working one)."""
    before = {k: config.get_option(k) for k in ("client.showErrorDetails", "logger.enableRich")}
    config.set_option("client.showErrorDetails", SETTINGS["client"]["showErrorDetails"])
    config.set_option("logger.enableRich", SETTINGS["logger"]["enableRich"])
    yield
    for key, value in before.items():
        config.set_option(key, value)


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_failing_page_shows_no_details_and_logs_the_traceback(
    project_settings: None, tmp_path: Path
) -> None:
    page = tmp_path / "failing_page.py"
    page.write_text(f"import streamlit as st\nst.title('Before')\nraise RuntimeError({SECRET!r})\n")
    lines = Lines()
    logger = logging.getLogger("streamlit.error_util")
    logger.addHandler(lines)
    try:
        at = AppTest.from_file(str(page)).run()
    finally:
        logger.removeHandler(lines)
    shown = " ".join(f"{e.value} {e.proto.message} {' '.join(e.proto.stack_trace)}" for e in at.exception)
    assert at.exception and "redacted" in shown
    assert SECRET not in shown and "RuntimeError" not in shown and str(tmp_path) not in shown
    logged = [r for r in lines.records if r.exc_info and SECRET in str(r.exc_info[1])]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
