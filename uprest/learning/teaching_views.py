"""The trainer's view of their modules' learners (trainers see the modules they may edit, admins all)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import AnyOf, Optional

from uprest import csvsafe
from uprest.accounts.models import Role
from uprest.catalog import services as catalog
from uprest.extensions import MAX_PAGE, db, paginate
from uprest.i18n import get_locale
from uprest.learning import services, teaching
from uprest.security import roles_required

bp = Blueprint("teaching", __name__, url_prefix="/teaching")

PER_PAGE = 50


class StatusFilterForm(FlaskForm):
    """The learner list's filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])


def status_filter_form() -> StatusFilterForm:
    form = StatusFilterForm(formdata=request.args)
    form.status.choices = [("", _("All learners")), *teaching.status_labels().items()]
    return form


class AttendanceForm(FlaskForm):
    """The "Mark attended" (1) or "Undo" (0) button; page and status bring the trainer back to the same list."""

    attended = HiddenField(validators=[AnyOf(["1", "0"])])
    page = HiddenField()
    status = HiddenField()


def _status_arg(form: StatusFilterForm) -> str:
    """The status filtered on; anything else means every learner."""
    return form.status.data if form.validate() and form.status.data in teaching.STATUSES else ""


def _module_or_abort(code: str):
    """Load (404), then authorize (403): only who may edit the module sees its learners."""
    mod = catalog.module_by_code(code) or abort(404)
    if not catalog.can_edit(current_user, mod):
        abort(403)
    return mod


def _csv(filename: str, header, rows) -> Response:
    resp = Response(csvsafe.csv_bytes(header, rows), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("")
@roles_required(Role.TRAINER)
def index():
    page = paginate(teaching.modules_stmt(current_user), per_page=PER_PAGE)
    return render_template("learning/teaching_index.html", page=page, figures=teaching.module_figures(page.items))


@bp.route("/<code>")
@roles_required(Role.TRAINER)
def module(code: str):
    mod = _module_or_abort(code)
    form = status_filter_form()
    status = _status_arg(form)
    page = paginate(teaching.learners_stmt(mod, status or None), per_page=PER_PAGE)
    return render_template(
        "learning/teaching_module.html",
        module=mod,
        title=teaching.title_of(mod),
        figures=teaching.module_figures([mod])[0],
        form=form,
        status=status,
        page=page,
        rows=[teaching.learner_row(e) for e in page.items],
        labels=teaching.status_labels(),
        versions=teaching.question_figures(mod, str(get_locale())),
    )


@bp.route("/<code>/enrolments/<int:enrolment_id>/attendance", methods=["POST"])
@roles_required(Role.TRAINER)
def attendance(code: str, enrolment_id: int):
    mod = _module_or_abort(code)
    enrolment = teaching.enrolment_in(mod, enrolment_id) or abort(404)
    form = AttendanceForm()
    if not form.validate_on_submit():
        abort(400)
    status = form.status.data if form.status.data in teaching.STATUSES else None
    raw_page = form.page.data or ""
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and 1 < int(raw_page) <= MAX_PAGE else None
    back = redirect(url_for("teaching.module", code=mod.code, status=status, page=page) + f"#learner-{enrolment.id}")
    attended = form.attended.data == "1"
    name = enrolment.user.name
    try:
        completion = teaching.set_attendance(enrolment, current_user, attended)
    except services.LearningError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    db.session.commit()
    if attended:
        flash(_("Attendance recorded for %(name)s.", name=name), "success")
    else:
        flash(_("Attendance removed for %(name)s.", name=name), "success")
    if completion is not None:
        flash(_("%(name)s has now completed the module.", name=name), "success")
    return back


@bp.route("/<code>/learners.csv")
@roles_required(Role.TRAINER)
def learners_csv(code: str):
    mod = _module_or_abort(code)
    status = _status_arg(status_filter_form())
    header, rows = teaching.learners_table(teaching.all_learner_rows(mod, status or None))
    return _csv(f"{mod.code}-learners.csv", header, rows)


@bp.route("/<code>/questions.csv")
@roles_required(Role.TRAINER)
def questions_csv(code: str):
    mod = _module_or_abort(code)
    header, rows = teaching.questions_table(teaching.question_figures(mod, str(get_locale())))
    return _csv(f"{mod.code}-questions.csv", header, rows)
