"""Demo data of the recommendations feature: the demo learner's learning plan."""

from __future__ import annotations

from flask import current_app

from uprest.accounts.cli import DEMO_LEARNER
from uprest.accounts.services import user_by_email
from uprest.recommendations import services


def seed_demo() -> None:
    """The demo learner accepts their recommended path as a plan, once (after the assessments' demo, which
    submits their assessment); flushes."""
    user = user_by_email(DEMO_LEARNER)
    if user is None or services.plan_of(user) is not None:
        return
    with current_app.test_request_context():  # the path is explained in a locale, as for a page
        path = services.recommended_path(user)
    if path is not None and path.entries:
        services.accept(user, [entry.code for entry in path.entries])
