"""Commands that take files in: ingest, places (import, unverified, merge, unmerge), demo."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from rich.progress import TaskID
from rich.table import Table

from commands.common import actor_for, console, out, progress_bar
from db.auth import Actor
from db.backup_common import is_disk_full
from db.writer import ImportSummary, write_import
from loaders.records import LoadError
from loaders.registry import Format, detect_format
from loaders.safety import check_size
from loaders.stream import stream_file

DISK_FULL = ("the disk holding the store is full: the import was rolled back and nothing of this file was "
             "stored; free space there (or move the store) and import the file again")  # fmt: skip
DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
DEMO_FILES = ("besieged.csv", "convoys.csv", "tolls.csv")
PLACE_FORMATS = {Format.COD_PCODES, Format.COD_GEOJSON}


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
    with progress_bar() as bar:
        for path in paths:
            task = bar.add_task(f"reading {path.name}", total=None)

            def report(done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total)

            try:
                if path.is_file():  # the size limit first: detection must not be what refuses a huge file
                    check_size(path, options.get("max_bytes"))  # type: ignore[arg-type]
                chosen = Format(fmt) if fmt else detect_format(path)
                if only is not None and chosen not in only:
                    raise LoadError(
                        path.name, f"is a {chosen.value} file, not a gazetteer; use 'ingest' for it"
                    )
                # Streamed: an ACLED export of a million rows never sits in memory whole.
                result = stream_file(path, chosen, progress=report, **options)
                bar.update(task, description=f"storing {path.name}", completed=0, total=None)
                summaries.append(write_import(result, actor=actor, retract_missing=retract, progress=report))
            except LoadError as exc:
                refused.append((path, str(exc)))
            except Exception as exc:  # a full disk: the import rolled back; say so, not a traceback
                if not is_disk_full(exc):
                    raise
                refused.append((path, DISK_FULL))
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
    options: dict[str, object] = {
        k: v for k, v in {"date_order": args.date_order, "encoding": args.encoding}.items() if v
    }
    # The same default limit as uploads ($ACCESS_MONITOR_MAX_UPLOAD_MB, 50 MB): a file handed over
    # by someone else is no safer on the command line. An operator lifts it for a file they chose
    # (a country's ACLED years is hundreds of MB) with --max-mb N, or --max-mb 0 for no limit.
    if args.max_mb is not None:
        options["max_bytes"] = int(args.max_mb * 1024 * 1024) if args.max_mb > 0 else 0
    summaries, refused = ingest_paths(
        args.paths,
        actor=actor_for(args, "import"),
        fmt=args.format,
        retract_missing=args.retract_missing,
        **options,
    )
    _print_summary(summaries, refused)
    return 1 if refused else 0


def cmd_places_import(args: argparse.Namespace) -> int:
    options = {"country": args.country} if args.country else {}
    summaries, refused = ingest_paths(
        args.paths, actor=actor_for(args, "import"), only=PLACE_FORMATS, **options
    )
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
        moved = merge_place(args.source, args.target, actor=actor_for(args, "merge"))
    except CurationError as exc:
        console.print(f"[red]not merged:[/red] {exc}", highlight=False)
        return 1
    out.print(f"Merged place {args.source} into {args.target}: {moved} fact(s) moved.")
    out.print(f"Undo it with: python -m cli places unmerge {args.source}")
    return 0


def cmd_places_unmerge(args: argparse.Namespace) -> int:
    from db.curation import CurationError, unmerge_place

    try:
        done = unmerge_place(args.source, actor=actor_for(args, "merge"))
    except CurationError as exc:
        console.print(f"[red]not unmerged:[/red] {exc}", highlight=False)
        return 1
    out.print(done.describe(), highlight=False)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from db.queries import store_counts

    actor = actor_for(args, "import", default_name="demo")
    counts = store_counts()
    if not args.force and any(counts.get(k) for k in ("convoy", "besieged_population", "civilian_toll")):
        out.print("The store already holds facts; demo data not loaded (use --force to add it anyway).")
        return 0
    summaries, refused = ingest_paths([DEMO_DIR / name for name in DEMO_FILES], actor=actor)
    _print_summary(summaries, refused)
    return 1 if refused else 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    ingest = sub.add_parser("ingest", help="import convoy, besieged, toll and incident files")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--format", choices=[f.value for f in Format], help="skip detection")
    ingest.add_argument("--date-order", choices=["dmy", "mdy"], help="for DD/MM/YYYY or MM/DD/YYYY files")
    ingest.add_argument("--encoding", help="e.g. cp1256 when detection picks the wrong one")
    ingest.add_argument(
        "--max-mb", type=float,
        help="refuse files larger than this many MB (default: the upload limit, $ACCESS_MONITOR_MAX_UPLOAD_MB "
        "or 50; 0: no limit, for a big export you chose yourself)",
    )  # fmt: skip
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
    pmerge = places_sub.add_parser(
        "merge", help="merge an unverified place into a known one (a verified place: admins only)"
    )
    pmerge.add_argument("source", type=int, help="id of the place to merge (see 'places unverified')")
    pmerge.add_argument("target", type=int, help="id of the known place it is")
    pmerge.set_defaults(func=cmd_places_merge)
    punmerge = places_sub.add_parser(
        "unmerge", help="undo a place merge: its facts, child places and alias go back"
    )
    punmerge.add_argument("source", type=int, help="id of the place that was merged")
    punmerge.set_defaults(func=cmd_places_unmerge)

    demo = sub.add_parser("demo", help="load the demo dataset into an empty store")
    demo.add_argument("--force", action="store_true", help="load even if the store holds facts")
    demo.set_defaults(func=cmd_demo)
