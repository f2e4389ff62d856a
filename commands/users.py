"""Accounts and roles: users add, list, set-role, disable, enable, reset (an admin sets a forgotten
password) and passwd (a user changes their own, with the old one)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from rich.table import Table

from commands.common import PASSWORD_ENV, actor_for, os_client, out
from db import auth
from db.auth import AuthError


def _new_password(name: str, what: str = "the new account") -> str:
    """A new password: asked twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {what} '{name}' ({auth.MIN_PASSWORD} characters or more): ")
        if getpass.getpass("The same password again: ") != first:
            raise AuthError("the two passwords differ; nothing was changed. Run the command again")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users_add(args: argparse.Namespace) -> int:
    actor = actor_for(args, "users")
    auth.add_user(args.name, _new_password(args.name), args.role, actor=actor)
    out.print(f"Account '{args.name}' created with the {args.role} role.", highlight=False)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    users = auth.list_users(actor_for(args, "users"))
    if users.empty:
        out.print("No accounts: the CLI acts as this machine's admin, and the dashboard needs a login "
                  "unless started with ACCESS_MONITOR_SINGLE_USER=editor|admin (make run does). Create the "
                  "first admin with: python -m cli users add NAME --role admin")  # fmt: skip
        return 0
    table = Table(title="Accounts")
    for col in ("name", "role", "status", "created (UTC)", "last login (UTC)"):
        table.add_column(col)
    for row in users.itertuples():
        last = (
            "never"
            if row.last_login is None or str(row.last_login) == "NaT"
            else f"{row.last_login:%Y-%m-%d %H:%M}"
        )
        table.add_row(row.name, row.role, "disabled" if row.disabled else "active", f"{row.created_at:%Y-%m-%d %H:%M}", last)  # fmt: skip
    out.print(table)
    return 0


def cmd_users_set_role(args: argparse.Namespace) -> int:
    changed = auth.set_role(args.name, args.role, actor=actor_for(args, "users"))
    out.print(f"'{args.name}' is now {args.role}." if changed else f"'{args.name}' was already {args.role}.",
              highlight=False)  # fmt: skip
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    changed = auth.disable_user(args.name, actor=actor_for(args, "users"))
    out.print(f"'{args.name}' can no longer log in." if changed else f"'{args.name}' was already disabled.",
              highlight=False)  # fmt: skip
    return 0


def cmd_users_enable(args: argparse.Namespace) -> int:
    changed = auth.enable_user(args.name, actor=actor_for(args, "users"))
    out.print(f"'{args.name}' may log in again." if changed else f"'{args.name}' was not disabled.",
              highlight=False)  # fmt: skip
    return 0


def cmd_users_reset(args: argparse.Namespace) -> int:
    actor = actor_for(args, "users")
    auth.reset_password(args.name, _new_password(args.name, "the account"), actor=actor)
    out.print(f"'{args.name}' has a new password (and any login lock is lifted); tell it to them.",
              highlight=False)  # fmt: skip
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    """Change one's own password: the old one from the terminal or $ACCESS_MONITOR_PASSWORD, the new
    one asked twice on a terminal or read from stdin's first line."""
    name = args.name or args.user or os.environ.get("ACCESS_MONITOR_USER")
    if not name:
        raise AuthError("say whose password to change: users passwd NAME (or --user NAME)")
    old = os.environ.get(PASSWORD_ENV)
    if not old and sys.stdin.isatty():
        old = getpass.getpass(f"Current password for {name}: ")
    if not old:
        raise AuthError(
            f"no current password for '{name}': run in a terminal to be asked, or set {PASSWORD_ENV}"
        )
    auth.change_password(name, old, _new_password(name, "your account"), client=os_client())
    out.print(f"Password of '{name}' changed.", highlight=False)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="accounts and roles (viewer, editor, admin)")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser(
        "add", help="create an account; the password is asked twice, or read from stdin"
    )
    add.add_argument("name")
    add.add_argument("--role", choices=auth.ROLES, required=True)
    add.set_defaults(func=cmd_users_add)
    users_sub.add_parser("list", help="list the accounts").set_defaults(func=cmd_users_list)
    set_role = users_sub.add_parser("set-role", help="give an account another role")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=auth.ROLES)
    set_role.set_defaults(func=cmd_users_set_role)
    disable = users_sub.add_parser(
        "disable", help="stop an account from logging in (it stays in the audit log)"
    )
    disable.add_argument("name")
    disable.set_defaults(func=cmd_users_disable)
    enable = users_sub.add_parser("enable", help="let a disabled account log in again")
    enable.add_argument("name")
    enable.set_defaults(func=cmd_users_enable)
    reset = users_sub.add_parser(
        "reset", help="(admins) set a new password for an account, e.g. a forgotten one; lifts a login lock"
    )
    reset.add_argument("name")
    reset.set_defaults(func=cmd_users_reset)
    passwd = users_sub.add_parser(
        "passwd",
        help="change your own password (the current one is asked, or read from $ACCESS_MONITOR_PASSWORD)",
    )
    passwd.add_argument("name", nargs="?", help="the account (default: --user or $ACCESS_MONITOR_USER)")
    passwd.set_defaults(func=cmd_users_passwd)
