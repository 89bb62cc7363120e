"""The learning path and plan over HTTP: recommendations explained, accept, remove/add, budget and weeks,
parallel accepts, other learners, the assessment pointer, the API answer, the home card and the user's data."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token, login
from tests.factories import make_assessment_frameworks, make_assessment_run, make_module, parallel_posts
from uprest.extensions import db as _db
from uprest.recommendations.models import LearningPlan, PlanItem

# Rating 1 leaves every competence of the profile below its target (digcomp:1.1 target 4, 1.3 target 3,
# 2.1 target 5): the modules below each close some of those gaps.
MODULES = [
    ("close-11", 2.0, [("digcomp:1.1", 0, 4)]),
    ("close-13", 4.0, [("digcomp:1.3", 0, 3)]),
    ("close-21", 6.0, [("digcomp:2.1", 0, 5)]),
]


@pytest.fixture()
def world(app, create_user):
    """The assessment frameworks and three published modules, each closing one gap."""
    make_assessment_frameworks()
    trainer = create_user(role="trainer", email="trainer@example.org")
    for code, hours, outcomes in MODULES:
        make_module(trainer, code, publish=True, hours=hours, outcomes=outcomes)


@pytest.fixture()
def learner(client, create_user, world):
    """A logged-in learner with a submitted assessment (every statement rated 1)."""
    user = create_user(email="learner@example.org")
    make_assessment_run(user, submitted=True, rating=1)
    assert login(client, user.email).status_code == 302
    return user


def _plan_codes(user) -> list[str] | None:
    _db.session.expire_all()
    plan = _db.session.scalar(_db.select(LearningPlan).where(LearningPlan.user_id == user.id))
    return None if plan is None else [i.module_code for i in plan.items]


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/plan"), **data})


def _accept(client):
    resp = _post(client, "/plan/accept")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/plan")
    return resp


def test_no_assessment_points_to_assessment(client, login_as, world):
    """Without a submitted assessment, /plan says so and links to /assessment; accepting makes no plan."""
    user = login_as()
    html = client.get("/plan").get_data(as_text=True)
    assert "you have not submitted an assessment yet" in html
    assert 'href="/assessment"' in html
    _accept(client)
    assert _plan_codes(user) is None


def test_path_shown_and_explained(client, learner):
    """Every recommended module is listed with its link, hours, week and the reason, and can be accepted."""
    html = client.get("/plan").get_data(as_text=True)
    for code, _hours, _outcomes in MODULES:
        assert f'href="/courses/{code}"' in html
    assert "Raises 1.1" in html and "towards your target of 4" in html
    assert "2 hours" in html and "6 hours" in html
    assert 'action="/plan/accept"' in html
    assert "<caption>" in html


def test_accept_then_remove_and_add(client, learner):
    """Accepting copies the path; a removed module can be added back once (a second add changes nothing)."""
    _accept(client)
    codes = _plan_codes(learner)
    assert sorted(codes) == sorted(code for code, _h, _o in MODULES)
    _accept(client)  # a double submit keeps the plan
    assert _plan_codes(learner) == codes

    assert _post(client, "/plan/remove", code="close-13").status_code == 302
    assert "close-13" not in _plan_codes(learner)
    html = client.get("/plan").get_data(as_text=True)
    assert 'action="/plan/add"' in html and 'value="close-13"' in html
    assert _post(client, "/plan/remove", code="close-13").status_code == 302  # again: nothing to remove

    assert _post(client, "/plan/add", code="close-13").status_code == 302
    assert _post(client, "/plan/add", code="close-13").status_code == 302
    assert _plan_codes(learner).count("close-13") == 1
    assert _plan_codes(learner)[-1] == "close-13"
    assert _post(client, "/plan/add", code="not-recommended").status_code == 400

    _accept(client)  # with a plan: rebuilds it from the recommendations
    assert _plan_codes(learner) == codes


def _weeks(html: str) -> int:
    match = re.search(r"about (\d+) weeks? at", html)
    assert match, html
    return int(match.group(1))


def test_budget_changes_weeks(client, learner):
    """12 hours of modules take 4 weeks at 3 hours a week and 1 week at 12; 0 and 41 hours are refused."""
    _accept(client)
    assert _weeks(client.get("/plan").get_data(as_text=True)) == 4
    assert _post(client, "/plan/budget", weekly_hours="12").status_code == 302
    assert _weeks(client.get("/plan").get_data(as_text=True)) == 1
    for bad in ("0", "41", "many"):
        resp = _post(client, "/plan/budget", weekly_hours=bad)
        assert resp.status_code == 400
        assert 'aria-invalid="true"' in resp.get_data(as_text=True)
    resp = _post(client, "/plan/budget", weekly_hours="41")
    assert "from 1 to 40" in resp.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.scalar(_db.select(LearningPlan.weekly_hours)) == 12


def _parallel_accepts(app, client, n: int = 20) -> list[int]:
    return parallel_posts(app, client, "/plan/accept", {"csrf_token": csrf_token(client, "/plan")}, n)


def test_parallel_accepts_leave_one_plan(app, client, learner):
    """20 simultaneous accepts leave one plan without duplicate modules; so do 20 simultaneous rebuilds."""
    for _round in range(2):  # the first makes the plan, the second rebuilds it
        assert _parallel_accepts(app, client) == [302] * 20
        _db.session.expire_all()
        assert _db.session.scalar(_db.select(_db.func.count(LearningPlan.id))) == 1
        assert _db.session.scalar(_db.select(_db.func.count(PlanItem.id))) == len(MODULES)


def test_other_learner_neither_sees_nor_changes_a_plan(app, client, learner, create_user):
    """Another learner sees only their own (missing) plan and cannot change the first learner's."""
    _accept(client)
    codes = _plan_codes(learner)
    other = create_user(email="other@example.org")
    other_client = app.test_client()
    assert login(other_client, other.email).status_code == 302
    html = other_client.get("/plan").get_data(as_text=True)
    assert "Title close-11" not in html and 'action="/plan/remove"' not in html
    token = csrf_token(other_client, "/plan")
    for url, data in (
        ("/plan/remove", {"code": "close-11"}),
        ("/plan/add", {"code": "close-11"}),
        ("/plan/budget", {"weekly_hours": "5"}),
    ):
        assert other_client.post(url, data={"csrf_token": token, **data}).status_code == 404
    assert other_client.post("/plan/accept", data={"csrf_token": token}).status_code == 302
    assert _plan_codes(learner) == codes
    assert _plan_codes(other) is None
    assert app.test_client().get("/plan").status_code == 302  # logged out: to the login page


def test_posts_need_csrf(client, learner):
    """A post without the CSRF token changes nothing."""
    assert client.post("/plan/accept").status_code == 400
    assert _plan_codes(learner) is None


def test_result_page_and_home_lead_to_the_plan(client, learner):
    """The assessment's result page and the home page link to the learning path."""
    from tests.factories import latest_run

    run = latest_run(learner)
    for url in (f"/assessment/{run.id}/result", "/"):
        html = client.get(url).get_data(as_text=True)
        assert 'href="/plan"' in html and "See your learning path" in html


def test_api_recommendations(app, client, learner):
    """/api/v1/me/recommendations: 401 logged out; the ordered, explained path when logged in."""
    assert app.test_client().get("/api/v1/me/recommendations").status_code == 401
    resp = client.get("/api/v1/me/recommendations")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["weekly_hours"] == 3 and body["hours"] == 12.0 and body["weeks"] == 4
    codes = [m["code"] for m in body["modules"]]
    assert sorted(codes) == sorted(code for code, _h, _o in MODULES)
    first = body["modules"][0]
    assert set(first) >= {"code", "title", "hours", "week", "competences", "explanation"}
    assert first["competences"] and set(first["competences"][0]) == {"key", "from_level", "to_level", "target"}
    assert first["explanation"].startswith("Raises")


def test_api_without_assessment(client, login_as, world):
    """Before a submitted assessment the API answers 404."""
    login_as()
    assert client.get("/api/v1/me/recommendations").status_code == 404


def test_plan_in_data_export_and_erased(client, learner):
    """The plan is in the learner's data download and goes with the account."""
    from uprest.recommendations import services

    _accept(client)
    data = services.export_user_data(learner)
    assert data["learning_plan"]["weekly_hours"] == 3 and len(data["learning_plan"]["modules"]) == len(MODULES)
    services.erase_user_data(learner)
    _db.session.commit()
    assert _plan_codes(learner) is None


def test_no_module_closes_the_gaps(client, create_user, app):
    """With gaps but no module that closes them, the page says so and offers nothing to accept."""
    make_assessment_frameworks()
    user = create_user(email="alone@example.org")
    make_assessment_run(user, submitted=True, rating=1)
    assert login(client, user.email).status_code == 302
    html = client.get("/plan").get_data(as_text=True)
    assert "No module in the catalogue closes your skills gaps yet." in html
    assert 'action="/plan/accept"' not in html
