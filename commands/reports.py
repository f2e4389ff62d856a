"""Commands about reports: extract (facts from prose, or the extractor's score) and export
(the weekly report)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.table import Table

from commands.common import actor_for, console, out
from db import auth
from loaders.records import LoadError


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
    actor = actor_for(args, auth.report_action(args.variant))
    try:
        week = parse_week(args.week)
        place = find_place(args.place) if args.place else (None, None)
    except ReportError as exc:
        console.print(f"[red]not exported:[/red] {exc}", highlight=False)
        return 2
    options = ReportOptions(
        week, place[0], place[1], args.variant, args.threshold, args.title, args.classification
    )
    try:
        report = build_report(options, actor=actor)
    except ReportError as exc:  # e.g. a viewer's threshold below the public minimum
        console.print(f"[red]not exported:[/red] {exc}", highlight=False)
        return 2
    if not report.has_data:  # a quiet week exports: what carries through it (db.sieges) is the news
        out.print(f"note: no fact is dated in {report.week_label}; the report shows what carries "
                  "through it (besieged figures) and '–' (no report) for convoys and tolls.", highlight=False)  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        for name, data in export_files(report, fmt, actor=actor).items():
            (args.out / name).write_bytes(data)
            out.print(f"wrote {args.out / name} ({len(data):,} bytes)", highlight=False)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
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
