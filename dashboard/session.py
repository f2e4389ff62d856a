"""Who is using the dashboard: single-user mode or a logged-in account, with an expiring session.

Single-user mode: with no account in the store and the server bound to loopback (127.0.0.1,
localhost, ::1; see .streamlit/config.toml), nobody logs in and every page acts as a local admin
named after the OS login. As soon as an account exists, or the server listens beyond loopback, a
login is required. The session (actor and expiry) lives in ``st.session_state``; its role is
re-read from the store on every run of app.py, so a role change or a disabled account applies at
once. ``gate`` (called by app.py before the navigation) shows the login form instead of the app.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import streamlit as st

from db import auth
from db.auth import Actor, AuthError
from db.engine import database_url

SESSION_KEY = "auth_session"
SESSION_ENV = "ACCESS_MONITOR_SESSION_MINUTES"
DEFAULT_SESSION_MINUTES = 480
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SINGLE_USER_NOTE = "single-user mode: no accounts, local only"


def session_minutes() -> int:
    """How long a login lasts: $ACCESS_MONITOR_SESSION_MINUTES, default 480 (a working day)."""
    raw = os.environ.get(SESSION_ENV, "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_SESSION_MINUTES


def server_address() -> str | None:
    """The address the server listens on (``server.address``); None or '' means every interface."""
    value = st.get_option("server.address")
    return str(value) if value else None


def is_loopback(address: str | None) -> bool:
    return bool(address) and (address in LOOPBACK or str(address).startswith("127."))


def login_required() -> bool:
    """True once the store holds an account, or when the server listens beyond this machine."""
    return auth.account_count(database_url()) > 0 or not is_loopback(server_address())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_session(actor: Actor, minutes: int | None = None) -> dict[str, Any]:
    """Log ``actor`` in for ``minutes`` (default: session_minutes()); returns the stored session."""
    session = {"name": actor.name, "role": actor.role,
               "expires": _now() + dt.timedelta(minutes=minutes or session_minutes())}  # fmt: skip
    st.session_state[SESSION_KEY] = session
    return session


def _session_actor() -> Actor | None:
    """The logged-in actor with the role the store gives it now; None when expired, disabled or absent."""
    session = st.session_state.get(SESSION_KEY)
    if not isinstance(session, dict):
        return None
    if session.get("expires") is None or session["expires"] <= _now():
        st.session_state.pop(SESSION_KEY, None)
        st.session_state["auth_expired"] = True
        return None
    role = auth.current_role(str(session["name"]), database_url())
    if role is None:  # disabled or removed since the login
        st.session_state.pop(SESSION_KEY, None)
        return None
    session["role"] = role
    return Actor(str(session["name"]), role)


def current_actor() -> Actor | None:
    """Who is acting now: the local admin in single-user mode, else the logged-in (unexpired) actor."""
    if not login_required():
        return auth.local_admin(os.environ.get("ACCESS_MONITOR_USER"))
    return _session_actor()


def require_actor() -> Actor:
    """The current actor, or a 'log in' message and a stopped page (a page opened without app.py)."""
    actor = current_actor()
    if actor is None:
        st.warning("Log in first: open the dashboard's main page.")
        st.stop()
    return actor  # type: ignore[return-value]  # st.stop() does not return


def may(action: str) -> bool:
    """Whether the current actor may ``action`` (a key of db.auth.MIN_ROLE); False when logged out."""
    actor = current_actor()
    return actor is not None and actor.may(action)


# ---- the login page and the sidebar ------------------------------------------------------------------


def _log_in() -> None:
    """The login form's callback: authenticate, then start the session (or say why not)."""
    name = str(st.session_state.get("login_name", ""))
    password = str(st.session_state.get("login_password", ""))
    st.session_state["login_password"] = ""
    try:
        actor = auth.authenticate(name, password, url=database_url())
    except AuthError as exc:
        st.session_state["login_error"] = str(exc)
        return
    st.session_state.pop("login_error", None)
    st.session_state.pop("auth_expired", None)
    start_session(actor)


def _log_out() -> None:
    actor = _session_actor()
    if actor is not None:
        auth.logout(actor, database_url())
    st.session_state.pop(SESSION_KEY, None)


def login_page() -> None:
    """The login form, shown instead of the app."""
    st.title("Access Monitor: log in")
    if st.session_state.pop("auth_expired", False):
        st.info("Your session expired: log in again.")
    if auth.account_count(database_url()) == 0:
        st.warning(
            f"This server listens beyond this computer (server.address is {server_address() or 'every interface'}) "
            "and the store has no accounts yet, so nobody can log in. Create the first admin with "
            "`python -m cli users add NAME --role admin`, or run the app on 127.0.0.1 for single-user mode."
        )  # fmt: skip
    with st.form("login_form"):
        st.text_input("User name", key="login_name")
        st.text_input("Password", type="password", key="login_password")
        st.form_submit_button("Log in", type="primary", on_click=_log_in)
    if "login_error" in st.session_state:
        st.error(f"Not logged in: {st.session_state['login_error']}")


def sidebar(actor: Actor) -> None:
    """Who is using the app (and a logout button), or that it runs in single-user mode."""
    with st.sidebar:
        if not login_required():
            st.caption(f"{actor.name}: {SINGLE_USER_NOTE}")
            return
        session = st.session_state.get(SESSION_KEY) or {}
        until = session.get("expires")
        st.caption(f"Logged in as **{actor.name}** ({actor.role})"
                   + (f", until {until:%H:%M} UTC" if until else ""))  # fmt: skip
        st.button("Log out", key="auth_logout", on_click=_log_out)


def gate() -> Actor:
    """app.py's gate: the current actor (with the sidebar note), or the login page and a stop."""
    actor = current_actor()
    if actor is None:
        login_page()
        st.stop()
    sidebar(actor)  # type: ignore[arg-type]  # st.stop() does not return
    return actor  # type: ignore[return-value]
