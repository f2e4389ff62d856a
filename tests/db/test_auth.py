"""Roles at the function level: every action a role may not take is refused and leaves nothing behind;
permitted ones leave exactly one audit line. Accounts, logins and the append-only audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from dashboard.report.files import export_files
from dashboard.report.model import ReportOptions, build_report
from db import auth
from db.auth import Actor, AuthError, PermissionDenied
from db.curation import merge_place
from db.engine import write_engine
from db.migrate import upgrade
from db.queries import unverified_places
from db.review import confirm_fact, edit_fact
from db.writer import write_import
from loaders.records import DateValue, FactKind, FactRecord, LoadResult, PlaceRef, Provenance, Quantity
from tests.conftest import ADMIN, EDITOR
from tests.db.test_review import report_result

ROLES = ("viewer", "editor", "admin")
WEEK = dt.date(2018, 3, 5)
# Tables whose row counts (and the columns below) show whether an action left anything behind.
TABLES = ("imports", "facts", "fact_changes", "import_issues", "users", "audit_events", "places")


def _toll(name: str, place: str) -> LoadResult:
    record = FactRecord(
        kind=FactKind.TOLL, place=PlaceRef(name=place, admin1="Rural Damascus", country="SYR"),
        provenance=Provenance(row=2, method="table"), date=DateValue(dt.date(2018, 3, 6)),
        period_start=dt.date(2018, 3, 6), period_end=dt.date(2018, 3, 6), killed=Quantity(value=4),
        sources=["SOHR"],
    )  # fmt: skip
    return LoadResult(file=name, format="table-csv", sha256=name * 8, records=[record], rows_in=1)


def _state(url: str) -> dict[str, object]:
    """Everything an action could change: row counts, review statuses, merges, roles, disabled flags."""
    with write_engine(url).connect() as conn:
        state: dict[str, object] = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES
        }
        state["statuses"] = conn.execute(
            text("SELECT id, review_status, killed FROM facts ORDER BY id")
        ).all()
        state["merged"] = conn.execute(
            text("SELECT count(*) FROM places WHERE merged_into_id IS NOT NULL")
        ).scalar()
        state["users"] = conn.execute(text("SELECT name, role, disabled FROM users ORDER BY name")).all()
    return state


def _audit(url: str) -> list[tuple]:
    with write_engine(url).connect() as conn:
        return conn.execute(text("SELECT user_name, action, target FROM audit_events ORDER BY id")).all()


@dataclass
class Setup:
    url: str
    pending_id: int  # a pending toll fact of a report
    unverified: int  # a place added from a row ("Dooma")
    known: int  # Douma


@pytest.fixture
def setup(store_url: str) -> Setup:
    write_import(report_result(), actor=EDITOR)
    write_import(_toll("dooma", "Dooma"), actor=EDITOR)
    auth.add_user("sam", "lemon tree at dusk", "viewer", actor=ADMIN)
    with write_engine(store_url).connect() as conn:
        pending = conn.execute(
            text("SELECT id FROM facts WHERE review_status = 'pending' AND kind = 'civilian_toll'")
        )
        known = conn.execute(text("SELECT id FROM places WHERE pcode = 'C2338'")).scalar_one()
        pending_id = pending.scalar_one()
    return Setup(store_url, pending_id, int(unverified_places(store_url)["id"][0]), known)


def _export(variant: str) -> Callable[[Actor, Setup], object]:
    def run(actor: Actor, s: Setup) -> object:
        report = build_report(ReportOptions(WEEK, variant=variant), s.url, actor=actor)  # type: ignore[arg-type]
        return export_files(report, "csv", actor=actor, url=s.url)

    return run


# action -> (the role it needs, the call, audit lines a permitted call leaves)
ACTIONS: dict[str, tuple[str, Callable[[Actor, Setup], object], int]] = {
    "import": ("editor", lambda a, s: write_import(_toll("other", "Douma"), actor=a, url=s.url), 1),
    "review": ("editor", lambda a, s: confirm_fact(s.pending_id, actor=a, url=s.url), 1),
    "edit": ("editor", lambda a, s: edit_fact(s.pending_id, {"killed": 99}, actor=a, url=s.url), 1),
    "merge": ("editor", lambda a, s: merge_place(s.unverified, s.known, actor=a, url=s.url), 1),
    "export-public": ("viewer", _export("public"), 1),
    "export-internal": ("editor", _export("internal"), 1),
    "users-add": (
        "admin",
        lambda a, s: auth.add_user("newbie", "orange kites at noon", "editor", actor=a, url=s.url),
        1,
    ),
    "users-set-role": ("admin", lambda a, s: auth.set_role("sam", "editor", actor=a, url=s.url), 1),
    "users-disable": ("admin", lambda a, s: auth.disable_user("sam", actor=a, url=s.url), 1),
    "users-list": ("admin", lambda a, s: auth.list_users(a, s.url), 0),
    "audit-read": ("admin", lambda a, s: auth.audit_events(a, url=s.url), 0),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_role_and_action(setup: Setup, role: str, action: str) -> None:
    needed, call, lines = ACTIONS[action]
    actor = Actor(f"{role}-user", role)
    before, audit_before = _state(setup.url), _audit(setup.url)
    if ROLES.index(role) < ROLES.index(needed):
        with pytest.raises(
            PermissionDenied, match=f"^{role} '{role}-user' may not .*; ask an admin for the {needed} role$"
        ):
            call(actor, setup)
        assert _state(setup.url) == before  # no rows, no audit line
        return
    call(actor, setup)
    new_lines = _audit(setup.url)[len(audit_before) :]
    assert len(new_lines) == lines
    assert all(line[0] == f"{role}-user" for line in new_lines)
    if lines:
        assert _state(setup.url) != before


def test_the_refusal_names_the_role_to_ask_for(store_url: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        write_import(_toll("x", "Douma"), actor=Actor("amal", "viewer"))
    assert str(refused.value) == "viewer 'amal' may not import files; ask an admin for the editor role"
    with pytest.raises(
        PermissionDenied, match="editor 'ed' may not manage accounts; ask an admin for the admin role"
    ):
        auth.add_user("x1", "x-ray vision goggles", "viewer", actor=Actor("ed", "editor"))


def test_import_audit_line_is_committed_or_rolled_back_with_it(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import db.writer

    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patched, pytest.raises(RuntimeError):
        patched.setattr(db.writer, "_write_issues", boom)
        write_import(_toll("fails", "Douma"), actor=EDITOR)
    assert _audit(store_url) == [] and _state(store_url)["imports"] == 0
    summary = write_import(_toll("works", "Douma"), actor=EDITOR)
    assert _audit(store_url) == [("tester", "import", "works")]
    details = auth.audit_events(ADMIN)["details"][0]
    assert (
        details["added"] == 1
        and details["import_id"] == summary.import_id
        and details["format"] == "table-csv"
    )
    write_import(_toll("works", "Douma"), actor=EDITOR)  # already imported: still a line of its own
    assert [line[1] for line in _audit(store_url)] == ["import", "import"]


def test_passwords_are_stored_as_argon2_hashes(store_url: str) -> None:
    auth.add_user("amal", "s3cret-passphrase", "editor", actor=ADMIN)
    with write_engine(store_url).connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE name = 'amal'")).scalar_one()
    assert stored.startswith("$argon2id$") and "s3cret-passphrase" not in stored
    assert PasswordHasher().verify(stored, "s3cret-passphrase")
    with pytest.raises(AuthError, match="at least 12 characters"):
        auth.add_user("short", "1234567", "viewer", actor=ADMIN)
    with pytest.raises(AuthError, match="already an account called 'amal'"):
        auth.add_user("amal", "another-password", "viewer", actor=ADMIN)
    with pytest.raises(AuthError, match="not a usable account name"):
        auth.add_user("two words", "another-password", "viewer", actor=ADMIN)


def test_login_success_and_failures_are_audited(store_url: str) -> None:
    auth.add_user("amal", "s3cret-passphrase", "editor", actor=ADMIN)
    assert auth.authenticate("amal", "s3cret-passphrase") == Actor("amal", "editor")
    with pytest.raises(AuthError, match=r"^unknown user or wrong password$"):
        auth.authenticate("amal", "wrong-password")
    with pytest.raises(AuthError, match=r"^unknown user or wrong password$"):  # same words: no name probing
        auth.authenticate("nobody", "whatever-password")
    lines = _audit(store_url)
    assert lines[-3:] == [("amal", "login", "amal"), ("amal", "login_failed", "amal"),
                          ("nobody", "login_failed", "nobody")]  # fmt: skip
    events = auth.audit_events(ADMIN, action="login_failed")
    assert [d["reason"] for d in events["details"]] == ["unknown user", "wrong password"]  # newest first
    users = auth.list_users(ADMIN)
    assert users.loc[users["name"] == "amal", "last_login"].notna().all()


def test_a_disabled_account_cannot_log_in(store_url: str) -> None:
    auth.add_user("amal", "s3cret-passphrase", "editor", actor=ADMIN)
    assert auth.disable_user("amal", actor=ADMIN) is True
    assert auth.disable_user("amal", actor=ADMIN) is False
    with pytest.raises(AuthError, match="'amal' is disabled"):
        auth.authenticate("amal", "s3cret-passphrase")
    assert auth.current_role("amal") is None
    assert auth.audit_events(ADMIN, action="login_failed")["details"][0] == {"reason": "disabled", "count": 1}


def test_the_last_admin_cannot_be_demoted_or_disabled(store_url: str) -> None:
    auth.add_user("root", "silver birch morning", "admin", actor=ADMIN)
    with pytest.raises(AuthError, match="'root' is the last admin"):
        auth.set_role("root", "editor", actor=ADMIN)
    with pytest.raises(AuthError, match="'root' is the last admin"):
        auth.disable_user("root", actor=ADMIN)
    auth.add_user("second", "copper kettle rain", "admin", actor=ADMIN)
    assert auth.set_role("root", "viewer", actor=ADMIN) is True
    assert auth.audit_events(ADMIN, action="role_change")["details"][0] == {"from": "admin", "to": "viewer"}


def test_audit_events_filter_by_user_action_and_dates(store_url: str) -> None:
    write_import(_toll("a", "Douma"), actor=Actor("amal", "editor"))
    write_import(_toll("b", "Douma"), actor=Actor("ben", "editor"))
    assert list(auth.audit_events(ADMIN, user="ben")["target"]) == ["b"]
    assert list(auth.audit_events(ADMIN, action="import")["user"]) == ["ben", "amal"]
    today = dt.datetime.now(dt.UTC).date()
    assert len(auth.audit_events(ADMIN, start=today, end=today)) == 2
    assert auth.audit_events(ADMIN, end=today - dt.timedelta(days=1)).empty


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET user_name = 'someone else'",
                                       "DELETE FROM audit_events"])  # fmt: skip
def test_the_audit_table_refuses_update_and_delete(store_url: str, statement: str) -> None:
    """SQLite here; PostgreSQL too when ACCESS_MONITOR_TEST_PG is set (store_url is then a PG database)."""
    write_import(_toll("a", "Douma"), actor=EDITOR)
    engine = upgrade(store_url)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert _audit(store_url) == [("tester", "import", "a")]
    assert not hasattr(auth, "delete_audit") and not hasattr(auth, "update_audit")


def test_actor_values() -> None:
    assert Actor("  Amira  ", "editor").name == "Amira"
    with pytest.raises(ValueError, match="not a role"):
        Actor("x", "superuser")
    assert Actor("v", "viewer").may("export_public") and not Actor("v", "viewer").may("read_pending")
    assert auth.report_action("internal") == "export_internal"
    with pytest.raises(ValueError, match="unknown action"):
        Actor("a", "admin").may("launch")
