"""Times POST /password/forgot for an address with an account and for one without. Not a test.

The two answers are the same page; the work behind them should cost the same too, so that the time of the
answer does not tell whether an address has an account (issue 9). Each round sends one request of each kind,
in random order, through Flask's test client (the whole request: form, service, commit), on a migrated
database with one account; CSRF and rate limits are off so that only the work itself is measured.

    .venv/bin/python bench/forgot_timing.py [--rounds 1000]          # SQLite in a temporary folder
    UPREST_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/forgot_timing.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KNOWN = "known@example.org"
UNKNOWN = "nobody-{n}@example.org"


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from uprest import create_app
    from uprest.accounts import services
    from uprest.accounts.territories import ensure_territories
    from uprest.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("UPREST_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/forgot.sqlite"
        app = create_app(
            {
                "DATABASE_URL": url,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                # as in production: mail waits in the outbox for the worker (not run here), no console copy
                "SMTP_URL": "smtp://127.0.0.1:25",
            }
        )
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            ensure_territories()
            if services.user_by_email(KNOWN) is None:
                services.register_user(
                    name="Known Person",
                    email=KNOWN,
                    password="a long enough password",
                    locale="en",
                    territory_id=None,
                )
            db.session.commit()
            dialect = db.engine.dialect.name

        client = app.test_client()
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        rng = random.Random(9)
        for n in range(args.warmup + args.rounds):
            order = [("known", KNOWN), ("unknown", UNKNOWN.format(n=n))]
            rng.shuffle(order)
            for label, email in order:
                start = time.perf_counter()
                resp = client.post("/password/forgot", data={"email": email})
                elapsed = (time.perf_counter() - start) * 1000
                assert resp.status_code == 302, resp.status_code
                if n >= args.warmup:
                    times[label].append(elapsed)

    print(f"POST /password/forgot on {dialect}, {args.rounds} rounds (after {args.warmup} warm-up rounds)")
    print(f"{'address':<10} {'median':>9} {'p10':>9} {'p90':>9}")
    for label, values in times.items():
        print(
            f"{label:<10} {statistics.median(values):7.2f}ms {quantile(values, 0.10):7.2f}ms "
            f"{quantile(values, 0.90):7.2f}ms"
        )
    diff = statistics.median(times["known"]) - statistics.median(times["unknown"])
    print(f"median difference (known - unknown): {diff:+.2f} ms")


if __name__ == "__main__":
    main()
