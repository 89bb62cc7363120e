"""A local session in a real browser (issue 15): a learner finds a session of their blended module, registers,
gets the reminder with its calendar file in the outbox, checks in with the venue's QR code, and sees the module
completed; the trainer plans sessions and follows attendance; staff see the local offer against the demand —
with an axe audit of every page on the way."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.test_teaching import RIGHT, enrol, quiz_module, read_all, take_quiz

pytestmark = pytest.mark.e2e


def _login(page, email):
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


@pytest.fixture()
def world(app, db, create_user):
    """A blended module (attendance required) that the learner has read and passed, and a session of it in
    Vänersborg starting in half an hour, planned by a trainer on the provider's staff."""
    from tests.factories import make_competences
    from uprest.accounts.models import Territory
    from uprest.extensions import utcnow
    from uprest.providers import services as providers
    from uprest.sessions import services as sessions
    from uprest.sessions import staff
    from uprest.sessions.rules import VenueData

    make_competences()
    trainer = create_user("trainer", email="tina@example.org", name="Tina Trainer")
    admin = create_user("admin", email="ada@example.org")
    module = quiz_module(trainer, "blended-one", attendance=True)
    learner = create_user(email="lena@example.org", name="Lena Larsson", territory_code="vanersborg")
    enrolment = enrol(learner, module)
    read_all(enrolment)
    take_quiz(enrolment, RIGHT)
    provider = providers.add("vux", name="Vänersborg adult education", kind="adult_education", country="SE")
    db.session.commit()
    staff.add_staff(provider, trainer, admin)
    vanersborg = db.session.scalar(db.select(Territory).where(Territory.slug == "vanersborg"))
    start = (utcnow() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    session = sessions.create_session(
        trainer,
        provider,
        venues=[
            VenueData(
                name="Learning centre, room 2",
                street="Residensgatan 10",
                postal_code="462 32",
                town="Vänersborg",
                country="SE",
                timezone="Europe/Stockholm",
                seats=12,
                accessibility={"en": "Step-free entrance and a hearing loop."},
                territory_id=vanersborg.id,
            )
        ],
        module=module,
        format="hybrid",
        language="en",
        timezone="Europe/Stockholm",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        online_capacity=30,
        join_url="https://meet.example.org/blended-one",
    )
    db.session.commit()
    return {"learner": learner, "trainer": trainer, "session": session, "enrolment": enrolment}


def test_register_remind_check_in_and_complete(browser, live_server, page, axe_check, world, app, db):
    """The learner registers on the session page, the reminder goes out with its .ics file, the learner checks
    in with the venue's code and the blended module is completed; the trainer's pages show the attendance."""
    from uprest.learning.models import Enrolment
    from uprest.mail import OutboxMessage
    from uprest.sessions.mails import send_reminders

    session = world["session"]
    _login(page, world["learner"].email)
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/sessions")
    axe_check(page)
    page.locator(f"main a[href='/sessions/{session.id}']").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
    expect(page.locator("script[type='application/ld+json']")).to_have_count(1)
    assert "meet.example.org" not in page.content()  # not registered yet: no join link
    page.locator(f"input[name=place][value='{session.venues[0].id}']").check()  # on site, not online
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_text("You are booked.")).to_be_visible()
    axe_check(page)
    page.goto("/sessions/mine")
    axe_check(page)
    page.goto(f"/courses/{session.module.code}")
    axe_check(page)  # the module page's panel lists the session

    assert send_reminders() == (1, 0)  # the worker's step: the session starts within the reminder's hours
    db.session.expire_all()
    mails = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == world["learner"].email))
    assert [a.filename for m in mails for a in m.attachments if a.filename.endswith(".ics")]

    # the trainer shows the check-in code at the venue; the learner opens it and confirms
    trainer_page = page.context.browser.new_context(base_url=live_server).new_page()
    _login(trainer_page, world["trainer"].email)
    trainer_page.goto(f"/sessions/{session.id}/checkin")
    axe_check(trainer_page)
    checkin_url = trainer_page.locator("main code.copy-field").inner_text().strip()  # what the QR code says
    assert "/sessions/checkin/" in checkin_url
    page.goto(urlsplit(checkin_url).path)  # the public address of the configured site: the same path here
    axe_check(page)
    page.locator("main form button[type=submit]").first.click()
    axe_check(page)
    trainer_page.goto(f"/sessions/{session.id}/participants")
    axe_check(trainer_page)
    expect(trainer_page.get_by_text("Lena Larsson")).to_be_visible()

    db.session.expire_all()
    assert db.session.get(Enrolment, world["enrolment"].id).status == "completed"
    page.goto(f"/learn/{session.module.code}")
    axe_check(page)
    page.goto("/certificates")
    axe_check(page)
    expect(page.locator("main a[href$='.pdf']").first).to_be_visible()

    # the trainer's planning pages
    trainer_page.goto("/providers/vux/sessions")
    axe_check(trainer_page)
    trainer_page.goto("/providers/vux/sessions/new")
    axe_check(trainer_page)
    trainer_page.get_by_role("button", name="Plan the session").click()
    axe_check(trainer_page)  # the empty form again with its errors, accessible too
    trainer_page.goto(f"/sessions/{session.id}/edit")
    axe_check(trainer_page)
    assert page.console_errors == []


def test_owner_request_trainer_requests_and_admin_trainers(
    browser, live_server, page, axe_check, world, db, create_user
):
    """A business owner asks for a local session for six staff; the provider's trainer sees it among the requests;
    an administrator chooses the provider's trainers; the municipality's staff see the training demand — every
    page without serious accessibility problems."""
    from tests.factories import make_business

    owner = world["learner"]
    make_business(owner)
    _login(page, owner.email)
    page.goto(f"/sessions/request?module={world['session'].module.code}")
    axe_check(page)
    page.locator("#staff_count").fill("6")
    page.locator("#message").fill("Weekday mornings suit us best.")
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_text("your request has been sent")).to_be_visible()
    axe_check(page)

    def as_user(email):
        other = browser.new_context(base_url=live_server).new_page()
        _login(other, email)
        return other

    trainer = as_user(world["trainer"].email)
    trainer.goto("/sessions/requests")
    expect(trainer.get_by_text("Weekday mornings suit us best.")).to_be_visible()
    axe_check(trainer)
    admin = as_user("ada@example.org")
    admin.goto("/admin/providers/vux/trainers")
    expect(admin.get_by_role("rowheader", name="Tina Trainer")).to_be_visible()
    axe_check(admin)
    create_user("staff", email="sara@example.org", territory_code="vanersborg")
    staff = as_user("sara@example.org")
    staff.goto("/reports/training")
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Vänersborg")
    axe_check(staff)
