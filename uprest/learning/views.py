"""The learner's side of a module: enrol, read the lessons of the version they enrolled in, take the quiz,
complete it. Every page is the logged-in learner's own enrolment: another learner's is simply not found."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_time, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from uprest.catalog import files
from uprest.catalog import services as catalog
from uprest.extensions import db
from uprest.learning import quizzes, rules, services
from uprest.learning.cards import next_step
from uprest.learning.forms import ActionForm, answers_in, field_name, fill_saved, is_tampered, quiz_form
from uprest.learning.models import Enrolment

bp = Blueprint("learning", __name__, url_prefix="/learn")


@bp.before_request
@login_required
def _logged_in():
    """Every learning page is the logged-in learner's own."""


def _enrolment(code: str) -> Enrolment:
    return services.enrolment_of(current_user, code) or abort(404)


def _lang() -> str:
    return str(get_locale() or "en")


def _celebrate(completion: services.Completion | None) -> None:
    """Tell the learner what completing the module did."""
    if completion is None:
        return
    flash(_("Well done: you have completed this module."), "success")
    if completion.targets_reached:
        count = len(completion.targets_reached)
        flash(
            ngettext(
                "You have reached your target in %(num)s competence.",
                "You have reached your target in %(num)s competences.",
                count,
            ),
            "success",
        )


@bp.get("")
def index():
    return render_template("learning/index.html", summaries=services.summaries_of(current_user))


@bp.post("/<code>/enrol")
def enrol(code: str):
    module = catalog.public_module(code) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        _enrolment_row, created = services.enrol(current_user, module)
    except services.LearningError as exc:
        flash(str(exc), "error")
        return redirect(url_for("catalog.module", code=code))
    db.session.commit()
    if created:
        flash(_("You are enrolled. Start with the first lesson when you are ready."), "success")
    return redirect(url_for(".module", code=code))


@bp.get("/<code>")
def module(code: str):
    enrolment = _enrolment(code)
    summary = services.summary_of(enrolment)
    changes, reassessed_at = services.before_after(enrolment)
    return render_template(
        "learning/module.html",
        enrolment=enrolment,
        version=enrolment.version,
        summary=summary,
        read={p.lesson_id for p in enrolment.lessons_read},
        required=set(summary.state.lessons_missing) | set(services.rule_of(enrolment.version).lessons),
        attempts_left=quizzes.attempts_left(enrolment),
        changes=changes,
        reassessed_at=reassessed_at,
        next_step=next_step,
    )


@bp.get("/<code>/lessons/<int:n>")
def lesson(code: str, n: int):
    enrolment = _enrolment(code)
    les = services.lesson_of(enrolment, n) or abort(404)
    content = files.lesson_html(enrolment.module, enrolment.version, les, _lang()) or abort(404)
    services.open_lesson(enrolment, les)
    db.session.commit()
    return render_template(
        "learning/lesson.html",
        enrolment=enrolment,
        version=enrolment.version,
        lesson=les,
        text=content[0],
        html=content[1],
        is_read=any(p.lesson_id == les.id for p in enrolment.lessons_read),
        previous=services.lesson_of(enrolment, n - 1),
        next=services.lesson_of(enrolment, n + 1),
        lang=_lang(),
        form=ActionForm(),
    )


@bp.post("/<code>/lessons/<int:n>/read")
def mark_read(code: str, n: int):
    enrolment = _enrolment(code)
    les = services.lesson_of(enrolment, n) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    completion = services.complete_if_done(enrolment) if services.mark_read(enrolment, les) else None
    following = services.lesson_of(enrolment, n + 1)
    db.session.commit()
    _celebrate(completion)
    if completion is not None or following is None:
        return redirect(url_for(".module", code=code))
    return redirect(url_for(".lesson", code=code, n=following.position))


# --- the quiz ---------------------------------------------------------------------------------------------


@bp.get("/<code>/quiz")
def quiz(code: str):
    enrolment = _enrolment(code)
    if not enrolment.version.has_quiz or not enrolment.version.questions:
        abort(404)
    return render_template(
        "learning/quiz.html",
        enrolment=enrolment,
        version=enrolment.version,
        attempts=quizzes.submitted_attempts(enrolment),
        current=quizzes.open_attempt(enrolment),
        attempts_left=quizzes.attempts_left(enrolment),
        refusal=quizzes.can_start(enrolment),
        form=ActionForm(),
    )


@bp.post("/<code>/quiz/start")
def start(code: str):
    enrolment = _enrolment(code)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt, _created = quizzes.start_attempt(enrolment)
    except services.LearningError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".quiz", code=code))
    db.session.commit()
    return redirect(url_for(".attempt", code=code, number=attempt.number))


def _attempt_page(enrolment: Enrolment, attempt, form, status: int = 200):
    questions = quizzes.ordered_questions(enrolment, attempt)
    return render_template(
        "learning/attempt.html",
        enrolment=enrolment,
        version=enrolment.version,
        attempt=attempt,
        questions=questions,
        form=form,
        lang=_lang(),
        answered=len(attempt.draft or {}),
    ), status


@bp.get("/<code>/quiz/<int:number>")
def attempt(code: str, number: int):
    enrolment = _enrolment(code)
    attempt = quizzes.attempt_of(enrolment, number) or abort(404)
    if not attempt.is_open:
        return redirect(url_for(".result", code=code, number=number))
    questions = quizzes.ordered_questions(enrolment, attempt)
    saved = {}
    for q in questions:
        chosen = (attempt.draft or {}).get(q.key)
        if chosen:
            saved[field_name(q.key)] = chosen if q.kind == "multiple" else chosen[0]
    form = quiz_form(questions, attempt, _lang(), data=saved)
    return _attempt_page(enrolment, attempt, form)


def _posted(enrolment: Enrolment, number: int):
    """The posted quiz form of attempt `number`, or a response: a stale page goes to the open attempt or the
    result, an altered one gets 400."""
    current = quizzes.attempt_of(enrolment, number) or abort(404)
    questions = quizzes.ordered_questions(enrolment, current)
    form = quiz_form(questions, current, _lang())
    if request.form.get("attempt") not in (None, str(number)):
        abort(400)
    form.validate()
    if form.csrf_token.errors:
        abort(400)
    if is_tampered(form, questions):
        abort(400)
    return current, questions, form


def _stale(code: str, exc: quizzes.StaleAttempt, enrolment: Enrolment):
    flash(str(exc), "warning")
    current = quizzes.open_attempt(enrolment)
    if current is not None:
        return redirect(url_for(".attempt", code=code, number=current.number))
    return redirect(url_for(".quiz", code=code))


@bp.post("/<code>/quiz/<int:number>/save")
def save(code: str, number: int):
    """Save the answers given so far (the page's script posts each change; the button does the same)."""
    enrolment = _enrolment(code)
    _current, questions, form = _posted(enrolment, number)
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        attempt = quizzes.save_draft(enrolment, number, answers_in(form, questions))
    except quizzes.StaleAttempt as exc:
        db.session.rollback()
        if wants_json:
            return jsonify(saved=False, message=str(exc)), 409
        return _stale(code, exc, enrolment)
    except rules.BadAnswer:
        abort(400)
    db.session.commit()
    if wants_json:
        return jsonify(saved=True, message=_("Answers saved at %(time)s.", time=format_time(attempt.saved_at, "short")))
    flash(_("Your answers are saved. You can come back to this attempt at any time."), "success")
    return redirect(url_for(".attempt", code=code, number=number))


@bp.post("/<code>/quiz/<int:number>/submit")
def submit(code: str, number: int):
    enrolment = _enrolment(code)
    current, questions, form = _posted(enrolment, number)
    answers = answers_in(form, questions)
    try:
        if fill_saved(form, questions, current.draft or {}):  # unanswered: keep what was given, ask for the rest
            quizzes.save_draft(enrolment, number, answers)
            db.session.commit()
            return _attempt_page(enrolment, current, form, 400)
        submission = quizzes.submit(enrolment, number, answers)
    except quizzes.StaleAttempt as exc:
        db.session.rollback()
        return _stale(code, exc, enrolment)
    except rules.BadAnswer:
        abort(400)
    db.session.commit()
    _celebrate(submission.completion)
    return redirect(url_for(".result", code=code, number=number))


@bp.get("/<code>/quiz/<int:number>/result")
def result(code: str, number: int):
    enrolment = _enrolment(code)
    attempt = quizzes.attempt_of(enrolment, number) or abort(404)
    if attempt.is_open:
        return redirect(url_for(".attempt", code=code, number=number))
    return render_template(
        "learning/result.html",
        enrolment=enrolment,
        version=enrolment.version,
        attempt=attempt,
        feedback=quizzes.feedback_of(enrolment, attempt),
        lang=_lang(),
        attempts_left=quizzes.attempts_left(enrolment),
        refusal=quizzes.can_start(enrolment),
        form=ActionForm(),
    )
