"""Demo data of the learning feature: the demo learner has completed one module and is half-way through another."""

from __future__ import annotations

from flask import current_app

from uprest.accounts.cli import DEMO_ACCOUNTS, DEMO_LEARNER
from uprest.accounts.services import user_by_email
from uprest.catalog import services as catalog
from uprest.learning import quizzes, services

#: The modules of the demo (online ones, so that no session is needed): completed, then in progress.
DEMO_COMPLETED = "digital-tools"
DEMO_IN_PROGRESS = "cybersecurity-gdpr"
#: The second demo learner (a business owner) and the demo trainer, who follows both modules' learners.
DEMO_OWNER = DEMO_ACCOUNTS[1][0]
DEMO_TRAINER = next(email for email, _name, role, *_rest in DEMO_ACCOUNTS if role == "trainer")


def seed_demo() -> None:
    """Once (idempotent), after the assessment's demo: the learner completes DEMO_COMPLETED (every lesson, the
    quiz passed on the second attempt) and reads the first lessons of DEMO_IN_PROGRESS; the business owner
    starts DEMO_COMPLETED (a failed attempt); the demo trainer may edit both modules, so that their "My
    learners" page shows these learners; flushes."""
    user = user_by_email(DEMO_LEARNER)
    if user is None or services.enrolments_of(user):
        return
    with current_app.test_request_context():
        done = catalog.public_module(DEMO_COMPLETED)
        if done is not None:
            enrolment, _created = services.enrol(user, done)
            for lesson in enrolment.version.lessons:
                services.open_lesson(enrolment, lesson)
                services.mark_read(enrolment, lesson)
            _take_quiz(enrolment, wrong_first=True)
            services.complete_if_done(enrolment)
        going = catalog.public_module(DEMO_IN_PROGRESS)
        if going is not None:
            enrolment, _created = services.enrol(user, going)
            lessons = list(enrolment.version.lessons)
            for lesson in lessons[: max(1, len(lessons) // 2)]:
                services.open_lesson(enrolment, lesson)
                services.mark_read(enrolment, lesson)
        owner = user_by_email(DEMO_OWNER)
        if owner is not None and done is not None:  # a second learner, for the trainer's figures
            enrolment, _created = services.enrol(owner, done)
            services.open_lesson(enrolment, enrolment.version.lessons[0])
            services.mark_read(enrolment, enrolment.version.lessons[0])
            _take_quiz(enrolment, wrong_first=True, retry=False)
        trainer = user_by_email(DEMO_TRAINER)
        for module in (done, going):
            if trainer is not None and module is not None and not catalog.can_edit(trainer, module):
                catalog.share(module, trainer.email)


def _take_quiz(enrolment, *, wrong_first: bool, retry: bool = True) -> None:
    if quizzes.can_start(enrolment):
        return
    questions = quizzes.quiz_questions(enrolment)
    right = {q.key: [i for i, ok in enumerate(q.correct) if ok] for q in questions}
    if wrong_first and questions:
        attempt, _created = quizzes.start_attempt(enrolment)
        wrong = dict(right)
        for q in questions[: max(1, len(questions) // 2)]:
            wrong[q.key] = [next(i for i, ok in enumerate(q.correct) if not ok)]
        quizzes.submit(enrolment, attempt.number, wrong)
    if retry and quizzes.can_start(enrolment) is None:
        attempt, _created = quizzes.start_attempt(enrolment)
        quizzes.submit(enrolment, attempt.number, right)
