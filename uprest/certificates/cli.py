"""Demo data of the certificates feature: the demo learners' completed modules have their certificates, rendered."""

from __future__ import annotations

from flask import current_app

from uprest.accounts.cli import DEMO_ACCOUNTS
from uprest.accounts.services import user_by_email
from uprest.certificates import issuance, services
from uprest.learning import services as learning


def seed_demo() -> None:
    """Idempotent, after the learning demo: every completed module of a demo account has its certificate (issued
    by the completion itself; issued here for a database where the modules were completed before certificates
    existed) with its PDF rendered; flushes."""
    with current_app.test_request_context():
        for email, *_rest in DEMO_ACCOUNTS:
            user = user_by_email(email)
            if user is None:
                continue
            for enrolment in learning.enrolments_of(user, status="completed"):
                issuance.on_module_completed(None, user=user, module=enrolment.module, enrolment=enrolment)
            for certificate in services.certificates_of(user):
                services.pdf_of(certificate)
