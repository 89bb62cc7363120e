"""The learning events as xAPI statements (stored by the xapi feature): what was done, to which activity.

Activity ids are the public URLs of the version the learner enrolled in, so that two versions of a module
are two activities; the enrolment's registration ties a learner's statements about it together.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from uprest.catalog.models import Lesson, ModuleVersion, Question
from uprest.learning import rules
from uprest.learning.models import Enrolment, QuizAttempt
from uprest.xapi import services as xapi
from uprest.xapi.statements import Activity, Result


def _module(version: ModuleVersion) -> Activity:
    return Activity(
        path=f"/courses/{version.module.code}?v={version.version}",
        type="course",
        name=dict(version.title or {}),
        description=dict(version.summary or {}) or None,
    )


def _lesson(version: ModuleVersion, lesson: Lesson) -> Activity:
    return Activity(
        path=f"/courses/{version.module.code}/lessons/{lesson.position}?v={version.version}",
        type="lesson",
        name={t.lang: t.title for t in lesson.texts} or {"en": lesson.slug},
    )


def _quiz(version: ModuleVersion) -> Activity:
    title = dict(version.title or {"en": version.module.code})
    return Activity(path=f"/courses/{version.module.code}/quiz?v={version.version}", type="assessment", name=title)


def _question(version: ModuleVersion, question: Question) -> Activity:
    en = question.text_in("en") or (question.texts[0] if question.texts else None)
    return Activity(
        path=f"/courses/{version.module.code}/quiz?v={version.version}#{question.key}",
        type="question",
        name={t.lang: t.text[:500] for t in question.texts} or {"en": question.key},
        interaction={
            "interactionType": "choice" if question.kind != "truefalse" else "true-false",
            **(
                {
                    "choices": [
                        {"id": f"c{i}", "description": {"en": (en.choices[i] if en and i < len(en.choices) else "")}}
                        for i in range(len(question.correct))
                    ],
                    "correctResponsesPattern": ["[,]".join(f"c{i}" for i, ok in enumerate(question.correct) if ok)],
                }
                if question.kind != "truefalse"
                else {"correctResponsesPattern": ["true" if question.correct and question.correct[0] else "false"]}
            ),
        },
    )


def _registration(enrolment: Enrolment) -> uuid.UUID:
    return uuid.UUID(enrolment.registration)


def _record(enrolment: Enrolment, verb: str, activity: Activity, result: Result | None = None, parent=None) -> None:
    xapi.record(enrolment.user, verb, activity, result=result, registration=_registration(enrolment), parent=parent)


def enrolled(enrolment: Enrolment) -> None:
    _record(enrolment, "registered", _module(enrolment.version))


def launched(enrolment: Enrolment) -> None:
    _record(enrolment, "launched", _module(enrolment.version))


def progressed(enrolment: Enrolment, lesson: Lesson, fraction: float) -> None:
    version = enrolment.version
    _record(enrolment, "completed", _lesson(version, lesson), Result(completion=True), parent=_module(version))
    _record(enrolment, "progressed", _module(version), Result(progress=round(fraction, 4)))


def attempted(enrolment: Enrolment, attempt: QuizAttempt) -> None:
    version = enrolment.version
    _record(enrolment, "launched", _quiz(version), parent=_module(version))


def answered(enrolment: Enrolment, attempt: QuizAttempt, questions: Sequence[Question], score: rules.QuizScore) -> None:
    version = enrolment.version
    by_key = {q.key: q for q in questions}
    for answer in score.answers:
        question = by_key[answer.key]
        response = (
            ("true" if answer.chosen == (0,) else "false" if answer.chosen else "")
            if question.kind == "truefalse"
            else "[,]".join(f"c{i}" for i in answer.chosen)
        )
        _record(
            enrolment,
            "answered",
            _question(version, question),
            Result(success=answer.is_correct, response=response),
            parent=_quiz(version),
        )
    duration = (attempt.submitted_at - attempt.started_at).total_seconds() if attempt.submitted_at else None
    _record(
        enrolment,
        "passed" if score.is_passed else "failed",
        _quiz(version),
        Result(
            score_raw=score.score,
            score_min=0,
            score_max=100,
            score_scaled=score.score / 100,
            success=score.is_passed,
            completion=True,
            duration_seconds=duration,
        ),
        parent=_module(version),
    )


def completed(enrolment: Enrolment) -> None:
    _record(enrolment, "completed", _module(enrolment.version), Result(completion=True, success=True))
