"""Who is using the dashboard: single-user mode or a logged-in account, with an expiring session.

Single-user mode (nobody logs in; the pages act as a local actor named after the OS login) needs
all of: no account in the store; the explicit opt-in ``ACCESS_MONITOR_SINGLE_USER=editor`` (or
``admin``; ``make run`` sets editor); the server bound to loopback (``server.address`` parsed with
``ipaddress``, or ``localhost``); and a request that names this machine: its Host header exactly
``localhost``, ``127.0.0.1`` or ``[::1]`` with the served port, and no forwarding header. A web
page using DNS rebinding (``evil.example`` resolved to 127.0.0.1), a reverse proxy or a tunnel
therefore gets the login page, not a free account. The local actor is an editor unless the opt-in
says admin. Otherwise a login is required; with no account yet, the login page says how to create
the first admin.

The session (actor and expiry) lives in ``st.session_state``; its role is re-read from the store on
every run of app.py, so a role change or a disabled account applies at once. ``gate`` (called by
app.py before the navigation) shows the login form instead of the app.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from typing import Any

import streamlit as st

from dashboard.inert import inert
from db import auth
from db.auth import Actor, AuthError
from db.engine import database_url

SESSION_KEY = "auth_session"
SESSION_ENV = "ACCESS_MONITOR_SESSION_MINUTES"
DEFAULT_SESSION_MINUTES = 480
SINGLE_USER_ENV = "ACCESS_MONITOR_SINGLE_USER"
SINGLE_USER_ROLES = ("editor", "admin")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Headers a proxy adds: a request carrying one did not come straight from a browser on this machine.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")
SINGLE_USER_NOTE = "single-user mode: no accounts, local only"


def session_minutes() -> int:
    """How long a login lasts: $ACCESS_MONITOR_SESSION_MINUTES, default 480 (a working day)."""
    raw = os.environ.get(SESSION_ENV, "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_SESSION_MINUTES


def server_address() -> str | None:
    """The address the server listens on (``server.address``); None or '' means every interface."""
    value = st.get_option("server.address")
    return str(value) if value else None


def server_port() -> int:
    return int(st.get_option("server.port"))


def is_loopback(address: str | None) -> bool:
    """Whether a bind address is this machine only: 'localhost' or a loopback IP (127.0.0.0/8, ::1),
    parsed as an address: '127.evil.example' is a name like any other, not loopback."""
    text = str(address or "").strip()
    if text.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(text.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def request_headers() -> list[tuple[str, str]]:
    """The headers of the browser's request (every value of a repeated header); none outside a request."""
    headers = st.context.headers
    return [(key, value) for key in headers for value in headers.get_all(key)]


def single_user_role(
    opt_in: str | None, address: str | None, port: int, headers: Iterable[tuple[str, str]]
) -> tuple[str | None, str]:
    """Single-user mode's role for this request ('editor' or 'admin'), or None and why not (a
    sentence for the login page; it never repeats the request's own values). Pure: see the module
    docstring for the rules; the store's accounts are checked by the caller."""
    choice = (opt_in or "").strip().lower()
    if not choice:
        return None, f"single-user mode is off ({SINGLE_USER_ENV} is not set)"
    if choice not in SINGLE_USER_ROLES:
        return None, f"{SINGLE_USER_ENV} must be editor or admin"
    if not is_loopback(address):
        return (
            None,
            f"the server listens beyond this computer (server.address is {address or 'every interface'})",
        )
    pairs = [(key.strip().lower(), value.strip().lower()) for key, value in headers]
    if any(key in FORWARDING_HEADERS for key, _ in pairs):
        return None, "the request came through a proxy (it carries a forwarding header)"
    hosts = [value for key, value in pairs if key == "host"]
    if len(hosts) != 1 or hosts[0] not in {f"{host}:{port}" for host in LOCAL_HOSTS}:
        return None, f"the page was not opened as http://localhost:{port} (or 127.0.0.1, [::1])"
    return choice, SINGLE_USER_NOTE


def single_user() -> tuple[str | None, str]:
    """single_user_role for the current request and server settings."""
    return single_user_role(
        os.environ.get(SINGLE_USER_ENV), server_address(), server_port(), request_headers()
    )


def login_required() -> bool:
    """True once the store holds an account, or when this request may not use single-user mode."""
    return auth.account_count(database_url()) > 0 or single_user()[0] is None


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
    role = auth.current_role(str(session["name"]), database_url(), stamp=session.get("stamp"))
    if role is None:  # disabled, removed or given another password since the login
        st.session_state.pop(SESSION_KEY, None)
        return None
    session["role"] = role
    return Actor(str(session["name"]), role)


def current_actor() -> Actor | None:
    """Who is acting now: the local actor in single-user mode, else the logged-in (unexpired) actor."""
    if auth.account_count(database_url()) == 0:
        role = single_user()[0]
        if role is not None:
            return auth.local_actor(os.environ.get("ACCESS_MONITOR_USER"), role)
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
        actor = auth.authenticate(name, password, client=st.context.ip_address, url=database_url())
    except AuthError as exc:
        st.session_state["login_error"] = str(exc)
        return
    st.session_state.pop("login_error", None)
    st.session_state.pop("auth_expired", None)
    start_session(actor)["stamp"] = auth.password_stamp(actor.name, database_url())


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
            f"The store has no accounts yet, so nobody can log in, and {single_user()[1]}. Create the first "
            "admin on the server with `python -m cli users add NAME --role admin`. For one person on this "
            f"computer only, start the app with {SINGLE_USER_ENV}=editor (or admin), as `make run` does, and "
            f"open http://localhost:{server_port()}."
        )  # fmt: skip
    with st.form("login_form"):
        st.text_input("User name", key="login_name")
        st.text_input("Password", type="password", key="login_password")
        st.form_submit_button("Log in", type="primary", on_click=_log_in)
    if "login_error" in st.session_state:
        st.error(f"Not logged in: {inert(st.session_state['login_error'])}")


def sidebar(actor: Actor) -> None:
    """Who is using the app (and a logout button), or that it runs in single-user mode."""
    with st.sidebar:
        if not login_required():
            st.caption(f"{inert(actor.name)} ({actor.role}): {SINGLE_USER_NOTE}")
            return
        session = st.session_state.get(SESSION_KEY) or {}
        until = session.get("expires")
        st.caption(f"Logged in as **{inert(actor.name)}** ({actor.role})"
                   + (f", until {until:%H:%M} UTC" if until else ""))  # fmt: skip
        st.button("Log out", key="auth_logout", on_click=_log_out)
        password_form()


def _change_password() -> None:
    """The password form's callback: check the old password (throttled like a login), set the new one."""
    actor = _session_actor()
    old, new, again = (str(st.session_state.get(f"auth_pw_{k}", "")) for k in ("old", "new", "again"))
    for key in ("old", "new", "again"):
        st.session_state[f"auth_pw_{key}"] = ""
    if actor is None:
        return
    if new != again:
        st.session_state["auth_pw_result"] = ("error", "The two new passwords differ; nothing was changed.")
        return
    try:
        auth.change_password(actor.name, old, new, client=st.context.ip_address, url=database_url())
    except AuthError as exc:
        st.session_state["auth_pw_result"] = ("error", f"Password not changed: {exc}")
        return
    session = st.session_state.get(SESSION_KEY)
    if isinstance(session, dict):  # this session goes on; the user's other sessions end
        session["stamp"] = auth.password_stamp(actor.name, database_url())
    st.session_state["auth_pw_result"] = ("success", "Password changed; use it at your next login.")


def password_form() -> None:
    """Change one's own password (sidebar): the old one, the new one twice."""
    result = st.session_state.pop("auth_pw_result", None)
    with st.expander("Change password", expanded=result is not None):
        if result is not None:
            (st.error if result[0] == "error" else st.success)(inert(result[1]))
        with st.form("auth_password_form"):
            st.text_input("Current password", type="password", key="auth_pw_old")
            st.text_input(f"New password ({auth.MIN_PASSWORD} characters or more)", type="password",
                          key="auth_pw_new")  # fmt: skip
            st.text_input("New password again", type="password", key="auth_pw_again")
            st.form_submit_button("Change password", on_click=_change_password)


def gate() -> Actor:
    """app.py's gate: the current actor (with the sidebar note), or the login page and a stop."""
    actor = current_actor()
    if actor is None:
        login_page()
        st.stop()
    sidebar(actor)  # type: ignore[arg-type]  # st.stop() does not return
    return actor  # type: ignore[return-value]
