"""Times `flask courses import courses/` (and the frameworks and profiles before it) on an empty
database, then the idempotent re-import. Not a test.

    python bench/import_timing.py            # SQLite in a temporary folder
    UPREST_BENCH_DATABASE_URL=postgresql+psycopg://... python bench/import_timing.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from flask_migrate import upgrade

    from uprest import create_app
    from uprest.catalog.loader import import_modules
    from uprest.extensions import db
    from uprest.frameworks.loader import import_frameworks, import_profiles

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("UPREST_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/import.sqlite"
        app = create_app({"DATABASE_URL": url})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            steps = [
                ("frameworks (3 files)", lambda: import_frameworks(ROOT / "courses" / "frameworks")),
                ("target profiles (5 files)", lambda: import_profiles(ROOT / "courses" / "profiles")),
                ("course modules, first import", lambda: import_modules(ROOT / "courses")),
                ("course modules, unchanged re-import", lambda: import_modules(ROOT / "courses")),
            ]
            for name, step in steps:
                start = time.perf_counter()
                report = step()
                db.session.commit()
                elapsed = time.perf_counter() - start
                counts = {}
                for r in report.results:
                    counts[r.status] = counts.get(r.status, 0) + 1
                print(f"{name:<40} {elapsed * 1000:8.0f} ms   {counts}")


if __name__ == "__main__":
    main()
