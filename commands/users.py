"""Accounts and roles: users add, list, set-role, disable."""

from __future__ import annotations

import argparse
import getpass
import sys

from rich.table import Table

from commands.common import actor_for, out
from db import auth
from db.auth import AuthError


def _new_password(name: str) -> str:
    """The new account's password: asked twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for the new account '{name}': ")
        if getpass.getpass("The same password again: ") != first:
            raise AuthError("the two passwords differ; nothing was created. Run the command again")
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
        out.print("No accounts: single-user mode. Create the first admin with: python -m cli users add NAME "
                  "--role admin")  # fmt: skip
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
