"""The store itself: migrate, backup, restore, rollups."""

from __future__ import annotations

import argparse
from pathlib import Path

from commands.common import actor_for, console, out
from db.migrate import upgrade


def cmd_migrate(_: argparse.Namespace) -> int:
    engine = upgrade()
    out.print(f"Store is current: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from db.backup import BackupError, backup

    try:
        written = backup(args.path, actor=actor_for(args, "backup"))
    except BackupError as exc:
        console.print(f"[red]no backup:[/red] {exc}", highlight=False)
        return 1
    out.print(f"Backup written to {written}", highlight=False)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from db.backup import BackupError, restore

    try:
        restore(args.path, actor=actor_for(args, "restore"))
    except BackupError as exc:
        console.print(f"[red]not restored:[/red] {exc}", highlight=False)
        return 1
    out.print(f"Store restored from {args.path}", highlight=False)
    return 0


def cmd_rollups(args: argparse.Namespace) -> int:
    import time

    from db.queries import store_counts
    from db.rollups import rebuild_store

    actor = actor_for(args, "settings")
    start = time.perf_counter()
    rebuild_store(actor=actor)
    counts = store_counts()
    facts = sum(counts.get(k, 0) for k in ("convoy", "besieged_population", "civilian_toll"))
    out.print(
        f"Rollups rebuilt from {facts:,} live facts in {time.perf_counter() - start:.1f} s", highlight=False
    )
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    migrate = sub.add_parser("migrate", help="create or upgrade the store's schema")
    migrate.set_defaults(func=cmd_migrate)
    backup = sub.add_parser("backup", help="copy the store to FILE while it is in use (admin)")
    backup.add_argument("path", type=Path, help="the backup file to write")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="replace the store with a backup FILE (admin)")
    restore.add_argument("path", type=Path, help="a file written by 'backup'")
    restore.set_defaults(func=cmd_restore)
    rollups = sub.add_parser(
        "rollups",
        help="recompute the dashboard's summary tables from the facts, e.g. after editing facts in SQL (admin)",
    )
    rollups.set_defaults(func=cmd_rollups)
