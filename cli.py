"""Access Monitor on the command line: ``python -m cli COMMAND`` from the repository root.

Commands: ingest (tables, HXL, ACLED, incident files), places import (OCHA COD gazetteers),
demo (load the demo dataset into an empty store), extract, export, users, migrate, backup,
restore. Each group lives in commands/; this file assembles the parser.
Exit status: 0 when every file was read, 1 when a file was refused (or the user may not do it),
2 for a usage error.

Who runs a command that writes or exports: with no account in the store (single-user mode), a local
admin named by --user, $ACCESS_MONITOR_USER or the OS login. Once an account exists, --user NAME
(or $ACCESS_MONITOR_USER) and that account's password (prompted, or $ACCESS_MONITOR_PASSWORD for
scheduled jobs), checked against the account's role.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from commands import ingest, reports, store, users
from commands.common import console
from db.auth import AuthError, PermissionDenied


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cli", description="Access Monitor command line")
    parser.add_argument(
        "--user", help="your account (password: prompted, or $ACCESS_MONITOR_PASSWORD); with no accounts, "
        "the name recorded (default: $ACCESS_MONITOR_USER or your login)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (ingest, reports, users, store):
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PermissionDenied as exc:
        console.print(f"[red]not allowed:[/red] {exc}", highlight=False)
    except AuthError as exc:
        console.print(f"[red]refused:[/red] {exc}", highlight=False)
    return 1


if __name__ == "__main__":
    sys.exit(main())
