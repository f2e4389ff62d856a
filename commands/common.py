"""What every command shares: the consoles, the progress bar, and who is running the command.

Who runs a command (``actor_for``): once the store holds an account, --user NAME (or
$ACCESS_MONITOR_USER) and that account's password (prompted, or $ACCESS_MONITOR_PASSWORD), checked
like a dashboard login: throttled per name and per OS login (``os:<login>``), failures audited.
With no account at all the CLI acts as a local admin, without the dashboard's single-user opt-in:
whoever runs it can already read and write the store directly (the SQLite file is theirs, mode
0600; on PostgreSQL they hold DATABASE_URL's credentials), so a login would protect nothing there.
The store's file permissions and the database credentials are the CLI's boundary.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from db import auth
from db.auth import Actor, AuthError
from db.migrate import upgrade

console = Console(stderr=True)
# Piped output (a scheduled job's log) gets a wide table instead of rich's 80-column default.
out = Console(width=None if Console().is_terminal else 160)
PASSWORD_ENV = "ACCESS_MONITOR_PASSWORD"


def actor_for(args: argparse.Namespace, action: str, default_name: str | None = None) -> Actor:
    """Who runs this command (see the module docstring), checked for ``action`` before any work."""
    upgrade()
    name = args.user or os.environ.get("ACCESS_MONITOR_USER")
    if auth.account_count() == 0:
        actor = auth.local_admin(name or default_name)
    else:
        if not name:
            raise AuthError("this store has accounts: say who you are with --user NAME (the password is "
                            f"prompted for, or read from {PASSWORD_ENV})")  # fmt: skip
        password = os.environ.get(PASSWORD_ENV)
        if not password and sys.stdin.isatty():
            password = getpass.getpass(f"Password for {name}: ")
        if not password:
            raise AuthError(f"no password for '{name}': run in a terminal to be asked, or set {PASSWORD_ENV}")
        actor = auth.authenticate(name, password, client=os_client())
    auth.require(actor, action)
    return actor


def os_client() -> str:
    """The CLI's throttling client: the machine login that runs it (db.throttle)."""
    return f"os:{auth.os_user()}"


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
