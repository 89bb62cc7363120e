"""Learning over HTTP: enrol from the module page, read lessons (saved, resumed), the enrolled version kept,
the quiz (saved answers, feedback, attempts, stale and tampered pages), completion with its competence
records, attendance, the plan, the dashboard, the progress API and the user's data."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token, login
from tests.factories import count_rows, make_assessment_frameworks, make_assessment_run, make_module, parallel_posts
from uprest.catalog import editing
from uprest.catalog import services as catalog
from uprest.catalog.editing import QuestionData
from uprest.extensions import db as _db
from uprest.frameworks.models import CompetenceRecord
from uprest.learning.models import AttemptAnswer, Enrolment, LessonProgress, QuizAttempt

CODE = "close-11"


def _module(trainer, code=CODE, *, attendance=False, max_attempts=0):
    """A published module raising digcomp:1.1 from 0 to 4 (the learner's target): two lessons, two questions."""
    module = make_module(trainer, code, publish=False, hours=2.0, outcomes=[("digcomp:1.1", 0, 4)])
    editing.save_lesson(module, trainer, None, "en", "second", "Second lesson", "More **text**.")
    editing.save_question(
        module,
        trainer,
        None,
        "en",
        QuestionData("q2", "multiple", "Pick two", ["A", "B", "C"], [True, True, False], "A and B."),
    )
    version = catalog.working_version(module)
    version.requires_attendance = attendance
    version.max_attempts = max_attempts
    version.pass_mark = 100
    catalog.publish(module)
    _db.session.commit()
    return module


@pytest.fixture()
def world(app, create_user):
    make_assessment_frameworks()
    trainer = create_user(role="trainer", email="trainer@example.org")
    return {"trainer": trainer, "module": _module(trainer)}


@pytest.fixture()
def learner(client, create_user, world):
    """A logged-in learner with a submitted assessment (every statement rated 1: digcomp:1.1 below target 4)."""
    user = create_user(email="learner@example.org")
    make_assessment_run(user, submitted=True, rating=1)
    assert login(client, user.email).status_code == 302
    return user


def _post(client, url, page=None, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page or f"/courses/{CODE}"), **data})


def _enrol(client, code=CODE):
    resp = _post(client, f"/learn/{code}/enrol", page=f"/courses/{code}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/learn/{code}")
    return resp


def _enrolment(user) -> Enrolment:
    _db.session.expire_all()
    return _db.session.scalar(_db.select(Enrolment).where(Enrolment.user_id == user.id))


def _read_all(client):
    for n in (1, 2):
        assert _post(client, f"/learn/{CODE}/lessons/{n}/read", page=f"/learn/{CODE}/lessons/{n}").status_code == 302


def _start(client) -> int:
    resp = _post(client, f"/learn/{CODE}/quiz/start", page=f"/learn/{CODE}/quiz")
    assert resp.status_code == 302
    return int(re.search(r"/quiz/(\d+)$", resp.headers["Location"]).group(1))


def _answers(q1=0, q2=(0, 1)):
    return {"q_q1": str(q1), "q_q2": [str(i) for i in q2]}


def _submit(client, number, answers, page=None):
    page = page or f"/learn/{CODE}/quiz/{number}"
    return client.post(
        f"/learn/{CODE}/quiz/{number}/submit",
        data={"csrf_token": csrf_token(client, f"/learn/{CODE}/quiz"), "attempt": str(number), **answers},
    )


def test_module_page_offers_enrolment_and_enrolling_twice_makes_one(client, learner):
    """A learner sees "Enrol" on the module page; two enrol posts make one enrolment in the published version."""
    html = client.get(f"/courses/{CODE}").get_data(as_text=True)
    assert "Enrol in this module" in html
    _enrol(client)
    _enrol(client)
    assert count_rows(Enrolment) == 1
    enrolment = _enrolment(learner)
    assert enrolment.module_version_id == enrolment.module.published_version_id
    html = client.get(f"/courses/{CODE}").get_data(as_text=True)
    assert "Enrol in this module" not in html and "You are enrolled" in html and "Start: First lesson" in html


def test_anonymous_visitors_are_asked_to_log_in(client, world):
    """The module page asks visitors to log in to enrol; learning pages send them to the login page."""
    assert "Log in to enrol" in client.get(f"/courses/{CODE}").get_data(as_text=True)
    resp = client.get(f"/learn/{CODE}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_lessons_are_saved_and_resumed(client, learner):
    """Opening a lesson remembers it; "mark as read" is saved once and leads to the next lesson; the module
    page and the dashboard offer to continue where the learner left off."""
    _enrol(client)
    assert "Start: First lesson" in client.get("/").get_data(as_text=True)  # the cards are kept from here on
    assert client.get(f"/learn/{CODE}/lessons/1").status_code == 200
    assert "Continue: First lesson" in client.get("/").get_data(as_text=True)
    resp = _post(client, f"/learn/{CODE}/lessons/1/read", page=f"/learn/{CODE}/lessons/1")
    assert resp.headers["Location"].endswith(f"/learn/{CODE}/lessons/2")
    _post(client, f"/learn/{CODE}/lessons/1/read", page=f"/learn/{CODE}/lessons/1")
    assert count_rows(LessonProgress) == 1
    assert _enrolment(learner).last_lesson == 1
    html = client.get(f"/learn/{CODE}").get_data(as_text=True)
    assert "Continue: Second lesson" in html and 'value="33"' in html  # 1 of 3 steps (2 lessons + quiz)
    home = client.get("/").get_data(as_text=True)
    assert "Continue: Second lesson" in home and "<progress" in home
    assert client.get(f"/learn/{CODE}/lessons/9").status_code == 404


def test_learners_keep_the_version_they_enrolled_in(client, learner, world):
    """A new published version changes neither the lessons nor the quiz of an enrolled learner."""
    _enrol(client)
    trainer, module = world["trainer"], world["module"]
    editing.save_lesson(module, trainer, 1, "en", "first", "Renamed lesson", "New text.")
    catalog.publish(module)
    _db.session.commit()
    html = client.get(f"/learn/{CODE}/lessons/1").get_data(as_text=True)
    assert "First lesson" in html and "Renamed lesson" not in html
    assert "version 1" in client.get(f"/learn/{CODE}").get_data(as_text=True)


def test_quiz_saves_answers_scores_and_gives_feedback(client, learner):
    """Saved answers come back on the attempt page; a wrong submission scores, shows feedback per question and
    allows another attempt; a right one passes and, with every lesson read, completes the module."""
    _enrol(client)
    number = _start(client)
    assert _start(client) == number  # the open attempt, not a second one
    save = client.post(
        f"/learn/{CODE}/quiz/{number}/save",
        data={"csrf_token": csrf_token(client, f"/learn/{CODE}/quiz"), "attempt": str(number), "q_q1": "1"},
    )
    assert save.status_code == 302
    page = client.get(f"/learn/{CODE}/quiz/{number}").get_data(as_text=True)
    assert re.search(r'value="1"[^>]*checked|checked[^>]*value="1"', page)
    resp = _submit(client, number, {"q_q2": ["0", "2"]})  # q1 from the saved answer (wrong)
    assert resp.headers["Location"].endswith(f"/quiz/{number}/result")
    result = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "0\xa0%" in result or "0 %" in result or "0%" in result
    assert "Yes is right." in result and "A and B." in result and "Try again" in result
    second = _start(client)
    assert second == number + 1
    _read_all(client)
    resp = _submit(client, second, _answers())
    _db.session.expire_all()
    attempt = _db.session.scalar(_db.select(QuizAttempt).where(QuizAttempt.number == second))
    assert attempt.score == 100 and attempt.is_passed
    assert _enrolment(learner).status == "completed"
    follow = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "completed this module" in follow and "reached your target in 1 competence" in follow
    records = _db.session.scalars(_db.select(CompetenceRecord).where(CompetenceRecord.source == "module")).all()
    assert [(r.level, r.evidence_type) for r in records] == [(4, "enrolment")]


def test_unanswered_questions_are_asked_for_and_nothing_is_lost(client, learner):
    """Submitting with a question unanswered keeps the answer given and asks for the other."""
    _enrol(client)
    number = _start(client)
    resp = _submit(client, number, {"q_q1": "0"})
    assert resp.status_code == 400 and "Please answer this question." in resp.get_data(as_text=True)
    _db.session.expire_all()
    attempt = _db.session.scalar(_db.select(QuizAttempt))
    assert attempt.submitted_at is None and attempt.draft == {"q1": [0]}


def test_stale_and_tampered_quiz_pages_are_refused(client, learner):
    """A page of a submitted attempt is refused with a message once a newer one is open; a choice that no
    question has, or a page claiming another attempt, gets 400; nothing is scored twice."""
    _enrol(client)
    first = _start(client)
    assert _submit(client, first, _answers(q1=1)).status_code == 302
    second = _start(client)
    resp = _submit(client, first, _answers())
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/quiz/{second}")
    assert "attempt 2 is now open" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _submit(client, second, {"q_q1": "7", "q_q2": ["0"]}).status_code == 400
    assert _submit(client, second, {"q_q1": ["0", "1"], "q_q2": ["0"]}).status_code == 400
    bad = client.post(
        f"/learn/{CODE}/quiz/{second}/submit",
        data={"csrf_token": csrf_token(client, f"/learn/{CODE}/quiz"), "attempt": str(first), **_answers()},
    )
    assert bad.status_code == 400
    assert count_rows(QuizAttempt, QuizAttempt.submitted_at.is_not(None)) == 1
    assert count_rows(AttemptAnswer) == 2


def test_autosave_answers_json_and_refuses_a_submitted_attempt(client, learner):
    """The page's script gets JSON: saved, or 409 once the attempt is submitted."""
    _enrol(client)
    number = _start(client)
    token = csrf_token(client, f"/learn/{CODE}/quiz")
    headers = {"Accept": "application/json"}
    url = f"/learn/{CODE}/quiz/{number}/save"
    resp = client.post(url, data={"csrf_token": token, "attempt": str(number), "q_q2": ["1"]}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["saved"] is True
    _submit(client, number, _answers())
    resp = client.post(url, data={"csrf_token": token, "attempt": str(number), "q_q2": ["1"]}, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["saved"] is False


def test_attempts_run_out(client, learner, world, app):
    """With one attempt allowed, a failed attempt leaves none: starting again is refused with a message."""
    _db.session.execute(_db.update(type(world["module"].published_version)).values(max_attempts=1))
    _db.session.commit()
    _enrol(client)
    number = _start(client)
    _submit(client, number, _answers(q1=1))
    resp = _post(client, f"/learn/{CODE}/quiz/start", page=f"/learn/{CODE}/quiz")
    assert resp.headers["Location"].endswith(f"/learn/{CODE}/quiz")
    assert "used all your attempts" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert count_rows(QuizAttempt) == 1


def test_attendance_completes_a_blended_module(client, learner, world):
    """A module whose rule asks for attendance is complete only once the trainer records it."""
    from uprest.learning import services

    _db.session.execute(_db.update(type(world["module"].published_version)).values(requires_attendance=True))
    _db.session.commit()
    _enrol(client)
    _read_all(client)
    _submit(client, _start(client), _answers())
    assert _enrolment(learner).status == "active"
    assert "Attend a session" in client.get(f"/learn/{CODE}").get_data(as_text=True)
    enrolment = _enrolment(learner)
    with client.application.test_request_context():
        assert services.mark_attendance(enrolment, world["trainer"]) is not None
    _db.session.commit()
    assert _enrolment(learner).status == "completed"


def test_other_learners_see_nothing_of_an_enrolment(app, client, learner, create_user):
    """Another learner gets 404 on the first learner's module, lessons, attempts and results, and cannot post."""
    _enrol(client)
    number = _start(client)
    other = create_user(email="other@example.org")
    other_client = app.test_client()
    assert login(other_client, other.email).status_code == 302
    for path in (
        f"/learn/{CODE}",
        f"/learn/{CODE}/lessons/1",
        f"/learn/{CODE}/quiz",
        f"/learn/{CODE}/quiz/{number}",
        f"/learn/{CODE}/quiz/{number}/result",
    ):
        assert other_client.get(path).status_code == 404, path
    token = csrf_token(other_client, f"/courses/{CODE}")
    assert (
        other_client.post(f"/learn/{CODE}/quiz/{number}/submit", data={"csrf_token": token, **_answers()}).status_code
        == 404
    )
    assert other_client.get("/api/v1/me/progress").get_json() == {"enrolments": []}


def test_posts_need_csrf(client, learner):
    """Every learning POST without a CSRF token is refused and changes nothing."""
    assert client.post(f"/learn/{CODE}/enrol").status_code == 400
    _enrol(client)
    assert client.post(f"/learn/{CODE}/lessons/1/read").status_code == 400
    assert client.post(f"/learn/{CODE}/quiz/start").status_code == 400
    assert count_rows(LessonProgress) == 0 and count_rows(QuizAttempt) == 0


def test_completed_module_is_done_in_the_plan_and_left_out_of_the_path(client, learner):
    """The plan marks a completed module done and counts weeks from what is left; the path leaves it out."""
    _post(client, "/plan/accept", page="/plan")
    assert "0 of 1 module of your plan completed" in client.get("/").get_data(as_text=True)
    _enrol(client)
    _read_all(client)
    _submit(client, _start(client), _answers())
    html = client.get("/plan").get_data(as_text=True)
    assert "Done" in html and "You have completed this module." in html
    api = client.get("/api/v1/me/recommendations").get_json()
    assert CODE not in [m["code"] for m in api["modules"]]
    assert "1 of 1 module of your plan completed" in client.get("/").get_data(as_text=True)


def test_reassessment_shows_what_the_module_changed(client, learner):
    """After completion and a new assessment, the module page shows the level before and after."""
    _enrol(client)
    _read_all(client)
    _submit(client, _start(client), _answers())
    html = client.get(f"/learn/{CODE}").get_data(as_text=True)
    assert "Re-assess your skills" in html
    make_assessment_run(learner, submitted=True, rating=4)
    html = client.get(f"/learn/{CODE}").get_data(as_text=True)
    assert "What this module changed" in html and "+" in html and "Before" in html


def test_progress_api(client, learner):
    """/api/v1/me/progress lists the learner's enrolments with status, progress and score; 401 without login."""
    _enrol(client)
    _post(client, f"/learn/{CODE}/lessons/1/read", page=f"/learn/{CODE}/lessons/1")
    body = client.get("/api/v1/me/progress").get_json()
    [row] = body["enrolments"]
    assert row["code"] == CODE and row["status"] == "active" and row["progress"] == 33
    assert row["lessons_read"] == 1 and row["lessons_required"] == 2 and row["quiz_passed"] is False
    client.get("/logout")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/api/v1/me/progress").status_code == 401


def test_learning_in_data_export_and_erased(client, learner):
    """The user's data download holds their enrolments and attempts; erasing them leaves none."""
    from uprest.learning import services

    _enrol(client)
    _submit(client, _start(client), _answers(q1=1))
    data = services.export_user_data(learner)
    assert data["enrolments"][0]["module"] == CODE and data["enrolments"][0]["quiz_attempts"][0]["score"] == 50
    services.erase_user_data(learner)
    _db.session.commit()
    assert count_rows(Enrolment) == count_rows(QuizAttempt) == count_rows(AttemptAnswer) == 0


_parallel = parallel_posts


def test_twenty_parallel_posts_leave_one_record(app, client, learner):
    """The same enrolment, lesson completion, quiz start and quiz submission sent 20 times at once each leave
    one record, and the completion records its levels once."""
    token = csrf_token(client, f"/courses/{CODE}")
    assert set(_parallel(app, client, f"/learn/{CODE}/enrol", {"csrf_token": token})) == {302}
    assert count_rows(Enrolment) == 1
    for n in (1, 2):
        assert set(_parallel(app, client, f"/learn/{CODE}/lessons/{n}/read", {"csrf_token": token})) == {302}
    assert count_rows(LessonProgress) == 2
    assert set(_parallel(app, client, f"/learn/{CODE}/quiz/start", {"csrf_token": token})) == {302}
    assert count_rows(QuizAttempt) == 1
    data = {"csrf_token": token, "attempt": "1", **_answers()}
    assert set(_parallel(app, client, f"/learn/{CODE}/quiz/1/submit", data)) == {302}
    assert count_rows(QuizAttempt, QuizAttempt.submitted_at.is_not(None)) == 1
    assert count_rows(AttemptAnswer) == 2
    assert count_rows(CompetenceRecord, CompetenceRecord.source == "module") == 1
    assert _enrolment(learner).status == "completed"
