"""The public open-data pages (issue 14): the list of published datasets, each dataset's page and its files
(`uprest.reports.opendata` makes them). Anyone reads them; nothing here needs a login.

The files carry ``Cache-Control: public, max-age=300``, an ETag and Last-Modified from the publication's date, and
``Access-Control-Allow-Origin: *`` (open data read by programs in browsers). The HTML pages keep the site's
``no-store``: base.html holds a CSRF token and the reader's own navigation, which no shared cache may keep.
A period that was published and withdrawn answers 410 Gone with a short page; anything else unknown, 404.
"""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from uprest.accounts import territories
from uprest.extensions import db
from uprest.reports import opendata, presentation
from uprest.reports import publication as publications
from uprest.reports.models import Publication

bp = Blueprint("open_data", __name__, url_prefix=opendata.PREFIX)

PERIOD_RE = re.compile(r"\d{4}Q[1-4]|all")
CACHE_CONTROL = "public, max-age=300"


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def _load(code: str, period: str):
    """Load: the publication of (code, period), public or withdrawn; 404 when there is none. A territory named
    by its short name or in lower case is sent to its official code (one address per dataset)."""
    territory = territories.by_code(code) if PERIOD_RE.fullmatch(period) else None
    if territory is None:
        abort(404)
    if code != territory.code:
        abort(redirect(url_for(request.endpoint, **{**request.view_args, "code": territory.code}), 301))
    stmt = publications.publications(territory)
    pub = db.session.scalar(stmt.where(Publication.territory_id == territory.id, Publication.period == period))
    if pub is None:
        abort(404)
    return pub


def _gone(pub) -> Response:
    html = render_template("reports/open_data_dataset.html", pub=pub, withdrawn=True, period_label=_period_label)
    return Response(html, status=410, mimetype="text/html")


def _period_label(period: str) -> str:
    return presentation.period_label(None if period == "all" else period)


@bp.route("")
def index():
    """Every dataset published and not withdrawn, the newest period first."""
    rows = [pub for pub in db.session.scalars(publications.publications(None)) if pub.is_public]
    return render_template("reports/open_data.html", publications=rows, period_label=_period_label)


@bp.route("/<code>/<period>/")
def dataset(code: str, period: str):
    pub = _load(code, period)
    if not pub.is_public:
        return _gone(pub)
    files = opendata.files(pub, _base_url())
    dcat = opendata.dataset_jsonld(pub, _base_url(), {name: len(body) for name, body in files.items()})
    start, end = opendata.coverage(pub.period, pub.published_at.date())
    return render_template(
        "reports/open_data_dataset.html",
        pub=pub,
        withdrawn=False,
        dcat=dcat,
        json_ld=opendata.script_element(dcat),
        tables=opendata.TABLES,
        sizes={name: len(body) for name, body in files.items()},
        start=start,
        end=end,
        title=opendata.title(pub, _lang()),
        description=opendata.description(pub, _lang()),
        period_label=_period_label,
        license_url=opendata.LICENSE,
        keywords=[str(word) for word in opendata.KEYWORDS],
        api_url=opendata.api_url(_base_url(), pub.territory.code, pub.period),
    )


def _lang() -> str:
    return str(get_locale() or "en")


@bp.route("/<code>/<period>/<name>")
def download(code: str, period: str, name: str):
    if name not in opendata.CONTENT_TYPES:
        abort(404)
    pub = _load(code, period)
    if not pub.is_public:
        return _gone(pub)
    if name == opendata.PACKAGE:
        body = opendata.package_zip(pub, _base_url())
    else:
        body = opendata.files(pub, _base_url())[name]
    response = Response(body, status=200)
    response.headers["Content-Type"] = opendata.CONTENT_TYPES[name]
    if name == opendata.PACKAGE:
        response.headers["Content-Disposition"] = f'attachment; filename="{opendata.filename(pub, name)}"'
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    # The publication's date, and the body's digest: the titles follow the translations and the territory's names.
    digest = hashlib.sha256(body).hexdigest()[:16]
    response.set_etag(f"{pub.published_at.timestamp():.6f}-{digest}")
    response.last_modified = pub.published_at
    return response.make_conditional(request)
