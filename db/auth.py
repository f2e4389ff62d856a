"""Accounts, roles and the audit log: who may do what, and the record of what they did.

An ``Actor`` (a name and a role) is passed to every write and export function, which calls
``require(actor, action)`` before doing anything: the checks live in the functions, not only in
hidden buttons. Roles are cumulative (an editor may do what a viewer may, an admin what an editor
may); ``MIN_ROLE`` is the one table saying which role an action needs.

``audit(conn, actor, ...)`` writes one line *inside* the caller's transaction, so a rolled-back
import leaves no audit line and a committed one always has it. Failed logins are the exception:
they are committed on their own, since the login they record never happens. There is no function
to change or delete audit lines, and the database refuses it too (triggers of migration 0004).

Passwords: db.passwords holds the policy (length, common passwords, not the name) and argon2id
hashing with a bounded number of parallel verifications; only the hash is stored, and an unknown
name costs a verification against a dummy hash, so timing does not tell which names have accounts.
Logins are throttled per name and per client, and repeated failures collapse into one audit line
per name and window (db.throttle, shared through the store).
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, update

from db import passwords, throttle
from db.engine import read_engine
from db.migrate import upgrade
from db.models import AuditEvent, User

if TYPE_CHECKING:  # pandas is imported where a table is made: an import's writer runs without it
    import pandas as pd

ROLES = ("viewer", "editor", "admin")
# The lowest role allowed each action. Reads and public exports: everyone; imports, review, edits,
# merges and internal exports (pending facts, exact coordinates): editors; the rest: admins.
MIN_ROLE: dict[str, str] = {
    "read": "viewer", "export_public": "viewer",
    "read_pending": "editor", "import": "editor", "review": "editor", "edit": "editor", "merge": "editor", "export_internal": "editor",
    "merge_verified": "admin",
    "users": "admin", "audit": "admin", "delete": "admin", "settings": "admin", "backup": "admin",
    "restore": "admin",
}  # fmt: skip
# How a refusal names each action: "viewer 'amal' may not import files".
ACTION_WORDS = {
    "read": "read the store", "export_public": "export the public report",
    "read_pending": "see pending (unreviewed) facts", "import": "import files",
    "review": "review facts", "edit": "edit facts", "merge": "merge places",
    "merge_verified": "merge or unmerge verified (gazetteer) places",
    "export_internal": "export the internal report (pending facts, exact coordinates)",
    "users": "manage accounts", "audit": "read the audit log", "delete": "delete data",
    "settings": "change settings", "backup": "back up the store", "restore": "restore the store",
}  # fmt: skip
AUDIT_ACTIONS = ("login", "login_failed", "logout", "import", "review", "edit", "merge", "unmerge", "export", "user_add",
                 "role_change", "user_disable", "user_enable", "password_change", "password_reset", "backup",
                 "restore")  # fmt: skip
MIN_PASSWORD = passwords.MIN_PASSWORD
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


class PermissionDenied(PermissionError):
    """An actor tried something their role does not allow; the message names the role they need."""


class AuthError(ValueError):
    """A login or account request that cannot be carried out; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: an account's name and role, or the local admin of single-user mode."""

    name: str
    role: str

    def __post_init__(self) -> None:
        name = " ".join(str(self.name).split())[:200]
        if not name:
            raise ValueError("an actor needs a name: say who is acting")
        if self.role not in ROLES:
            raise ValueError(f"role '{self.role}' is not a role; use one of: {', '.join(ROLES)}")
        object.__setattr__(self, "name", name)

    def may(self, action: str) -> bool:
        """Whether this actor's role allows ``action`` (a key of MIN_ROLE)."""
        return ROLES.index(self.role) >= ROLES.index(_min_role(action))


def _min_role(action: str) -> str:
    if action not in MIN_ROLE:
        raise ValueError(f"unknown action '{action}'; actions are: {', '.join(MIN_ROLE)}")
    return MIN_ROLE[action]


def require(actor: Actor, action: str) -> None:
    """Raise PermissionDenied unless ``actor`` may do ``action``. Call it before any work."""
    if not isinstance(actor, Actor):
        raise PermissionDenied(f"{ACTION_WORDS.get(action, action)}: no actor given; log in first")
    if not actor.may(action):
        needed = _min_role(action)
        raise PermissionDenied(
            f"{actor.role} '{actor.name}' may not {ACTION_WORDS[action]}; ask an admin for the {needed} role"
        )


def report_action(variant: str) -> str:
    """The permission a weekly-report variant needs: 'export_public' or 'export_internal'."""
    return "export_internal" if variant == "internal" else "export_public"


def os_user() -> str:
    """The machine's login name ('local' when the system has none for this process)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "local"


def local_actor(name: str | None = None, role: str = "admin") -> Actor:
    """Single-user mode's actor (no accounts in the store), named after the OS login: the dashboard's
    is an editor unless the opt-in says admin; the CLI's is an admin (dashboard.session, commands.common)."""
    return Actor(name or os_user(), role)


def local_admin(name: str | None = None) -> Actor:
    return local_actor(name, "admin")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ---- the audit log ------------------------------------------------------------------------------


def audit(
    conn: Connection,
    actor: Actor | str,
    action: str,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit line on ``conn``, inside the caller's transaction (see the module docstring)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action '{action}'; use one of: {', '.join(AUDIT_ACTIONS)}")
    name = actor.name if isinstance(actor, Actor) else str(actor)[:200]
    conn.execute(
        insert(AuditEvent).values(
            at=_utcnow(), user=name, action=action, target=None if target is None else str(target)[:500],
            details=details,
        )
    )  # fmt: skip


def audit_events(
    actor: Actor,
    *,
    user: str | None = None,
    action: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 5000,
    url: str | None = None,
) -> pd.DataFrame:
    """Audit lines, newest first, filtered by user, action and dates (inclusive, UTC). Admins only.
    DataFrame with columns id, at (datetime), user, action, target, details (dict or None)."""
    require(actor, "audit")
    with upgrade(url).begin() as conn:  # failed logins counted in windows that have closed
        throttle.flush_due(conn, throttle.clock(), _audit_failure)
    query = select(AuditEvent.id, AuditEvent.at, AuditEvent.user.label("user"), AuditEvent.action,
                   AuditEvent.target, AuditEvent.details)  # fmt: skip
    if user:
        query = query.where(AuditEvent.user == user)
    if action:
        query = query.where(AuditEvent.action == action)
    if start:
        query = query.where(AuditEvent.at >= dt.datetime.combine(start, dt.time()))
    if end:
        query = query.where(AuditEvent.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    query = query.order_by(AuditEvent.id.desc()).limit(limit)
    with read_engine(url).connect() as conn:
        rows = conn.execute(query).mappings().all()
    import pandas as pd

    return pd.DataFrame(rows, columns=["id", "at", "user", "action", "target", "details"])


# ---- accounts -----------------------------------------------------------------------------------


def hash_password(password: str, name: str | None = None) -> str:
    """An argon2id hash ('$argon2id$...') of a password that meets the policy for account ``name``
    (db.passwords.problem); raises AuthError saying what is wrong with it otherwise."""
    problem = passwords.problem(password, name)
    if problem:
        raise AuthError(problem)
    try:
        return passwords.hash_password(password)
    except passwords.Busy as exc:
        raise AuthError(str(exc)) from None


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.fullmatch(name):
        raise AuthError(
            f"'{name}' is not a usable account name: 1 to 100 letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit"
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"role '{role}' is not a role; use one of: {', '.join(ROLES)}")
    return role


def account_count(url: str | None = None) -> int:
    """How many accounts the store holds (disabled ones included): 0 means single-user mode."""
    upgrade(url)
    with read_engine(url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(User)).scalar_one())


def add_user(name: str, password: str, role: str, *, actor: Actor, url: str | None = None) -> None:
    """Create an account. Admins only (in single-user mode: the local admin, to create the first)."""
    require(actor, "users")
    name, role = _check_name(name), _check_role(role)
    hashed = hash_password(password, name)
    with upgrade(url).begin() as conn:
        if conn.execute(select(User.id).where(User.name == name)).first() is not None:
            raise AuthError(f"there is already an account called '{name}'; choose another name")
        conn.execute(insert(User).values(name=name, password_hash=hashed, role=role, disabled=False,
                                         created_at=_utcnow()))  # fmt: skip
        audit(conn, actor, "user_add", name, {"role": role})


def list_users(actor: Actor, url: str | None = None) -> pd.DataFrame:
    """Every account, by name: name, role, disabled, created_at, last_login. Admins only."""
    require(actor, "users")
    upgrade(url)
    query = select(User.name, User.role, User.disabled, User.created_at, User.last_login).order_by(User.name)
    with read_engine(url).connect() as conn:
        rows = conn.execute(query).mappings().all()
    import pandas as pd

    return pd.DataFrame(rows, columns=["name", "role", "disabled", "created_at", "last_login"])


def _account(conn: Connection, name: str) -> Any:
    row = conn.execute(select(User.__table__).where(User.name == name)).mappings().one_or_none()
    if row is None:
        raise AuthError(f"there is no account called '{name}'; see `python -m cli users list`")
    return row


def _other_admins(conn: Connection, name: str) -> int:
    query = select(func.count()).where(User.role == "admin", User.disabled.is_(False), User.name != name)
    return int(conn.execute(query).scalar_one())


def set_role(name: str, role: str, *, actor: Actor, url: str | None = None) -> bool:
    """Give account ``name`` another role; False when it had it already. Admins only."""
    require(actor, "users")
    role = _check_role(role)
    with upgrade(url).begin() as conn:
        account = _account(conn, name)
        if account["role"] == role:
            return False
        if account["role"] == "admin" and not account["disabled"] and not _other_admins(conn, name):
            raise AuthError(f"'{name}' is the last admin; make another account admin first")
        conn.execute(update(User).where(User.name == name).values(role=role))
        audit(conn, actor, "role_change", name, {"from": account["role"], "to": role})
    return True


def disable_user(name: str, *, actor: Actor, url: str | None = None) -> bool:
    """Stop account ``name`` from logging in (it stays, for the audit log); False when it was already
    disabled. Admins only; the last enabled admin cannot be disabled."""
    require(actor, "users")
    with upgrade(url).begin() as conn:
        account = _account(conn, name)
        if account["disabled"]:
            return False
        if account["role"] == "admin" and not _other_admins(conn, name):
            raise AuthError(f"'{name}' is the last admin; make another account admin first")
        conn.execute(update(User).where(User.name == name).values(disabled=True))
        audit(conn, actor, "user_disable", name, {"role": account["role"]})
    return True


def enable_user(name: str, *, actor: Actor, url: str | None = None) -> bool:
    """Let disabled account ``name`` log in again (and forget its failed logins); False when it was
    enabled already. Admins only."""
    require(actor, "users")
    with upgrade(url).begin() as conn:
        account = _account(conn, name)
        if not account["disabled"]:
            return False
        conn.execute(update(User).where(User.name == name).values(disabled=False))
        throttle.clear(conn, name, _audit_failure)
        audit(conn, actor, "user_enable", name, {"role": account["role"]})
    return True


def reset_password(name: str, password: str, *, actor: Actor, url: str | None = None) -> None:
    """Give account ``name`` a new password (the policy applies) and lift its login lock; for a user
    who forgot theirs. Admins only; the audit line names who reset whose password, never the password."""
    require(actor, "users")
    hashed = hash_password(password, name)
    with upgrade(url).begin() as conn:
        _account(conn, name)
        conn.execute(update(User).where(User.name == name).values(password_hash=hashed))
        throttle.clear(conn, name, _audit_failure)
        audit(conn, actor, "password_reset", name)


def change_password(
    name: str, old: str, new: str, *, client: str | None = None, url: str | None = None
) -> None:
    """A user changes their own password: the old one is checked like a login (throttled, failures
    audited), the new one must meet the policy and differ from the old."""
    problem = passwords.problem(new, name)
    if problem:
        raise AuthError(problem)
    if new == old:
        raise AuthError("the new password is the old one: choose another")
    row = _checked_account(name, old, client=client, url=url)
    hashed = hash_password(new, row["name"])
    with upgrade(url).begin() as conn:
        throttle.succeeded(conn, row["name"], client, _audit_failure)
        conn.execute(update(User).where(User.id == row["id"]).values(password_hash=hashed))
        audit(conn, row["name"], "password_change", row["name"])


def authenticate(name: str, password: str, *, client: str | None = None, url: str | None = None) -> Actor:
    """The actor of a correct name and password; raises AuthError otherwise (the same message for an
    unknown name and a wrong password; a lock says until when). ``client`` identifies where the
    attempt comes from (a browser's address, ``os:<login>`` for the CLI) for db.throttle."""
    row = _checked_account(name, password, client=client, url=url)
    actor = Actor(row["name"], row["role"])
    values: dict[str, Any] = {"last_login": _utcnow()}
    if passwords.needs_rehash(row["password_hash"]):
        values["password_hash"] = passwords.hash_password(password)
    with upgrade(url).begin() as conn:
        throttle.succeeded(conn, actor.name, client, _audit_failure)
        conn.execute(update(User).where(User.id == row["id"]).values(**values))
        audit(conn, actor, "login", actor.name)
    return actor


def _checked_account(name: str, password: str, *, client: str | None, url: str | None) -> Any:
    """The enabled account whose password is ``password``, through the throttle (db.throttle); every
    failure is counted and audited in a transaction of its own before AuthError is raised."""
    engine = upgrade(url)
    name = (name or "").strip()[:100]
    now = throttle.clock()
    with engine.begin() as conn:
        throttle.flush_due(conn, now, _audit_failure)
        refusal = throttle.begin_attempt(conn, name, client, now)
        if refusal is not None:
            throttle.failed(conn, name, "locked", now, _audit_failure)
    if refusal is not None:
        raise AuthError(refusal.message(name or "(no name)", now))
    with read_engine(url).connect() as conn:
        row = conn.execute(select(User.__table__).where(User.name == name)).mappings().one_or_none()
    try:  # an unknown name costs a check against a dummy hash: timing tells no names
        matches = passwords.verify(
            passwords.dummy_hash() if row is None else row["password_hash"], password or ""
        )
    except passwords.Busy as exc:
        raise AuthError(str(exc)) from None
    reason = ("unknown user" if row is None else "wrong password" if not matches
              else "disabled" if row["disabled"] else None)  # fmt: skip
    if reason is None:
        return row
    with engine.begin() as conn:
        throttle.failed(conn, name, reason, throttle.clock(), _audit_failure)
    if reason == "disabled":
        raise AuthError(f"the account '{name}' is disabled; ask an admin to enable it")
    raise AuthError("unknown user or wrong password")


def _audit_failure(conn: Connection, name: str, details: dict[str, Any]) -> None:
    """db.throttle's audit writer: one login_failed line (a single failure or a collapsed count)."""
    audit(conn, name or "(no name)", "login_failed", name or None, details)


def current_role(name: str, url: str | None = None, stamp: str | None = None) -> str | None:
    """The role of enabled account ``name`` now, or None when it is disabled or gone, or when ``stamp``
    (a session's password_stamp) no longer matches: a session of the dashboard re-reads it on every
    page, so role changes, disabling and a password change or reset apply at once."""
    upgrade(url)
    query = select(User.role, User.disabled, User.password_hash).where(User.name == name)
    with read_engine(url).connect() as conn:
        row = conn.execute(query).one_or_none()
    if row is None or row.disabled or (stamp is not None and stamp != passwords.stamp(row.password_hash)):
        return None
    return str(row.role)


def password_stamp(name: str, url: str | None = None) -> str | None:
    """A fingerprint of account ``name``'s current password hash, kept in a session (see current_role)."""
    with read_engine(url).connect() as conn:
        hashed = conn.execute(select(User.password_hash).where(User.name == name)).scalar_one_or_none()
    return None if hashed is None else passwords.stamp(hashed)


def logout(actor: Actor, url: str | None = None) -> None:
    """Record a logout (the session itself lives in the dashboard)."""
    with upgrade(url).begin() as conn:
        audit(conn, actor, "logout", actor.name)
