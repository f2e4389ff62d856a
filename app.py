"""Access Monitor in the browser: ``streamlit run app.py`` (``make run`` also loads the demo data).

Page config, the store brought to the current schema, the login gate (dashboard.session: single-user
mode or a logged-in account), then navigation over the pages the user's role may use.
Plain-text titles only: icon names would make the browser fetch an icon font.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.data import store_label
from dashboard.session import gate
from db.migrate import upgrade

PAGES = Path(__file__).resolve().parent / "dashboard" / "pages"

st.set_page_config(page_title="Access Monitor", layout="wide")

try:
    upgrade()
except Exception as exc:  # any failure here means no usable store: say which and stop
    st.error(
        f"Could not open or upgrade the store at {store_label()}: {exc}\n\n"
        "Check DATABASE_URL (or that data/ is writable), then reload this page."
    )
    st.stop()

# (file, title, url path): the pages in menu order. A page file not written yet is left out, so
# the menu only ever offers pages that exist.
PAGE_LIST = [
    ("overview.py", "Overview", "overview"),
    ("convoys.py", "Convoys", "convoys"),
    ("besieged.py", "Besieged populations", "besieged"),
    ("tolls.py", "Civilian tolls", "tolls"),
    ("map.py", "Map", "map"),
    ("review.py", "Review", "review"),
    ("documents.py", "Documents", "documents"),
    ("report.py", "Weekly report", "report"),
    ("import.py", "Import", "import"),
    ("data.py", "Data", "data"),
    ("audit.py", "Audit and users", "audit"),
]
# Pages shown only to roles that may use them (the functions behind them refuse anyway).
PAGE_ACTION = {"import.py": "import", "review.py": "review", "audit.py": "audit"}

actor = gate()  # the login page and a stop when a login is needed

navigation = st.navigation(
    [
        st.Page(PAGES / file, title=title, url_path=path, default=(file == "overview.py"))
        for file, title, path in PAGE_LIST
        if (PAGES / file).exists() and actor.may(PAGE_ACTION.get(file, "read"))
    ]
)
navigation.run()
