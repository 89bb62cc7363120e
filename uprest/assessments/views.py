"""The skills-gap assessment: start, page through, save and resume, submit, results, PDF, business view."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from uprest.assessments import plan, presentation, services
from uprest.assessments.forms import (
    SCALE,
    StartForm,
    SubmitForm,
    field_name,
    page_form,
    posted_answers,
    role_choices,
    template_labels,
    unknown_item_fields,
)
from uprest.assessments.models import AssessmentRun
from uprest.extensions import db

bp = Blueprint("assessments", __name__, url_prefix="/assessment")


def _own_run(run_id: int) -> AssessmentRun:
    """The current user's run; anybody else's (or none) is a 404."""
    return services.run_of(current_user, run_id) or abort(404)


def _start_form() -> StartForm:
    form = StartForm()
    if request.method == "GET":
        org = current_user.organisation
        if request.args.get("subsector") in dict(form.subsector.choices):
            form.subsector.data = request.args["subsector"]
        elif org is not None:
            form.subsector.data = org.subsector
        # The old catch-all "staff" is no longer offered: such a user chooses their role.
        if current_user.job_role in dict(role_choices()):
            form.job_role.data = current_user.job_role
    return form


def _index(form: StartForm, status: int = 200):
    """The assessment's start page: the run in progress or the start form (with, for the chosen sub-sector,
    each role's estimated time and why it needs its competences), and the past results."""
    subsector = form.subsector.data if form.subsector.data in dict(form.subsector.choices) else None
    return render_template(
        "assessments/index.html",
        form=form,
        current=services.open_run(current_user),
        runs=services.submitted_runs(current_user),
        subsector=subsector,
        role_options=plan.role_options(subsector) if subsector else [],
    ), status


@bp.route("")
@login_required
def index():
    return _index(_start_form())


@bp.route("/start", methods=["POST"])
@login_required
def start():
    form = _start_form()
    if not form.validate_on_submit():
        return _index(form, 400)
    try:
        run, created = services.start_run(current_user, subsector=form.subsector.data, job_role=form.job_role.data)
    except services.AssessmentError as exc:
        flash(str(exc), "error")
        return redirect(url_for("assessments.index"))
    db.session.commit()
    if not created:
        flash(_("You already have an assessment in progress. You can continue where you left off."), "info")
    return redirect(url_for("assessments.page", run_id=run.id, page=run.current_page))


@bp.route("/help", endpoint="help")
def help_page():
    return render_template("assessments/help.html", scale=SCALE)


@bp.route("/<int:run_id>")
@login_required
def resume(run_id: int):
    run = _own_run(run_id)
    if run.is_submitted:
        return redirect(url_for("assessments.result", run_id=run.id))
    return redirect(url_for("assessments.page", run_id=run.id, page=run.current_page))


@bp.route("/<int:run_id>/page/<int:page>", methods=["GET", "POST"])
@login_required
def page(run_id: int, page: int):
    run = _own_run(run_id)
    if run.is_submitted:
        if request.method == "POST":
            abort(403)
        return redirect(url_for("assessments.result", run_id=run.id))
    pages = services.run_pages(run)
    if not 1 <= page <= len(pages):
        abort(404)
    current = pages[page - 1]
    if request.method == "POST":
        form = page_form(current)
        if not form.validate_on_submit() or unknown_item_fields(request.form, form):
            abort(400)  # only tampered or stale posts get here: the page offers valid choices only
        action = form.action.data
        target = page - 1 if action == "prev" else page + 1 if action == "next" else page
        try:
            services.save_answers(run, posted_answers(form, current), go_to_page=target)
        except services.AssessmentError:  # submitted meanwhile, in another tab
            abort(403)
        db.session.commit()
        if action == "leave":
            flash(_("Your answers are saved. You can continue where you left off at any time."), "success")
            return redirect(url_for("assessments.index"))
        if action == "next" and page == len(pages):
            return redirect(url_for("assessments.review", run_id=run.id))
        return redirect(url_for("assessments.page", run_id=run.id, page=max(1, target)))
    answers = services.answers_of(run)
    return render_template(
        "assessments/page.html",
        run=run,
        pages=pages,
        current=current,
        form=page_form(current, answers=answers),
        field_name=field_name,
        state=services.progress(pages, answers, page),
    )


@bp.route("/<int:run_id>/review")
@login_required
def review(run_id: int):
    run = _own_run(run_id)
    if run.is_submitted:
        return redirect(url_for("assessments.result", run_id=run.id))
    pages = services.run_pages(run)
    state = services.progress(pages, services.answers_of(run), run.current_page)
    return render_template(
        "assessments/review.html", run=run, pages=pages, state=state, form=SubmitForm(), show_missing=False
    )


@bp.route("/<int:run_id>/submit", methods=["POST"])
@login_required
def submit(run_id: int):
    run = _own_run(run_id)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    if run.is_submitted:  # a second click: the result is already there
        return redirect(url_for("assessments.result", run_id=run.id))
    try:
        services.submit_run(run)
    except services.AssessmentError as exc:
        pages = services.run_pages(run)
        state = services.progress(pages, services.answers_of(run), run.current_page)
        return render_template(
            "assessments/review.html", run=run, pages=pages, state=state, form=form, show_missing=True, error=str(exc)
        ), 400
    db.session.commit()
    flash(_("Thank you! Your assessment has been submitted."), "success")
    return redirect(url_for("assessments.result", run_id=run.id))


@bp.route("/<int:run_id>/result")
@login_required
def result(run_id: int):
    run = _own_run(run_id)
    if not run.is_submitted:
        return redirect(url_for("assessments.page", run_id=run.id, page=run.current_page))
    return render_template("assessments/result.html", body=presentation.result_body(run))


@bp.route("/<int:run_id>/report.pdf")
@login_required
def report_pdf(run_id: int):
    run = _own_run(run_id)
    if not run.is_submitted:
        abort(404)
    from uprest.assessments.pdf import render_report

    pdf = render_report(run)
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    date = run.submitted_at.date().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="uprest-skills-gap-{date}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/business")
@login_required
def business():
    org = current_user.organisation
    if org is None or org.owner_id != current_user.id:
        abort(403)
    return render_template("assessments/business.html", **presentation.business_page(org))


@bp.context_processor
def _labels():
    return template_labels()


@bp.app_template_filter("assessment_date")
def _assessment_date(value):
    return format_date(value, "medium") if value else ""
