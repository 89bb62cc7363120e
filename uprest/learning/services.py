"""Enrolments, lesson progress and completion (the quiz is in quizzes.py).

Services flush, never commit: the view or CLI command commits once. Every "once only" fact is decided by the
database (a unique constraint or a conditional update), so that the same request sent many times in parallel
leaves one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from flask import current_app, g
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from uprest import cache as generations
from uprest.accounts.models import User
from uprest.assessments import services as assessments
from uprest.catalog import services as catalog
from uprest.catalog.models import Lesson, Module, ModuleVersion
from uprest.extensions import db, insert_once, utcnow
from uprest.frameworks import services as frameworks
from uprest.learning import records, rules
from uprest.learning.models import ACTIVE, COMPLETED, AttemptAnswer, Enrolment, LessonProgress, QuizAttempt
from uprest.signals import module_completed


class LearningError(Exception):
    """A learner's action that cannot be done now; the message is translated for them."""


# --- enrolment ------------------------------------------------------------------------------------------


def enrolment_stmt(user: User):
    return db.select(Enrolment).where(Enrolment.user_id == user.id)


def enrolment_of(user: User, code: str) -> Enrolment | None:
    """The learner's enrolment in the module `code` (only ever their own)."""
    return db.session.scalar(
        enrolment_stmt(user).join(Module, Enrolment.module_id == Module.id).where(Module.code == code)
    )


def enrolments_of(user: User, *, status: str | None = None, limit: int | None = None) -> list[Enrolment]:
    """The learner's enrolments (with `status`; the first `limit`), the most recently active first, with their
    version's content loaded."""
    stmt = enrolment_stmt(user) if status is None else enrolment_stmt(user).where(Enrolment.status == status)
    return list(
        db.session.scalars(
            stmt.order_by(Enrolment.last_active_at.desc(), Enrolment.id.desc())
            .limit(limit)
            .options(
                selectinload(Enrolment.module),
                selectinload(Enrolment.version).selectinload(ModuleVersion.lessons),
                selectinload(Enrolment.version).selectinload(ModuleVersion.questions),
                selectinload(Enrolment.lessons_read),
                selectinload(Enrolment.attempts),
            )
        )
    )


def completed_codes(user: User) -> list[str]:
    """The codes of the modules the learner completed."""
    return list(
        db.session.scalars(
            db.select(Module.code)
            .join(Enrolment, Enrolment.module_id == Module.id)
            .where(Enrolment.user_id == user.id, Enrolment.status == COMPLETED)
            .order_by(Module.code)
        )
    )


def enrol(user: User, module: Module) -> tuple[Enrolment, bool]:
    """Enrol the learner in the module's current published version; (enrolment, created). Enrolling twice (or
    twenty times at once) gives the one enrolment."""
    existing = enrolment_of(user, module.code)
    if existing is not None:
        return existing, False
    if module.status != "published" or module.published_version_id is None:
        raise LearningError(_not_open())
    enrolment = Enrolment(user_id=user.id, module_id=module.id, module_version_id=module.published_version_id)
    enrolment, created = insert_once(enrolment, lambda: enrolment_of(user, module.code))  # or a parallel one's
    if created:
        records.enrolled(enrolment)
    return enrolment, created


def _not_open() -> str:
    from flask_babel import gettext as _

    return _("This module is not open for enrolment.")


# --- lessons --------------------------------------------------------------------------------------------


def lesson_of(enrolment: Enrolment, position: int) -> Lesson | None:
    """A lesson of the version the learner enrolled in."""
    return catalog.lesson_at(enrolment.version, position)


def open_lesson(enrolment: Enrolment, lesson: Lesson) -> None:
    """Remember where the learner is, to resume there; the first lesson opened launches the module."""
    first = enrolment.last_lesson is None
    enrolment.last_lesson = lesson.position
    enrolment.last_active_at = utcnow()
    db.session.flush()
    if first:
        records.launched(enrolment)


def read_slugs(enrolment: Enrolment) -> set[str]:
    lessons = {le.id: le.slug for le in enrolment.version.lessons}
    return {lessons[p.lesson_id] for p in enrolment.lessons_read if p.lesson_id in lessons}


def mark_read(enrolment: Enrolment, lesson: Lesson) -> bool:
    """Record that the learner read the lesson; False when it was recorded already (also by a parallel request)."""
    if lesson.version_id != enrolment.module_version_id:
        raise ValueError("the lesson belongs to another version")
    if any(p.lesson_id == lesson.id for p in enrolment.lessons_read):
        return False  # read before: nothing to write (the unique row settles parallel first reads)
    enrolment.last_active_at = utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
            db.session.flush()
    except IntegrityError:
        db.session.expire(enrolment, ["lessons_read"])
        return False
    db.session.expire(enrolment, ["lessons_read"])
    records.progressed(enrolment, lesson, state_of(enrolment).fraction)
    return True


def next_lesson(enrolment: Enrolment) -> Lesson | None:
    """Where to resume: the lesson opened last while it is unread, then the first unread one after it, else the
    first unread one."""
    done = {p.lesson_id for p in enrolment.lessons_read}
    lessons = list(enrolment.version.lessons)
    after = [le for le in lessons if le.position >= (enrolment.last_lesson or 0)]
    return next((le for le in after if le.id not in done), None) or next(
        (le for le in lessons if le.id not in done), None
    )


# --- the completion rule --------------------------------------------------------------------------------


def rule_of(version: ModuleVersion) -> rules.Rule:
    return rules.rule_of(
        [le.slug for le in version.lessons],
        version.required_lessons,
        has_quiz=version.has_quiz,
        has_questions=bool(version.questions),
        pass_mark=version.pass_mark,
        requires_attendance=version.requires_attendance,
    )


def is_passed(enrolment: Enrolment) -> bool:
    return any(a.is_passed for a in enrolment.attempts)


def state_of(enrolment: Enrolment) -> rules.State:
    return rules.state_of(
        rule_of(enrolment.version),
        read_slugs(enrolment),
        passed=is_passed(enrolment),
        attended=enrolment.attended_at is not None,
    )


@dataclass
class Completion:
    """What completing a module changed: the levels recorded and the targets reached."""

    enrolment: Enrolment
    levels: dict[str, int] = field(default_factory=dict)
    targets_reached: list[str] = field(default_factory=list)


def complete_if_done(enrolment: Enrolment) -> Completion | None:
    """Complete the module when its rule holds: once only (a conditional update decides between parallel
    requests). Records the levels its outcomes raise (source "module"), sends ``module_completed`` (the plan
    follows) and returns what changed; None when not (or already) completed."""
    if enrolment.is_completed or not state_of(enrolment).is_complete:
        return None
    now = utcnow()
    won = db.session.execute(
        db.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status == ACTIVE)
        .values(status=COMPLETED, completed_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.expire(enrolment, ["status", "completed_at"])
    if not won:
        return None
    generations.bump(PROGRESS)  # a conditional update: no ORM flush tells the watch
    user = db.session.get(User, enrolment.user_id)
    completion = Completion(enrolment)
    before = {key: cur.level for key, cur in frameworks.current_levels(user).items()}
    outcomes = [rules.OutcomeLevel(o.competence_key, o.from_level, o.to_level) for o in enrolment.version.outcomes]
    completion.levels = rules.levels_to_record(outcomes, before)
    competences = frameworks.competences_by_key(completion.levels)
    for key, level in completion.levels.items():
        competence = competences.get(key)
        if competence is not None:
            frameworks.record_competence(
                user.id, competence.id, level, "module", evidence=("enrolment", enrolment.id), recorded_at=now
            )
    completion.targets_reached = rules.targets_reached(before, {**before, **completion.levels}, targets_of(user))
    records.completed(enrolment)
    module_completed.send(current_app._get_current_object(), user=user, module=enrolment.module, enrolment=enrolment)
    return completion


def targets_of(user: User) -> dict[str, int]:
    """Competence key -> the target level of the learner's latest submitted assessment."""
    run = assessments.latest_submitted_run(user)
    return {r.competence_key: r.target_min for r in assessments.results_of(run)} if run is not None else {}


def mark_attendance(enrolment: Enrolment, by: User | None, attended: bool = True) -> Completion | None:
    """Record (or take back) the learner's attendance at a session of the module; completes it when that was
    the last step."""
    enrolment.attended_at = utcnow() if attended else None
    enrolment.attendance_marked_by_id = by.id if by is not None and attended else None
    db.session.flush()
    return complete_if_done(enrolment) if attended else None


def on_session_attended(
    sender, *, user: User, module: Module | None = None, marked_by: User | None = None, **_event
) -> None:
    """Receiver of ``session_attended`` (blended learning): attending a session of a module is the attendance its
    completion rule asks for, and completes the module when it was the last step. A learner not yet enrolled is
    enrolled when the module's current version asks for attendance (the attendance then counts once they have
    done the rest). Modules whose rule asks for no attendance are left as they are. Flushes, never commits."""
    if module is None:
        return
    enrolment = enrolment_of(user, module.code)
    if enrolment is None:
        version = module.published_version
        if module.status != "published" or version is None or not version.requires_attendance:
            return
        enrolment, _created = enrol(user, module)
    if not enrolment.version.requires_attendance:
        return
    if enrolment.attended_at is None:
        mark_attendance(enrolment, marked_by)
    else:
        complete_if_done(enrolment)


# --- what the pages show --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """One enrolment as the dashboard, the module page and the API show it."""

    enrolment: Enrolment
    state: rules.State
    next_lesson: Lesson | None
    best_score: int | None
    attempts_used: int

    @property
    def code(self) -> str:
        return self.enrolment.module.code

    @property
    def status(self) -> str:
        return self.enrolment.status


def summary_of(enrolment: Enrolment) -> Summary:
    scores = [a.score for a in enrolment.attempts if a.score is not None]
    return Summary(
        enrolment,
        state_of(enrolment),
        next_lesson(enrolment),
        max(scores) if scores else None,
        sum(1 for a in enrolment.attempts if a.submitted_at is not None),
    )


def summaries_of(user: User, *, status: str | None = None, limit: int | None = None) -> list[Summary]:
    return [summary_of(e) for e in enrolments_of(user, status=status, limit=limit)]


@cache
def _state_stmt():
    """The statement of state_of_learner, built once (its user id is a bound parameter)."""
    uid = bindparam("uid")
    mine = db.select(Enrolment.id).where(Enrolment.user_id == uid)

    def one(column, *where):
        return db.select(column).where(*where).scalar_subquery()

    return db.select(
        one(db.func.count(Enrolment.id), Enrolment.user_id == uid),
        one(db.func.max(Enrolment.last_active_at), Enrolment.user_id == uid),
        one(db.func.max(Enrolment.completed_at), Enrolment.user_id == uid),
        one(db.func.max(Enrolment.attended_at), Enrolment.user_id == uid),
        one(db.func.count(LessonProgress.id), LessonProgress.enrolment_id.in_(mine)),
        one(db.func.max(QuizAttempt.id), QuizAttempt.enrolment_id.in_(mine)),
        one(db.func.max(QuizAttempt.submitted_at), QuizAttempt.enrolment_id.in_(mine)),
    )


def state_of_learner(user: User) -> tuple:
    """A summary of the learner's learning that changes whenever anything the dashboard shows of it does
    (an enrolment, a lesson opened or read, an attempt started or submitted, a completion, attendance): one
    statement of indexed lookups, read once per request. The key of their cached cards."""
    found = g.get("learning_state")
    if found is not None and found[0] == user.id:
        return found[1]
    state = tuple(db.session.execute(_state_stmt(), {"uid": user.id}).one())
    g.learning_state = (user.id, state)
    return state


def status_counts(user: User) -> dict[str, int]:
    """How many of the learner's enrolments are active and completed (one grouped count)."""
    counts = dict.fromkeys((ACTIVE, COMPLETED), 0)
    rows = db.session.execute(
        db.select(Enrolment.status, db.func.count(Enrolment.id))
        .where(Enrolment.user_id == user.id)
        .group_by(Enrolment.status)
    )
    counts.update({status: count for status, count in rows})
    return counts


@dataclass(frozen=True)
class Change:
    """A competence a completed module raised, before and after, as assessments measured it."""

    key: str
    name: str
    before: int | None  # the assessment before the module
    after: int | None  # the first assessment after it
    target: int | None


def before_after(enrolment: Enrolment) -> tuple[list[Change], datetime | None]:
    """What a re-assessment after the module shows for the competences it raises: the level of the last
    assessment submitted before completion and of the first one after; (changes, when re-assessed)."""
    from uprest.i18n import pick

    if enrolment.completed_at is None:
        return [], None
    user = db.session.get(User, enrolment.user_id)
    runs = sorted(assessments.submitted_runs(user), key=lambda r: r.submitted_at)
    before_run = next((r for r in reversed(runs) if r.submitted_at <= enrolment.completed_at), None)
    after_run = next((r for r in runs if r.submitted_at > enrolment.completed_at), None)
    if after_run is None:
        return [], None
    before = {r.competence_key: r for r in assessments.results_of(before_run)} if before_run else {}
    after = {r.competence_key: r for r in assessments.results_of(after_run)}
    keys = list(dict.fromkeys(o.competence_key for o in enrolment.version.outcomes))
    names = frameworks.competences_by_key(keys)
    changes = []
    for key in keys:
        b, a, comp = before.get(key), after.get(key), names.get(key)
        name = f"{comp.code} {pick(comp.name)}" if comp is not None else key
        target = (a or b).target_min if (a or b) is not None else None
        changes.append(Change(key, name, b.level if b else None, a.level if a else None, target))
    return changes, after_run.submitted_at


# --- the user's data ------------------------------------------------------------------------------------


def export_user_data(user: User) -> dict:
    return {
        "enrolments": [
            {
                "module": s.code,
                "version": s.enrolment.version.version,
                "status": s.status,
                "enrolled_at": s.enrolment.enrolled_at.isoformat(),
                "completed_at": s.enrolment.completed_at.isoformat() if s.enrolment.completed_at else None,
                "attended_at": s.enrolment.attended_at.isoformat() if s.enrolment.attended_at else None,
                "lessons_read": sorted(read_slugs(s.enrolment)),
                "progress_percent": s.state.percent,
                "quiz_attempts": [
                    {
                        "number": a.number,
                        "started_at": a.started_at.isoformat(),
                        "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
                        "score": a.score,
                        "passed": a.is_passed,
                        "answers": a.draft,
                    }
                    for a in s.enrolment.attempts
                ],
            }
            for s in summaries_of(user)
        ]
    }


def erase_user_data(user: User) -> None:
    ids = db.select(Enrolment.id).where(Enrolment.user_id == user.id)
    attempts = db.select(QuizAttempt.id).where(QuizAttempt.enrolment_id.in_(ids))
    db.session.execute(db.delete(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(attempts)))
    db.session.execute(db.delete(QuizAttempt).where(QuizAttempt.enrolment_id.in_(ids)))
    db.session.execute(db.delete(LessonProgress).where(LessonProgress.enrolment_id.in_(ids)))
    db.session.execute(db.delete(Enrolment).where(Enrolment.user_id == user.id))
    db.session.flush()


# --- what the municipality reports count (uprest.reports) ---------------------------------------------------


#: The generation of the enrolments (uprest.cache): replaced by every enrolment added, changed or completed, so that
#: what other features count from them (the municipality reports' funnel) can be kept until the next change.
PROGRESS = "learning-progress"
generations.watch(PROGRESS, Enrolment)


def progress_generation() -> str:
    return generations.generation(PROGRESS)


def progress_of_people(people):
    """A select of (user_id, completed, hours), one row per person of `people` (a select with ``user_id``) who
    is enrolled in at least one module: ``completed`` is 1 when they completed one (else 0), ``hours`` the
    workload hours of the modules they completed (of the version they enrolled in)."""
    who = people.subquery("people")
    done = Enrolment.status == COMPLETED
    return (
        db.select(
            Enrolment.user_id,
            db.func.max(db.case((done, 1), else_=0)).label("completed"),
            db.func.sum(db.case((done, ModuleVersion.workload_hours), else_=0.0)).label("hours"),
        )
        .join(who, who.c.user_id == Enrolment.user_id)
        .join(ModuleVersion, ModuleVersion.id == Enrolment.module_version_id)
        .group_by(Enrolment.user_id)
    )
