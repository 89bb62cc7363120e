"""The skills-gap assessment over HTTP: start, page through, save and resume, submit, results, roles."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy.exc import IntegrityError

from tests.conftest import csrf_token, login
from tests.factories import (
    ASSESSMENT_PAGES,
    answer_all,
    answer_page,
    complete_assessment,
    count_rows,
    latest_run,
    make_assessment_frameworks,
    make_framework,
    page_items,
    start_assessment,
    submit_assessment,
)
from uprest.accounts import services as account_services
from uprest.assessments.models import (
    AssessmentResponse,
    AssessmentResult,
    AssessmentRun,
    RunCompetence,
)
from uprest.frameworks.models import Competence, CompetenceRecord, Framework, Item

# --- starting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["learner", "trainer", "staff", "admin"])
def test_index_for_every_logged_in_role(client, login_as, frameworks, role):
    """Every logged-in user may take the assessment; the page explains it and offers Start."""
    login_as(role)
    html = client.get("/assessment").get_data(as_text=True)
    assert "about 15 minutes" in html and ">Start<" in html


@pytest.fixture()
def frameworks(app):
    """Two small frameworks and target profiles for every sub-sector and role."""
    return make_assessment_frameworks()


def test_anonymous_sent_to_login(client, frameworks):
    """Anonymous visitors are sent to the login page for every assessment page; the help page is public."""
    for path in [
        "/assessment",
        "/assessment/1/page/1",
        "/assessment/1/result",
        "/assessment/1/report.pdf",
        "/assessment/business",
        "/assessment/1/review",
    ]:
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
    resp = client.post(
        "/assessment/start",
        data={"subsector": "accommodation", "job_role": "staff", "csrf_token": csrf_token(client, "/login")},
    )
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert client.get("/assessment/help").status_code == 200


def test_start_defaults_from_business(client, login_as, frameworks, db, territory):
    """The start form preselects the sub-sector of the user's business and their role in it."""
    user = login_as()
    account_services.create_organisation(
        user, name="Hotel Vänern", subsector="food_beverage", size="micro", territory_id=territory().id
    )
    db.session.commit()
    html = client.get("/assessment").get_data(as_text=True)
    assert re.search(r'<option selected value="food_beverage">|<option value="food_beverage" selected>', html)
    assert re.search(r'<input checked[^>]*value="owner"', html)


def test_start_creates_run_with_profile_snapshot(client, login_as, frameworks, db):
    """Starting takes the profile's current competences with items (unknown keys skipped), paged by area."""
    user = login_as()
    resp = start_assessment(client)
    run = latest_run(user)
    assert resp.headers["Location"].endswith(f"/assessment/{run.id}/page/1")
    assert (run.subsector, run.job_role, run.page_count, run.open_key) == (
        "accommodation",
        "reception",
        ASSESSMENT_PAGES,
        user.id,
    )
    targets = db.session.scalars(db.select(RunCompetence).where(RunCompetence.run_id == run.id)).all()
    assert len(targets) == 8
    assert sorted({t.page for t in targets}) == [1, 2, 3, 4]
    assert max(sum(1 for t in targets if t.page == p) for p in range(1, 5)) == 5


def test_run_uses_current_framework_revision(client, login_as, frameworks, db):
    """Competences come from the current revision of a framework, not from older ones."""
    old = make_framework("tourism", levels=4, areas={"T1": [("T1.1", "Old booking")]}, revision=0, is_current=False)
    db.session.commit()
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    fw_ids = set(
        db.session.scalars(
            db.select(Competence.framework_id)
            .join(RunCompetence, RunCompetence.competence_id == Competence.id)
            .where(RunCompetence.run_id == run.id)
        )
    )
    assert old.id not in fw_ids and frameworks["tourism"].id in fw_ids


def test_start_twice_continues_open_run(client, login_as, frameworks, db):
    """Starting again while a run is open continues it; there is still one run."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_page(client, run.id, 1, action="next")
    resp = start_assessment(client, subsector="destination", job_role="owner")
    assert resp.headers["Location"].endswith(f"/assessment/{run.id}/page/2")
    assert count_rows(AssessmentRun) == 1
    assert "in progress" in client.get("/assessment").get_data(as_text=True)


def test_one_open_run_enforced_by_database(app, create_user, db):
    """The database refuses a second open run for the same user (unique open_key)."""
    user = create_user()
    db.session.add(AssessmentRun(user_id=user.id, open_key=user.id, subsector="attraction", job_role="staff"))
    db.session.commit()
    db.session.add(AssessmentRun(user_id=user.id, open_key=user.id, subsector="attraction", job_role="staff"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # submitted runs (open_key NULL) do not collide
    db.session.add(AssessmentRun(user_id=user.id, open_key=None, subsector="attraction", job_role="staff"))
    db.session.add(AssessmentRun(user_id=user.id, open_key=None, subsector="attraction", job_role="staff"))
    db.session.commit()


@pytest.mark.parametrize(
    "data",
    [
        {"subsector": "casino", "job_role": "staff"},
        {"subsector": "attraction", "job_role": "boss"},
        {"subsector": "attraction"},
    ],
)
def test_start_rejects_bad_choices(client, login_as, frameworks, db, data):
    """An unknown sub-sector or role is refused (400) and no run is created."""
    login_as()
    data["csrf_token"] = csrf_token(client, "/assessment")
    assert client.post("/assessment/start", data=data).status_code == 400
    assert count_rows(AssessmentRun) == 0


def test_start_without_csrf_refused(client, login_as, frameworks, db):
    """Starting needs the CSRF token."""
    login_as()
    assert client.post("/assessment/start", data={"subsector": "attraction", "job_role": "staff"}).status_code == 400
    assert count_rows(AssessmentRun) == 0


def test_start_without_profile_explains(client, login_as, db):
    """Without a target profile for the pair, the learner is told so and no run is created."""
    login_as()
    resp = start_assessment(client)
    assert resp.status_code == 302
    assert "no target profile" in client.get("/assessment").get_data(as_text=True)
    assert count_rows(AssessmentRun) == 0


# --- the questionnaire --------------------------------------------------------------------------


def test_page_has_accessible_radio_groups_and_progress(client, login_as, frameworks, db):
    """Each statement is a fieldset with a legend and the five scale answers; progress is text and <progress>."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_page(client, run.id, 1)
    html = client.get(f"/assessment/{run.id}/page/2").get_data(as_text=True)
    assert "Page 2 of 4, 64% answered" in html  # 11 of 17 items
    assert '<progress id="progress-bar" max="17" value="11"' in html and 'for="progress-bar"' in html
    assert html.count("<fieldset") == 2 and html.count("<legend") == 2
    for label in [
        "t know how",
        "I can do it with help",
        "I can do it on my own",
        "I can do it confidently",
        "I can do it and guide others",
    ]:
        assert label in html
    assert 'value="prev"' in html and 'value="leave"' in html


def test_answers_saved_and_resumed(client, login_as, frameworks, db):
    """Answers are saved on each page post; 'Save and leave' returns to the index and Continue resumes there."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_page(client, run.id, 1, rating=4)
    resp = answer_page(client, run.id, 2, rating=2, action="leave")
    assert resp.headers["Location"].endswith("/assessment")
    assert count_rows(AssessmentResponse, AssessmentResponse.run_id == run.id) == 13
    assert latest_run(user).current_page == 2
    html = client.get("/assessment").get_data(as_text=True)
    assert f'href="/assessment/{run.id}/page/2"' in html
    # a later visit starts where the learner left off, with the answers filled in
    assert client.get(f"/assessment/{run.id}").headers["Location"].endswith(f"/assessment/{run.id}/page/2")
    page1 = client.get(f"/assessment/{run.id}/page/1").get_data(as_text=True)
    assert page1.count("checked") == 11 and 'type="radio" value="4"' in page1


def test_previous_saves_and_goes_back(client, login_as, frameworks, db):
    """'Previous' saves the page and goes back one page."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    resp = answer_page(client, run.id, 2, action="prev")
    assert resp.headers["Location"].endswith(f"/assessment/{run.id}/page/1")
    assert count_rows(AssessmentResponse, AssessmentResponse.run_id == run.id) == 2


def test_answers_are_upserted(client, login_as, frameworks, db):
    """Posting a page again updates the answers: one response per run and item."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_page(client, run.id, 1, rating=2)
    answer_page(client, run.id, 1, rating=5, choice=1)
    rows = db.session.scalars(db.select(AssessmentResponse).where(AssessmentResponse.run_id == run.id)).all()
    assert len(rows) == 11
    kinds = {r.item_id: db.session.get(Item, r.item_id).kind for r in rows}
    assert {r.value for r in rows if kinds[r.item_id] == "statement"} == {5}
    assert {r.value for r in rows if kinds[r.item_id] == "knowledge"} == {1}


def test_partial_page_saved(client, login_as, frameworks, db):
    """A page may be saved with some questions still open."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    assert answer_page(client, run.id, 1, skip=3).status_code == 302
    assert count_rows(AssessmentResponse, AssessmentResponse.run_id == run.id) == 8


def page_items_ids(db, run_id, page):
    db.session.expire_all()
    rc = db.session.scalars(
        db.select(RunCompetence).where(RunCompetence.run_id == run_id, RunCompetence.page == page)
    ).all()
    return [i.id for t in rc for i in db.session.get(Competence, t.competence_id).items]


@pytest.mark.parametrize(
    "case",
    [
        "item of another page",
        "unknown item",
        "rating too high",
        "rating zero",
        "not a number",
        "bad action",
        "knowledge index out of range",
        "no csrf",
    ],
)
def test_tampered_page_posts_refused(client, login_as, frameworks, db, case):
    """Tampered posts answer 400 and change nothing."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_page(client, run.id, 1, rating=2)
    token, items = page_items(client, run.id, 1)
    statement = next(i for i in items if i.kind == "statement")
    knowledge = next(i for i in items if i.kind == "knowledge")
    data = {"csrf_token": token, "action": "next", f"item_{statement.id}": "4"}
    extra = {
        "item of another page": {f"item_{page_items_ids(db, run.id, 2)[0]}": "3"},
        "unknown item": {"item_999999": "3"},
        "rating too high": {f"item_{statement.id}": "6"},
        "rating zero": {f"item_{statement.id}": "0"},
        "not a number": {f"item_{statement.id}": "abc"},
        "bad action": {"action": "delete"},
        "knowledge index out of range": {f"item_{knowledge.id}": "3"},
        "no csrf": {"csrf_token": ""},
    }[case]
    data.update(extra)
    before = latest_run(user).current_page
    resp = client.post(f"/assessment/{run.id}/page/1", data=data)
    assert resp.status_code == 400
    values = set(
        db.session.scalars(
            db.select(AssessmentResponse.value).where(
                AssessmentResponse.run_id == run.id, AssessmentResponse.item_id == statement.id
            )
        )
    )
    assert values == {2}
    assert latest_run(user).current_page == before


def test_other_users_run_is_404(app, client, login_as, frameworks, db, create_user):
    """Another user's run does not exist for you: every page and post answers 404, nothing changes."""
    owner = login_as()
    start_assessment(client)
    run = latest_run(owner)
    answer_page(client, run.id, 1, rating=2)
    token, items = page_items(client, run.id, 1)
    other = app.test_client()
    intruder = create_user()
    login(other, intruder.email)
    for path in [
        f"/assessment/{run.id}",
        f"/assessment/{run.id}/page/1",
        f"/assessment/{run.id}/review",
        f"/assessment/{run.id}/result",
        f"/assessment/{run.id}/report.pdf",
    ]:
        assert other.get(path).status_code == 404, path
    token = csrf_token(other, "/assessment")
    assert (
        other.post(f"/assessment/{run.id}/page/1", data={"csrf_token": token, f"item_{items[0].id}": "5"}).status_code
        == 404
    )
    assert other.post(f"/assessment/{run.id}/submit", data={"csrf_token": token}).status_code == 404
    assert set(
        db.session.scalars(db.select(AssessmentResponse.value).where(AssessmentResponse.item_id == items[0].id))
    ) == {2}


def test_missing_pages_and_runs_are_404(client, login_as, frameworks, db):
    """Pages outside the run and unknown runs answer 404."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    for path in [
        f"/assessment/{run.id}/page/0",
        f"/assessment/{run.id}/page/5",
        "/assessment/999999/page/1",
        "/assessment/99999999999/page/1",
        f"/assessment/{run.id}/page/abc",
        "/assessment/999999/result",
    ]:
        assert client.get(path).status_code == 404, path


# --- submitting ----------------------------------------------------------------------------------


def test_submit_needs_every_answer(client, login_as, frameworks, db):
    """Submitting with unanswered questions is refused and lists the pages with missing answers."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_page(client, run.id, 1)
    answer_page(client, run.id, 2)
    answer_page(client, run.id, 4, skip=1)
    resp = submit_assessment(client, run.id)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Page 3 has unanswered questions" in html and "Page 4 has unanswered questions" in html
    assert "Page 1 has unanswered" not in html
    assert latest_run(user).submitted_at is None
    assert count_rows(AssessmentResult) == 0 and count_rows(CompetenceRecord) == 0


def test_full_flow_to_result(client, login_as, frameworks, db):
    """Answer every page, review, submit: results and competence records are stored, the run is closed."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    resp = answer_all(client, run.id, rating=3, tourism_rating=1)
    assert resp.headers["Location"].endswith(f"/assessment/{run.id}/review")
    review = client.get(f"/assessment/{run.id}/review").get_data(as_text=True)
    assert "You have answered 17 of 17 questions." in review
    resp = submit_assessment(client, run.id)
    assert resp.headers["Location"].endswith(f"/assessment/{run.id}/result")
    run = latest_run(user)
    assert run.submitted_at is not None and run.open_key is None
    results = {
        r.competence_key: r
        for r in db.session.scalars(db.select(AssessmentResult).where(AssessmentResult.run_id == run.id))
    }
    assert len(results) == 8
    booking = results["tourism:T1.1"]
    assert (booking.level, booking.gap, booking.rank, booking.priority) == (1, 2, 1, 67)
    assert results["digcomp:1.1"].source == "quiz" and results["digcomp:1.1"].knowledge == "confirmed"
    assert results["digcomp:1.2"].source == "self"
    records = db.session.scalars(db.select(CompetenceRecord).where(CompetenceRecord.user_id == user.id)).all()
    assert len(records) == 8 and {r.evidence for r in records} == {("assessment_run", run.id)}
    html = client.get(f"/assessment/{run.id}/result").get_data(as_text=True)
    assert (
        "Online distribution and booking: you are at level 1, your target is 3 — a gap of 2, essential for your role."
    ) in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in html
    assert '<title id="gap-chart-title">' in html and '<th scope="row">Online distribution and booking' in html
    assert "Compared with your previous assessment" not in html
    assert f'href="/assessment/{run.id}/report.pdf"' in html


def test_knowledge_check_tempers_level(client, login_as, frameworks, db):
    """A wrong knowledge answer lowers the self-rated level by one and the record says 'quiz'."""
    user = login_as()
    run = complete_assessment(client, user, rating=4, choice=1)
    result = db.session.scalar(
        db.select(AssessmentResult).where(
            AssessmentResult.run_id == run.id, AssessmentResult.competence_key == "digcomp:1.1"
        )
    )
    assert (result.self_level, result.level, result.knowledge, result.source) == (6, 5, "tempered", "quiz")


def test_double_submit_records_once(client, login_as, frameworks, db):
    """A second submit of the same run records nothing more and shows the result."""
    user = login_as()
    run = complete_assessment(client, user)
    resp = submit_assessment(client, run.id)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/assessment/{run.id}/result")
    assert count_rows(AssessmentResult) == 8 and count_rows(CompetenceRecord) == 8


def test_parallel_submits_record_once(app, client, login_as, frameworks, db):
    """Simultaneous submits of one run leave exactly one result set."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_all(client, run.id)
    token = csrf_token(client, "/assessment")
    statuses = []

    def worker():
        statuses.append(client.post(f"/assessment/{run.id}/submit", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses and all(s == 302 for s in statuses)
    assert count_rows(AssessmentResult) == 8 and count_rows(CompetenceRecord) == 8


def test_submitted_run_is_read_only(client, login_as, frameworks, db):
    """After submit, posting answers is refused (403) and nothing changes; pages lead to the result."""
    user = login_as()
    run = complete_assessment(client, user, rating=2)
    token = csrf_token(client, "/assessment")
    item_id = page_items_ids(db, run.id, 1)[0]
    resp = client.post(f"/assessment/{run.id}/page/1", data={"csrf_token": token, f"item_{item_id}": "5"})
    assert resp.status_code == 403
    assert set(
        db.session.scalars(db.select(AssessmentResponse.value).where(AssessmentResponse.item_id == item_id))
    ) == {2}
    assert client.get(f"/assessment/{run.id}/page/1").headers["Location"].endswith(f"/assessment/{run.id}/result")
    assert client.get(f"/assessment/{run.id}/review").headers["Location"].endswith(f"/assessment/{run.id}/result")


def test_new_run_after_submit_and_comparison(client, login_as, frameworks, db):
    """After a submit the learner can start again; the new result compares with the previous run."""
    user = login_as()
    first = complete_assessment(client, user, rating=2)
    assert start_assessment(client).status_code == 302
    second = latest_run(user)
    assert second.id != first.id and second.submitted_at is None
    answer_all(client, second.id, rating=4)
    submit_assessment(client, second.id)
    html = client.get(f"/assessment/{second.id}/result").get_data(as_text=True)
    assert "Compared with your previous assessment" in html and "Up by" in html
    assert "Compared with your previous" not in client.get(f"/assessment/{first.id}/result").get_data(as_text=True)
    index = client.get("/assessment").get_data(as_text=True)
    assert index.count("See the result of") == 2
    assert count_rows(CompetenceRecord, CompetenceRecord.user_id == user.id) == 16  # history kept


def test_result_of_open_run_redirects_to_questionnaire(client, login_as, frameworks, db):
    """An unsubmitted run has no result yet: the result page leads back to the questionnaire, no PDF."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    assert client.get(f"/assessment/{run.id}/result").headers["Location"].endswith(f"/assessment/{run.id}/page/1")
    assert client.get(f"/assessment/{run.id}/report.pdf").status_code == 404


def test_result_only_for_its_owner(app, client, login_as, frameworks, db, create_user):
    """Nobody but the learner sees a result or its PDF — not even an administrator (404)."""
    user = login_as()
    run = complete_assessment(client, user)
    for role in ["learner", "trainer", "staff", "admin"]:
        other = app.test_client()
        login(other, create_user(role=role).email)
        assert other.get(f"/assessment/{run.id}/result").status_code == 404, role
        assert other.get(f"/assessment/{run.id}/report.pdf").status_code == 404, role


def test_untranslated_items_marked_as_english(client, login_as, frameworks, db):
    """Content without a translation is shown in English, marked lang="en" and announced on the page."""
    user = login_as(locale="sv")
    start_assessment(client)
    run = latest_run(user)
    html = client.get(f"/assessment/{run.id}/page/1").get_data(as_text=True)
    assert '<legend lang="en">' in html
    assert "not yet translated into your language" in html or "översatt" in html


# --- business, API, dashboard ------------------------------------------------------------------------


def _member(app, db, create_user, org, *, shares, rating):
    user = create_user()
    user.organisation_id = org.id
    user.shares_with_organisation = shares
    db.session.commit()
    c = app.test_client()
    login(c, user.email)
    complete_assessment(c, user, rating=rating)
    return user


def test_business_profile_only_counts_sharing_members(app, client, login_as, frameworks, db, create_user, territory):
    """The owner sees per competence the number of sharing members with a result and their mean level."""
    owner = login_as()
    org = account_services.create_organisation(
        owner, name="Camping Pori", subsector="accommodation", size="micro", territory_id=territory().id
    )
    db.session.commit()
    _member(app, db, create_user, org, shares=True, rating=1)
    _member(app, db, create_user, org, shares=True, rating=5)
    _member(app, db, create_user, org, shares=False, rating=3)
    html = client.get("/assessment/business").get_data(as_text=True)
    assert "Camping Pori" in html
    row = html.split("Online distribution and booking")[1].split("</tr>")[0]
    assert "<td>2</td>" in row and "2.5 of 4" in row  # levels 1 and 4 -> 2.5; the non-sharing member left out
    assert "Members who share their results</dt><dd>3</dd>" in html  # the owner shares by default


@pytest.mark.parametrize("role", ["learner", "trainer", "staff", "admin"])
def test_business_profile_owners_only(app, client, login_as, create_user, db, territory, role):
    """Anyone who does not own a business gets 403, members of a business included."""
    owner = create_user()
    org = account_services.create_organisation(
        owner, name="Hotel", subsector="accommodation", size="micro", territory_id=territory().id
    )
    db.session.commit()
    user = login_as(role)
    if role == "learner":
        user.organisation_id = org.id
        user.shares_with_organisation = True
        db.session.commit()
    assert client.get("/assessment/business").status_code == 403


def test_api_me_gaps(client, login_as, frameworks, db, app):
    """GET /api/v1/me/gaps: 401 JSON anonymous, 404 JSON without a result, else the latest gap profile."""
    resp = client.get("/api/v1/me/gaps")
    assert resp.status_code == 401 and resp.get_json()["status"] == 401
    user = login_as()
    resp = client.get("/api/v1/me/gaps")
    assert resp.status_code == 404 and resp.get_json()["status"] == 404
    run = complete_assessment(client, user, rating=3, tourism_rating=1)
    data = client.get("/api/v1/me/gaps").get_json()
    assert data["run_id"] == run.id and len(data["competences"]) == 8
    top = data["competences"][0]
    assert top["key"] == "tourism:T1.1" and top["gap"] == 2 and top["target"] == {"min": 3, "max": 4}
    assert [c["rank"] for c in data["competences"]] == list(range(1, 9))
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/me/gaps" in spec["paths"] and "GapProfile" in spec["components"]["schemas"]


def test_dashboard_card_follows_the_learner(client, login_as, frameworks, db):
    """The home page offers to start, then to continue, then to see the latest result."""
    user = login_as()
    assert "Start the assessment" in client.get("/").get_data(as_text=True)
    start_assessment(client)
    run = latest_run(user)
    assert f'href="/assessment/{run.id}/page/1"' in client.get("/").get_data(as_text=True)
    answer_all(client, run.id)
    submit_assessment(client, run.id)
    html = client.get("/").get_data(as_text=True)
    assert "See your latest result" in html and f'href="/assessment/{run.id}/result"' in html
    start_assessment(client)  # a second run: while it is open, the card continues it, not the old result
    second = latest_run(user)
    html = client.get("/").get_data(as_text=True)
    assert second.id != run.id and "Continue the assessment" in html
    assert f'href="/assessment/{second.id}/page/1"' in html and "See your latest result" not in html


def test_run_competences_point_at_items(app, frameworks, db):
    """Fixture sanity: the factory builds 17 items across 8 competences in two current frameworks."""
    assert count_rows(Item) == 17
    assert count_rows(Framework, Framework.is_current.is_(True)) == 2


def test_export_and_delete_account_cover_assessments(client, login_as, frameworks, db):
    """The data download contains the learner's assessments; deleting the account erases them."""
    from tests.conftest import PASSWORD

    user = login_as()
    run = complete_assessment(client, user)
    data = client.get("/account/export.json").json
    assert data["assessments"][0]["run_id"] == run.id
    assert data["competence_records"]
    path = "/account/delete"
    resp = client.post(path, data={"password": PASSWORD, "confirm": "y", "csrf_token": csrf_token(client, path)})
    assert resp.status_code == 302
    assert count_rows(AssessmentRun) == 0
    assert count_rows(AssessmentResponse) == 0
    assert count_rows(CompetenceRecord) == 0
