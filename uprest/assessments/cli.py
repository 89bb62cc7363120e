"""The assessment part of ``flask seed-demo``."""

from __future__ import annotations

from uprest.accounts.cli import DEMO_LEARNER
from uprest.accounts.services import user_by_email
from uprest.assessments import services
from uprest.extensions import db


def seed_demo() -> None:
    """A submitted assessment for the demo learner, so that the result page has something to show."""
    user = user_by_email(DEMO_LEARNER)
    if user is not None:
        submit_demo_assessment(user)


def submit_demo_assessment(user) -> None:
    """Take and submit the staff assessment of accommodation for `user`, once (flushes)."""
    if services.latest_submitted_run(user) is not None or services.open_run(user):
        return
    try:
        with db.session.begin_nested():
            run, _created = services.start_run(user, subsector="accommodation", job_role="staff")
    except services.AssessmentError:  # frameworks or profiles not loaded
        return
    pages = services.run_pages(run)
    answers = {}
    for number, page in enumerate(pages):
        for item in page.items:
            if item.kind == "knowledge":
                answers[item.id] = next(i for i, c in enumerate(item.choices) if c.get("correct"))
            else:
                answers[item.id] = 1 + (item.id + number) % 3
    services.save_answers(run, answers, go_to_page=len(pages))
    services.submit_run(run)
