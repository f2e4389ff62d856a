"""Login throttling (db.throttle through db.auth.authenticate): the attack of issue 13 item 5 (37 failures,
then the right password) refused while locked and accepted after; locks per name and per client;
failures collapsed into one audit line per name and window; at most CONCURRENT_CHECKS argon2
verifications at once. Time moves with an injected clock, never with sleep."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import text

from db import auth, passwords, throttle
from db.auth import Actor, AuthError
from db.engine import write_engine
from tests.conftest import ADMIN

GOOD = "lemon tree at dusk"
START = dt.datetime(2026, 12, 8, 12, 0, 0)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "clock", fake)
    return fake


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password verification made (the argon2 work), by the hash it was made against."""
    made: list[str] = []
    real = passwords.verify

    def counting(hashed: str, password: str) -> bool:
        made.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(passwords, "verify", counting)
    return made


def _failures(url: str) -> list[dict]:
    """login_failed lines' details, oldest first (read with SQL: audit_events() would flush)."""
    with write_engine(url).connect() as conn:
        rows = conn.execute(
            text("SELECT details FROM audit_events WHERE action = 'login_failed' ORDER BY id")
        )
        return [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows]


def _refused(name: str, password: str, client: str | None = None) -> str:
    with pytest.raises(AuthError) as refused:
        auth.authenticate(name, password, client=client)
    return str(refused.value)


def test_37_failures_then_the_right_password_is_refused_until_the_lock_ends(
    store_url: str, clock: Clock, checks: list[str]
) -> None:
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    messages = []
    for attempt in range(37):
        messages.append(_refused("amal", f"guess number {attempt}", client="203.0.113.7"))
        clock.advance(seconds=1)
    # Failures 1-4 wait 0, 1, 2 and 4 s; the 5th (at +8 s) locks the name for a minute.
    assert len(checks) == 5
    assert sum("too many failed logins for 'amal'" in m for m in messages) == 32
    refusal = _refused("amal", GOOD, client="203.0.113.7")
    assert refusal.startswith("too many failed logins for 'amal': logins are refused until 12:01:08 UTC")
    assert "try again then" in refusal and len(checks) == 5  # the right password was not even checked
    clock.now = dt.datetime(2026, 12, 8, 12, 1, 8)
    assert auth.authenticate("amal", GOOD, client="203.0.113.7") == Actor("amal", "editor")

    # One line for the first failure, one for the 37 counted after it, nothing lost.
    lines = _failures(store_url)
    assert lines[0] == {"reason": "wrong password", "count": 1}
    assert len(lines) == 2 and lines[1]["count"] == 37
    assert lines[1]["reasons"] == {"wrong password": 4, "locked": 33}
    # A success clears the count: the next failure starts at no wait again.
    _refused("amal", "one more guess")
    assert auth.authenticate("amal", GOOD) == Actor("amal", "editor")


def test_locks_double_and_stop_at_fifteen_minutes() -> None:
    waits = [throttle.wait_after(n, throttle.NAME_LOCK_AFTER).total_seconds() for n in range(1, 11)]
    assert waits == [0, 1, 2, 4, 60, 120, 240, 480, 900, 900]
    assert throttle.wait_after(10_000, throttle.NAME_LOCK_AFTER) == throttle.MAX_LOCK
    assert throttle.wait_after(16, throttle.CLIENT_LOCK_AFTER) == dt.timedelta(0)
    assert throttle.wait_after(20, throttle.CLIENT_LOCK_AFTER) == throttle.FIRST_LOCK


def test_a_lock_grows_after_it_ends_and_is_forgotten_after_an_hour(store_url: str, clock: Clock) -> None:
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    for _ in range(5):
        _refused("amal", "wrong guess")
        clock.advance(seconds=10)
    clock.advance(minutes=1)
    _refused("amal", "wrong again")  # the 6th failure: two minutes
    assert "until 12:03:50 UTC (in 2 min)" in _refused("amal", GOOD)
    clock.advance(hours=2)  # quiet for longer than FORGET_AFTER: the count starts again
    _refused("amal", "wrong after lunch")
    assert auth.authenticate("amal", GOOD) == Actor("amal", "editor")


def test_one_client_spraying_names_is_locked_and_others_are_not(store_url: str, clock: Clock) -> None:
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    for n in range(throttle.CLIENT_LOCK_AFTER):
        _refused(f"name{n}", "spray password", client="203.0.113.7")
        clock.advance(seconds=10)
    assert _refused("amal", GOOD, client="203.0.113.7").startswith("too many failed logins from this address")
    assert auth.authenticate("amal", GOOD, client="198.51.100.9") == Actor("amal", "editor")


def test_unknown_names_and_wrong_passwords_cost_and_say_the_same(
    store_url: str, clock: Clock, checks: list[str]
) -> None:
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    assert (
        _refused("amal", "wrong guess")
        == _refused("nobody", "wrong guess")
        == "unknown user or wrong password"
    )
    assert len(checks) == 2 and checks[1] == passwords.dummy_hash()  # one argon2 check each
    for _ in range(6):
        clock.advance(seconds=30)
        amal, nobody = _refused("amal", "wrong guess"), _refused("nobody", "wrong guess")
    assert amal.replace("amal", "X") == nobody.replace("nobody", "X")  # a lock tells no names either


def test_failures_are_collapsed_per_name_and_window(store_url: str, clock: Clock) -> None:
    for _ in range(4):
        _refused("amal", "wrong guess")
        _refused("ben", "wrong guess")
        clock.advance(minutes=1)
    assert [d["count"] for d in _failures(store_url)] == [1, 1]  # the window is still open
    clock.advance(minutes=15)
    events = auth.audit_events(ADMIN, action="login_failed")  # reading the log writes closed windows
    assert sorted(zip(events["user"], [d["count"] for d in events["details"]], strict=True)) == [
        ("amal", 1), ("amal", 3), ("ben", 1), ("ben", 3),
    ]  # fmt: skip
    _refused("amal", "wrong guess")  # a new window: a line of its own at once
    assert _failures(store_url)[-1] == {"reason": "unknown user", "count": 1}


def test_the_count_lives_in_the_store(store_url: str, clock: Clock) -> None:
    """CLI processes and server processes share it: a new engine (another process) sees the lock."""
    from db.engine import dispose_all
    from db.migrate import forget

    for _ in range(5):
        _refused("amal", "wrong guess", client="os:someone")
        clock.advance(seconds=10)
    forget(store_url)
    dispose_all()
    with write_engine(store_url).connect() as conn:
        rows: dict[str, int] = dict(conn.execute(text("SELECT key, failures FROM login_throttle")).all())
    assert rows == {"name:amal": 5, "client:os:someone": 5}
    assert _refused("amal", GOOD, client="os:other").startswith("too many failed logins for 'amal'")


def test_an_admin_reset_or_enable_lifts_the_lock(store_url: str, clock: Clock) -> None:
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    for _ in range(5):
        _refused("amal", "wrong guess")
        clock.advance(seconds=10)
    auth.reset_password("amal", "a brand new sentence", actor=ADMIN)
    assert auth.authenticate("amal", "a brand new sentence") == Actor("amal", "editor")
    assert [d["count"] for d in _failures(store_url)] == [1, 4]  # the reset wrote the pending count


def _concurrent(call: Callable[[], object], threads: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


class SlowHasher:
    """Stands in for argon2 (64 MiB each): records how many verifications run at the same time."""

    def __init__(self) -> None:
        self.running = self.most = 0
        self.lock = threading.Lock()

    def verify(self, hashed: str, password: str) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return False


def test_at_most_two_verifications_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = SlowHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    assert _concurrent(lambda: passwords.verify("$argon2id$x", "guess"), threads=8) == []
    assert hasher.most == passwords.CONCURRENT_CHECKS == 2


def test_a_login_waiting_too_long_for_a_slot_is_refused(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    monkeypatch.setattr(passwords, "WAIT_SECONDS", 0.05)
    taken = [passwords._checks.acquire() for _ in range(passwords.CONCURRENT_CHECKS)]
    try:
        assert all(taken)
        assert _refused("amal", GOOD) == "the server is busy checking other logins; try again in a minute"
    finally:
        for _ in taken:
            passwords._checks.release()
    assert auth.authenticate("amal", GOOD) == Actor("amal", "editor")


def test_rows_nobody_needs_are_forgotten(store_url: str, clock: Clock) -> None:
    """A spray of names leaves no lasting rows: quiet, unlocked, fully audited rows go at the next attempt."""
    for n in range(5):
        _refused(f"sprayed{n}", "spray password")
    clock.advance(minutes=20)
    auth.audit_events(ADMIN)  # nothing left unaudited (one failure each: written at once)
    clock.advance(hours=2)
    _refused("amal", "wrong guess")
    with write_engine(store_url).connect() as conn:
        keys = set(conn.execute(text("SELECT key FROM login_throttle")).scalars())
    assert keys == {"name:amal"}
    assert len(_failures(store_url)) == 6  # and every failure kept its audit line


def test_parallel_attempts_cannot_slip_past_the_count(
    store_url: str, clock: Clock, checks: list[str]
) -> None:
    """Eight attempts at the same instant: each is counted before its password is checked, so only the
    first two (no wait after one failure) reach argon2 and the rest are refused as locked."""
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    errors = _concurrent(lambda: auth.authenticate("amal", "parallel guess"), threads=8)
    assert len(errors) == 8 and all(isinstance(e, AuthError) for e in errors)
    assert len(checks) == 2
    assert sum("too many failed logins" in str(e) for e in errors) == 6
