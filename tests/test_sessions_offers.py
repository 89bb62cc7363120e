"""Local sessions offered next to the online learning path (issue 15): the next session of a module with a venue
in the learner's municipality (else an online one) is named, linked and dated in the venue's own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import login
from tests.factories import make_assessment_run
from tests.test_learning_plan import world  # noqa: F401 (fixture)
from uprest.accounts.models import Territory
from uprest.catalog import services as catalog
from uprest.extensions import db, utcnow
from uprest.providers import services as providers
from uprest.sessions import services as sessions
from uprest.sessions.rules import VenueData


@pytest.fixture()
def plan_session(app, create_user, world):  # noqa: F811
    admin = create_user("admin", email="planner@example.org")
    provider = providers.add("vux", name="Adult education", kind="adult_education", country="SE")
    db.session.commit()

    def plan(code, fmt, town=None, days=10, **extra):
        venues = []
        if town is not None:
            m = db.session.scalar(db.select(Territory).where(Territory.slug == town))
            zone = {"SE": "Europe/Stockholm", "IT": "Europe/Rome", "FI": "Europe/Helsinki"}[m.country]
            venues = [
                VenueData(name="Hall", town=m.name, country=m.country, timezone=zone, seats=10, territory_id=m.id)
            ]
        start = (utcnow() + timedelta(days=days)).replace(hour=22, minute=30, second=0, microsecond=0)
        session = sessions.create_session(
            admin,
            provider,
            venues=venues,
            module=catalog.public_module(code),
            format=fmt,
            language="sv",
            timezone="Europe/Stockholm",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            **extra,
        )
        db.session.commit()
        return session

    return plan


def _local_day(moment: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    day = moment.astimezone(ZoneInfo(zone))
    return f"{day.strftime('%B')} {day.day}"


def test_the_path_names_the_local_session_and_else_an_online_one(client, create_user, plan_session):
    """A learner of Vänersborg sees the hybrid session in Vänersborg next to close-11 (on its local date: 22:30 UTC
    is the next day in Sweden), the online session next to close-13, and nothing next to close-21, whose only
    session is in Cervia."""
    local = plan_session("close-11", "hybrid", "vanersborg", online_capacity=20)
    online = plan_session("close-13", "virtual", online_capacity=50, join_url="https://meet.example.org/x")
    plan_session("close-21", "onsite", "cervia")
    user = create_user(email="lena@example.org", territory_code="vanersborg")
    make_assessment_run(user, submitted=True, rating=1)
    assert login(client, user.email).status_code == 302
    html = client.get("/plan").get_data(as_text=True)
    day = _local_day(local.starts_at, "Europe/Stockholm")
    assert f"A hybrid session in Vänersborg on {day} covers this (on site or online)." in html
    assert f'href="/sessions/{local.id}"' in html and f'href="/sessions/{online.id}"' in html
    assert "An online session on" in html and "Cervia" not in html
    assert "https://meet.example.org/x" not in html


def test_a_learner_elsewhere_is_offered_no_local_session(client, create_user, plan_session):
    """A learner of Pori is not offered the session in Vänersborg."""
    plan_session("close-11", "onsite", "vanersborg")
    user = create_user(email="pia@example.org", territory_code="pori")
    make_assessment_run(user, submitted=True, rating=1)
    assert login(client, user.email).status_code == 302
    assert "covers this" not in client.get("/plan").get_data(as_text=True)
