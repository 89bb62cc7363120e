"""The municipality reports of the staff member's territory (admins choose one): the skills-gap map, training
demand, participation and outcome; each with its CSV and JSON."""

from __future__ import annotations

from dataclasses import asdict, replace

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import current_user

from uprest import csvsafe
from uprest.accounts import territories
from uprest.accounts.models import Role
from uprest.reports import compare, presentation, services
from uprest.reports import participation as participation_service
from uprest.reports.forms import compare_form, map_filter_form
from uprest.security import roles_required

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.record_once
def _check_min_group(state) -> None:
    """A REPORTS_MIN_GROUP under the rule's minimum stops the start, not the first report."""
    from uprest.reports import rules

    rules.check_k(state.app.config["REPORTS_MIN_GROUP"])


def _filters():
    """Authorize and validate: (form, territory or None, valid). Staff see the territory they are bound to and
    every territory below it (?territory=<code or short name>; any other is 403); the consortium and administrators
    choose any."""
    everything = services.sees_everything(current_user)
    root = None if everything else services.territory_of(current_user)
    if everything:
        nodes = territories.tree(users=False)
    else:
        nodes = territories.tree(under=root.id, users=False) if root is not None else []
    asked = request.args.get("territory")
    if asked and not everything:
        found = services.territory_by_code(asked)
        if found is None or found.id not in {node.territory.id for node in nodes}:
            abort(403)
    places = [(node.territory.code, "\u2003" * node.depth + node.territory.display_name) for node in nodes]
    form = map_filter_form(request.args, places=places if len(places) > 1 else None, blank=everything)
    valid = form.validate()
    territory = root
    if form.territory and form.territory.data and valid:
        territory = services.territory_by_code(form.territory.data)
    elif everything:
        territory = None
    return form, territory, valid


@bp.route("")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def index():
    form, territory, valid = _filters()
    gap_map = None
    if valid and territory is not None:
        gap_map = services.skills_gap_map(territory, **form.map_filters())
    split = gap_map.split if gap_map else "subsector"
    return render_template(
        "reports/index.html",
        form=form,
        territory=territory,
        gap_map=gap_map,
        chart=presentation.chart(gap_map) if gap_map and gap_map.rows else None,
        labels=presentation.column_labels(split),
        total_label=presentation.total_label(split),
        filters=_link_filters(form) if valid else {},
        period_label=presentation.period_label(form.period.data if valid else None),
        hidden_text=presentation.hidden_text(),
    )


def _link_filters(form) -> dict:
    """The filters as query arguments of the links to the exports and the other pages (the empty ones left out)."""
    chosen = form.map_filters()
    args = {"territory": request.args.get("territory"), **asdict(chosen["filters"]), "period": chosen["period"]}
    return {key: value for key, value in args.items() if value}


def _export_filters():
    """The filters of an export: (form, territory); 400 when they are not valid or name no territory."""
    form, territory, valid = _filters()
    if not valid or territory is None:
        abort(400)
    return form, territory


@bp.route("/skills-gap.csv")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def skills_gap_csv():
    form, territory = _export_filters()
    gap_map = services.skills_gap_map(territory, **form.map_filters())
    name = f"skills-gap-{territory.code}-{gap_map.period or 'all'}.csv"
    return _csv(presentation.CSV_HEADER, presentation.csv_rows(gap_map), name)


@bp.route("/skills-gap.json")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def skills_gap_json():
    form, territory = _export_filters()
    gap_map = services.skills_gap_map(territory, **form.map_filters())
    return _json(presentation.skills_gap_json(gap_map))


def _training_filters(form) -> dict:
    """The map's filters that training demand takes (a column, not how the columns split)."""
    chosen = form.map_filters()
    return {**chosen, "filters": replace(chosen["filters"], split=None)}


@bp.route("/training")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def training():
    """The training demand of the territory and the large gaps that no local session addresses."""
    form, territory, valid = _filters()
    view = None
    if valid and territory is not None:
        view = services.training_view(territory, **_training_filters(form))
    return render_template(
        "reports/training.html",
        form=form,
        territory=territory,
        view=view,
        period_label=presentation.period_label(form.period.data if valid else None),
    )


@bp.route("/training.csv")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def training_csv():
    form, territory = _export_filters()
    view = services.training_view(territory, **_training_filters(form))
    name = f"training-demand-{territory.code}-{view.gap_map.period or 'all'}.csv"
    return _csv(presentation.TRAINING_CSV_HEADER, presentation.training_csv_rows(view), name)


@bp.route("/training.json")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def training_json():
    form, territory = _export_filters()
    view = services.training_view(territory, **_training_filters(form))
    return _json(presentation.training_json(view))


@bp.route("/participation")
@roles_required(Role.STAFF, Role.CONSORTIUM)
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
@roles_required(Role.STAFF, Role.CONSORTIUM)
def participation_csv():
    form, territory = _export_filters()
    view = participation_service.participation_view(territory, period=form.period.data or None, with_trend=False)
    name = f"participation-{territory.code}-{view.period or 'all'}.csv"
    return _csv(presentation.PARTICIPATION_CSV_HEADER, presentation.funnel_rows(view), name)


@bp.route("/participation-trend.csv")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def participation_trend_csv():
    _form, territory = _export_filters()
    view = participation_service.participation_view(territory)
    name = f"participation-trend-{territory.code}.csv"
    return _csv(presentation.PARTICIPATION_CSV_HEADER, presentation.trend_rows(view), name)


@bp.route("/participation.json")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def participation_json():
    form, territory = _export_filters()
    view = participation_service.participation_view(territory, period=form.period.data or None)
    return _json(presentation.participation_json(view))


def _comparison():
    """The comparison's form and, when valid, the comparison: of the territories the user may read (the consortium
    and administrators all; staff their own tree), by default the municipalities among them (at most
    compare.MAX_TERRITORIES)."""
    everything = services.sees_everything(current_user)
    root = None if everything else services.territory_of(current_user)
    nodes = (
        territories.tree(users=False)
        if everything
        else (territories.tree(under=root.id, users=False) if root is not None else [])
    )
    places = [(node.territory.code, node.territory.display_name) for node in nodes]
    form = compare_form(request.args, places=places, max_territories=compare.MAX_TERRITORIES)
    valid = form.validate()
    if not valid or not nodes:
        return form, None, valid
    by_code = {node.territory.code: node.territory for node in nodes}
    chosen = [by_code[code] for code in form.territories.data or ()]
    if not chosen:
        chosen = [n.territory for n in nodes if n.territory.kind == "municipality"][: compare.MAX_TERRITORIES]
        form.territories.data = [t.code for t in chosen]
    result = compare.compare(chosen, period=form.period.data or None, subsector=form.subsector.data or None)
    return form, result, valid


@bp.route("/compare", endpoint="compare")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def compare_page():
    form, comparison, valid = _comparison()
    return render_template(
        "reports/compare.html",
        form=form,
        comparison=comparison,
        chart=compare.chart(comparison) if comparison and comparison.rows else None,
        labels=presentation.subsector_labels(),
        period_label=presentation.period_label(form.period.data if valid else None),
        hidden_text=presentation.hidden_text(),
    )


@bp.route("/compare.csv")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def compare_csv():
    _form, comparison, valid = _comparison()
    if not valid or comparison is None:
        abort(400)
    return _csv(compare.CSV_HEADER, compare.csv_rows(comparison), f"territories-{comparison.period or 'all'}.csv")


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


@bp.route("/report.pdf")
@roles_required(Role.STAFF, Role.CONSORTIUM)
def report_pdf():
    """The three reports as one PDF in the staff member's language (the filters of the exports)."""
    form, territory = _export_filters()
    from uprest.reports.pdf import report_pdf as render

    period = form.period.data or None
    pdf = render(territory, **form.map_filters())
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="report-{territory.code}-{period or "all"}.pdf"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
