"""Login throttling and the collapsed audit of failed logins, shared through the store.

Every login attempt is counted per name (``name:amal``) and, when known, per client (the browser's
address, ``os:<login>`` for the CLI) in the ``login_throttle`` table (migration 0007), so the CLI,
the dashboard and several server processes share one count. The count is taken *before* the
password is checked, as if the attempt failed, and cleared when it succeeds: parallel attempts
therefore see each other's and cannot all slip through before the first failure is recorded.

After a failure the next attempt waits: nothing after the first failure of a name, then 1, 2 and
4 seconds; the NAME_LOCK_AFTER-th failure in a row locks the name for FIRST_LOCK, each later one
doubles the lock up to MAX_LOCK. A client (many names from one address) is allowed
CLIENT_LOCK_AFTER failures before the same schedule. While locked, no password is checked, the
right one neither, and the refusal says until when. A count is forgotten after FORGET_AFTER without
failures; a successful login, an admin's password reset or re-enabling clears it.

A browser on this machine (or a reverse proxy on it) has no address of its own (Streamlit reports
none for loopback), so it is throttled by name only: one shared "client" for every user behind a
proxy would let one attacker lock everybody out.

Audit: the first failure of a name writes a ``login_failed`` line at once; later failures within
AUDIT_WINDOW are counted in the row and written as one line with their count and reasons when the
window has closed and the next attempt (of any name) comes, at the next login of that name, or when
the audit log is read (``flush_due``). The times used are ``clock()``, which tests replace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.models import LoginThrottle

NAME_LOCK_AFTER = 5
CLIENT_LOCK_AFTER = 20
FIRST_LOCK = dt.timedelta(minutes=1)
MAX_LOCK = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=1)
AUDIT_WINDOW = dt.timedelta(minutes=15)
KEY_LENGTH = 320

# Writes one collapsed audit line: (connection, the name tried, details). db.auth passes its audit().
AuditWriter = Callable[[Connection, str, dict[str, Any]], None]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


clock: Callable[[], dt.datetime] = _utcnow  # naive UTC; tests replace it to move time without sleeping


@dataclass(frozen=True, slots=True)
class Refusal:
    """An attempt refused without checking the password: the name or client is locked until ``until``."""

    kind: str  # "name" or "client"
    until: dt.datetime

    def message(self, name: str, now: dt.datetime) -> str:
        seconds = max(1, int((self.until - now).total_seconds() + 0.999))
        wait = f"{seconds} s" if seconds < 120 else f"{(seconds + 59) // 60} min"
        who = f"for '{name}'" if self.kind == "name" else "from this address"
        hint = ", or ask an admin to reset the password" if self.kind == "name" else ""
        return (f"too many failed logins {who}: logins are refused until {self.until:%H:%M:%S} UTC "
                f"(in {wait}); try again then{hint}")  # fmt: skip


def wait_after(failures: int, lock_after: int) -> dt.timedelta:
    """How long the next attempt must wait after ``failures`` failures in a row (see the docstring)."""
    if failures >= lock_after:
        return min(FIRST_LOCK * 2 ** min(failures - lock_after, 10), MAX_LOCK)
    if failures > lock_after - 4:
        return dt.timedelta(seconds=2 ** (failures - lock_after + 3))
    return dt.timedelta(0)


def name_key(name: str) -> str:
    return f"name:{name}"[:KEY_LENGTH]


def client_key(client: str) -> str:
    return f"client:{client}"[:KEY_LENGTH]


def _row(conn: Connection, key: str, now: dt.datetime) -> Any:
    """The key's row, created when missing and locked for this transaction (FOR UPDATE on PostgreSQL;
    SQLite's write transactions are exclusive already)."""
    values = {"key": key, "failures": 0, "last_failure": now, "unaudited": 0}
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(LoginThrottle).values(**values).on_conflict_do_nothing(index_elements=["key"])
    )
    query = select(LoginThrottle.__table__).where(LoginThrottle.key == key).with_for_update()
    return conn.execute(query).mappings().one()


def _stale(row: Any, now: dt.datetime) -> bool:
    locked = row["locked_until"] is not None and row["locked_until"] > now
    return not locked and row["last_failure"] < now - FORGET_AFTER


def begin_attempt(conn: Connection, name: str, client: str | None, now: dt.datetime) -> Refusal | None:
    """Refuse the attempt when its name or client is locked; else count it as a failure until it
    succeeds (``succeeded`` clears the count) and set the wait the next attempt will face."""
    keys = [(name_key(name), NAME_LOCK_AFTER, "name")]
    if client:
        keys.append((client_key(client), CLIENT_LOCK_AFTER, "client"))
    rows = [(key, lock_after, kind, _row(conn, key, now)) for key, lock_after, kind in keys]
    locks = [Refusal(kind, row["locked_until"]) for _, _, kind, row in rows
             if row["locked_until"] is not None and row["locked_until"] > now]  # fmt: skip
    if locks:
        return max(locks, key=lambda refusal: refusal.until)
    for key, lock_after, _, row in rows:
        failures = (0 if _stale(row, now) else int(row["failures"])) + 1
        wait = wait_after(failures, lock_after)
        conn.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(
            failures=failures, last_failure=now, locked_until=now + wait if wait else None))  # fmt: skip
    return None


def failed(conn: Connection, name: str, reason: str, now: dt.datetime, write: AuditWriter) -> None:
    """Audit a failed (or refused) attempt of ``name``: a line of its own when it opens a window, else
    one more in the window's count (written later as one line)."""
    key = name_key(name)
    row = _row(conn, key, now)
    if row["audit_since"] is not None and now - row["audit_since"] < AUDIT_WINDOW:
        reasons = dict(row["reasons"] or {})
        reasons[reason] = int(reasons.get(reason, 0)) + 1
        conn.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                     .values(unaudited=int(row["unaudited"]) + 1, reasons=reasons))  # fmt: skip
        return
    _flush(conn, row, write)
    write(conn, name, {"reason": reason, "count": 1})
    conn.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(audit_since=now))


def _flush(conn: Connection, row: Any, write: AuditWriter) -> None:
    """Write the failures a row has counted since its last audit line as one line, and reset them."""
    if not row["unaudited"]:
        return
    since = row["audit_since"]
    write(conn, row["key"].removeprefix("name:"), {
        "reason": "repeated failures", "count": int(row["unaudited"]), "reasons": dict(row["reasons"] or {}),
        "window_start": None if since is None else since.isoformat(timespec="seconds"),
        "window_minutes": int(AUDIT_WINDOW.total_seconds() // 60),
    })  # fmt: skip
    conn.execute(update(LoginThrottle).where(LoginThrottle.key == row["key"])
                 .values(unaudited=0, reasons=None, audit_since=None))  # fmt: skip


def flush_due(conn: Connection, now: dt.datetime, write: AuditWriter) -> int:
    """Write the counted failures of every window that has closed; forget rows nobody needs any more
    (no lock, nothing unaudited, quiet for FORGET_AFTER + MAX_LOCK). Returns the lines written."""
    table = LoginThrottle.__table__
    due = select(table).where(LoginThrottle.unaudited > 0, LoginThrottle.audit_since <= now - AUDIT_WINDOW)
    rows = conn.execute(due.order_by(LoginThrottle.key).with_for_update(skip_locked=True)).mappings().all()
    for row in rows:
        _flush(conn, row, write)
    # Rows another attempt holds are skipped, not waited for: this clean-up never blocks a login.
    old = select(LoginThrottle.key).where(LoginThrottle.unaudited == 0,
                                          LoginThrottle.last_failure < now - FORGET_AFTER - MAX_LOCK)  # fmt: skip
    keys = list(conn.execute(old.with_for_update(skip_locked=True)).scalars())
    if keys:
        conn.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    return len(rows)


def succeeded(conn: Connection, name: str, client: str | None, write: AuditWriter) -> None:
    """A right password: write the name's counted failures, then clear its count and the client's."""
    clear(conn, name, write)
    if client:
        conn.execute(delete(LoginThrottle).where(LoginThrottle.key == client_key(client)))


def clear(conn: Connection, name: str, write: AuditWriter) -> None:
    """Forget ``name``'s failures and lock (after writing what is still unaudited)."""
    row = conn.execute(select(LoginThrottle.__table__).where(LoginThrottle.key == name_key(name))
                       .with_for_update()).mappings().one_or_none()  # fmt: skip
    if row is not None:
        _flush(conn, row, write)
        conn.execute(delete(LoginThrottle).where(LoginThrottle.key == name_key(name)))
