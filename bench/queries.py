"""Dashboard page queries on a big store: 1,000,000 ACLED-scale toll events and 50,000 convoys
(100,000 and 5,000 with --quick), plus a few hundred besieged observations.

The store is filled by bulk insert (this suite measures reads; bench.ingest measures writes). Each
page's query set is what the page asks dashboard.data for under the default filters (the 12 weeks
up to the latest active week), called on the db functions directly (no Streamlit cache), warm:
the best of three runs after one unmeasured run.

Baseline: DuckDB (in memory, the same facts, places, organisations and imports loaded from the
SQLite store before the clock starts) computing in SQL what each page shows, from the facts (no
rollups): tolls spread over their days, per source and day, low–high across sources, per week,
source and place, and the report counts; convoys by final outcome per week and destination, the
convoy table with its names, the week's alarming convoys; besieged populations per week and now,
with their observations; places gone silent; the import list, counts and unverified places; the
sidebar's date range, places and organisations with their counts.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.common import Measure, timed
from db import convoys as convoy_reads
from db import queries, rollups, shapes, tolls, trends
from db.auth import Actor
from db.engine import dispose_all, write_engine
from db.migrate import upgrade
from db.queries import Scope

START = dt.date(2016, 1, 4)
DAYS = 365 * 6
OUTCOMES = ["delivered", "delivered", "delivered", "partially_delivered", "blocked", "attacked", "postponed"]


def _fill(path: Path, tolls: int, convoys: int, seed: int = 4) -> None:
    """Bulk-insert the facts (one import, confirmed, linked to their source or operator)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    places = [r[0] for r in conn.execute("SELECT id FROM places WHERE country = 'SYR' AND admin_level = 4")]
    orgs = {n: i for i, n in conn.execute("SELECT id, short_name FROM organisations")}
    acled, operators = orgs.setdefault("ACLED", 0), [orgs[n] for n in ("UN", "SARC", "ICRC") if n in orgs]
    conn.execute("BEGIN")
    if not acled:
        acled = conn.execute(
            "INSERT INTO organisations (short_name, full_name, verified) VALUES ('ACLED', 'ACLED', 1)"
        ).lastrowid
    conn.execute(
        "INSERT INTO imports (id, sha256, file_name, format, imported_at, imported_by, rows_in, added, updated, "
        "duplicate, skipped, rejected, retracted, places_added) VALUES (1, 'bench', 'bench.csv', 'acled', "
        "'2026-01-01 00:00:00.000000', 'bench', 0, 0, 0, 0, 0, 0, 0, 0)"
    )  # fmt: skip
    cols = ("id, kind, import_id, fingerprint, content_hash, external_id, event_ref, place_id, place_text, date, "
            "date_precision, period_start, period_end, outcome, trucks, people_served, population, status, killed, "
            "victim_group, cumulative, method, review_status, retracted")  # fmt: skip
    sql = f"INSERT INTO facts ({cols}) VALUES ({', '.join('?' * 24)})"
    rows, links = [], []
    for i in range(1, tolls + convoys + 400 + 1):
        day = (START + dt.timedelta(days=rng.randrange(DAYS))).isoformat()
        place = rng.choice(places)
        if i <= tolls:
            rows.append((i, "civilian_toll", 1, f"t{i}", "h", f"acled:SYR{i}", None, place, "p", day, "day", day, day,
                         None, None, None, None, None, min(int(rng.paretovariate(1.6)), 250), "civilians", 0, "acled",
                         "confirmed", 0))  # fmt: skip
            links.append((i, acled, "source"))
        elif i <= tolls + convoys:
            ref = f"C{i // 2}" if rng.random() < 0.3 else None  # some convoys have a status update
            rows.append((i, "convoy", 1, f"c{i}", "h", None, ref, place, "p", day, "day", None, None,
                         rng.choice(OUTCOMES), rng.randint(5, 60), rng.randint(1000, 50000), None, None, None, None,
                         0, "table", "confirmed", 0))  # fmt: skip
            links.append((i, rng.choice(operators), "operator"))
        else:
            rows.append((i, "besieged_population", 1, f"b{i}", "h", None, None, rng.choice(places[:40]), "p", day,
                         "day", None, None, None, None, None, rng.randint(5000, 90000), "besieged", None, None, 0,
                         "table", "confirmed", 0))  # fmt: skip
        if len(rows) >= 50_000:
            conn.executemany(sql, rows)
            conn.executemany("INSERT INTO fact_organisations VALUES (?, ?, ?)", links)
            rows, links = [], []
    conn.executemany(sql, rows)
    conn.executemany("INSERT INTO fact_organisations VALUES (?, ?, ?)", links)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _rebuild(url: str) -> None:
    """The filled store has facts but no rollups yet (an import would have refreshed them)."""
    with write_engine(url).begin() as conn:
        rollups.rebuild(conn)
        conn.exec_driver_sql("ANALYZE")


def _pages(url: str) -> dict[str, Callable[[], object]]:
    latest = queries.latest_activity(url)
    assert latest is not None
    week = latest - dt.timedelta(days=latest.weekday())
    sel = trends.Selection(week - dt.timedelta(weeks=11), week + dt.timedelta(days=6))

    def overview() -> object:
        counts, obs = convoy_reads.convoy_counts(sel, url), trends.besieged_observations(sel, url)
        weekly = trends.weekly_overview(sel, url, counts=counts, obs=obs)
        convoy_reads.convoy_summary(counts)  # the convoy charts' source note
        tolls.report_counts(sel, url)  # the toll charts' source note
        return trends.alerts(week, sel, url, weekly=weekly, obs=obs)

    def convoys() -> object:
        rows = trends.convoy_facts(sel, url)
        trends.weekly_convoys(sel, url, rows=rows)
        return trends.top_destinations(sel, url=url, rows=rows)

    def besieged() -> object:
        obs = trends.besieged_observations(sel, url)
        trends.besieged_by_week(sel, url, obs=obs)
        return trends.besieged_table(sel, url, obs=obs)

    def tolls_page() -> object:
        return trends.toll_trends(sel, url), tolls.report_counts(sel, url)

    def map_page() -> object:
        return shapes.place_figures("killed", sel.start, sel.end, Scope(), url)

    def data_page() -> object:
        return queries.imports(url), queries.store_counts(url), queries.unverified_places(url)

    def sidebar() -> object:
        return (queries.data_range(url), queries.latest_activity(url), trends.filter_places(url),
                trends.filter_organisations(url))  # fmt: skip

    return {"Overview": overview, "Convoys": convoys, "Besieged": besieged, "Tolls": tolls_page, "Map": map_page,
            "Data": data_page, "sidebar (every page)": sidebar}  # fmt: skip


def _duckdb(path: Path, url: str) -> dict[str, Callable[[], object]]:
    """Each page's outputs computed by DuckDB from the facts (no rollups): the same figures and
    tables the page shows, joined to the names it shows (places, organisations, files)."""
    import duckdb
    import pandas as pd

    src = sqlite3.connect(path)
    db = duckdb.connect()
    facts = src.execute(
        "SELECT f.id, f.kind, f.event_ref, f.place_id, f.date, f.period_start, f.period_end, f.outcome, f.trucks, "
        "f.people_served, f.population, f.status, f.killed, f.injured, f.import_id, fo.organisation_id AS source "
        "FROM facts f LEFT JOIN fact_organisations fo ON fo.fact_id = f.id"  # one link per bench fact
    ).fetchall()
    db.execute("CREATE TABLE facts (id INT, kind TEXT, event_ref TEXT, place_id INT, date DATE, period_start DATE, "
               "period_end DATE, outcome TEXT, trucks INT, people_served INT, population INT, status TEXT, killed INT, "
               "injured INT, import_id INT, source INT)")  # fmt: skip
    _bulk(db, facts)
    for table, cols, types in (
        ("places", "id, name, parent_id, lat, lon, verified, merged_into_id, country, created_import_id",
         "id INT, name TEXT, parent_id INT, lat DOUBLE, lon DOUBLE, verified BOOLEAN, merged_into_id INT, "
         "country TEXT, created_import_id INT"),
        ("organisations", "id, short_name", "id INT, short_name TEXT"),
        ("links", "fact_id, organisation_id, role", "fact_id INT, organisation_id INT, role TEXT"),
        ("imports", "id, file_name, imported_at, format, rows_in, added", "id INT, file_name TEXT, imported_at TEXT, "
         "format TEXT, rows_in INT, added INT"),
    ):  # fmt: skip
        rows = src.execute(
            f"SELECT {cols} FROM {'fact_organisations' if table == 'links' else table}"
        ).fetchall()
        db.execute(f"CREATE TABLE {table} ({types})")
        if rows:
            frame = pd.DataFrame(rows, columns=[c.strip() for c in cols.split(",")])  # noqa: F841 -- read by DuckDB
            db.execute(f"INSERT INTO {table} SELECT * FROM frame")
    src.close()
    latest = queries.latest_activity(url)
    assert latest is not None
    week = latest - dt.timedelta(days=latest.weekday())
    end = week + dt.timedelta(days=6)
    start = end - dt.timedelta(days=83)
    silent = week - dt.timedelta(weeks=trends.SILENT_WEEKS - 1)
    baseline = silent - dt.timedelta(weeks=trends.BASELINE_WEEKS)
    w = f"DATE '{start}' AND DATE '{end}'"
    tolls = f"""WITH days AS (SELECT place_id, source, unnest(generate_series(period_start, period_end, INTERVAL 1 DAY))::DATE AS day,
               killed * 1.0 / (date_diff('day', period_start, period_end) + 1) AS k FROM facts
               WHERE kind = 'civilian_toll' AND period_start <= DATE '{end}' AND period_end >= DATE '{start}'),
        per_source AS (SELECT day, place_id, source, sum(k) AS k FROM days WHERE day BETWEEN {w} GROUP BY ALL),
        band AS (SELECT day, place_id, min(k) AS lo, max(k) AS hi, count(*) AS n FROM per_source GROUP BY ALL)"""
    convoys = """WITH c AS (SELECT *, coalesce(event_ref, 'fact:' || id) AS ck FROM facts WHERE kind = 'convoy'),
        final AS (SELECT * FROM c QUALIFY row_number() OVER (PARTITION BY ck ORDER BY date DESC, id DESC) = 1)"""
    weeks = f"(SELECT unnest(generate_series(DATE '{start}', DATE '{week}', INTERVAL 7 DAY))::DATE AS week)"
    obs = f"(SELECT place_id, date, population, status FROM facts WHERE kind = 'besieged_population' AND date <= DATE '{end}')"
    q = {
        "tolls_band": f"{tolls} SELECT date_trunc('week', day) AS week, sum(lo), sum(hi), count(DISTINCT n) FROM band GROUP BY 1",
        "tolls_source": f"{tolls} SELECT date_trunc('week', day) AS week, source, sum(k) FROM per_source GROUP BY ALL",
        "tolls_compare": f"{tolls} SELECT source, min(day), max(day), sum(k) FROM per_source GROUP BY ALL",
        "tolls_place": f"{tolls} SELECT b.place_id, p.name, parent.name, p.lat, p.lon, sum(lo), sum(hi), max(n) FROM band b "
                       "JOIN places p ON p.id = b.place_id LEFT JOIN places parent ON parent.id = p.parent_id GROUP BY ALL",
        "toll_reports": f"SELECT source, import_id, count(*) FROM facts WHERE kind = 'civilian_toll' AND period_end >= DATE '{start}' "
                        f"AND period_start <= DATE '{end}' GROUP BY ALL",
        "convoy_rows": f"{convoys} SELECT f.*, p.name, i.file_name, (SELECT min(o.short_name) FROM links l JOIN organisations o "
                       "ON o.id = l.organisation_id WHERE l.fact_id = f.id AND l.role = 'operator') AS operator FROM final f "
                       f"JOIN places p ON p.id = f.place_id JOIN imports i ON i.id = f.import_id WHERE f.date BETWEEN {w}",
        "convoy_weeks": f"{convoys} SELECT date_trunc('week', date), outcome, count(*), sum(trucks) FROM final WHERE date BETWEEN {w} GROUP BY ALL",
        "convoy_top": f"{convoys} SELECT place_id, count(*) FROM final WHERE date BETWEEN {w} GROUP BY ALL ORDER BY 2 DESC LIMIT 10",
        "alarming": f"SELECT f.id, f.date, p.name, f.outcome, f.trucks FROM facts f JOIN places p ON p.id = f.place_id WHERE "
                    f"f.kind = 'convoy' AND f.outcome IN ('blocked', 'attacked', 'items_removed') AND f.date BETWEEN DATE '{week}' AND DATE '{end}'",
        "silent": f"SELECT f.place_id, p.name, max(f.date), count(*) FROM facts f JOIN places p ON p.id = f.place_id WHERE "
                  f"f.date BETWEEN DATE '{baseline}' AND DATE '{end}' GROUP BY ALL HAVING max(f.date) < DATE '{silent}'",
        "besieged_rows": f"SELECT o.*, p.name FROM {obs} o JOIN places p ON p.id = o.place_id ORDER BY o.date",
        "besieged_weeks": f"SELECT week, sum(population) FILTER (WHERE status = 'besieged'), count(*) FILTER (WHERE status = 'besieged') "
                          f"FROM (SELECT w.week, o.place_id, arg_max(o.population, o.date) AS population, arg_max(o.status, o.date) AS status "
                          f"FROM {weeks} w JOIN {obs} o ON o.date <= w.week + 6 GROUP BY ALL) GROUP BY week",
        "besieged_now": f"SELECT o.place_id, p.name, max(o.date), arg_max(o.population, o.date) FROM {obs} o "
                        "JOIN places p ON p.id = o.place_id GROUP BY ALL",
        "data": "SELECT kind, count(*) FROM facts GROUP BY ALL",
        "imports": "SELECT * FROM imports ORDER BY id DESC",
        "unverified": "SELECT p.id, p.name, p.country, parent.name, p.lat, p.lon, count(f.id), i.file_name FROM places p "
                      "LEFT JOIN places parent ON parent.id = p.parent_id LEFT JOIN facts f ON f.place_id = p.id "
                      "LEFT JOIN imports i ON i.id = p.created_import_id WHERE NOT p.verified AND p.merged_into_id IS NULL "
                      "GROUP BY ALL ORDER BY p.name",
        "range": "SELECT min(date), max(date), max(date) FILTER (WHERE kind IN ('convoy', 'civilian_toll')) FROM facts",
        "filter_places": "WITH own AS (SELECT place_id, count(*) AS n FROM facts GROUP BY ALL) SELECT p.id, p.name, p.parent_id, "
                         "own.n, (SELECT sum(c.n) FROM own c JOIN places child ON child.id = c.place_id WHERE child.parent_id = p.id) "
                         "FROM places p JOIN own ON own.place_id = p.id ORDER BY lower(p.name)",
        "filter_orgs": "SELECT o.id, o.short_name, string_agg(DISTINCT l.role, ' and '), count(*) FROM links l "
                       "JOIN organisations o ON o.id = l.organisation_id GROUP BY o.id, o.short_name ORDER BY lower(o.short_name)",
    }  # fmt: skip

    def run(*names: str) -> Callable[[], object]:
        return lambda: [db.execute(q[n]).fetchall() for n in names]

    return {
        "Overview": run("convoy_rows", "besieged_rows", "convoy_weeks", "besieged_weeks", "tolls_band", "toll_reports",
                        "alarming", "silent"),
        "Convoys": run("convoy_rows", "convoy_weeks", "convoy_top"),
        "Besieged": run("besieged_rows", "besieged_weeks", "besieged_now"),
        "Tolls": run("tolls_band", "tolls_source", "tolls_compare", "toll_reports"),
        "Map": run("tolls_place"),
        "Data": run("imports", "data", "unverified"),
        "sidebar (every page)": run("range", "filter_places", "filter_orgs"),
    }  # fmt: skip


def _bulk(db: object, facts: list) -> None:
    import pandas as pd

    frame = pd.DataFrame(facts, columns=["id", "kind", "event_ref", "place_id", "date", "period_start", "period_end",
                                         "outcome", "trucks", "people_served", "population", "status", "killed",
                                         "injured", "import_id", "source"])  # fmt: skip
    for col in ("date", "period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    db.execute("INSERT INTO facts SELECT * FROM frame")  # type: ignore[attr-defined]


def _copy_to_pg(path: Path, server: str) -> tuple[str, str]:
    """A fresh PostgreSQL database holding the same facts as the SQLite bench store (COPY)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from bench.ingest import _pg_database

    name, url = _pg_database(server)
    upgrade(url)
    src = sqlite3.connect(path)
    with psycopg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    ) as pg:
        ours = dict(src.execute("SELECT id, name FROM places"))
        theirs = dict(pg.execute("SELECT id, name FROM places").fetchall())
        if ours != theirs:
            raise RuntimeError(
                "the seeded gazetteers differ between SQLite and PostgreSQL: cannot copy place ids"
            )
        known = {r[0] for r in pg.execute("SELECT id FROM organisations").fetchall()}
        extra = [
            r
            for r in src.execute("SELECT id, short_name, full_name, verified FROM organisations")
            if r[0] not in known
        ]
        for table, rows in (("organisations (id, short_name, full_name, verified)", extra),
                            ("imports", None), ("facts", None), ("fact_organisations", None)):  # fmt: skip
            cols = [r[1] for r in src.execute(f"PRAGMA table_info({table.split()[0]})")]
            target = table if rows is not None else f"{table} ({', '.join(cols)})"
            data = rows if rows is not None else src.execute(f"SELECT {', '.join(cols)} FROM {table}")
            with pg.cursor().copy(f"COPY {target} FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        pg.commit()
    src.close()
    return name, url


def _measure(label: str, url: str, theirs: dict[str, Callable[[], object]], size: str) -> list[Measure]:
    out = []
    for page, fn in _pages(url).items():
        fn()
        theirs[page]()
        seconds, _ = timed(fn, repeat=3)
        base, _ = timed(theirs[page], repeat=3)
        out.append(Measure(f"{page} page queries{label}", seconds * 1000, "ms", "DuckDB, same aggregations",
                           base * 1000, "< 200 ms (#4); < 50 ms, ≤ 2× DuckDB (#7)", None,
                           f"{size}, 12 weeks, warm"))  # fmt: skip
    return out


def run(quick: bool) -> list[Measure]:
    from bench.ingest import _drop_pg, _pg_url

    tolls, convoys = (100_000, 5_000) if quick else (1_000_000, 50_000)
    size = f"{tolls:,} tolls, {convoys:,} convoys"
    with tempfile.TemporaryDirectory(prefix="bench-queries-") as folder:
        path = Path(folder) / "big.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        _ = Actor  # the store is filled without an import: no actor needed
        _fill(path, tolls, convoys)
        rebuild, _ = timed(lambda: _rebuild(url), repeat=1)
        dispose_all()
        theirs = _duckdb(path, url)
        out = [Measure("rollups rebuilt from the facts (once; imports refresh only the places they touch)",
                       rebuild, "s", note=size)]  # fmt: skip
        out += _measure("", url, theirs, size)
        server = _pg_url()
        if server:
            name, pg_url = _copy_to_pg(path, server)
            try:
                rebuild, _ = timed(lambda: _rebuild(pg_url), repeat=1)
                out.append(Measure("rollups rebuilt (PostgreSQL)", rebuild, "s", note=size))
                out += _measure(" (PostgreSQL)", pg_url, theirs, size)
            finally:
                dispose_all()
                _drop_pg(server, name)
        dispose_all()
    return out
