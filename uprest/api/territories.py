"""API: a territory's skills-gap map, /api/v1/territories/<code>/skills-gap (issue 14).

Who reads what:

- the territory's staff and the administrators (logged in), and a program with an API token of the territory or
  of a territory above it (``Authorization: Bearer upr_…``) read the LIVE figures, of all time or of a quarter
  (``?period=2026Q3``). Never cached by anyone (``Cache-Control: private, no-store``).
- anyone else reads the figures that staff published for a quarter (a frozen copy), as open data (ETag,
  ``Cache-Control: public, max-age=300``, any origin). A territory that does not exist, a quarter that is not
  published and all time give the same 404: it says nothing of figures that are not public.
- an Authorization header that holds no valid token (unknown, revoked, not Bearer) is a 401 with
  ``WWW-Authenticate: Bearer``; the failures of an address are limited as the logins are.

The body is built from ``uprest.reports.presentation.skills_gap_json`` (what the published copy holds), so the
live and the published answers have the same shape; every figure has been through the disclosure rule, and a
hidden figure's key is absent (never 0 or null) with ``"suppressed": true``.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import ValidationError, fields

from uprest.accounts import territories
from uprest.api.schemas import ErrorSchema, Schema
from uprest.api.views import _open_data_headers, bp
from uprest.extensions import db, limiter
from uprest.reports import presentation, publication, services

#: What skills_gap_json names the people below target in at least one competence, and all sub-sectors.
ANY, ALL = "any", "all"
FIGURES = ("n", "below_target", "below_target_share", "median_gap")
LIVE_CACHE = "private, no-store"


def _quarter(value: str) -> None:
    try:
        services.quarter_bounds(value)
    except ValueError:
        raise ValidationError("not a quarter") from None


class SkillsGapQuery(Schema):
    period = fields.String(
        validate=_quarter,
        metadata={
            "description": "A quarter, year and number (2000Q1 to 2999Q4). Without it: all time (live figures "
            "only; all time is never published).",
            "pattern": "^2[0-9]{3}Q[1-4]$",
            "examples": ["2026Q3"],
        },
    )

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs):
        abort(400, message=_("Check these parameters: %(parameters)s.", parameters="period: 2026Q3"))


# --- answers -------------------------------------------------------------------------------------------------

_HIDDEN = "Absent when the figure is hidden (see `suppressed`) or not defined."


class _Figures(Schema):
    n = fields.Integer(metadata={"description": "People assessed. " + _HIDDEN})
    below_target = fields.Integer(metadata={"description": "People below target. " + _HIDDEN})
    below_target_share = fields.Float(metadata={"description": "Their share, 0 to 1. " + _HIDDEN})
    median_gap = fields.Float(metadata={"description": "Median gap in levels. " + _HIDDEN})
    suppressed = fields.Boolean(
        required=True,
        metadata={"description": "The share (and what would give it away) is hidden by the disclosure rule."},
    )


class SkillsGapTotalSchema(_Figures):
    """The people below target in at least one competence, over every sub-sector."""


class SkillsGapCellSchema(_Figures):
    competence = fields.String(required=True, metadata={"examples": ["digcomp:1.1"]})
    subsector = fields.String(required=True, metadata={"examples": ["accommodation"]})


class SkillsGapRowTotalSchema(_Figures):
    """A competence over every sub-sector."""

    competence = fields.String(required=True, metadata={"examples": ["digcomp:1.1"]})


class SkillsGapColumnTotalSchema(_Figures):
    """The people of a sub-sector below target in at least one competence."""

    subsector = fields.String(required=True, metadata={"examples": ["accommodation"]})


class SkillsGapTerritorySchema(Schema):
    code = fields.String(required=True, metadata={"examples": ["SE_1487"]})
    name = fields.String(required=True, metadata={"description": "The national name.", "examples": ["Vänersborg"]})
    kind = fields.String(required=True, metadata={"examples": ["municipality"]})


class SkillsGapSchema(Schema):
    """The skills-gap map of a territory: its people and those of every territory below it."""

    territory = fields.Nested(SkillsGapTerritorySchema, required=True)
    period = fields.String(required=True, metadata={"description": "A quarter, or `all`.", "examples": ["2026Q3"]})
    k = fields.Integer(required=True, metadata={"description": "The smallest group a shown figure counts."})
    published_at = fields.DateTime(
        required=True, allow_none=True, metadata={"description": "When the figures were published; null: live."}
    )
    cells = fields.List(fields.Nested(SkillsGapCellSchema), required=True)
    row_totals = fields.List(fields.Nested(SkillsGapRowTotalSchema), required=True)
    column_totals = fields.List(fields.Nested(SkillsGapColumnTotalSchema), required=True)
    total = fields.Nested(SkillsGapTotalSchema, required=True)


def _figures(item: dict) -> dict:
    out = {key: item[key] for key in FIGURES if item.get(key) is not None}
    out["suppressed"] = bool(item.get("suppressed"))
    return out


def skills_gap_body(territory, gap: dict, published_at=None) -> dict:
    """The answer from `gap`, the output of presentation.skills_gap_json (live, or as a publication holds it)."""
    cells, rows, columns, total = [], [], [], {"suppressed": True}
    for item in gap.get("cells", []):
        key, sub = item.get("competence_key"), item.get("subsector")
        if key == ANY and sub == ALL:
            total = _figures(item)
        elif key == ANY:
            columns.append({"subsector": sub, **_figures(item)})
        elif sub == ALL:
            rows.append({"competence": key, **_figures(item)})
        else:
            cells.append({"competence": key, "subsector": sub, **_figures(item)})
    return {
        "territory": {"code": territory.code, "name": territory.name, "kind": territory.kind},
        "period": gap.get("period", ALL),
        "k": gap["k"],
        "published_at": published_at,
        "cells": cells,
        "row_totals": rows,
        "column_totals": columns,
        "total": total,
    }


# --- who reads -----------------------------------------------------------------------------------------------


def _unauthorized():
    from werkzeug.datastructures import WWWAuthenticate
    from werkzeug.exceptions import Unauthorized

    error = Unauthorized(www_authenticate=WWWAuthenticate("bearer", {"realm": "UPREST", "error": "invalid_token"}))
    error.data = {"message": _("The token is not valid or has been revoked.")}
    raise error


def _token_territory():
    """The territory of the request's Bearer token; None without an Authorization header; 401 for a header
    that holds no active token."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, raw = header.strip().partition(" ")
    found = publication.territory_of_token(raw.strip()) if scheme.lower() == "bearer" else None
    db.session.commit()  # the token's last use (written at most once a minute)
    if found is None:
        _unauthorized()
    return found


def _reads_live(territory, token_territory) -> bool:
    if territory is None:
        return False
    if token_territory is not None and territories.is_within(territory.id, token_territory.id):
        return True
    return publication.can_read(current_user, territory)


def _failed_token_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_PER_ADDRESS"]


def _documented_public(view):
    """@bp.public for the document (no authentication needed: 304, ETag, Cache-Control, CORS), without its
    headers on every answer: this operation sets them per answer, and a live answer is never public."""
    view = bp.public(view)
    del view.uprest_public
    return view


NOT_FOUND = "No published figures of this territory for this quarter (also: no such territory)."


@bp.route(
    "/territories/<code>/skills-gap",
    tags=["territories"],
    parameters=[
        {
            "in": "path",
            "name": "code",
            "description": "The territory's official code or short name.",
            "example": "vanersborg",
        }
    ],
)
@limiter.limit(_failed_token_limit, deduct_when=lambda response: response.status_code == 401)
@_documented_public
@bp.arguments(SkillsGapQuery, location="query", as_kwargs=True, error_status_code=400)
@bp.response(200, SkillsGapSchema, description="The figures: live for its staff and tokens, else the published.")
@bp.alt_response(
    401,
    schema=ErrorSchema,
    description="The Authorization header holds no valid token.",
    headers={"WWW-Authenticate": {"description": "`Bearer …`", "schema": {"type": "string"}}},
)
@bp.alt_response(404, schema=ErrorSchema, description=NOT_FOUND)
@bp.alt_response(429, schema=ErrorSchema, description="Too many requests with a token that is not valid.")
@bp.doc(operationId="getTerritorySkillsGap")
def territory_skills_gap(code: str, period: str | None = None):
    """The skills-gap map of a territory: the published figures of a quarter, or the live ones

    Anyone reads the figures that the territory's staff published for a quarter (``?period=2026Q3``). The
    territory's staff (logged in) and a program with one of its API tokens (``Authorization: Bearer upr_…``, of
    the territory or of one above it) read the live figures, of a quarter or of all time, never cached. A
    territory that does not exist and a quarter that is not published give the same 404. Hidden figures are
    absent, with ``"suppressed": true``."""
    territory = territories.by_code(code)
    token_territory = _token_territory()
    if _reads_live(territory, token_territory):
        gap_map = services.skills_gap_map(territory, period=period)
        response = jsonify(SkillsGapSchema().dump(skills_gap_body(territory, presentation.skills_gap_json(gap_map))))
        response.headers["Cache-Control"] = LIVE_CACHE
        response.vary.update(("Authorization", "Cookie"))
        return response
    pub = publication.published(territory, period) if territory is not None and period else None
    if pub is None:
        abort(404, message=_("No figures of this territory are published for this period."))
    body = skills_gap_body(territory, pub.data["skills_gap"], pub.published_at)
    response = jsonify(SkillsGapSchema().dump(body))
    response.vary.update(("Authorization", "Cookie"))
    _open_data_headers(response)
    return response
