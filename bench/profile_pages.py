"""Service time and SQL queries of each bench scenario, in one process (not a test).

Runs the scenarios of bench/run.py through Flask's test client against the database that
bench/run.py seeded (run that first), as the logged-in bench user where the scenario needs it.
For each page it prints the number of SQL statements one request sends and the CPU time of a
request (median and p95 over --repeat requests, after a warm-up). CPU time of the one process is
much less disturbed by other work on the machine than wall-clock throughput is.

    python bench/profile_pages.py                     # every scenario
    python bench/profile_pages.py --only catalogue    # scenarios whose name contains this text
    python bench/profile_pages.py --only lesson --profile   # pyinstrument call tree (pip install pyinstrument)
    python bench/profile_pages.py --queries module    # print the SQL of one request
    python bench/profile_pages.py --cold              # every request with an empty page cache

Environment: UPREST_BENCH_DATABASE_URL as for bench/run.py.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def make_client(database_url: str):
    from uprest import create_app

    app = create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    return app, client


def login(client) -> None:
    from run import BENCH_PASSWORD

    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    resp = client.post(
        "/login", data={"email": "bench0@bench.example", "password": BENCH_PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 302, resp.status_code


class QueryCounter:
    """Counts (and keeps) the SQL statements sent on an engine while active."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.statements: list[str] = []
        self.active = False
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append(statement)


def main() -> None:
    import run as bench_run

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--only", default=None)
    parser.add_argument("--profile", action="store_true", help="pyinstrument call tree of --repeat requests")
    parser.add_argument("--queries", default=None, help="print the SQL of one request of this scenario")
    parser.add_argument("--path", default=None, help="profile this path (logged in) instead of the scenarios")
    parser.add_argument("--cold", action="store_true", help="empty the page cache before every request")
    args = parser.parse_args()

    database_url = os.environ.get("UPREST_BENCH_DATABASE_URL") or f"sqlite:///{bench_run.OUT / 'bench.sqlite'}"
    app, client = make_client(database_url)
    anon = app.test_client()
    with app.app_context():
        from uprest.extensions import db

        counter = QueryCounter(db.engine)

    def empty_cache():
        pages = app.extensions.get("uprest.pages")  # the page cache (uprest.cache), where there is one
        if args.cold and pages is not None:
            pages.clear()

    login(client)

    scenarios = bench_run.SCENARIOS + bench_run.extra_scenarios()
    if args.path:
        scenarios = [(args.path, args.path, True)]
    if args.only:
        scenarios = [s for s in scenarios if args.only in s[0]]
    if args.queries:
        scenarios = [s for s in scenarios if args.queries in s[0]]
    html = client.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def requester(c, path):
        """One request of the scenario: a GET (200), or for "POST /a,/b" a POST with the CSRF token to each
        path in turn (a redirect)."""
        if not path.startswith("POST "):
            return lambda: c.get(path), 200
        paths = itertools.cycle(path.removeprefix("POST ").split(","))
        return lambda: c.post(next(paths), data={"csrf_token": csrf}), 302

    print("| scenario | path | SQL statements | CPU ms p50 | CPU ms p95 |")
    print("|---|---|---:|---:|---:|")
    for name, path, needs_login in scenarios:
        c = client if needs_login else anon
        one, expected = requester(c, path)
        for _ in range(10):  # warm-up: caches, compiled templates, compiled SQL
            status = one().status_code
            assert status == expected, (path, status)
        counter.statements.clear()
        empty_cache()
        counter.active = True
        one()
        counter.active = False
        n_queries = len(counter.statements)
        if args.queries:
            print(f"\n-- {name}: {n_queries} statements")
            for s in counter.statements:
                print(" ".join(s.split())[:400])
            continue
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        times = []
        for _ in range(args.repeat):
            empty_cache()
            t0 = time.process_time()
            one()
            times.append((time.process_time() - t0) * 1000)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        shown = bench_run.shown(path)
        print(f"| {name} | `{shown}` | {n_queries} | {statistics.median(times):.2f} | {p95:.2f} |", flush=True)


if __name__ == "__main__":
    main()
