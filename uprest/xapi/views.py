"""The read-only LRS (xAPI 1.0.3 "Communication": About and GET Statements, HTTP Basic clients) and the
administrators' pages for its clients.

The LRS answers API clients, not browsers: no session, no login redirect; its errors are JSON. Every answer
under /xapi/ carries ``X-Experience-API-Version`` and ``X-Experience-API-Consistent-Through``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, HTTPException

from uprest.accounts.models import Role
from uprest.extensions import db, limiter, utcnow
from uprest.security import external_url, roles_required
from uprest.xapi import forward, services
from uprest.xapi.forms import ConfirmForm, LrsClientForm
from uprest.xapi.statements import agent_problems, format_timestamp, is_iri, is_uuid

bp = Blueprint("xapi", __name__, url_prefix="/xapi")
admin_bp = Blueprint("xapi_admin", __name__, url_prefix="/admin/lrs-clients")

XAPI_VERSION = "1.0.3"
REALM = "UPREST LRS"
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
#: Statements are stored in the transaction of the learner's request: those stored up to this long ago are
#: surely committed (X-Experience-API-Consistent-Through).
CONSISTENCY_MARGIN = timedelta(seconds=10)
#: Failed logins per address; a correct one never counts (argon2 makes each guess cost the server).
FAILED_AUTH_LIMIT = "30 per minute"

PARAMETERS = frozenset(
    {
        "statementId",
        "voidedStatementId",
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
        "cursor",
    }
)
SINGLE_PARAMETERS = frozenset({"statementId", "voidedStatementId", "format", "attachments"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- answers -----------------------------------------------------------------------------------


def consistent_through() -> str:
    return format_timestamp(utcnow() - CONSISTENCY_MARGIN)


@bp.after_app_request
def _xapi_headers(response):
    """The xAPI headers on every answer under /xapi/, errors of routing (404, 405) included."""
    if request.path == "/xapi" or request.path.startswith("/xapi/"):
        response.headers["X-Experience-API-Version"] = XAPI_VERSION
        response.headers.setdefault("X-Experience-API-Consistent-Through", consistent_through())
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(HTTPException)
def _json_error(error: HTTPException):
    response = jsonify({"error": error.name, "status": error.code, "message": error.description})
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _bad(message: str) -> NoReturn:
    raise BadRequest(description=message)


def _unauthorized():
    response = jsonify({"error": "Unauthorized", "status": 401, "message": "HTTP Basic credentials of an LRS client"})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def _authenticated() -> bool:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    return services.authenticate(auth.username, auth.password) is not None


def _check_version() -> None:
    """xAPI Communication 3.3: 1.0 and 1.0.x are served; a missing, older or newer version is a 400."""
    version = request.headers.get("X-Experience-API-Version", "").strip()
    if not version:
        _bad("the X-Experience-API-Version header is required (1.0.3)")
    if not re.fullmatch(r"1\.0(\.\d+)?", version):
        _bad(f"xAPI version {version!r} is not supported; this LRS serves 1.0.x (1.0.3)")


# --- the query string ------------------------------------------------------------------------------


def _boolean(name: str, default: bool = False) -> bool:
    value = request.args.get(name)
    if value is None:
        return default
    if value not in ("true", "false"):
        _bad(f"{name} is true or false")
    return value == "true"


def _timestamp(name: str) -> datetime | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:  # a "+" of an offset that was not URL-encoded arrives as a space
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        _bad(f"{name} is an ISO 8601 timestamp such as 2026-12-01T10:00:00Z")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _limit() -> int:
    value = request.args.get("limit", str(DEFAULT_LIMIT))
    if not value.isdigit():
        _bad("limit is a whole number >= 0")
    number = int(value)
    return MAX_LIMIT if number == 0 else min(number, MAX_LIMIT)


def _cursor() -> tuple[datetime, int] | None:
    value = request.args.get("cursor")
    if value is None:
        return None
    match = re.fullmatch(r"(\d{1,18})-(\d{1,12})", value)
    if not match:
        _bad("cursor is not one this LRS gave")
    return _EPOCH + timedelta(microseconds=int(match.group(1))), int(match.group(2))


def _make_cursor(row) -> str:
    micros = (row.stored - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{row.id}"


def _query() -> services.Query:
    """The filters, each checked: a value that is not what the specification says is a 400."""
    verb, activity, registration = (request.args.get(k) for k in ("verb", "activity", "registration"))
    if verb is not None and not is_iri(verb):
        _bad("verb is a verb IRI")
    if activity is not None and not is_iri(activity):
        _bad("activity is an activity IRI")
    if registration is not None and not is_uuid(registration):
        _bad("registration is a UUID")
    for name in ("related_activities", "related_agents"):
        if _boolean(name):
            _bad(f"{name}=true is not supported by this LRS")
    home = name = None
    nothing = False
    if "agent" in request.args:
        try:
            agent = json.loads(request.args["agent"])
        except ValueError:
            _bad("agent is a JSON Agent object")
        problems = agent_problems(agent)
        if problems:
            _bad("agent: " + "; ".join(problems))
        account = agent.get("account")
        if account is None:
            nothing = True  # we identify learners by account only
        else:
            home, name = account["homePage"].rstrip("/"), account["name"]
    since, until = _timestamp("since"), _timestamp("until")
    return services.Query(
        verb=verb,
        activity=activity,
        agent_home=home,
        agent_name=name,
        registration=registration,
        since=since,
        until=until,
        ascending=_boolean("ascending"),
        after=_cursor(),
        nothing=nothing,
    )


def _ids_format(document: dict) -> dict:
    """format=ids: Activities and Verbs reduced to their ids."""
    doc = json.loads(json.dumps(document))
    doc["verb"] = {"id": doc["verb"]["id"]}
    doc["object"] = {"objectType": "Activity", "id": doc["object"]["id"]}
    for key, activities in doc.get("context", {}).get("contextActivities", {}).items():
        doc["context"]["contextActivities"][key] = [{"objectType": "Activity", "id": a["id"]} for a in activities]
    return doc


# --- the LRS -----------------------------------------------------------------------------------------


@bp.route("/about")
def about():
    """xAPI Communication 2.8: the versions served; no credentials, any version header."""
    return jsonify({"version": [XAPI_VERSION]})


@bp.route("/statements")
@limiter.limit(FAILED_AUTH_LIMIT, deduct_when=lambda response: response.status_code == 401)
def statements():
    """xAPI Communication 2.1.3: one statement (statementId) or a StatementResult with a "more" link."""
    if not _authenticated():
        return _unauthorized()
    _check_version()
    shape = _check_parameters()
    if "statementId" in request.args or "voidedStatementId" in request.args:
        row = _single_statement()
        response = jsonify(shape(row.document))
        response.last_modified = row.stored
        return response
    rows, more = services.find_statements(_query(), _limit())
    more_url = ""
    if more and rows:
        params = {k: v for k, v in request.args.items() if k != "cursor"}
        more_url = url_for("xapi.statements", **params, cursor=_make_cursor(rows[-1]))
    return jsonify({"statements": [shape(row.document) for row in rows], "more": more_url})


def _check_parameters():
    """Unknown or repeated parameters, a bad format or attachments=true are a 400; the document shape wanted."""
    args = request.args
    unknown = sorted(set(args) - PARAMETERS)
    if unknown:
        _bad(f"unknown parameter(s): {', '.join(unknown)}")
    repeated = sorted(k for k in args if len(args.getlist(k)) > 1)
    if repeated:
        _bad(f"parameter(s) given more than once: {', '.join(repeated)}")
    fmt = args.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        _bad("format is exact, ids or canonical")
    if _boolean("attachments"):
        _bad("attachments=true is not supported: this LRS stores no attachments")
    return _ids_format if fmt == "ids" else (lambda doc: doc)


def _single_statement():
    """The statement of statementId (voidedStatementId: none, nothing is ever voided here), else 404."""
    args = request.args
    if "statementId" in args and "voidedStatementId" in args:
        _bad("statementId and voidedStatementId cannot be used together")
    if set(args) - SINGLE_PARAMETERS:
        _bad("with statementId only format and attachments may be given")
    wanted = args.get("statementId") or args.get("voidedStatementId")
    if not is_uuid(wanted):
        _bad("statementId is a UUID")
    row = services.statement_by_id(wanted) if "statementId" in args else None
    if row is None:
        abort(404, description="no such statement")
    return row


# --- administrators: the LRS's clients --------------------------------------------------------------


@admin_bp.before_request
@roles_required(Role.ADMIN)
def _admins_only():
    return None


@admin_bp.route("", methods=["GET", "POST"])
def clients():
    form = LrsClientForm()
    created = secret = None
    if form.validate_on_submit():
        created, secret = services.create_client(form.name.data)
        db.session.commit()
        form = LrsClientForm(formdata=None)
    return render_template(
        "xapi/clients.html",
        form=form,
        clients=db.session.scalars(services.clients_stmt()).all(),
        created=created,
        secret=secret,
        confirm=ConfirmForm(),
        endpoint=external_url("xapi.statements"),
        forwarding=services.forwarding_enabled(),
        counts=forward.queue_counts(),
    )


@admin_bp.route("/<int:client_id>/deactivate", methods=["POST"])
def deactivate(client_id: int):
    client = services.client_by_id(client_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.deactivate_client(client)
    db.session.commit()
    flash(_("The LRS client %(name)s can no longer read statements.", name=client.name), "success")
    return redirect(url_for("xapi_admin.clients"))
