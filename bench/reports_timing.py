"""Times the territory reports (issue 14) over many submitted assessments. Not a test.

A fresh database with the real migrations and `courses/`; N submitted assessments (bulk inserts) by people of the
six partner municipalities (businesses of every sub-sector; a result for every competence of the profile; some
people assessed twice) over the last eight quarters; one staff user per territory, an administrator and a
consortium user. Then, through the Flask test client:

- as the staff user of `--territory` (default vanersborg): the map `/reports` (all time and `--period`, by
  default the last ended quarter), its CSV and JSON, `/reports/training` (+ CSV), `/reports/participation`
  (+ CSV, trend CSV; nobody enrols here: its funnel stops after "assessed"), the PDF report and the live API
  `/api/v1/territories/<code>/skills-gap`;
- as the region's staff: the municipality's map; as the consortium: `/reports/compare` (+ CSV), six places;
- after `publication.publish(...)` of the last ended quarter: the open data `skills-gap.csv` and `package.zip`.

Each page: one request untimed (templates); one timed with the per-process cache and the stored decisions emptied
("changed": right after a change of the data, before the worker's pass); one with the per-process cache emptied
("cold": another worker, which reads the stored decisions); then p50/p95 of the repeats (all kept). Inside the
application: the SQL (`services.tree`, `services.count`, each a miss), the tree's decision (`gapmap.decide`: the
whole's `published_cells`, each split alone, the whole from what they hid), the stored decision read back and
`services.skills_gap_map`, cold and kept. The load average is printed with every figure.

    python bench/reports_timing.py [--assessments 10000] [--territory SE_1487]      # SQLite in a temporary folder
    createdb -h 127.0.0.1 -U postgres bench_reports      # then (or with UPREST_BENCH_DATABASE_URL set):
    python bench/reports_timing.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports --explain

A PostgreSQL database must be empty unless `--reuse` is given, which keeps its data and only migrates it to
`--revision` (up or down); after seeding it gets `VACUUM ANALYZE`. `--explain` prints the plan of every statement
of the aggregations (`EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite).
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
#: The partner municipalities (slugs) whose people and businesses are seeded.
PARTNERS = ("vanersborg", "trollhattan", "cervia", "ravenna", "pori", "rijeka")
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
#: Assessments are submitted over this many quarters, the current one included (up to now).
QUARTERS = 8
PEOPLE_PER_BUSINESS = 4
BATCH = 5000
ADMIN, CONSORTIUM = "admin@bench.example", "consortium@bench.example"


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  (n={len(ordered):2})"


def timed(fn, repeat: int, before=None) -> tuple[list[float], object]:
    """Run `fn` `repeat` times (`before` untimed ahead of each); the times and the last result."""
    times, result = [], None
    for _ in range(repeat):
        before and before()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def first_day(now: datetime) -> datetime:
    """The first day of the quarter QUARTERS - 1 quarters before the current one."""
    index = now.year * 4 + (now.month - 1) // 3 - (QUARTERS - 1)
    return datetime(index // 4, 3 * (index % 4) + 1, 1, tzinfo=UTC)


def staff_email(slug: str) -> str:
    return f"staff-{slug}@bench.example"


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
    """Frameworks, profiles and modules from `courses/`; staff of every territory; people, businesses and their
    submitted assessments in the partner municipalities."""
    from uprest.accounts import services as accounts
    from uprest.accounts.models import Organisation, Role, Territory, User
    from uprest.accounts.territories import ensure_territories
    from uprest.assessments.models import AssessmentResult, AssessmentRun
    from uprest.catalog.loader import import_modules
    from uprest.extensions import db
    from uprest.frameworks.loader import import_frameworks, import_profiles
    from uprest.frameworks.models import Competence, ProficiencyLevel, TargetProfile
    from uprest.security import hash_password

    start = time.perf_counter()
    with app.app_context():
        ensure_territories()
        import_frameworks(ROOT / "courses" / "frameworks")
        import_profiles(ROOT / "courses" / "profiles")
        import_modules(ROOT / "courses")
        db.session.commit()
        every = list(db.session.scalars(db.select(Territory).order_by(Territory.id)))
        for territory in every:
            accounts.register_user(
                name=f"Staff {territory.name}",
                email=staff_email(territory.slug),
                password=PASSWORD,
                locale="en",
                territory_id=territory.id,
                role=Role.STAFF,
            )
        for email, role in ((ADMIN, Role.ADMIN), (CONSORTIUM, Role.CONSORTIUM)):
            accounts.register_user(
                name=role.value, email=email, password=PASSWORD, locale="en", territory_id=None, role=role
            )
        db.session.commit()
        by_slug = {t.slug: t for t in every}
        missing = [slug for slug in PARTNERS if slug not in by_slug]
        if missing:
            raise SystemExit(f"the seeded territories lack {missing}")
        places = [by_slug[slug].id for slug in PARTNERS]
        print(f"content, {len(every)} territories and their staff: {time.perf_counter() - start:.1f} s")

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
                "territory_id": places[b % len(places)],
            }
            for b in range(max(len(places), people // PEOPLE_PER_BUSINESS))
        ]
        org_ids = _insert(db, Organisation, businesses, Organisation.id)
        by_place: dict[int, list[tuple[int, str]]] = {}
        for org_id, row in zip(org_ids, businesses, strict=True):
            by_place.setdefault(row["territory_id"], []).append((org_id, row["subsector"]))
        shared_hash = hash_password(PASSWORD)
        users, subsectors = [], []
        for i in range(people):
            place = places[i % len(places)]
            org = rng.choice(by_place[place]) if rng.random() > 0.05 else None  # 5 % without a business
            subsectors.append(org[1] if org else pick(SUBSECTORS))
            users.append(
                {
                    "email": f"bench-report-{i}@bench.example",
                    "name": f"Bench person {i}",
                    "password_hash": shared_hash,
                    "locale": "en",
                    "role": "learner",
                    "territory_id": place,
                    "organisation_id": org[0] if org else None,
                    "job_role": "staff",
                    "shares_with_organisation": False,
                    "is_active_account": True,
                    "session_version": 1,
                }
            )
        user_ids = _insert(db, User, users, User.id)
        print(f"{len(businesses)} businesses, {people} people: {time.perf_counter() - start:.1f} s")

        now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        begin = first_day(now)
        span = int((now - begin).total_seconds())
        runs, plans = [], []
        again = set(rng.sample(range(people), max(0, assessments - people)))  # assessed twice: the first earlier
        for n, (uid, sub) in enumerate(zip(user_ids, subsectors, strict=True)):
            profile, targets = rng.choice(profiles[sub])
            strength = rng.gauss(0, 1)
            when = begin + timedelta(seconds=rng.randrange(span // 2 if n in again else span))
            runs.append(_run(uid, profile, when))
            plans.append((targets, strength))
            if n in again:  # later, and a little better
                runs.append(_run(uid, profile, min(now, when + timedelta(days=rng.randrange(90, 360)))))
                plans.append((targets, strength + 0.6))
        run_ids = _insert(db, AssessmentRun, runs, AssessmentRun.id)
        print(f"{len(runs)} runs from {begin:%Y-%m-%d} to {now:%Y-%m-%d}: {time.perf_counter() - start:.1f} s")
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


def login(app, email: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code in (302, 303), (email, resp.status_code)
    return client


def forget(app, stored: bool = False) -> None:
    """Empty the per-process cache (the counts, the decisions, the pages): the next request computes them, or
    reads the decisions another worker stored; with `stored`, delete those too (as right after a change of the
    data, before the worker's pass has made them)."""
    from uprest import cache
    from uprest.extensions import db
    from uprest.reports.models import Decision

    with app.app_context():
        cache.pages().clear()
        if stored:
            db.session.execute(db.delete(Decision))
            db.session.commit()


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


def measure(app, client, label: str, path: str, repeat: int) -> None:
    """One request untimed (templates), the cache emptied, one timed alone (cold), then `repeat` timed."""
    resp = client.get(path)
    if resp.status_code != 200:
        print(f"  {label:44} {path}: HTTP {resp.status_code}, not measured  ({load()})")
        return
    forget(app, stored=True)
    start = time.perf_counter()
    client.get(path)
    changed = time.perf_counter() - start
    forget(app)
    start = time.perf_counter()
    client.get(path)
    cold = time.perf_counter() - start
    sent, stop = statements(app)
    client.get(path)
    stop()
    times, resp = timed(lambda: client.get(path), repeat)
    assert resp.status_code == 200, (path, resp.status_code)
    size = len(resp.get_data())
    print(
        f"  {label:44} {quantiles(times)}  cold {cold * 1000:7.1f} ms  changed {changed * 1000:7.1f} ms  "
        f"{len(sent):3} SQL  {size / 1024:7.1f} KiB  ({load()})"
    )


def measure_pages(app, args, territory, period: str, codes: list[str]) -> None:
    from uprest.accounts.models import TerritoryKind

    code = territory["code"]
    client = login(app, staff_email(territory["slug"]))
    region = login(app, staff_email(territory["parent"])) if territory["kind"] == TerritoryKind.MUNICIPALITY else None
    consortium = login(app, CONSORTIUM)
    compared = "&".join(f"territories={c}" for c in codes)
    req, exp = args.requests, args.exports
    print(f"\nthrough the test client, as the staff of {code} unless said ({load()} at the start)")
    for label, path, repeat in (
        ("map       /reports", "/reports", req),
        (f"map       /reports?period={period}", f"/reports?period={period}", req),
        ("map CSV   /reports/skills-gap.csv", "/reports/skills-gap.csv", exp),
        (f"map CSV   ?period={period}", f"/reports/skills-gap.csv?period={period}", exp),
        ("map JSON  /reports/skills-gap.json", "/reports/skills-gap.json", exp),
        ("training  /reports/training", "/reports/training", exp),
        ("training  /reports/training.csv", "/reports/training.csv", exp),
        ("particip. /reports/participation", "/reports/participation", exp),
        ("particip. /reports/participation.csv", "/reports/participation.csv", exp),
        ("particip. /reports/participation-trend.csv", "/reports/participation-trend.csv", exp),
        ("API live  /api/v1/territories/…/skills-gap", f"/api/v1/territories/{code}/skills-gap", exp),
        ("PDF       /reports/report.pdf", "/reports/report.pdf", args.pdf_repeat),
        (f"PDF       ?period={period}", f"/reports/report.pdf?period={period}", args.pdf_repeat),
    ):
        measure(app, client, label, path, repeat)
    if region is not None:
        label = f"map of {code} as {territory['parent_code']} staff"
        measure(app, region, label, f"/reports?territory={code}", req)
    measure(app, consortium, f"compare {len(codes)} (consortium)", f"/reports/compare?{compared}", exp)
    measure(app, consortium, f"compare.csv {len(codes)} (consortium)", f"/reports/compare.csv?{compared}", exp)


def publish_and_download(app, territory, period: str, repeat: int) -> None:
    """Publish the quarter of the territory (timed, cold), then download its open data anonymously."""
    from uprest.accounts import services as accounts
    from uprest.accounts import territories
    from uprest.extensions import db
    from uprest.reports import publication

    forget(app)
    with app.test_request_context("/"):
        actor = accounts.user_by_email(staff_email(territory["slug"]))
        place = territories.by_code(territory["code"])
        start = time.perf_counter()
        publication.publish(place, period, actor)
        db.session.commit()
        took = time.perf_counter() - start
    print(f"\npublish({territory['code']}, {period}) with a cold cache: {took * 1000:.1f} ms  ({load()})")
    anonymous = app.test_client()
    base = f"/open-data/{territory['code']}/{period}"
    for name in ("skills-gap.csv", "package.zip"):
        measure(app, anonymous, f"open data {name}", f"{base}/{name}", repeat)


def measure_parts(app, code: str, period: str, repeat: int, explain: bool) -> None:
    from uprest import cache
    from uprest.reports import gapmap, rules, services

    with app.test_request_context("/"):
        territory = services.territory_by_code(code)
        root = services.decision_root(territory)
        k = services.min_group()
        kept = cache.pages()
        kept.clear()
        sent, stop = statements(app)
        services.tree(root), stop()
        tree, data = timed(lambda: services.tree(root), repeat, kept.clear)
        counted, nodes = data.counts, data.nodes
        decide, (systems, decided) = timed(lambda: gapmap.decide(counted, nodes, k), repeat)
        with gapmap.in_processes():  # as in the worker's pass
            spread, _decided = timed(lambda: gapmap.decide(counted, nodes, k), repeat)
        services.decisions(territory, k=k)  # stored, then read back as another worker would
        stored, _decided = timed(lambda: services.decisions(territory, k=k), repeat, kept.clear)
        cells, _systems = timed(lambda: gapmap.published_cells(counted, nodes), repeat)
        apart = {s: timed(lambda s=s: gapmap.hidden_apart(counted, nodes, k, s), repeat) for s in gapmap.SPLITS}
        seeds = set().union(*(hidden for _times, hidden in apart.values()))
        whole, _decided = timed(lambda: rules.suppress_together(systems, k, hidden=seeds), repeat)
        everyone, published = sum(counted.people.values()), sum(len(p) for p, _atomic in systems.values())
        hidden, primary = (sum(len(getattr(d, a)) for d in decided.values()) for a in ("suppressed", "primary"))
        print(
            f"\ninside the application, the tree of {root.code} ({everyone} people, {len(nodes)} territories, "
            f"{len(counted.quarters)} quarters): {len(systems)} systems, {published} cells, {hidden} hidden "
            f"({primary} under k = {k})"
        )
        show(
            ("SQL services.tree (counts, territories), a miss", tree),
            ("gapmap.decide, tree counts kept", decide),
            ("  the same in processes (the worker's pass)", spread),
            ("  of which published_cells (the whole)", cells),
            *((f"  of which the split by {s} alone", times) for s, (times, _hidden) in apart.items()),
            ("  of which the whole, from what they hid", whole),
            ("services.decisions, read back (another worker)", stored),
        )
        if explain:
            show_plans([s for s in sent if "content_generations" not in s[0]])
        for label, chosen in (("all time", None), (period, period)):
            since, until = services.quarter_bounds(chosen) if chosen else (None, None)
            window = {"since": since, "until": until}
            kept.clear()
            sent, stop = statements(app)
            services.count(territory, **window)
            stop()
            sql, counts = timed(lambda w=window: services.count(territory, **w), repeat, kept.clear)
            hit, _counts = timed(lambda w=window: services.count(territory, **w), repeat)
            cold, _map = timed(lambda c=chosen: services.skills_gap_map(territory, period=c), repeat, kept.clear)
            warm, _map = timed(lambda c=chosen: services.skills_gap_map(territory, period=c), repeat)
            people = sum(n for n, _below in counts.people.values())
            print(f"\n{territory.code} ({people} people), {label}:")
            show(
                ("SQL services.count, a miss", sql),
                ("services.count, kept (2 token queries)", hit),
                ("services.skills_gap_map, cache empty", cold),
                ("services.skills_gap_map, kept", warm),
            )
            if explain:
                show_plans([s for s in sent if "content_generations" not in s[0]])


def show(*rows) -> None:
    for name, samples in rows:
        print(f"  {name:46} {quantiles(samples)}  ({load()})")


def show_plans(sent: list[tuple[str, object]]) -> None:
    from uprest.extensions import db

    conn = db.session.connection()
    postgres = conn.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    for n, (statement, parameters) in enumerate(sent, start=1):
        print(f"\n  --- statement {n}: {' '.join(statement.split())[:160]} ...")
        for row in conn.exec_driver_sql(prefix + statement, parameters).all():
            print("    " + (row[0] if postgres else f"{row[0]:>3} {row[1]:>3}  {row[-1]}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=10_000, help="submitted assessments (runs) to seed")
    parser.add_argument(
        "--database-url", default=os.environ.get("UPREST_BENCH_DATABASE_URL"), help="default: SQLite in a temp folder"
    )
    parser.add_argument("--twice", type=float, default=0.1, help="share of people assessed a second time")
    parser.add_argument("--requests", type=int, default=50, help="requests per map page")
    parser.add_argument("--exports", type=int, default=10, help="requests per export and other page")
    parser.add_argument("--pdf-repeat", type=int, default=3, help="requests per PDF")
    parser.add_argument("--repeat", type=int, default=10, help="repetitions of each part inside the application")
    parser.add_argument(
        "--territory", "--municipality", default="vanersborg", help="whose pages are timed (code or short name)"
    )
    parser.add_argument("--period", default=None, help="the quarter of the filtered pages (default: the last ended)")
    parser.add_argument("--explain", action="store_true", help="print the plans of the aggregations' statements")
    parser.add_argument("--reuse", action="store_true", help="keep the data of a non-empty PostgreSQL database")
    parser.add_argument("--revision", default="head", help="migrate to this revision (e.g. one before the indexes)")
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
        with app.test_request_context("/"):
            from uprest.accounts import territories
            from uprest.assessments.models import AssessmentRun
            from uprest.extensions import db
            from uprest.reports import publication

            runs = db.session.scalar(db.select(db.func.count(AssessmentRun.id)))
            found = territories.by_code(args.territory)
            if found is None:
                raise SystemExit(f"no territory {args.territory!r}")
            parent = found.parent
            territory = {
                "code": found.code,
                "slug": found.slug,
                "kind": found.kind,
                "parent": parent.slug if parent else None,
                "parent_code": parent.code if parent else None,
            }
            codes = [territories.by_code(slug).code for slug in PARTNERS]
            ended = publication.publishable_periods(datetime.now(UTC))[0]
        period = args.period or ended
        print(f"{runs} submitted assessments; the staff of {territory['code']}; period {period}")
        measure_pages(app, args, territory, period, codes)
        publish_and_download(app, territory, ended, args.exports)
        measure_parts(app, territory["code"], period, args.repeat, args.explain)
        print(f"\nend: {load()}")


if __name__ == "__main__":
    main()
