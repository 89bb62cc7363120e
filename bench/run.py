"""Load scenarios for UPREST (not tests).

Seeds a large synthetic data set into its own database, starts gunicorn with the shipped
gunicorn.conf.py (gevent workers, cores + 1) on 127.0.0.1, and loads each scenario with wrk from a second process.
Every scenario is printed next to a trivial route (/healthz) measured in the same
run: the ratio is what we compare between machines.

    python bench/run.py                      # SQLite in bench/out/, 10,000 users
    python bench/run.py --users 20000 --duration 15
    python bench/run.py --paired --rounds 3     # /healthz right before every scenario; medians of 3 rounds
    UPREST_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench python bench/run.py

Scenarios are added by later features in SCENARIOS (a name, a path, and whether it needs a login).
A path "POST /a,/b" posts a form with the logged-in session's CSRF token to each path in turn
(bench/post.lua). Results are printed as a Markdown table to paste into docs/performance.md.

On a machine where other work competes for the cores, the throughput of /healthz measured once at
the start says little about the moment a later scenario ran: --paired measures /healthz again right
before each scenario and gives each ratio against that measurement, and --rounds repeats the whole
list and reports the median of each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BENCH_PASSWORD = "bench-password-2026"

# name, path, login needed
SCENARIOS: list[tuple[str, str, bool]] = [
    ("trivial: /healthz", "/healthz", False),
    ("login page", "/login", False),
    ("home page, logged in", "/", True),
]


def extra_scenarios() -> list[tuple[str, str, bool]]:
    """Scenarios of later features: bench/scenarios_*.py each define SCENARIOS and optionally
    seed(app, db) -> dict; the dict's values fill {placeholders} in the scenario paths."""
    state = json.loads((OUT / "state.json").read_text()) if (OUT / "state.json").exists() else {}
    found = []
    for path in sorted((ROOT / "bench").glob("scenarios_*.py")):
        namespace: dict = {}
        exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - our own files
        found.extend((name, url.format(**state), login) for name, url, login in namespace.get("SCENARIOS", []))
    return found


def seed(database_url: str, users: int) -> None:
    """Municipalities, `users` learners spread over them with a shared hash, and one bench login."""
    os.environ["UPREST_DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from uprest import create_app
    from uprest.accounts.models import Territory, User
    from uprest.accounts.territories import ensure_territories
    from uprest.extensions import db
    from uprest.security import hash_password

    app = create_app({"DATABASE_URL": database_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        ensure_territories()
        db.session.commit()
        have = db.session.scalar(db.select(db.func.count(User.id)))
        if have < users:
            territories = list(db.session.scalars(db.select(Territory.id)))
            shared_hash = hash_password(BENCH_PASSWORD)
            rows = [
                {
                    "email": f"bench{i}@bench.example",
                    "name": f"Bench Learner {i}",
                    "password_hash": shared_hash,
                    "locale": ["en", "sv", "it", "fi", "hr"][i % 5],
                    "role": "learner",
                    "territory_id": territories[i % len(territories)],
                    "job_role": "staff",
                    "shares_with_organisation": False,
                    "is_active_account": True,
                    "session_version": 1,
                }
                for i in range(have, users)
            ]
            for start in range(0, len(rows), 2000):
                db.session.execute(db.insert(User), rows[start : start + 2000])
            db.session.commit()
        state = {}
        for path in sorted((ROOT / "bench").glob("scenarios_*.py")):
            namespace: dict = {}
            exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102
            if "seed" in namespace:
                with app.test_request_context("/"):  # signal receivers may translate (need a locale)
                    state.update(namespace["seed"](app, db) or {})
        (OUT / "state.json").write_text(json.dumps(state))
        print(f"seeded: {db.session.scalar(db.select(db.func.count(User.id)))} users")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def login_cookie(base: str) -> tuple[str, str]:
    """The bench user's session cookie and a CSRF token of that session (from the home page's forms)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"email": "bench0@bench.example", "password": BENCH_PASSWORD, "csrf_token": token}
    ).encode()
    opener.open(base + "/login", data=data).read()
    html = opener.open(base + "/").read().decode()  # the login started a new session: its own token
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return "; ".join(f"{c.name}={c.value}" for c in jar), token


def wrk_target(base: str, path: str, csrf: str) -> tuple[str, str, dict[str, str]]:
    """(URL, wrk script, environment) of a scenario path: "POST /a,/b" posts the CSRF token to each path in
    turn (bench/post.lua); any other path is a GET (bench/report.lua)."""
    if not path.startswith("POST "):
        return base + path, "report.lua", {}
    paths = path.removeprefix("POST ").split(",")
    body = urllib.parse.urlencode({"csrf_token": csrf})
    return base + paths[0], "post.lua", {"BENCH_POST_PATHS": ",".join(paths), "BENCH_POST_BODY": body}


def shown(path: str) -> str:
    """A scenario path as the table shows it (a POST over many paths: the first one and how many more)."""
    if not path.startswith("POST "):
        return path
    paths = path.removeprefix("POST ").split(",")
    return f"POST {paths[0]}" + (f" (+{len(paths) - 1} more)" if len(paths) > 1 else "")


def run_wrk(
    url: str, duration: int, connections: int, cookie: str | None, script: str = "report.lua", env=None
) -> dict:
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / script),
        url,
    ]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}).stdout
    return json.loads(out.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", default=None, help="run only scenarios whose name contains this text")
    parser.add_argument("--paired", action="store_true", help="measure /healthz right before every scenario")
    parser.add_argument("--rounds", type=int, default=1, help="run the list this many times; report medians")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py's)")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("UPREST_BENCH_DATABASE_URL") or f"sqlite:///{OUT / 'bench.sqlite'}"
    seed(database_url, args.users)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "UPREST_DATABASE_URL": database_url,
        "UPREST_RATELIMIT_LOGIN_PER_ADDRESS": "100000 per minute",
        "UPREST_RATELIMIT_LOGIN_PER_ACCOUNT": "100000 per minute",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",  # the shipped settings: gevent workers, cores + 1 of them
            *(["--workers", str(args.workers)] if args.workers else []),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    rounds: list[list[tuple[str, str, dict, float]]] = []
    try:
        wait_ready(base)
        cookie, csrf = login_cookie(base)
        scenarios = SCENARIOS + extra_scenarios()
        if args.only:
            scenarios = [s for s in scenarios if args.only in s[0] or s[0].startswith("trivial")]
        for n in range(args.rounds):
            if args.rounds > 1:
                print(f"-- round {n + 1} of {args.rounds}", flush=True)
            results = []
            trivial_rps = None
            for name, path, needs_login in scenarios:
                is_trivial = name.startswith("trivial")
                if args.paired and not is_trivial:
                    run_wrk(base + "/healthz", 1, args.connections, None)
                    trivial_rps = run_wrk(base + "/healthz", args.duration, args.connections, None)["rps"]
                url, script, env = wrk_target(base, path, csrf)
                login = cookie if needs_login else None
                run_wrk(url, 2, args.connections, login, script, env)  # warm-up
                r = run_wrk(url, args.duration, args.connections, login, script, env)
                if is_trivial and (trivial_rps is None or not args.paired):
                    trivial_rps = r["rps"]
                ratio = r["rps"] / trivial_rps if trivial_rps else 0.0
                results.append((name, path, r, ratio))
                print(
                    f"{name:<40} {r['rps']:>8.1f} req/s  p50 {r['p50_ms']:>7.2f} ms  p95 {r['p95_ms']:>7.2f} ms"
                    f"  vs /healthz {ratio:.2f}  errors {r['errors']} non-2xx {r['non2xx']}",
                    flush=True,
                )
            rounds.append(results)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=45)  # longer than graceful_timeout

    against = "the /healthz measured right before it" if args.paired else "/healthz of the same run"
    label = f"median of {args.rounds} rounds" if args.rounds > 1 else "one run"
    print(f"\n{label}; ratio: req/s against {against}\n")
    print("| scenario | path | req/s | p50 ms | p95 ms | req/s vs trivial | non-2xx |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for i, (name, path, _r, _ratio) in enumerate(rounds[0]):
        runs = [results[i] for results in rounds]
        rps = median([r[2]["rps"] for r in runs])
        p50 = median([r[2]["p50_ms"] for r in runs])
        p95 = median([r[2]["p95_ms"] for r in runs])
        ratio = median([r[3] for r in runs])
        non2xx = sum(r[2]["non2xx"] for r in runs)
        print(f"| {name} | `{shown(path)}` | {rps:.0f} | {p50:.1f} | {p95:.1f} | {ratio:.2f} | {non2xx} |")


if __name__ == "__main__":
    main()
