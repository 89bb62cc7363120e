"""Times the municipality reports (issue 14) over many submitted assessments. Not a test.

A fresh database with the real migrations, frameworks, target profiles and modules of `courses/`; N submitted
assessments over the six municipalities and all sub-sectors (each with a result for every competence of its
target profile; some people assessed twice, the second time later), inserted in bulk with SQLAlchemy Core; one
staff user per municipality. Then, through the Flask test client as the staff user of one municipality:
the map page `/reports` (with and without a period), `/reports/skills-gap.csv`, `/reports/training` and its CSV,
`/reports/participation` and its two CSVs (the people here enrol in nothing: the funnel stops after "assessed"),
and, inside the application, the parts of one map: the SQL aggregation (`services.count`), the disclosure rule
(`services.published_cells` + `rules.suppress_together`) and the whole view model (`services.skills_gap_map`).

    python bench/reports_timing.py [--assessments 10000]                # SQLite in a temporary folder
    createdb -h 127.0.0.1 -U postgres bench_reports
    python bench/reports_timing.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports --explain
    UPREST_BENCH_DATABASE_URL=postgresql+psycopg://... python bench/reports_timing.py

A PostgreSQL database must be empty (the script refuses one that has tables) unless `--reuse` is given, which
keeps its data and only migrates it to `--revision` (up or down): the same data measured with and without a
migration's indexes. After seeding, PostgreSQL gets `VACUUM ANALYZE` (what autovacuum does soon after a bulk load).
`--explain` prints the plan of every statement `services.count` sends (`EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL,
`EXPLAIN QUERY PLAN` on SQLite). The load average is printed with every group of figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-2026"
#: Sub-sectors of the businesses, weighted (accommodation and food the most common).
SUBSECTORS = {
    "accommodation": 6,
    "food_beverage": 5,
    "tour_operator": 2,
    "attraction": 2,
    "destination": 1,
    "transport": 1,
    "beach": 2,
    "events": 1,
}
SIZES = {"solo": 3, "micro": 6, "small": 3, "medium": 1, "large": 1}
#: Assessments are submitted over these eight quarters.
FIRST_DAY, DAYS = datetime(2025, 1, 1, 9, tzinfo=UTC), 729
PEOPLE_PER_BUSINESS = 4
BATCH = 5000


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   (n={len(ordered)})"


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


# --- the database -------------------------------------------------------------------------------------------


def prepare(app, url: str, reuse: bool, revision: str) -> bool:
    """Migrate to `revision`; True when the data must be seeded (a new database)."""
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from uprest.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            current = MigrationContext.configure(conn).get_current_revision()
        if tables and not reuse:
            raise SystemExit(f"{url.split('@')[-1]} is not empty: give an empty database, or --reuse to keep its data")
        if current and revision != "head" and not _is_ancestor(current, revision):
            downgrade(directory=str(ROOT / "migrations"), revision=revision)
        else:
            upgrade(directory=str(ROOT / "migrations"), revision=revision)
        with db.engine.connect() as conn:
            print(f"schema at revision {MigrationContext.configure(conn).get_current_revision()}")
        return not tables


def _is_ancestor(current: str, revision: str) -> bool:
    """True when `revision` comes after `current` (an upgrade), i.e. `current` is among its ancestors."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    return any(rev.revision == current for rev in script.walk_revisions(base="base", head=revision))


def seed(app, assessments: int, twice: float, rng: random.Random) -> None:
    """Frameworks, profiles and modules from `courses/`; people, businesses and their submitted assessments."""
    from uprest.accounts import services as accounts
    from uprest.accounts.models import Municipality, Organisation, Role, User
    from uprest.assessments.models import AssessmentResult, AssessmentRun
    from uprest.catalog.loader import import_modules
    from uprest.extensions import db
    from uprest.frameworks.loader import import_frameworks, import_profiles
    from uprest.frameworks.models import Competence, ProficiencyLevel, TargetProfile
    from uprest.security import hash_password

    start = time.perf_counter()
    with app.app_context():
        accounts.ensure_municipalities()
        import_frameworks(ROOT / "courses" / "frameworks")
        import_profiles(ROOT / "courses" / "profiles")
        import_modules(ROOT / "courses")
        db.session.commit()
        munis = list(db.session.scalars(db.select(Municipality).order_by(Municipality.id)))
        for muni in munis:
            accounts.register_user(
                name=f"Staff {muni.name}",
                email=f"staff-{muni.code}@bench.example",
                password=PASSWORD,
                locale="en",
                municipality_id=muni.id,
                role=Role.STAFF,
            )
        db.session.commit()
        print(f"content and staff: {time.perf_counter() - start:.1f} s")

        top = dict(
            db.session.execute(
                db.select(ProficiencyLevel.framework_id, db.func.max(ProficiencyLevel.level)).group_by(
                    ProficiencyLevel.framework_id
                )
            ).all()
        )
        comps = {c.key: c for c in db.session.scalars(db.select(Competence))}
        profiles: dict[str, list] = {}
        for profile in db.session.scalars(db.select(TargetProfile).order_by(TargetProfile.id)):
            targets = [
                (comps[t.competence_key], t.min_level, t.max_level, t.importance)
                for t in profile.targets
                if t.competence_key in comps
            ]
            profiles.setdefault(profile.subsector, []).append((profile, targets))

        people = round(assessments / (1 + twice))
        pick = lambda weights: rng.choices(list(weights), weights=list(weights.values()))[0]  # noqa: E731
        businesses = [
            {
                "name": f"Bench business {b}",
                "subsector": pick(SUBSECTORS),
                "size": pick(SIZES),
                "municipality_id": munis[b % len(munis)].id,
            }
            for b in range(max(len(munis), people // PEOPLE_PER_BUSINESS))
        ]
        org_ids = _insert(db, Organisation, businesses, Organisation.id)
        by_muni: dict[int, list[tuple[int, str]]] = {}
        for org_id, row in zip(org_ids, businesses, strict=True):
            by_muni.setdefault(row["municipality_id"], []).append((org_id, row["subsector"]))
        shared_hash = hash_password(PASSWORD)
        users, subsectors = [], []
        for i in range(people):
            muni = munis[i % len(munis)].id
            org = rng.choice(by_muni[muni]) if rng.random() > 0.05 else None  # 5 % without a business
            subsectors.append(org[1] if org else pick(SUBSECTORS))
            users.append(
                {
                    "email": f"bench-report-{i}@bench.example",
                    "name": f"Bench person {i}",
                    "password_hash": shared_hash,
                    "locale": "en",
                    "role": "learner",
                    "municipality_id": muni,
                    "organisation_id": org[0] if org else None,
                    "job_role": "staff",
                    "shares_with_organisation": False,
                    "is_active_account": True,
                    "session_version": 1,
                }
            )
        user_ids = _insert(db, User, users, User.id)
        print(f"{len(businesses)} businesses, {people} people: {time.perf_counter() - start:.1f} s")

        runs, plans = [], []
        again = set(rng.sample(range(people), max(0, assessments - people)))  # assessed twice: the first in 2025
        for n, (uid, sub) in enumerate(zip(user_ids, subsectors, strict=True)):
            profile, targets = rng.choice(profiles[sub])
            strength = rng.gauss(0, 1)
            when = FIRST_DAY + timedelta(days=rng.randrange(365 if n in again else DAYS), minutes=rng.randrange(600))
            runs.append(_run(uid, profile, when))
            plans.append((targets, strength))
            if n in again:  # later, and a little better
                runs.append(_run(uid, profile, when + timedelta(days=rng.randrange(90, 360))))
                plans.append((targets, strength + 0.6))
        run_ids = _insert(db, AssessmentRun, runs, AssessmentRun.id)
        print(f"{len(runs)} runs: {time.perf_counter() - start:.1f} s")
        results = 0
        batch: list[dict] = []
        for run_id, (targets, strength) in zip(run_ids, plans, strict=True):
            batch.extend(_results(run_id, targets, strength, top, rng))
            if len(batch) >= BATCH:
                db.session.execute(db.insert(AssessmentResult), batch)
                results += len(batch)
                batch = []
        if batch:
            db.session.execute(db.insert(AssessmentResult), batch)
            results += len(batch)
        db.session.commit()
        print(f"{results} results: {time.perf_counter() - start:.1f} s")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        print(f"seeding took {time.perf_counter() - start:.1f} s ({load()})")


def _insert(db, model, rows: list[dict], key) -> list[int]:
    """Insert `rows` in batches (executemany) and return their ids in order."""
    ids: list[int] = []
    stmt = db.insert(model).returning(key, sort_by_parameter_order=True)
    for begin in range(0, len(rows), BATCH):
        ids.extend(db.session.scalars(stmt, rows[begin : begin + BATCH]).all())
    return ids


def _run(user_id: int, profile, at: datetime) -> dict:
    return {
        "user_id": user_id,
        "open_key": None,
        "profile_id": profile.id,
        "subsector": profile.subsector,
        "job_role": profile.job_role,
        "page_count": 1,
        "current_page": 1,
        "started_at": at - timedelta(minutes=25),
        "updated_at": at,
        "submitted_at": at,
    }


def _results(run_id: int, targets: list, strength: float, top: dict, rng: random.Random) -> list[dict]:
    """One result per target of the profile: a level around the target, moved by the person's strength."""
    rows = []
    for comp, lo, hi, importance in targets:
        highest = top.get(comp.framework_id, 8)
        level = max(1, min(highest, round(lo - 0.3 + strength + rng.gauss(0, 1.1) + (comp.position % 3 - 1) * 0.5)))
        gap = max(0, lo - level)
        status = "below" if gap else ("above" if hi is not None and level > hi else "within")
        rows.append(
            {
                "run_id": run_id,
                "competence_id": comp.id,
                "competence_key": comp.key,
                "rank": 0,
                "self_level": min(highest, level + (rng.random() < 0.3)),
                "level": level,
                "max_level": highest,
                "knowledge": None,
                "source": "self",
                "target_min": lo,
                "target_max": hi,
                "importance": importance,
                "gap": gap,
                "status": status,
                "priority": min(100, gap * importance * 15),
            }
        )
    for rank, row in enumerate(sorted(rows, key=lambda r: (-r["priority"], r["competence_key"])), start=1):
        row["rank"] = rank
    return rows


# --- the measurements ---------------------------------------------------------------------------------------


def login(app, code: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = client.post(
        "/login", data={"email": f"staff-{code}@bench.example", "password": PASSWORD, "csrf_token": token}
    )
    assert resp.status_code in (302, 303), resp.status_code
    return client


def statements(app):
    """A list that collects (statement, parameters) of everything sent to the database while it is attached."""
    from sqlalchemy import event

    from uprest.extensions import db

    sent: list[tuple[str, object]] = []

    def collect(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", collect)
    return sent, lambda: event.remove(engine, "before_cursor_execute", collect)


def measure_pages(app, client, period: str, requests: int, exports: int) -> None:
    pages = [
        ("map page  /reports", "/reports", requests),
        (f"map page  /reports?period={period}", f"/reports?period={period}", requests),
        ("CSV       /reports/skills-gap.csv", "/reports/skills-gap.csv", exports),
        (f"CSV       /reports/skills-gap.csv?period={period}", f"/reports/skills-gap.csv?period={period}", exports),
        ("training  /reports/training", "/reports/training", exports),
        ("training  /reports/training.csv", "/reports/training.csv", exports),
        ("particip. /reports/participation", "/reports/participation", exports),
        ("particip. /reports/participation.csv", "/reports/participation.csv", exports),
        ("particip. /reports/participation-trend.csv", "/reports/participation-trend.csv", exports),
    ]
    print(f"\nthrough the test client ({load()} at the start)")
    for label, path, repeat in pages:
        start = time.perf_counter()
        first = client.get(path)  # warm-up (templates, caches): timed alone
        warm = time.perf_counter() - start
        assert first.status_code == 200, (path, first.status_code)
        sent, stop = statements(app)
        client.get(path)
        stop()
        times, resp = timed(lambda p=path: client.get(p), repeat)
        assert resp.status_code == 200, (path, resp.status_code)
        size = len(resp.get_data())
        print(
            f"  {label:48} {quantiles(times)}  first {warm * 1000:7.1f} ms  {len(sent):3} SQL  {size / 1024:6.1f} KiB  "
            f"({load()})"
        )


def cache_counts(app) -> None:
    """What caching the aggregation would give (simulated here, not in the application): `services.count` kept
    in the process's page cache under a key with a generation token, read by one query on every request as a
    real cache must (`uprest.cache.generation`)."""
    from uprest import cache
    from uprest.reports import services

    real = services.count

    def cached(territory, *, since=None, until=None):
        key = ("bench:reports-counts", territory.id, since, until, cache.generation("reports"))
        return cache.pages().get_or_make(key, lambda: real(territory, since=since, until=until))

    services.count = cached


def one_pass(territory, since, until) -> tuple[dict, dict]:
    """A sketch of the aggregation in two statements instead of six (PostgreSQL only; not in the application):
    each person's latest results once, as a MATERIALIZED CTE, then the cells and the rows in one GROUPING SETS
    statement and the columns and the total in another, medians included. Returns the figures keyed like
    `services.Counts` so that they can be checked against it."""
    from sqlalchemy import func, literal_column

    from uprest.assessments.aggregates import latest_results
    from uprest.extensions import db
    from uprest.reports import services

    results = latest_results(services.people_in(territory), since=since, until=until)
    c = db.select(*results.c).cte("results").prefix_with("MATERIALIZED").c
    by_cell = func.grouping_sets(db.tuple_(c.competence_key, c.subsector), db.tuple_(c.competence_key))
    cells = {
        (key, sub if not grouped else services.ALL): (n, int(below or 0), float(median))
        for key, sub, grouped, n, below, median in db.session.execute(
            db.select(
                c.competence_key,
                c.subsector,
                func.grouping(c.subsector),
                func.count(),
                func.sum(c.below),
                func.percentile_cont(0.5).within_group(c.gap),
            ).group_by(by_cell)
        )
    }
    person = (
        db.select(c.subsector, func.max(c.below).label("below"), func.max(c.gap).label("gap"))
        .group_by(c.user_id, c.subsector)
        .subquery()
    ).c
    columns = {
        sub if not grouped else services.ALL: (n, int(below or 0), float(median))
        for sub, grouped, n, below, median in db.session.execute(
            db.select(
                person.subsector,
                func.grouping(person.subsector),
                func.count(),
                func.sum(person.below),
                func.percentile_cont(0.5).within_group(person.gap),
            ).group_by(func.grouping_sets(db.tuple_(person.subsector), literal_column("()")))
        )
    }
    return cells, columns


def same_figures(counts, cells: dict, columns: dict) -> bool:
    """True when `one_pass` gave exactly the counts and medians of `services.count`."""
    from uprest.reports.services import ALL

    return (
        all(cells[key] == (*counts.cells[key], counts.cell_medians[key]) for key in counts.cells)
        and all(cells[(key, ALL)][2] == median for (key,), median in counts.row_medians.items())
        and all(columns[sub] == (*counts.people[sub], counts.column_medians[(sub,)]) for sub in counts.people)
        and columns.get(ALL, (0, 0, None))[2] == counts.total_median
        and len(cells) == len(counts.cells) + len(counts.row_medians)
    )


def measure_parts(app, code: str, period: str, repeat: int, explain: bool, compare: bool) -> None:
    from uprest.extensions import db
    from uprest.reports import rules, services

    with app.test_request_context("/"):
        territory = services.territory_by_code(code)
        k = services.min_group()
        for label, chosen in (("all time", None), (period, period)):
            since, until = services.quarter_bounds(chosen) if chosen else (None, None)
            sent, stop = statements(app)
            counts = services.count(territory, since=since, until=until)
            stop()
            sql, counts = timed(lambda s=since, u=until: services.count(territory, since=s, until=u), repeat)
            systems = services.published_cells(counts)
            cells = sum(len(published) for published, _atomic in systems.values())
            rule, decisions = timed(lambda s=systems: rules.suppress_together(s, k), repeat)
            hidden = sum(len(d.suppressed) for d in decisions.values())
            primary = sum(len(d.primary) for d in decisions.values())
            whole, _map = timed(lambda c=chosen: services.skills_gap_map(territory, period=c), repeat)
            people = sum(n for n, _below in counts.people.values())
            print(
                f"\ninside the application, {territory.code}, {label}: {people} people, {len(counts.cells)} "
                f"(competence, sub-sector) cells, {len(systems)} systems, {cells} published cells, {hidden} hidden "
                f"({primary} under k = {k})"
            )
            print(f"  SQL aggregation services.count ({len(sent)} statements)   {quantiles(sql)}  ({load()})")
            print(f"  rule published_cells + suppress_together       {quantiles(rule)}  ({load()})")
            print(f"  view model services.skills_gap_map (both + names) {quantiles(whole)}  ({load()})")
            if compare and db.session.get_bind().dialect.name == "postgresql":
                two, (cells, columns) = timed(lambda s=since, u=until: one_pass(territory, s, u), repeat)
                same = "same figures" if same_figures(counts, cells, columns) else "DIFFERENT FIGURES"
                print(f"  sketch: the same in two statements ({same})  {quantiles(two)}  ({load()})")
            if explain:
                show_plans(sent)


def show_plans(sent: list[tuple[str, object]]) -> None:
    from uprest.extensions import db

    conn = db.session.connection()
    postgres = conn.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    for n, (statement, parameters) in enumerate(sent, start=1):
        print(f"\n  --- statement {n} of services.count: {' '.join(statement.split())[:160]} ...")
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
        for row in rows:
            print("    " + (row[0] if postgres else f"{row[0]:>3} {row[1]:>3}  {row[-1]}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=10_000, help="submitted assessments (runs) to seed")
    parser.add_argument(
        "--database-url", default=os.environ.get("UPREST_BENCH_DATABASE_URL"), help="default: SQLite in a temp folder"
    )
    parser.add_argument("--twice", type=float, default=0.1, help="share of people assessed a second time")
    parser.add_argument("--requests", type=int, default=50, help="requests per map page")
    parser.add_argument("--exports", type=int, default=10, help="requests per export and training page")
    parser.add_argument("--repeat", type=int, default=10, help="repetitions of each part inside the application")
    parser.add_argument("--municipality", default=None, help="the staff member's municipality code (default: first)")
    parser.add_argument("--period", default="2026Q2", help="the quarter of the filtered map")
    parser.add_argument("--explain", action="store_true", help="print the plans of services.count's statements")
    parser.add_argument("--reuse", action="store_true", help="keep the data of a non-empty PostgreSQL database")
    parser.add_argument("--revision", default="head", help="migrate to this revision (e.g. one before the indexes)")
    parser.add_argument(
        "--cache-counts", action="store_true", help="time the pages with services.count cached (simulated)"
    )
    parser.add_argument(
        "--compare", action="store_true", help="also time a two-statement sketch of services.count (PostgreSQL)"
    )
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    from uprest import create_app

    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/reports.sqlite"
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench-" + "x" * 40,
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_COST": 8192,
                "ARGON2_PARALLELISM": 1,
                "SMTP_URL": None,
            }
        )
        print(f"database: {app.config['DATABASE_URL'].split('@')[-1] if '@' in url else 'SQLite (temporary)'}")
        if prepare(app, url, args.reuse, args.revision):
            with app.test_request_context("/"):  # signal receivers may translate
                seed(app, args.assessments, args.twice, random.Random(args.seed))
        with app.app_context():
            from uprest.accounts.models import Municipality
            from uprest.assessments.models import AssessmentRun
            from uprest.extensions import db

            runs = db.session.scalar(db.select(db.func.count(AssessmentRun.id)))
            code = args.municipality or db.session.scalar(db.select(Municipality.code).order_by(Municipality.id))
        print(f"{runs} submitted assessments in the database; the staff user of {code}")
        client = login(app, code)
        if args.cache_counts:
            cache_counts(app)
            print("services.count is cached in this process (simulated): the pages below are cache hits")
        measure_pages(app, client, args.period, args.requests, args.exports)
        if not args.cache_counts:
            measure_parts(app, code, args.period, args.repeat, args.explain, args.compare)
        print(f"\nend: {load()}")


if __name__ == "__main__":
    main()
