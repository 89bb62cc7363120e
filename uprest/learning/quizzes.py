"""Taking a module's quiz: attempts, saved answers, submission and feedback.

* Starting gives the open attempt if there is one (a partial unique index keeps it to one), else a new one
  with its own order of questions and choices, until the version's attempts run out or the quiz is passed.
* Answers are saved as the learner goes (a script posts each change; the "save" button does the same
  without it), so a closed browser loses nothing; the quiz page comes back with them.
* Submitting is decided by a conditional update on the open attempt: of twenty parallel submits one scores
  it, the others see it submitted. A page of an older attempt (submitted meanwhile, or a newer one started)
  is refused with a message, never scored against the wrong attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from flask_babel import gettext as _

from uprest.catalog.models import Question
from uprest.extensions import db, insert_once, utcnow
from uprest.learning import records, rules
from uprest.learning.models import AttemptAnswer, Enrolment, QuizAttempt
from uprest.learning.services import Completion, LearningError, complete_if_done, is_passed

_shuffler = random.SystemRandom()


class StaleAttempt(LearningError):
    """A quiz page of an attempt that is no longer the open one."""


def questions_of(enrolment: Enrolment) -> list[Question]:
    return list(enrolment.version.questions)


def quiz_questions(enrolment: Enrolment) -> list[rules.QuizQuestion]:
    return [rules.QuizQuestion(q.key, q.kind, tuple(q.correct)) for q in questions_of(enrolment)]


def open_attempt(enrolment: Enrolment) -> QuizAttempt | None:
    return next((a for a in enrolment.attempts if a.is_open), None)


def attempt_of(enrolment: Enrolment, number: int) -> QuizAttempt | None:
    return next((a for a in enrolment.attempts if a.number == number), None)


def submitted_attempts(enrolment: Enrolment) -> list[QuizAttempt]:
    return [a for a in enrolment.attempts if not a.is_open]


def attempts_left(enrolment: Enrolment) -> int | None:
    """None: unlimited."""
    limit = enrolment.version.max_attempts
    return None if limit == 0 else max(limit - len(submitted_attempts(enrolment)), 0)


def can_start(enrolment: Enrolment) -> str | None:
    """Why no new attempt can start (translated), or None."""
    if not enrolment.version.has_quiz or not enrolment.version.questions:
        return _("This module has no quiz.")
    if is_passed(enrolment):
        return _("You have already passed this quiz.")
    if attempts_left(enrolment) == 0:
        return _("You have used all your attempts at this quiz.")
    return None


def start_attempt(enrolment: Enrolment) -> tuple[QuizAttempt, bool]:
    """The open attempt, or a new one; (attempt, created). Parallel starts make one."""
    current = open_attempt(enrolment)
    if current is not None:
        return current, False
    reason = can_start(enrolment)
    if reason:
        raise LearningError(reason)
    version = enrolment.version
    keys = [q.key for q in version.questions]
    orders = {q.key: list(range(len(q.correct))) for q in version.questions}
    if version.shuffle:
        _shuffler.shuffle(keys)
        for q in version.questions:
            if q.kind != "truefalse":  # True, then False: always in that order
                _shuffler.shuffle(orders[q.key])
    number = max((a.number for a in enrolment.attempts), default=0) + 1
    attempt = QuizAttempt(enrolment_id=enrolment.id, number=number, question_order=keys, choice_order=orders, draft={})

    def parallel_start() -> QuizAttempt | None:
        """The attempt a parallel start made first."""
        db.session.expire(enrolment, ["attempts"])
        return open_attempt(enrolment)

    attempt, created = insert_once(attempt, parallel_start)
    if created:
        db.session.expire(enrolment, ["attempts"])
        records.attempted(enrolment, attempt)
    return attempt, created


def ordered_questions(enrolment: Enrolment, attempt: QuizAttempt) -> list[Question]:
    by_key = {q.key: q for q in questions_of(enrolment)}
    return [by_key[k] for k in attempt.question_order if k in by_key]


def check_current(enrolment: Enrolment, number: int) -> QuizAttempt:
    """The open attempt, if the page posted is of it; StaleAttempt otherwise."""
    attempt = attempt_of(enrolment, number)
    current = open_attempt(enrolment)
    if attempt is None or current is None or current.id != attempt.id:
        newer = current.number if current is not None else None
        if newer is not None and newer != number:
            raise StaleAttempt(
                _(
                    "This quiz page is from attempt %(old)s, but attempt %(new)s is now open: your answers were "
                    "not saved. Here is attempt %(new)s.",
                    old=number,
                    new=newer,
                )
            )
        raise StaleAttempt(
            _("Attempt %(number)s was already submitted: this page was out of date. Here is its result.", number=number)
        )
    return attempt


def clean_answers(enrolment: Enrolment, answers: dict[str, list[int]]) -> dict[str, list[int]]:
    """Keep only answers to the attempt's questions with choices they have; BadAnswer otherwise."""
    questions = {q.key: q for q in quiz_questions(enrolment)}
    unknown = set(answers) - set(questions)
    if unknown:
        raise rules.BadAnswer(sorted(unknown)[0])
    return {key: list(rules.clean_answer(questions[key], chosen)) for key, chosen in answers.items() if chosen}


def save_draft(enrolment: Enrolment, number: int, answers: dict[str, list[int]]) -> QuizAttempt:
    """Save the answers given so far to the open attempt `number` (merged over the earlier ones: a page that
    sends one question keeps the others)."""
    attempt = check_current(enrolment, number)
    cleaned = clean_answers(enrolment, answers)
    won = db.session.execute(
        db.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(draft={**(attempt.draft or {}), **cleaned}, saved_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.expire(attempt)
    if not won:
        raise StaleAttempt(_("Attempt %(number)s was already submitted.", number=number))
    enrolment.last_active_at = utcnow()
    db.session.flush()
    return attempt


@dataclass
class Submission:
    attempt: QuizAttempt
    score: rules.QuizScore
    completion: Completion | None


def submit(enrolment: Enrolment, number: int, answers: dict[str, list[int]]) -> Submission:
    """Score the open attempt `number` with `answers` (the saved ones fill in what the page did not send).
    Exactly one of parallel submits scores it; the others raise StaleAttempt."""
    attempt = check_current(enrolment, number)
    given = {**(attempt.draft or {}), **clean_answers(enrolment, answers)}
    score = rules.score_attempt(quiz_questions(enrolment), given, enrolment.version.pass_mark)
    now = utcnow()
    won = db.session.execute(
        db.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(
            submitted_at=now,
            saved_at=now,
            draft={a.key: list(a.chosen) for a in score.answers if a.chosen},
            score=score.score,
            is_passed=score.is_passed,
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    if not won:
        db.session.expire(enrolment, ["attempts"])
        raise StaleAttempt(
            _("Attempt %(number)s was already submitted: this page was out of date. Here is its result.", number=number)
        )
    ids = {q.key: q.id for q in questions_of(enrolment)}
    db.session.add_all(
        AttemptAnswer(attempt_id=attempt.id, question_id=ids[a.key], chosen=list(a.chosen), is_correct=a.is_correct)
        for a in score.answers
    )
    enrolment.last_active_at = now
    db.session.flush()
    db.session.expire(attempt)
    db.session.expire(enrolment, ["attempts"])
    records.answered(enrolment, attempt, questions_of(enrolment), score)
    return Submission(attempt, score, complete_if_done(enrolment))


@dataclass(frozen=True)
class Feedback:
    question: Question
    chosen: tuple[int, ...]
    is_correct: bool


def feedback_of(enrolment: Enrolment, attempt: QuizAttempt) -> list[Feedback]:
    """Each question of a submitted attempt, in its order, with the learner's choices and whether right."""
    by_id = {a.question_id: a for a in attempt.answers}
    out = []
    for q in ordered_questions(enrolment, attempt):
        answer = by_id.get(q.id)
        out.append(Feedback(q, tuple(answer.chosen) if answer else (), bool(answer and answer.is_correct)))
    return out
