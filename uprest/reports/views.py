"""The municipality reports of the staff member's territory (admins choose one): the skills-gap map, training
demand, participation and outcome; each with its CSV and JSON."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import current_user

from uprest import csvsafe
from uprest.accounts import services as accounts
from uprest.accounts.models import Role
from uprest.reports import participation as participation_service
from uprest.reports import presentation, services
from uprest.reports.forms import map_filter_form
from uprest.security import roles_required

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.record_once
def _check_min_group(state) -> None:
    """A REPORTS_MIN_GROUP under the rule's minimum stops the start, not the first report."""
    from uprest.reports import rules

    rules.check_k(state.app.config["REPORTS_MIN_GROUP"])


def _filters():
    """Authorize and validate: (form, territory or None, valid). Staff see their own territory only (another
    municipality asked for is 403); admins choose one with ?municipality=<code>."""
    if current_user.is_admin:
        munis = [(m.code, m.name) for m, _count in accounts.municipalities_with_counts()]
        form = map_filter_form(request.args, municipalities=munis)
        valid = form.validate()
        territory = services.territory_by_code(form.municipality.data) if valid and form.municipality.data else None
        return form, territory, valid
    territory = services.territory_of(current_user)
    asked = request.args.get("municipality")
    if asked and (territory is None or asked != territory.code):
        abort(403)
    form = map_filter_form(request.args, municipalities=None)
    return form, territory, form.validate()


@bp.route("")
@roles_required(Role.STAFF)
def index():
    form, territory, valid = _filters()
    gap_map = None
    if valid and territory is not None:
        gap_map = services.skills_gap_map(territory, period=form.period.data or None, subsector=form.subsector.data)
    return render_template(
        "reports/index.html",
        form=form,
        territory=territory,
        gap_map=gap_map,
        chart=presentation.chart(gap_map) if gap_map and gap_map.rows else None,
        labels=presentation.subsector_labels(),
        period_label=presentation.period_label(form.period.data if valid else None),
        hidden_text=presentation.hidden_text(),
    )


def _export_filters():
    """The filters of an export: (form, territory); 400 when they are not valid or name no territory."""
    form, territory, valid = _filters()
    if not valid or territory is None:
        abort(400)
    return form, territory


@bp.route("/skills-gap.csv")
@roles_required(Role.STAFF)
def skills_gap_csv():
    form, territory = _export_filters()
    gap_map = services.skills_gap_map(territory, period=form.period.data or None, subsector=form.subsector.data)
    name = f"skills-gap-{territory.code}-{gap_map.period or 'all'}.csv"
    return _csv(presentation.CSV_HEADER, presentation.csv_rows(gap_map), name)


@bp.route("/skills-gap.json")
@roles_required(Role.STAFF)
def skills_gap_json():
    form, territory = _export_filters()
    gap_map = services.skills_gap_map(territory, period=form.period.data or None, subsector=form.subsector.data)
    return _json(presentation.skills_gap_json(gap_map))


@bp.route("/training")
@roles_required(Role.STAFF)
def training():
    """The training demand of the territory and the large gaps that no local session addresses."""
    form, territory, valid = _filters()
    view = None
    if valid and territory is not None:
        view = services.training_view(territory, period=form.period.data or None, subsector=form.subsector.data)
    return render_template(
        "reports/training.html",
        form=form,
        territory=territory,
        view=view,
        period_label=presentation.period_label(form.period.data if valid else None),
    )


@bp.route("/training.csv")
@roles_required(Role.STAFF)
def training_csv():
    form, territory = _export_filters()
    view = services.training_view(territory, period=form.period.data or None, subsector=form.subsector.data)
    name = f"training-demand-{territory.code}-{view.gap_map.period or 'all'}.csv"
    return _csv(presentation.TRAINING_CSV_HEADER, presentation.training_csv_rows(view), name)


@bp.route("/training.json")
@roles_required(Role.STAFF)
def training_json():
    form, territory = _export_filters()
    view = services.training_view(territory, period=form.period.data or None, subsector=form.subsector.data)
    return _json(presentation.training_json(view))


@bp.route("/participation")
@roles_required(Role.STAFF)
def participation():
    """Participation and outcome of the territory in the period, and the trend by quarter (no sub-sector filter:
    the page says so)."""
    form, territory, valid = _filters()
    view = None
    if valid and territory is not None:
        view = participation_service.participation_view(territory, period=form.period.data or None)
    return render_template(
        "reports/participation.html",
        form=form,
        territory=territory,
        view=view,
        chart=presentation.trend_chart(view) if view and view.trend else None,
        labels=presentation.stage_labels(),
        quarter_label=presentation.quarter_label,
        period_label=presentation.period_label(form.period.data if valid else None),
        hidden_text=presentation.hidden_text(),
    )


@bp.route("/participation.csv")
@roles_required(Role.STAFF)
def participation_csv():
    form, territory = _export_filters()
    view = participation_service.participation_view(territory, period=form.period.data or None, with_trend=False)
    name = f"participation-{territory.code}-{view.period or 'all'}.csv"
    return _csv(presentation.PARTICIPATION_CSV_HEADER, presentation.funnel_rows(view), name)


@bp.route("/participation-trend.csv")
@roles_required(Role.STAFF)
def participation_trend_csv():
    _form, territory = _export_filters()
    view = participation_service.participation_view(territory)
    name = f"participation-trend-{territory.code}.csv"
    return _csv(presentation.PARTICIPATION_CSV_HEADER, presentation.trend_rows(view), name)


@bp.route("/participation.json")
@roles_required(Role.STAFF)
def participation_json():
    form, territory = _export_filters()
    view = participation_service.participation_view(territory, period=form.period.data or None)
    return _json(presentation.participation_json(view))


def _json(data: dict) -> Response:
    resp = jsonify(data)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _csv(header, rows, name: str) -> Response:
    resp = Response(csvsafe.csv_bytes(header, rows), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
