"""ACLED import: a generated export (1,000,000 rows; 100,000 with --quick) into an empty store.

Each side runs in its own child process, so its peak memory (ru_maxrss) is its own:

- **ours**: ``write_import(stream_file(path))`` — the streaming ACLED loader and the writer's bulk
  path, everything an import does (validation, place and organisation resolution, fingerprints and
  content hashes, duplicate and update checks, issues, accounting, audit line, rollups), one
  transaction.
- **baseline** (the floor): the same CSV read with the ``csv`` module, and for each row the rows our
  import stored for it (facts, fact_organisations links, import_issues), then the rollup rows our
  import stored (toll_days, toll_reports, place_counts, organisation_counts, toll_weeks,
  convoy_finals), inserted with
  ``sqlite3`` ``executemany`` into empty tables of the same schema (same indexes, same pragmas: WAL,
  synchronous=NORMAL, the writer's page cache), in one transaction. The stored rows are read back
  from our store *before* the clock starts, so the baseline parses, validates, resolves, hashes and
  aggregates nothing: it is the cost of reading the file and writing what must be written. Its
  peak memory includes those prepared rows (it holds them all).

Our peak memory is what the import's process and its reader process (db.pipeline) held together
at their most, sampled every 10 ms; the note gives each one's own peak too.

The ratio is ours / baseline. With ``ACCESS_MONITOR_BENCH_PG`` (or a PostgreSQL ``DATABASE_URL``)
our import also runs against that server (a fresh database), printed as its own line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import Measure

ROWS, QUICK_ROWS = 1_000_000, 100_000
ROOT = Path(__file__).resolve().parents[1]


def _rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and every process under it (the import's reader process)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS")), 0)
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return total
    return total + sum(_rss_kib(child) for child in children)


def _child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line (seconds, counts). Adds
    ``peak_mb`` (its own VmHWM; not ru_maxrss, which Linux carries over from the parent across
    fork and exec) and ``together_mb``: the most it and its child processes held at once, sampled
    every 10 ms from this process (so the sampling costs the measured processes nothing)."""
    wrapper = (
        "import json, sys\n"
        + code
        + "\nhwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]"
        "\nout['peak_mb'] = int(hwm[0].split()[1]) / 1024\nprint(json.dumps(out))"
    )
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", wrapper, *args], cwd=ROOT, stdout=out, stderr=err, text=True
        )
        together = 0
        while proc.poll() is None:
            together = max(together, _rss_kib(proc.pid))
            time.sleep(0.01)
        out.seek(0), err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"bench child failed:\n{err.read()[-3000:]}")
        result = json.loads(out.read().strip().splitlines()[-1])
    result["together_mb"] = max(together / 1024, result["peak_mb"])
    return result


CREATE = """
from db.migrate import upgrade
upgrade(sys.argv[1])
out = {}
"""

OURS = """
import time
from db.auth import Actor
from db.writer import write_import
from loaders.stream import stream_file
url, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
s = write_import(stream_file(path, max_bytes=0), actor=Actor("bench", "editor"), url=url)
out = {"seconds": time.perf_counter() - start, "added": s.added, "skipped": s.skipped, "rejected": s.rejected}
import resource
out["children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the reader process
"""

BASELINE = """
import csv, sqlite3, time
store, path, floor = sys.argv[1], sys.argv[2], sys.argv[3]
src = sqlite3.connect(store)
schema = [r[0] for r in src.execute(
    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
    "AND (tbl_name IN ('facts', 'fact_organisations', 'import_issues', 'imports', 'places', 'organisations', "
    "'toll_days', 'toll_reports', 'place_counts', 'organisation_counts', 'toll_weeks', 'convoy_finals'))"
    " ORDER BY type = 'index'")]
rows = {}
def columns(table):
    return [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
fact_cols, issue_cols = columns("facts"), columns("import_issues")
by_row = {}  # spreadsheet row -> (fact row, its links) or issue rows
facts = {r[0]: r for r in src.execute("SELECT * FROM facts")}
links = {}
for link in src.execute("SELECT * FROM fact_organisations"):
    links.setdefault(link[0], []).append(link)
row_at = fact_cols.index("source_row")
for fact in facts.values():
    by_row.setdefault(fact[row_at], []).append(("f", fact))
for issue in src.execute("SELECT * FROM import_issues"):
    by_row.setdefault(issue[2], []).append(("i", issue))
referenced = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in ("imports", "places", "organisations")}
rollups = {t: src.execute(f"SELECT * FROM {t}").fetchall()
           for t in ("toll_days", "toll_reports", "place_counts", "organisation_counts", "toll_weeks", "convoy_finals")}
src.close()
dst = sqlite3.connect(floor, isolation_level=None)
dst.execute("PRAGMA journal_mode=WAL"); dst.execute("PRAGMA synchronous=NORMAL")
dst.execute("PRAGMA cache_size=-65536")
for sql in schema:
    dst.execute(sql)
for table, table_rows in referenced.items():  # what the facts point at, as in our store (not timed)
    if table_rows:
        dst.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(table_rows[0]))})", table_rows)
dst.execute("PRAGMA foreign_keys=ON")  # as on our write connection
fsql = f"INSERT INTO facts VALUES ({','.join('?' * len(fact_cols))})"
isql = f"INSERT INTO import_issues VALUES ({','.join('?' * len(issue_cols))})"
lsql = "INSERT INTO fact_organisations VALUES (?, ?, ?)"
start = time.perf_counter()
dst.execute("BEGIN")
with open(path, newline="", encoding="utf-8") as fh:
    reader = csv.reader(fh)
    next(reader)
    fbuf, lbuf, ibuf = [], [], []
    for number, cells in enumerate(reader, start=2):
        for what, row in by_row.get(number, ()):
            if what == "f":
                fbuf.append(row)
                lbuf.extend(links.get(row[0], ()))
            else:
                ibuf.append(row)
        if len(ibuf) >= 20000:
            dst.executemany(fsql, fbuf); dst.executemany(lsql, lbuf); dst.executemany(isql, ibuf)
            fbuf, lbuf, ibuf = [], [], []
    dst.executemany(fsql, fbuf); dst.executemany(lsql, lbuf); dst.executemany(isql, ibuf)
for table, table_rows in rollups.items():
    if table_rows:
        dst.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(table_rows[0]))})", table_rows)
dst.execute("COMMIT")
out = {"seconds": time.perf_counter() - start, "facts": len(facts), "rollup_rows": sum(map(len, rollups.values()))}
"""


def _pg_url() -> str | None:
    url = os.environ.get("ACCESS_MONITOR_BENCH_PG") or os.environ.get("DATABASE_URL") or ""
    return url if url.startswith("postgresql") else None


def _pg_database(server: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"am_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop_pg(server: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(quick: bool) -> list[Measure]:
    from bench import acled_gen

    rows = QUICK_ROWS if quick else ROWS
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        path = acled_gen.write(Path(folder) / f"acled_{rows}.csv", rows)
        store = Path(folder) / "ours.db"
        _child(CREATE, f"sqlite:///{store}")  # the empty store, made beforehand: the import is measured
        ours = _child(OURS, f"sqlite:///{store}", str(path))
        base = _child(BASELINE, str(store), str(path), str(Path(folder) / "floor.db"))
        size = f"{path.stat().st_size / 1e6:,.0f} MB"
        note = (
            f"{rows:,} rows ({size}): {ours['added']:,} tolls, {ours['skipped']:,} skipped, "
            f"{base['rollup_rows']:,} rollup rows; peak = import and reader process together (each alone: "
            f"{ours['peak_mb']:,.0f} and {ours['children_mb']:,.0f} MB); baseline peak {base['peak_mb']:,.0f} MB"
        )
        peak = ours["together_mb"]
        out = [
            Measure(f"ACLED import, {rows:,} rows (SQLite)", ours["seconds"], "s", "csv + executemany floor",
                    base["seconds"], "≤ 1.3× baseline, < 300 MB", peak, note),
        ]  # fmt: skip
        server = _pg_url()
        if server:
            name, url = _pg_database(server)
            try:
                _child(CREATE, url)
                pg = _child(OURS, url, str(path))
            finally:
                _drop_pg(server, name)
            out.append(
                Measure(f"ACLED import, {rows:,} rows (PostgreSQL)", pg["seconds"], "s", "SQLite import above",
                        ours["seconds"], None, pg["together_mb"],
                        "same file, same code; rows streamed with COPY")
            )  # fmt: skip
    return out
