"""Audit and users (admins): read and filter the audit log; add accounts, change roles, disable and
enable them, reset a forgotten password."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import account_data, data
from dashboard.cells import safe_table
from dashboard.inert import inert
from dashboard.session import require_actor
from db.auth import AUDIT_ACTIONS, MIN_PASSWORD, ROLES, AuthError, PermissionDenied

FLASH = "audit_flash"


def show_flash() -> None:
    if FLASH in st.session_state:
        level, message = st.session_state.pop(FLASH)
        (st.error if level == "error" else st.success)(inert(message))  # quotes account names


def _run(action: str, call: object, *args: object) -> None:
    """Run an account change and keep its outcome for the next run (refusals as errors)."""
    try:
        result = call(*args)  # type: ignore[operator]
    except (AuthError, PermissionDenied, ValueError) as exc:
        st.session_state[FLASH] = ("error", f"{action}: {exc}")
        return
    st.session_state[FLASH] = (
        "success",
        f"{action}: done." if result is not False else f"{action}: nothing to change.",
    )


def show_log() -> None:
    st.subheader("Audit log")
    left, middle, right = st.columns([1, 1, 2])
    user = left.text_input("User", key="audit_user", placeholder="every user").strip() or None
    action = middle.selectbox(
        "Action", AUDIT_ACTIONS, index=None, key="audit_action", placeholder="every action"
    )
    today = dt.datetime.now(dt.UTC).date()
    dates = right.date_input("Dates (UTC)", (today - dt.timedelta(days=30), today), key="audit_dates",
                             format="YYYY-MM-DD")  # fmt: skip
    chosen = tuple(dates) if isinstance(dates, tuple | list) else (dates,)
    start, end = (chosen[0], chosen[-1]) if chosen else (None, None)
    events = account_data.audit_events(user, action, start, end)
    where = ", ".join(x for x in (f"by {user}" if user else "", action or "") if x) or "every user and action"
    st.caption(
        inert(f"{len(events):,} line(s), newest first: {where}, {start} to {end}. The log is append-only.")
    )
    shown = events.assign(details=events["details"].map(lambda d: "" if d is None else str(d)))
    st.dataframe(safe_table(shown), hide_index=True, width="stretch")  # failed-login names are anyone's text
    st.download_button("Download as CSV", data.csv_bytes(shown), file_name="audit-log.csv", mime="text/csv",
                       key="audit_download")  # fmt: skip


def show_users() -> None:
    st.subheader("Accounts")
    accounts = account_data.users()
    if accounts.empty:
        st.caption(
            "No accounts: the app runs in single-user mode (opted in with ACCESS_MONITOR_SINGLE_USER). "
            "The first account you add should be an admin: from then on everyone logs in."
        )
    else:
        st.dataframe(safe_table(accounts), hide_index=True, width="stretch")
    with st.form("audit_add_user", clear_on_submit=True):
        st.markdown("**Add an account**")
        cols = st.columns(3)
        name = cols[0].text_input("Name", key="audit_new_name")
        password = cols[1].text_input(
            f"Password ({MIN_PASSWORD} characters or more)", type="password", key="audit_new_password"
        )
        role = cols[2].selectbox("Role", ROLES, key="audit_new_role")
        if st.form_submit_button("Add account"):
            _run(f"Add '{name}'", account_data.add_user, name, password, role)
            st.rerun()
    names = list(accounts["name"]) if not accounts.empty else []
    if not names:
        return
    left, right = st.columns(2)
    with left.form("audit_set_role"):
        who = st.selectbox("Account", names, key="audit_role_name")
        new_role = st.selectbox("New role", ROLES, key="audit_role_role")
        if st.form_submit_button("Change role"):
            _run(f"Role of '{who}'", account_data.set_role, who, new_role)
            st.rerun()
    with right.form("audit_disable"):
        gone = st.selectbox("Account", names, key="audit_disable_name")
        if st.form_submit_button("Disable (can no longer log in)"):
            _run(f"Disable '{gone}'", account_data.disable_user, gone)
            st.rerun()
    show_recovery(names, sorted(accounts.loc[accounts["disabled"].astype(bool), "name"]))


def show_recovery(names: list[str], disabled: list[str]) -> None:
    """Reset a forgotten password (it also lifts a login lock) and enable a disabled account again."""
    left, right = st.columns(2)
    with left.form("audit_reset", clear_on_submit=True):
        who = st.selectbox("Account", names, key="audit_reset_name")
        password = st.text_input(
            f"New password ({MIN_PASSWORD} characters or more); tell it to the user", type="password",
            key="audit_reset_password",
        )  # fmt: skip
        if st.form_submit_button("Reset password"):
            _run(f"New password for '{who}'", account_data.reset_password, who, password)
            st.rerun()
    with right.form("audit_enable"):
        back = st.selectbox(
            "Disabled account", disabled, key="audit_enable_name", placeholder="none disabled"
        )
        if st.form_submit_button("Enable (may log in again)", disabled=not disabled):
            _run(f"Enable '{back}'", account_data.enable_user, back)
            st.rerun()


st.title("Audit and users")
actor = require_actor()
if not actor.may("audit"):
    st.info(f"The audit log and accounts are for admins; {inert(actor.name)} is a {actor.role}.")
    st.stop()
show_flash()
show_users()
show_log()
st.caption(f"Store: {inert(data.store_label())}")
