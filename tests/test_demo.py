"""The demo data of `make run`: the same commands on the test database leave every role something real to see
(a plan, progress, a certificate with its PDF), and running them again changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import _empty_tables, login
from tests.factories import count_rows
from uprest.accounts.cli import DEMO_ACCOUNTS, DEMO_LEARNER, DEMO_PASSWORD
from uprest.accounts.services import user_by_email
from uprest.certificates import services as certificates
from uprest.certificates.models import Certificate
from uprest.extensions import db as _db
from uprest.learning import services as learning
from uprest.recommendations import services as recommendations

COURSES = Path(__file__).resolve().parents[1] / "courses"


def _run(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def _demo_once(_app):
    """`make demo` once for the module (it costs ~18 s): frameworks, profiles, course modules (with their
    providers), then `flask seed-demo`, on the session's app with its tables emptied first and again at the end.
    The tests read it; only the last one loads the demo again, to show that changes nothing."""
    from uprest.accounts.territories import ensure_territories

    _empty_tables(_app)
    with _app.app_context():
        ensure_territories()
        _db.session.commit()
        _run(_app, "frameworks", "import", str(COURSES / "frameworks"))
        _run(_app, "profiles", "import", str(COURSES / "profiles"))
        _run(_app, "courses", "import", str(COURSES))
        _run(_app, "seed-demo")
        _db.session.remove()
    yield _app
    _empty_tables(_app)


@pytest.fixture()
def demo(_demo_once):
    """The app with the demo loaded, in an app context of the test's own and with a fresh rate limiter. (Not the
    `app` or `client` fixtures: they empty the tables.)"""
    from uprest.extensions import limiter

    with _demo_once.app_context():
        limiter.reset()
        _db.session.expire_all()
        yield _demo_once
        _db.session.remove()


def test_demo_learner_has_a_plan_progress_and_a_certificate(demo):
    """The demo learner has a plan, a completed module and one in progress, and the completed module's
    certificate with its PDF rendered and its awarding body a provider record with a country."""
    learner = user_by_email(DEMO_LEARNER)
    assert recommendations.plan_of(learner) is not None
    assert {e.status for e in learning.enrolments_of(learner)} == {"active", "completed"}
    (certificate,) = certificates.certificates_of(learner)
    assert certificate.pdf_sha256 is not None and certificate.status() == "valid"
    issuer = certificates.data_of(certificate).issuer
    assert issuer.name and len(issuer.country) == 2
    page = demo.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "This certificate is valid." in page


def test_demo_data_says_it_is_demo_data(demo):
    """Demo accounts see a banner on every page; the demo certificate says it is not a real qualification on
    its verification page, in its JSON and on its PDF; real accounts see none of it."""
    client = demo.test_client()
    learner = user_by_email(DEMO_LEARNER)
    (certificate,) = certificates.certificates_of(learner)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "It is not a real qualification." in page
    assert client.get(f"/verify/{certificate.code}.json").get_json()["demo"] is True
    assert certificates.data_of(certificate).is_demo
    demo_client = demo.test_client()
    assert login(demo_client, DEMO_LEARNER, DEMO_PASSWORD).status_code == 302
    assert 'class="demo-banner"' in demo_client.get("/").get_data(as_text=True)
    assert 'class="demo-banner"' not in client.get("/").get_data(as_text=True)


def test_every_demo_account_can_log_in(demo):
    """Each demo account logs in with the documented password and reaches its home page."""
    for email, *_rest in DEMO_ACCOUNTS:
        client = demo.test_client()
        assert login(client, email, DEMO_PASSWORD).status_code == 302
        assert client.get("/").status_code == 200


def test_demo_has_a_living_local_offer(demo):
    """Every partner municipality has upcoming demo sessions, in every format, one a satellite day over three towns
    in three time zones and one cancelled; the demo learner is registered. (That running the demo again adds no
    session is checked by test_demo_is_idempotent, the module's one test that loads the demo again.)"""
    from uprest.sessions import registrations, services

    upcoming = _db.session.scalars(services.upcoming(include_cancelled=True)).all()
    towns = {v.territory.slug for s in upcoming for v in s.venues if v.territory is not None}
    assert towns == {"vanersborg", "trollhattan", "cervia", "ravenna", "pori", "kvarner"}
    assert {s.format for s in upcoming} == {"onsite", "hybrid", "virtual", "satellite"}
    (satellite,) = [s for s in upcoming if s.format == "satellite"]
    assert len({v.timezone for v in satellite.venues}) == 3
    assert [s.status for s in upcoming].count("cancelled") == 1
    assert all("Demo data" in s.description["en"] for s in upcoming)
    learner = user_by_email(DEMO_LEARNER)
    assert len(_db.session.scalars(registrations.registrations_of(learner)).all()) == 2


# Last in the module: the other tests read the demo as `make demo` leaves it, before it is loaded again.
def test_demo_staff_see_a_real_map_and_published_open_data(demo):
    """The demo staff account (Kvarner, in Croatian) sees a map with shown cells, made of demo people only; the
    demo published a quarter of Kvarner, so /open-data has a dataset."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from uprest.accounts.models import User
    from uprest.reports import cli

    demo_people = _db.session.scalar(
        _db.select(_db.func.count()).where(User.email.like("demo+reports-%@demo.uprest.eu"))
    )
    assert demo_people == sum(cli.DEMO_POPULATION.values())
    client = demo.test_client()
    assert login(client, "staff@demo.uprest.eu", DEMO_PASSWORD).status_code == 302
    html = client.get("/reports").get_data(as_text=True)
    with force_locale("hr"):
        heading = _("Skills-gap map of %(territory)s", territory="Primorsko-goranska županija (Kvarner)")
    assert heading in html and 'class="demo-banner"' in html and "%" in html
    public = demo.test_client().get("/open-data").get_data(as_text=True)
    assert "/open-data/HR031/" in public and "/open-data/HR_RIJEKA/" in public


def test_demo_is_idempotent(demo):
    """Loading the demo again adds no certificate, no enrolment (the demo learner's, and those of the demo
    people whose completions fill the municipality's participation report) and no session: `flask seed-demo`
    alone, then with the course modules imported again."""
    from uprest.accounts.models import User
    from uprest.learning.models import Enrolment
    from uprest.reports.models import Publication
    from uprest.sessions.models import Session

    def counts():
        return tuple(count_rows(m) for m in (Certificate, Enrolment, Session, User, Publication))

    before = counts()
    _run(demo, "seed-demo")
    assert counts() == before
    _run(demo, "courses", "import", str(COURSES))
    _run(demo, "seed-demo")
    assert counts() == before and before[0] > 1 and before[4] == 2
