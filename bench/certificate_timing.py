"""Times certificate issuance and download. Not a test.

Issuance is measured in its two parts and together: `issue` (freeze the certificate's data, take the row, sign the
Open Badges credential: what the completing request does) and `render + store` (the PDF/A-3b rendered by WeasyPrint
and stored with its SHA-256: what the worker does right after). Download is `GET /certificates/<code>.pdf` by its
holder through the Flask test client (the stored bytes; wall time of the whole request in one process).

    python bench/certificate_timing.py [--count 40] [--downloads 300]      # SQLite in a temporary folder
    UPREST_BENCH_DATABASE_URL=postgresql+psycopg://... python bench/certificate_timing.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="certificates to issue and render")
    parser.add_argument("--downloads", type=int, default=300, help="downloads to time")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time what any rendering costs: an empty PDF/A-3b page, and the certificate's page 1 alone",
    )
    args = parser.parse_args()

    from flask_migrate import upgrade

    from uprest import create_app
    from uprest.accounts import services as accounts
    from uprest.accounts.territories import ensure_territories
    from uprest.catalog import services as catalog
    from uprest.catalog.loader import import_modules
    from uprest.certificates import issuance, services
    from uprest.extensions import db
    from uprest.frameworks.loader import import_frameworks, import_profiles
    from uprest.learning import services as learning

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("UPREST_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/certificates.sqlite"
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8192}
        )
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            ensure_territories()
            import_frameworks(ROOT / "courses" / "frameworks")
            import_profiles(ROOT / "courses" / "profiles")
            import_modules(ROOT / "courses")
            db.session.commit()
            module = catalog.public_module("digital-tools")
            issue_times, render_times, sizes, codes = [], [], [], []
            for n in range(args.count):
                user = accounts.register_user(
                    name="Åsa Lindqvist-Bench",
                    email=f"bench{n}@example.org",
                    password="bench-password-2026",
                    locale=("sv", "it", "fi", "hr", "en")[n % 5],
                    territory_id=None,
                )
                enrolment, _created = learning.enrol(user, module)
                db.session.commit()
                start = time.perf_counter()
                certificate = issuance.issue(
                    user,
                    f"enrolment:{enrolment.id}",
                    "module",
                    lambda code, now, u=user, e=enrolment: issuance.module_data(u, e, code, now),
                    module,
                )
                db.session.commit()
                issue_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                services.store_pdf(certificate, services.render(certificate))
                db.session.commit()
                render_times.append(time.perf_counter() - start)
                sizes.append(len(certificate.pdf))
                codes.append((user.email, certificate.code))
            print(f"issue (data, row, signed credential)   {_quantiles(issue_times)}")
            print(f"render + store (PDF/A-3b, SHA-256)      {_quantiles(render_times)}")
            totals = [a + b for a, b in zip(issue_times, render_times, strict=True)]
            print(f"issuance, both                          {_quantiles(totals)}")
            print(f"PDF size                                median {statistics.median(sizes) / 1024:.0f} KiB")
            if args.floor:
                _floor(app, args.count)

        client = app.test_client()
        email, code = codes[0]
        with app.app_context():
            token = client.get("/login").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
            client.post(
                "/login",
                data={"email": email, "password": "bench-password-2026", "csrf_token": token.split('"')[0]},
            )
        times = []
        for _ in range(args.downloads):
            start = time.perf_counter()
            resp = client.get(f"/certificates/{code}.pdf")
            times.append(time.perf_counter() - start)
            assert resp.status_code == 200, resp.status_code
        print(f"download (GET /certificates/<code>.pdf) {_quantiles(times)}")


def _floor(app, count: int) -> None:
    """The floor under the certificate's rendering: WeasyPrint's fixed cost for any PDF/A-3b document (one empty
    paragraph), and the certificate without its details pages (page 1 only), each `count` times."""
    import re

    from weasyprint import HTML

    from uprest import pdf
    from uprest.certificates import pdf as certificate_pdf
    from uprest.certificates.models import Certificate
    from uprest.certificates.services import data_of
    from uprest.extensions import db

    times = []
    for _ in range(count):
        start = time.perf_counter()
        HTML(string="<!doctype html><html lang=en><title>x</title><p>x</p></html>").write_pdf(pdf_variant="pdf/a-3b")
        times.append(time.perf_counter() - start)
    print(f"floor: empty PDF/A-3b page             {_quantiles(times)}")
    real = pdf.render_template

    def front_only(template, **context):
        return re.sub(r'<section class="details">.*?</section>', "", real(template, **context), flags=re.S)

    certificate = db.session.scalars(db.select(Certificate).where(Certificate.language == "en")).first()
    data, times = data_of(certificate), []
    pdf.render_template = front_only
    try:
        for _ in range(count):
            start = time.perf_counter()
            certificate_pdf.render_certificate(data, lang="en")
            times.append(time.perf_counter() - start)
    finally:
        pdf.render_template = real
    print(f"floor: certificate page 1 only (en)    {_quantiles(times)}")


if __name__ == "__main__":
    main()
