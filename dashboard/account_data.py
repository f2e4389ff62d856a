"""The Audit and users page's data: the audit log and the accounts (admins only, checked again in
db.auth). Not cached: an admin expects to see a change the moment it is made."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.session import require_actor
from db.engine import database_url


def audit_events(
    user: str | None = None,
    action: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Audit lines, newest first: id, at, user, action, target, details (db.auth.audit_events)."""
    from db import auth

    return auth.audit_events(
        require_actor(), user=user, action=action, start=start, end=end, url=database_url()
    )


def users() -> pd.DataFrame:
    """Every account: name, role, disabled, created_at, last_login."""
    from db import auth

    return auth.list_users(require_actor(), database_url())


def add_user(name: str, password: str, role: str) -> None:
    from db import auth

    auth.add_user(name, password, role, actor=require_actor(), url=database_url())


def set_role(name: str, role: str) -> bool:
    from db import auth

    return auth.set_role(name, role, actor=require_actor(), url=database_url())


def disable_user(name: str) -> bool:
    from db import auth

    return auth.disable_user(name, actor=require_actor(), url=database_url())


def enable_user(name: str) -> bool:
    from db import auth

    return auth.enable_user(name, actor=require_actor(), url=database_url())


def reset_password(name: str, password: str) -> None:
    from db import auth

    auth.reset_password(name, password, actor=require_actor(), url=database_url())
