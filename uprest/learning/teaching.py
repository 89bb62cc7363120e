"""The trainer's view of their modules' learners: figures per module, the learners of one module, the quiz
results per question, attendance.

Who may see a module's learners is decided by the catalogue (``can_edit``: the owner, the trainers it is shared
with, admins); every query here is restricted to one module's enrolments (or to the modules the user may edit),
so that nothing of another module's learners reaches the page. Figures are computed by aggregate SQL (GROUP BY),
never by loading every answer. Services flush, never commit.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import Text, case, cast, func
from sqlalchemy.orm import selectinload

from uprest.accounts.models import User
from uprest.catalog import services as catalog
from uprest.catalog.models import Module, ModuleVersion, Question
from uprest.extensions import db
from uprest.learning import services
from uprest.learning.models import ACTIVE, COMPLETED, AttemptAnswer, Enrolment, QuizAttempt

STATUSES = (ACTIVE, COMPLETED)
#: Rows read at a time for a CSV download (the session forgets the ones written).
CSV_BATCH = 500


def status_labels() -> dict[str, str]:
    return {ACTIVE: _("In progress"), COMPLETED: _("Completed")}


# --- the trainer's modules ------------------------------------------------------------------------------


def modules_stmt(user: User):
    """The modules the user may edit (catalog.authoring_stmt), those with the most learners first."""
    enrolled = (
        db.select(func.count(Enrolment.id)).where(Enrolment.module_id == Module.id).correlate(Module).scalar_subquery()
    )
    return (
        catalog.authoring_stmt(user)
        .order_by(None)
        .order_by(enrolled.desc(), Module.code)
        .options(selectinload(Module.published_version))
    )


def title_of(module: Module) -> dict[str, str]:
    """The title of the published version, else of the version being written."""
    version = module.published_version or catalog.working_version(module)
    return dict(version.title or {})


@dataclass(frozen=True)
class ModuleFigures:
    module: Module
    title: dict[str, str]
    enrolled: int = 0
    active: int = 0
    completed: int = 0
    attempts: int = 0  # submitted quiz attempts
    passed: int = 0

    @property
    def pass_rate(self) -> float | None:
        """The share of submitted attempts that passed; None when none was submitted."""
        return self.passed / self.attempts if self.attempts else None


def module_figures(modules: Sequence[Module]) -> list[ModuleFigures]:
    """Learners enrolled, in progress and completed, and the pass rate of submitted attempts, per module: two
    GROUP BY queries for all the modules."""
    ids = [m.id for m in modules]
    if not ids:
        return []
    counts = {
        module_id: (enrolled, active or 0, completed or 0)
        for module_id, enrolled, active, completed in db.session.execute(
            db.select(
                Enrolment.module_id,
                func.count(Enrolment.id),
                func.sum(case((Enrolment.status == ACTIVE, 1), else_=0)),
                func.sum(case((Enrolment.status == COMPLETED, 1), else_=0)),
            )
            .where(Enrolment.module_id.in_(ids))
            .group_by(Enrolment.module_id)
        )
    }
    attempts = {
        module_id: (submitted, passed or 0)
        for module_id, submitted, passed in db.session.execute(
            db.select(
                Enrolment.module_id,
                func.count(QuizAttempt.id),
                func.sum(case((QuizAttempt.is_passed, 1), else_=0)),
            )
            .join(QuizAttempt, QuizAttempt.enrolment_id == Enrolment.id)
            .where(Enrolment.module_id.in_(ids), QuizAttempt.submitted_at.is_not(None))
            .group_by(Enrolment.module_id)
        )
    }
    return [ModuleFigures(m, title_of(m), *counts.get(m.id, (0, 0, 0)), *attempts.get(m.id, (0, 0))) for m in modules]


# --- the learners of a module ---------------------------------------------------------------------------


def learners_stmt(module: Module, status: str | None = None):
    """The module's enrolments (only this module's), by learner name, with what their rows need loaded."""
    stmt = (
        db.select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .where(Enrolment.module_id == module.id)
        .order_by(User.name, Enrolment.id)
        .options(
            selectinload(Enrolment.user),
            selectinload(Enrolment.version).selectinload(ModuleVersion.lessons),
            selectinload(Enrolment.version).selectinload(ModuleVersion.questions),
            selectinload(Enrolment.lessons_read),
            selectinload(Enrolment.attempts),
        )
    )
    if status in STATUSES:
        stmt = stmt.where(Enrolment.status == status)
    return stmt


def set_attendance(enrolment: Enrolment, by: User, attended: bool) -> services.Completion | None:
    """Record (or take back) a learner's attendance through services.mark_attendance; the completion that
    follows, if any. LearningError (translated) for a version that asks for no attendance, and for taking it
    back once the module is completed (a completion is never undone)."""
    if not enrolment.version.requires_attendance:
        raise services.LearningError(_("This module does not record attendance."))
    if not attended and enrolment.is_completed:
        raise services.LearningError(
            _(
                "%(name)s has completed the module: their attendance can no longer be removed.",
                name=enrolment.user.name,
            )
        )
    return services.mark_attendance(enrolment, by, attended)


def enrolment_in(module: Module, enrolment_id: int) -> Enrolment | None:
    """An enrolment of this module; None for an unknown id or another module's enrolment."""
    return db.session.scalar(db.select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.module_id == module.id))


@dataclass(frozen=True)
class LearnerRow:
    enrolment: Enrolment
    name: str
    version: int
    enrolled_at: datetime
    percent: int
    lessons_read: int
    lessons_required: int
    best_score: int | None
    attempts_used: int
    status: str
    completed_at: datetime | None
    attended_at: datetime | None
    needs_attendance: bool


def learner_row(enrolment: Enrolment) -> LearnerRow:
    summary = services.summary_of(enrolment)
    required = len(services.rule_of(enrolment.version).lessons)
    return LearnerRow(
        enrolment=enrolment,
        name=enrolment.user.name,
        version=enrolment.version.version,
        enrolled_at=enrolment.enrolled_at,
        percent=summary.state.percent,
        lessons_read=required - len(summary.state.lessons_missing),
        lessons_required=required,
        best_score=summary.best_score,
        attempts_used=summary.attempts_used,
        status=enrolment.status,
        completed_at=enrolment.completed_at,
        attended_at=enrolment.attended_at,
        needs_attendance=enrolment.version.requires_attendance,
    )


def all_learner_rows(module: Module, status: str | None = None) -> Iterator[LearnerRow]:
    """Every learner row of the module, read CSV_BATCH at a time."""
    stmt = learners_stmt(module, status)
    offset = 0
    while True:
        batch = list(db.session.scalars(stmt.limit(CSV_BATCH).offset(offset)))
        for enrolment in batch:
            yield learner_row(enrolment)
        if len(batch) < CSV_BATCH:
            return
        offset += CSV_BATCH


# --- quiz results per question --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionFigures:
    question: Question
    text: str
    text_lang: str
    answers: int  # answers in submitted attempts
    learners: int  # learners who answered it
    correct: int
    wrong_choice: str | None = None  # the wrong choice chosen most often in wrong answers
    wrong_choice_lang: str = "en"
    wrong_choice_count: int = 0

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    @property
    def share_wrong(self) -> float | None:
        return (self.answers - self.correct) / self.answers if self.answers else None


@dataclass(frozen=True)
class VersionFigures:
    version: ModuleVersion
    is_published: bool
    enrolled: int
    questions: list[QuestionFigures]


def _answers_base(module: Module, *columns):
    return (
        db.select(*columns)
        .select_from(AttemptAnswer)
        .join(QuizAttempt, AttemptAnswer.attempt_id == QuizAttempt.id)
        .join(Enrolment, QuizAttempt.enrolment_id == Enrolment.id)
        .where(Enrolment.module_id == module.id)
    )


def _text(question: Question, lang: str) -> tuple[str, str, list[str]]:
    """(question text, its language, choices) in `lang`, else English, else any."""
    found = question.text_in(lang) or question.text_in("en") or (question.texts[0] if question.texts else None)
    if found is None:
        return question.key, "en", []
    return found.text, found.lang, list(found.choices)


def _choice(question: Question, lang: str, index: int) -> tuple[str, str] | None:
    for candidate in (question.text_in(lang), question.text_in("en")):
        if candidate is not None and index < len(candidate.choices):
            return candidate.choices[index], candidate.lang
    return None


def question_figures(module: Module, lang: str) -> list[VersionFigures]:
    """Per version (the published one, then the older ones learners are enrolled in), each question's answers,
    learners, share correct and the wrong choice chosen most often, the questions most often answered wrong
    first. Two GROUP BY queries over the module's answers."""
    enrolled = dict(
        db.session.execute(
            db.select(Enrolment.module_version_id, func.count(Enrolment.id))
            .where(Enrolment.module_id == module.id)
            .group_by(Enrolment.module_version_id)
        ).all()
    )
    version_ids = set(enrolled) | ({module.published_version_id} if module.published_version_id else set())
    if not version_ids:
        return []
    versions = list(
        db.session.scalars(
            db.select(ModuleVersion)
            .where(ModuleVersion.id.in_(version_ids), ModuleVersion.module_id == module.id)
            .options(selectinload(ModuleVersion.questions).selectinload(Question.texts))
        )
    )
    totals = {
        question_id: (answers, learners, correct or 0)
        for question_id, answers, learners, correct in db.session.execute(
            _answers_base(
                module,
                AttemptAnswer.question_id,
                func.count(AttemptAnswer.id),
                func.count(func.distinct(Enrolment.id)),
                func.sum(case((AttemptAnswer.is_correct, 1), else_=0)),
            ).group_by(AttemptAnswer.question_id)
        )
    }
    chosen = cast(AttemptAnswer.chosen, Text)
    wrong_picks: dict[int, Counter] = {}
    for question_id, picked, count in db.session.execute(
        _answers_base(module, AttemptAnswer.question_id, chosen, func.count(AttemptAnswer.id))
        .where(AttemptAnswer.is_correct.is_(False))
        .group_by(AttemptAnswer.question_id, chosen)
    ):
        wrong_picks.setdefault(question_id, Counter())[_indices(picked)] += count

    out = []
    for version in sorted(versions, key=lambda v: (v.id != module.published_version_id, -v.version)):
        rows = [_question_row(q, lang, totals.get(q.id, (0, 0, 0)), wrong_picks.get(q.id)) for q in version.questions]
        rows.sort(key=lambda r: (r.share_wrong is None, -(r.share_wrong or 0), r.question.position))
        out.append(
            VersionFigures(version, version.id == module.published_version_id, enrolled.get(version.id, 0), rows)
        )
    return out


def _indices(picked: str | None) -> tuple[int, ...]:
    try:
        value = json.loads(picked) if picked else []
    except ValueError:
        return ()
    return tuple(sorted({i for i in value if isinstance(i, int)})) if isinstance(value, list) else ()


def _question_row(question: Question, lang: str, total: tuple[int, int, int], picks: Counter | None) -> QuestionFigures:
    text, text_lang, _choices = _text(question, lang)
    answers, learners, correct = total
    tally: Counter = Counter()
    for combination, count in (picks or Counter()).items():
        for index in combination:
            if index < len(question.correct) and not question.correct[index]:
                tally[index] += count
    wrong_choice, wrong_lang, wrong_count = None, "en", 0
    if tally:
        index, wrong_count = min(tally.items(), key=lambda item: (-item[1], item[0]))
        found = _choice(question, lang, index)
        wrong_choice, wrong_lang = found if found else (str(index + 1), lang)
    return QuestionFigures(question, text, text_lang, answers, learners, correct, wrong_choice, wrong_lang, wrong_count)


# --- CSV tables -----------------------------------------------------------------------------------------


def _date(value: datetime | None) -> str:
    return to_user_timezone(value).date().isoformat() if value is not None else ""


def learners_table(rows: Iterator[LearnerRow]) -> tuple[list[str], Iterator[list]]:
    """The learner table as the CSV file has it: (header, rows)."""
    labels = status_labels()
    header = [
        _("Learner"),
        _("Version"),
        _("Enrolled on"),
        _("Progress (percent)"),
        _("Lessons read"),
        _("Lessons required"),
        _("Best quiz score (percent)"),
        _("Attempts used"),
        _("Status"),
        _("Completed on"),
        _("Attended on"),
    ]

    def body() -> Iterator[list]:
        for r in rows:
            yield [
                r.name,
                r.version,
                _date(r.enrolled_at),
                r.percent,
                r.lessons_read,
                r.lessons_required,
                r.best_score,
                r.attempts_used,
                labels.get(r.status, r.status),
                _date(r.completed_at),
                _date(r.attended_at) if r.needs_attendance else "",
            ]

    return header, body()


def _percent(share: float | None) -> int | None:
    return round(100 * share) if share is not None else None


def questions_table(figures: list[VersionFigures]) -> tuple[list[str], list[list]]:
    """The per-question figures as the CSV file has them: (header, rows)."""
    header = [
        _("Version"),
        _("Question"),
        _("Question text"),
        _("Answers"),
        _("Learners"),
        _("Correct (percent)"),
        _("Wrong (percent)"),
        _("Most chosen wrong answer"),
        _("Times chosen"),
    ]
    rows = [
        [
            vf.version.version,
            q.question.key,
            q.text,
            q.answers,
            q.learners,
            _percent(q.share_correct),
            _percent(q.share_wrong),
            q.wrong_choice,
            q.wrong_choice_count if q.wrong_choice is not None else None,
        ]
        for vf in figures
        for q in vf.questions
    ]
    return header, rows
