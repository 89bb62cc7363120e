"""Demo data of the recommendations feature: the demo learner's learning plan."""

from __future__ import annotations

from flask import current_app

from uprest.accounts.cli import DEMO_LEARNER
from uprest.accounts.services import user_by_email
from uprest.learning import services as learning
from uprest.recommendations import services


def seed_demo() -> None:
    """The demo learner accepts their recommended path as a plan, once (after the assessments' demo, which
    submits their assessment, and the learning demo, which enrols them in two modules); flushes."""
    user = user_by_email(DEMO_LEARNER)
    if user is None or services.plan_of(user) is not None:
        return
    with current_app.test_request_context():  # the path is explained in a locale, as for a page
        path = services.recommended_path(user)
    if path is None:
        return
    # the modules they are taking or took (the learning demo enrols them first) belong to the plan too
    taking = [e.module.code for e in learning.enrolments_of(user)]
    codes = [*taking, *(entry.code for entry in path.entries)]
    if codes:
        services.accept(user, codes)
