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
    out.print(
        f"Backup written to {written.file} ({written.size:,} bytes, readable by its owner only)",
        highlight=False,
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from db.backup import BackupError, restore, restore_undo

    if args.undo == (args.path is not None):
        console.print("[red]not restored:[/red] give either a backup FILE or --undo", highlight=False)
        return 2
    try:
        actor = actor_for(args, "restore")
        if args.undo:
            info = restore_undo(actor=actor, accounts_from_backup=args.accounts_from_backup)
        else:
            info = restore(
                args.path,
                actor=actor,
                accounts_from_backup=args.accounts_from_backup,
                allow_no_accounts=args.allow_no_accounts,
            )
    except BackupError as exc:
        console.print(f"[red]not restored:[/red] {exc}", highlight=False)
        return 1
    accounts = "taken from the backup" if args.accounts_from_backup else "kept from the live store"
    out.print(
        f"Store restored from {info.file}; accounts {accounts} ({info.accounts}), "
        f"{info.audit_carried_over} audit line(s) carried over.\n"
        f"The store as it was is saved in {info.pre_restore}; 'restore --undo' brings it back.",
        highlight=False,
        soft_wrap=True,
    )
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
    restore = sub.add_parser(
        "restore",
        help="replace the store's data with a backup FILE, keeping the live accounts and audit log (admin)",
    )
    restore.add_argument("path", type=Path, nargs="?", help="a file written by 'backup'")
    restore.add_argument(
        "--undo", action="store_true", help="bring back the store as it was before the latest restore"
    )
    restore.add_argument(
        "--accounts-from-backup",
        action="store_true",
        help="take the backup's accounts instead of keeping the live ones (revives disabled accounts, "
        "drops accounts made since the backup)",
    )
    restore.add_argument(
        "--allow-no-accounts",
        action="store_true",
        help="with --accounts-from-backup: accept a backup without accounts (login is then switched off)",
    )
    restore.set_defaults(func=cmd_restore)
    rollups = sub.add_parser(
        "rollups",
        help="recompute the dashboard's summary tables from the facts, e.g. after editing facts in SQL (admin)",
    )
    rollups.set_defaults(func=cmd_rollups)
