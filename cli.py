"""Access Monitor on the command line: ``python -m cli COMMAND`` from the repository root.

Commands: ingest (tables, HXL, ACLED, incident files), places import (OCHA COD gazetteers),
demo (load the demo dataset into an empty store), extract, export, users, migrate.
Exit status: 0 when every file was read, 1 when a file was refused (or the user may not do it),
2 for a usage error.

Who runs a command that writes or exports: with no account in the store (single-user mode), a local
admin named by --user, $ACCESS_MONITOR_USER or the OS login. Once an account exists, --user NAME
(or $ACCESS_MONITOR_USER) and that account's password (prompted, or $ACCESS_MONITOR_PASSWORD for
scheduled jobs), checked against the account's role.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from db import auth
from db.auth import Actor, AuthError, PermissionDenied
from db.migrate import upgrade
from db.writer import ImportSummary, write_import
from loaders.records import LoadError
from loaders.registry import Format, detect_format, load_file

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_FILES = ("besieged.csv", "convoys.csv", "tolls.csv")
PLACE_FORMATS = {Format.COD_PCODES, Format.COD_GEOJSON}
console = Console(stderr=True)
# Piped output (a scheduled job's log) gets a wide table instead of rich's 80-column default.
out = Console(width=None if Console().is_terminal else 160)


PASSWORD_ENV = "ACCESS_MONITOR_PASSWORD"


def _actor(args: argparse.Namespace, action: str, default_name: str | None = None) -> Actor:
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
        actor = auth.authenticate(name, password)
    auth.require(actor, action)
    return actor


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def ingest_paths(
    paths: Sequence[Path],
    *,
    actor: Actor,
    fmt: str | None = None,
    only: set[Format] | None = None,
    **options: object,
) -> tuple[list[ImportSummary], list[tuple[Path, str]]]:
    """Load and store each file; returns (summaries, refused files with the reason)."""
    summaries: list[ImportSummary] = []
    refused: list[tuple[Path, str]] = []
    retract = bool(options.pop("retract_missing", False))
    with _progress() as bar:
        for path in paths:
            task = bar.add_task(f"reading {path.name}", total=None)

            def report(done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total)

            try:
                chosen = Format(fmt) if fmt else detect_format(path)
                if only is not None and chosen not in only:
                    raise LoadError(
                        path.name, f"is a {chosen.value} file, not a gazetteer; use 'ingest' for it"
                    )
                result = load_file(path, chosen, progress=report, **options)
                bar.update(task, description=f"storing {path.name}", completed=0, total=None)
                summaries.append(write_import(result, actor=actor, retract_missing=retract, progress=report))
            except LoadError as exc:
                refused.append((path, str(exc)))
            finally:
                bar.remove_task(task)
    return summaries, refused


def _print_summary(summaries: list[ImportSummary], refused: list[tuple[Path, str]]) -> None:
    table = Table(title="Import summary")
    for col in (
        "file",
        "format",
        "status",
        "rows in",
        "added",
        "updated",
        "duplicate",
        "skipped",
        "rejected",
        "new places",
    ):
        table.add_column(col, justify="left" if col in {"file", "format", "status"} else "right")
    for s in summaries:
        table.add_row(
            s.file, s.format, s.status, *(str(v) for v in (s.rows_in, s.added, s.updated, s.duplicate, s.skipped, s.rejected, s.places_added))
        )  # fmt: skip
    for path, _ in refused:
        table.add_row(path.name, "-", "[red]refused[/red]", *["-"] * 7)
    out.print(table)
    for s in summaries:
        rejects = [i for i in s.issues if i.severity == "rejected"]
        if rejects:
            out.print(
                f"[yellow]{s.file}: {len(rejects)} row(s) rejected; first {min(len(rejects), 10)}:[/yellow]"
            )
            for issue in rejects[:10]:
                out.print(f"  {issue}", markup=False)
    for _path, reason in refused:
        out.print(f"[red]refused:[/red] {reason}", highlight=False)


def cmd_ingest(args: argparse.Namespace) -> int:
    options = {k: v for k, v in {"date_order": args.date_order, "encoding": args.encoding}.items() if v}
    summaries, refused = ingest_paths(
        args.paths,
        actor=_actor(args, "import"),
        fmt=args.format,
        retract_missing=args.retract_missing,
        **options,
    )
    _print_summary(summaries, refused)
    return 1 if refused else 0


def cmd_places_import(args: argparse.Namespace) -> int:
    options = {"country": args.country} if args.country else {}
    summaries, refused = ingest_paths(args.paths, actor=_actor(args, "import"), only=PLACE_FORMATS, **options)
    _print_summary(summaries, refused)
    return 1 if refused else 0


def cmd_places_unverified(_: argparse.Namespace) -> int:
    from db.queries import unverified_places

    frame = unverified_places()
    if frame.empty:
        out.print("No unverified places: every fact's place is in the gazetteer.")
        return 0
    table = Table(title="Places added from rows, not yet in the gazetteer")
    for col in ("id", "name", "country", "parent", "facts", "first_seen_in"):
        table.add_column(col)
    for row in frame.itertuples():
        table.add_row(
            *(str(getattr(row, c)) for c in ("id", "name", "country", "parent", "facts", "first_seen_in"))
        )
    out.print(table)
    out.print("Merge one into a known place with: python -m cli places merge ID TARGET_ID")
    return 0


def cmd_places_merge(args: argparse.Namespace) -> int:
    from db.curation import CurationError, merge_place

    try:
        moved = merge_place(args.source, args.target, actor=_actor(args, "merge"))
    except CurationError as exc:
        console.print(f"[red]not merged:[/red] {exc}", highlight=False)
        return 1
    out.print(f"Merged place {args.source} into {args.target}: {moved} fact(s) moved.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from db.queries import store_counts

    actor = _actor(args, "import", default_name="demo")
    counts = store_counts()
    if not args.force and any(counts.get(k) for k in ("convoy", "besieged_population", "civilian_toll")):
        out.print("The store already holds facts; demo data not loaded (use --force to add it anyway).")
        return 0
    summaries, refused = ingest_paths([DEMO_DIR / name for name in DEMO_FILES], actor=actor)
    _print_summary(summaries, refused)
    return 1 if refused else 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Facts from a free-text report, printed (never stored); or the extractor's score on a folder."""
    import json

    from loaders import reports

    if args.evaluate:
        return _print_evaluation(args.evaluate)
    if args.path is None:
        console.print("[red]extract:[/red] give a report file, or --evaluate DIR")
        return 2
    try:
        result = reports.load(args.path, published=args.published)
    except LoadError as exc:
        console.print(f"[red]refused:[/red] {exc}", highlight=False)
        return 1
    facts = [reports.schema.to_schema(r) for r in result.records]
    for issue in result.issues:
        console.print(f"[yellow]{issue}[/yellow]", highlight=False)
    if args.json:
        sys.stdout.write(json.dumps(facts, ensure_ascii=False, indent=1) + "\n")
        return 0
    table = Table(title=f"{args.path.name}: {len(facts)} fact(s), published {result.published or 'unknown'}")
    for col in ("kind", "location", "date", "figures", "outcome", "who", "evidence"):
        table.add_column(col, overflow="fold")
    for f in facts:
        figures = "; ".join(
            _figure_text(f, q)
            for q in ("trucks", "people_served", "population", "killed", "injured")
            if f[f"{q}_text"]
        )
        when = (
            f["date"]
            or " to ".join(d for d in (f["period_start"], f["period_end"]) if d)
            or (f["date_text"] or "")
        )
        who = ", ".join(f["organisations"] or f["sources"])
        table.add_row(f["kind"], f["location"], when, figures, f.get("outcome") or f.get("status") or "", who,
                      f["evidence"]["text"][:160])  # fmt: skip
    out.print(table)
    return 0


def _figure_text(fact: dict, name: str) -> str:
    value = fact[name] if fact[name] is not None else (
        f"{fact[f'{name}_low']}-{fact[f'{name}_high']}" if fact[f"{name}_low"] is not None else "?"
    )  # fmt: skip
    qualifier = f" ({fact[f'{name}_qualifier']})" if fact[f"{name}_qualifier"] else ""
    return f"{name} {value}{qualifier}"


def _print_evaluation(folder: Path) -> int:
    from loaders import reports

    try:
        score = reports.evaluate_dir(folder)
    except LoadError as exc:
        console.print(f"[red]cannot evaluate:[/red] {exc}", highlight=False)
        return 1
    table = Table(title=f"Extraction scored against {folder}")
    for col in ("kind", "predicted", "matched", "gold", "found", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for kind, c in [*score.kinds.items(), ("overall", score.overall)]:
        table.add_row(kind, str(c.predicted), str(c.true_positive), str(c.gold), str(c.found),
                      f"{c.precision:.2f}", f"{c.recall:.2f}", f"{c.f1:.2f}")  # fmt: skip
    out.print(table)
    fields = Table(title="Field accuracy over matched facts")
    for col in ("field", "right", "compared", "accuracy"):
        fields.add_column(col, justify="left" if col == "field" else "right")
    for name in ("dates", "numbers", "outcome", "organisations", "sources"):
        right, compared = score.fields.get(name, [0, 0])
        accuracy = score.field_accuracy(name)
        fields.add_row(name, str(right), str(compared), f"{accuracy:.2f}" if accuracy is not None else "-")
    out.print(fields)
    for name, gold in score.misses:
        out.print(
            f"missed  {name}: {gold.get('kind')} at {gold.get('location')}: {str(gold.get('evidence'))[:100]!r}",
            markup=False,
        )
    for name, pred in score.false_positives:
        out.print(
            f"extra   {name}: {pred.get('kind')} at {pred.get('location')}: {pred['evidence']['text'][:100]!r}",
            markup=False,
        )
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    engine = upgrade()
    out.print(f"Store is current: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """The weekly report of one ISO week in the chosen formats, written to --out."""
    from dashboard.report.files import FORMATS, export_files
    from dashboard.report.model import ReportError, ReportOptions, build_report, find_place, parse_week

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        console.print(f"[red]not exported:[/red] unknown format {', '.join(unknown) or '(none)'}; "
                      f"use --format {','.join(FORMATS)} (any of them)", highlight=False)  # fmt: skip
        return 2
    actor = _actor(args, auth.report_action(args.variant))
    try:
        week = parse_week(args.week)
        place = find_place(args.place) if args.place else (None, None)
    except ReportError as exc:
        console.print(f"[red]not exported:[/red] {exc}", highlight=False)
        return 2
    options = ReportOptions(
        week, place[0], place[1], args.variant, args.threshold, args.title, args.classification
    )
    report = build_report(options, actor=actor)
    if not report.has_data:
        where = f" for {place[1]}" if place[0] else ""
        console.print(f"[red]not exported:[/red] the store has no convoy, besieged-population or toll fact "
                      f"dated in {report.week_label}{where}. Choose a week with data (python -m cli export "
                      f"--week YYYY-Www) or import its files first.", highlight=False)  # fmt: skip
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        for name, data in export_files(report, fmt, actor=actor).items():
            (args.out / name).write_bytes(data)
            out.print(f"wrote {args.out / name} ({len(data):,} bytes)", highlight=False)
    return 0


def _new_password(name: str) -> str:
    """The new account's password: asked twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for the new account '{name}': ")
        if getpass.getpass("The same password again: ") != first:
            raise AuthError("the two passwords differ; nothing was created. Run the command again")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users_add(args: argparse.Namespace) -> int:
    actor = _actor(args, "users")
    auth.add_user(args.name, _new_password(args.name), args.role, actor=actor)
    out.print(f"Account '{args.name}' created with the {args.role} role.", highlight=False)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    users = auth.list_users(_actor(args, "users"))
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
    changed = auth.set_role(args.name, args.role, actor=_actor(args, "users"))
    out.print(f"'{args.name}' is now {args.role}." if changed else f"'{args.name}' was already {args.role}.",
              highlight=False)  # fmt: skip
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    changed = auth.disable_user(args.name, actor=_actor(args, "users"))
    out.print(f"'{args.name}' can no longer log in." if changed else f"'{args.name}' was already disabled.",
              highlight=False)  # fmt: skip
    return 0


def _users_parser(sub: argparse._SubParsersAction) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cli", description="Access Monitor command line")
    parser.add_argument(
        "--user", help="your account (password: prompted, or $ACCESS_MONITOR_PASSWORD); with no accounts, "
        "the name recorded (default: $ACCESS_MONITOR_USER or your login)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="import convoy, besieged, toll and incident files")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--format", choices=[f.value for f in Format], help="skip detection")
    ingest.add_argument("--date-order", choices=["dmy", "mdy"], help="for DD/MM/YYYY or MM/DD/YYYY files")
    ingest.add_argument("--encoding", help="e.g. cp1256 when detection picks the wrong one")
    ingest.add_argument(
        "--retract-missing", action="store_true",
        help="ACLED re-exports: retract stored events of the same countries and dates that the file no longer has",
    )  # fmt: skip
    ingest.set_defaults(func=cmd_ingest)

    places = sub.add_parser("places", help="gazetteer commands")
    places_sub = places.add_subparsers(dest="places_command", required=True)
    pimport = places_sub.add_parser("import", help="import an OCHA COD gazetteer (p-code CSV, admin GeoJSON)")
    pimport.add_argument("paths", nargs="+", type=Path)
    pimport.add_argument("--country", help="ISO3 code when the p-codes do not tell")
    pimport.set_defaults(func=cmd_places_import)
    places_sub.add_parser("unverified", help="list places added from rows").set_defaults(
        func=cmd_places_unverified
    )
    pmerge = places_sub.add_parser("merge", help="merge an unverified place into a known one")
    pmerge.add_argument("source", type=int, help="id of the place to merge (see 'places unverified')")
    pmerge.add_argument("target", type=int, help="id of the known place it is")
    pmerge.set_defaults(func=cmd_places_merge)

    demo = sub.add_parser("demo", help="load the demo dataset into an empty store")
    demo.add_argument("--force", action="store_true", help="load even if the store holds facts")
    demo.set_defaults(func=cmd_demo)

    extract = sub.add_parser("extract", help="print the facts of a free-text report (nothing is stored)")
    extract.add_argument("path", nargs="?", type=Path, help="a .txt, .md, .html, .pdf or .docx report")
    extract.add_argument("--published", help="publication date YYYY-MM-DD, for 'on Tuesday', 'yesterday' ...")
    extract.add_argument("--json", action="store_true", help="print the facts as a JSON list")
    extract.add_argument(
        "--evaluate", type=Path, metavar="DIR", help="score against every *.expected.json in DIR"
    )
    extract.set_defaults(func=cmd_extract)

    export = sub.add_parser(
        "export", help="write the weekly report of one ISO week (PDF, XLSX, HTML, CSV, HXL)"
    )
    export.add_argument("--week", required=True, help="ISO week, e.g. 2018-W10")
    export.add_argument("--place", help="one place with the places inside it (default: every place)")
    export.add_argument("--variant", choices=["public", "internal"], default="public",
                        help="public (default): confirmed facts, admin-2 coordinates, small counts suppressed")  # fmt: skip
    export.add_argument(
        "--format", default="pdf,xlsx,html,csv,hxl", help="comma-separated: pdf,xlsx,html,csv,hxl"
    )
    export.add_argument("--out", type=Path, required=True, help="folder to write the files to")
    export.add_argument(
        "--threshold", type=int, default=5, help="public variant: counts below it show as '<N'"
    )
    export.add_argument("--title", help="report title (default: 'Access Monitor weekly report – WEEK')")
    export.add_argument("--classification", help="label on every page (default: PUBLIC or INTERNAL)")
    export.set_defaults(func=cmd_export)

    _users_parser(sub)
    migrate = sub.add_parser("migrate", help="create or upgrade the store's schema")
    migrate.set_defaults(func=cmd_migrate)
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
