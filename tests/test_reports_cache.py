"""Participation and outcome are kept per worker (issue 14), yet an enrolment, a completion, a certificate and a
revocation show on the next request; an unchanged page runs no counting query."""

from __future__ import annotations

from tests.test_catalog_pagination import counting
from tests.test_reports import frameworks, people, staff_client  # noqa: F401 (fixtures)
from tests.test_reports_participation import funnel_row, learn, module  # noqa: F401 (fixtures)
from uprest.extensions import db


def stages(client) -> list[str]:
    html = client.get("/reports/participation").get_data(as_text=True)
    return [funnel_row(html, label)[0] for label in ("Enrolled in a module", "Completed a module", "Certified")]


def test_the_funnel_is_kept_until_learning_or_certificates_change(monkeypatch, app, create_user, people, module):  # noqa: F811
    from uprest.certificates import services as certificates
    from uprest.learning import services as learning
    from uprest.learning.models import Enrolment

    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    users = people(9, rating=1)
    learn(app, users[:3], module, "certified")
    client = staff_client(app, create_user)
    assert stages(client) == ["3", "3", "3"]
    with counting(db) as statements:
        stages(client)
    assert not [s for s in statements if "run_totals" in str(s)]  # kept: no counting this time

    learn(app, users[3:6], module, "enrolled")  # ORM inserts: the enrolments' token follows
    assert stages(client) == ["6", "3", "3"]

    with app.test_request_context():  # the real completion: a conditional update that bumps the token itself
        for user in users[3:6]:
            enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == user.id))
            monkeypatch.setattr(learning, "state_of", lambda _e: type("S", (), {"is_complete": True})())
            learning.complete_if_done(enrolment)
        db.session.commit()
    enrolled, completed, certified = stages(client)
    assert (enrolled, completed) == ("6", "6")

    for user in users[:3]:  # three, so that "completed, not certified" is not under k
        assert certificates.revoke(certificates.certificates_of(user)[0], None, "issued by mistake")  # conditional
    db.session.commit()
    assert stages(client)[2] == str(int(certified) - 3)
