"""What a submitted assessment tells the rest of the platform: the `assessment_submitted` signal, the
learner's competence history in the kernel, and the business page's figures in words."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import csrf_token, login
from tests.factories import (
    answer_all,
    answer_page,
    complete_assessment,
    latest_run,
    make_assessment_frameworks,
    start_assessment,
    submit_assessment,
)
from uprest.accounts import services as account_services
from uprest.frameworks import services as frameworks
from uprest.signals import assessment_submitted


@pytest.fixture()
def assessments(app):
    return make_assessment_frameworks()


@pytest.fixture()
def events():
    """Every `assessment_submitted` sent while the test runs: (sender, user id, run id, submitted)."""
    seen = []

    def receiver(sender, *, user, run, **_kw):
        seen.append((sender, user.id, run.id, run.submitted_at is not None))

    with assessment_submitted.connected_to(receiver):
        yield seen


def test_submit_sends_the_signal_once(app, client, login_as, assessments, events):
    """A submit sends `assessment_submitted` once, with the app, the learner and the submitted run; a second
    click sends nothing more."""
    user = login_as()
    run = complete_assessment(client, user)
    assert events == [(app, user.id, run.id, True)]
    assert submit_assessment(client, run.id).status_code == 302
    assert len(events) == 1


def test_refused_submit_sends_nothing(client, login_as, assessments, events):
    """A submit refused for unanswered questions sends no signal."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_page(client, run.id, 1)
    assert submit_assessment(client, run.id).status_code == 400
    assert events == []


def test_parallel_submits_send_one_signal(client, login_as, assessments, events):
    """Of simultaneous submits of one run, only the one that wins sends the signal."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    answer_all(client, run.id)
    token = csrf_token(client, "/assessment")
    threads = [
        threading.Thread(
            target=client.post, args=(f"/assessment/{run.id}/submit",), kwargs={"data": {"csrf_token": token}}
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [e[2] for e in events] == [run.id]


def test_submitted_levels_are_the_learners_current_levels(client, login_as, assessments):
    """The levels of a submitted run become the learner's current levels in the kernel, and the next run's
    levels replace them while the history keeps both."""
    user = login_as()
    first = complete_assessment(client, user, rating=1)
    levels = frameworks.current_levels(user)
    assert len(levels) == 8 and levels["tourism:T1.1"].level == 1 and levels["digcomp:1.2"].source == "self"
    assert levels["digcomp:1.1"].source == "quiz"
    second = complete_assessment(client, user, rating=5)
    assert frameworks.current_levels(user)["tourism:T1.1"].level == 4
    history = frameworks.competence_history(user)
    assert [r.evidence for r in history] == [("assessment_run", first.id)] * 8 + [("assessment_run", second.id)] * 8


def test_business_page_shows_targets_and_importance_in_words(
    app, client, login_as, assessments, db, create_user, territory
):
    """The business page gives each competence's target range and importance in words, and the mean level
    of the sharing members on the competence's scale."""
    owner = login_as()
    org = account_services.create_organisation(
        owner, name="Camping Pori", subsector="accommodation", size="micro", territory_id=territory().id
    )
    db.session.commit()
    member = create_user()
    member.organisation_id, member.shares_with_organisation = org.id, True
    db.session.commit()
    member_client = app.test_client()
    login(member_client, member.email)
    complete_assessment(member_client, member, rating=3, tourism_rating=1)
    html = client.get("/assessment/business").get_data(as_text=True)

    def cells(name):
        return html.split(name)[1].split("</tr>")[0]

    assert all(f"<td>{c}</td>" in cells("Online distribution and booking") for c in ["1.0 of 4", "3–4", "Essential"])
    assert all(f"<td>{c}</td>" in cells("Evaluating data") for c in ["3 or higher", "Useful"])
    assert all(f"<td>{c}</td>" in cells("Browsing and searching") for c in ["4–6", "Important"])
