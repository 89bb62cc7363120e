"""The pages of local sessions and events, through HTTP as people use them: the upcoming list and its filters, a
session's page (local times per hub, the join link only for people with a place online, their calendar file),
registering, the waiting list and cancelling, managing sessions (who may, bad input in the session form,
cancelling a session, attendance by the trainer and by QR check-in), the trainers of a provider, business owners'
requests, and what the feature shows on the dashboard and on a module's page. Plus the pure display rules."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from icalendar import Calendar

from tests.conftest import csrf_token, login
from tests.factories import count_rows, make_business, make_module, parallel_posts
from tests.test_sessions_core import JOIN, book, fresh, hub, mail_to, people, plan
from uprest.catalog import services as catalog
from uprest.extensions import db, utcnow
from uprest.providers import services as providers
from uprest.sessions import demand, registrations, rules, staff
from uprest.sessions.models import Registration, Session, SessionRequest, Venue
from uprest.sessions.services import MESSAGES

YEAR = utcnow().year + 1
#: 10 February next year: winter time everywhere (Stockholm CET = UTC+1, Helsinki EET = UTC+2).
WINTER = datetime(YEAR, 2, 10, 8, 0, tzinfo=UTC)


@pytest.fixture()
def world(app, create_user):
    """A provider with a trainer on its staff, an administrator, and a trainer of no provider."""
    provider = providers.add("vux", name="Vänersborg adult education", kind="adult_education", country="SE")
    db.session.commit()
    trainer = create_user("trainer", name="Tina Trainer", email="tina@example.org")
    admin = create_user("admin", name="Ada Admin", email="ada@example.org")
    other = create_user("trainer", name="Otto Other", email="otto@example.org")
    staff.add_staff(provider, trainer, admin)
    db.session.commit()
    return SimpleNamespace(provider=provider, trainer=trainer, admin=admin, other=other)


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def client_of(app, user):
    client = app.test_client()
    if user is not None:
        assert login(client, user.email).status_code == 302
    return client


def post(client, url, data=None, **kwargs):
    token = csrf_token(client, "/privacy")
    return client.post(url, data={**(data or {}), "csrf_token": token}, follow_redirects=True, **kwargs)


def at(world, fmt="onsite", *, start=WINTER, hours=3, **values) -> Session:
    """A session at a fixed moment (in the future) instead of plan()'s "in five days"."""
    return plan(world, fmt, starts_in=start - utcnow(), hours=hours, **values)


# --- finding sessions ------------------------------------------------------------------------------------------


@pytest.fixture()
def listed(world, territory):
    """Four sessions that each filter tells apart, and a published module for one of them."""
    make_module(world.trainer, "green-mod")
    module = catalog.module_by_code("green-mod")
    catalog.publish(module)
    db.session.commit()
    vanersborg = territory("vanersborg")
    return {
        "onsite": plan(
            world,
            title={"en": "Onsite in Vanersborg"},
            starts_in=timedelta(days=2),
            venues=[hub(seats=2, territory_id=vanersborg.id)],
        ),
        "full": plan(world, title={"en": "Full house"}, seats=0, starts_in=timedelta(days=30)),
        "virtual": plan(
            world, "virtual", title={"en": "Virtual in Swedish"}, language="sv", starts_in=timedelta(days=3)
        ),
        "module": plan(world, "satellite", module=module, starts_in=timedelta(days=4)),
    }


NAMES = {
    "onsite": "Onsite in Vanersborg",
    "full": "Full house",
    "virtual": "Virtual in Swedish",
    "module": "Title green-mod",
}


def shown(client, query="") -> set[str]:
    resp = client.get(f"/sessions{query}")
    assert resp.status_code == 200, text(resp)[:2000]
    results = text(resp).split('id="results"')[1]
    return {key for key, name in NAMES.items() if name in results}


def test_upcoming_list_and_each_filter(client, listed, territory):
    """The list shows every upcoming session with its format, provider, price or "Free", places or the waiting
    list; each filter (municipality, town, module, format, language, dates, free places) narrows it."""
    assert shown(client) == set(NAMES)
    page = text(client.get("/sessions"))
    assert "Vänersborg adult education" in page and "Free" in page and "Full: waiting list" in page
    assert "2 places left" in page and "Satellite" in page
    assert shown(client, f"?territory={territory('vanersborg').id}") == {"onsite"}
    assert shown(client, "?town=Pori") == {"module"}
    assert shown(client, "?module=green-mod") == {"module"}
    assert shown(client, "?format=virtual") == {"virtual"}
    assert shown(client, "?language=sv") == {"virtual"}
    day = (utcnow() + timedelta(days=2)).date()
    assert shown(client, f"?date_from={day}&date_to={day + timedelta(days=2)}") == {"onsite", "virtual", "module"}
    assert shown(client, "?free=y") == {"onsite", "virtual", "module"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?format=teleport", "Not a valid choice"),
        ("?date_from=2027-13-40", "Not a valid date value"),
        ("?date_from=2030-05-02&date_to=2030-05-01", "The last day must not be before the first day."),
        ("?territory=%27%20OR%201%3D1", "Not a valid choice"),
        ("?module=no-such-module", "Not a valid choice"),
        ("?date_to=0001-01-01", "Enter a date between the years 2000 and 2100."),
        ("?town=" + "x" * 300, "Field cannot be longer than 120 characters."),
    ],
)
def test_bad_filter_values_are_a_clear_error(client, listed, query, message):
    """A bad filter value answers 400 with the page and the message on its field, never a server error; the
    other filters still apply."""
    resp = client.get(f"/sessions{query}")
    assert resp.status_code == 400
    assert message in text(resp) and "Please correct the following" in text(resp)


# --- a session's page --------------------------------------------------------------------------------------


def test_session_page_shows_each_hub_in_its_own_time_zone(client, world):
    """A satellite event at 08:00 UTC in winter reads 09:00 CET at the Stockholm hub and 10:00 EET at the
    Helsinki hub, with the provider, the price and the format in words; its JSON-LD names no join link."""
    session = at(world, "satellite", venues=[hub(seats=3), hub("Pori", "Europe/Helsinki", "FI", 1)], hours=2)
    page = text(client.get(f"/sessions/{session.id}"))
    stockholm = rules.format_local(session.starts_at, session.ends_at, "Europe/Stockholm", "en")
    helsinki = rules.format_local(session.starts_at, session.ends_at, "Europe/Helsinki", "en")
    assert stockholm.endswith("CET") and "9:00" in stockholm and "11:00" in stockholm
    assert helsinki.endswith("EET") and "10:00" in helsinki and "12:00" in helsinki
    assert stockholm in page and helsinki in page
    assert "Hub Pori, Storgatan 1, 123 45 Pori, Finland" in page and "Step-free entrance." in page
    assert "3 places left" in page and "1 place left" in page
    assert "the same event at the same time in several places" in page and "Free" in page
    assert f'href="/providers/{world.provider.slug}"' in page
    assert "Log in to register for this session" in page and "next=/sessions/" in page


def test_join_link_only_for_people_booked_online_and_in_their_calendar(app, world, create_user):
    """Of a hybrid session, only the person with a place online sees the join link, on the page and in their
    calendar file; not an anonymous visitor, another learner, someone waiting online, nor someone on-site."""
    session = plan(world, "hybrid", seats=1, online_capacity=1, join_url=JOIN)
    online, waiting, onsite, stranger = people(create_user, 4)
    clients = {u.id: client_of(app, u) for u in (online, waiting, onsite, stranger)}
    assert "You have a place" in text(post(clients[online.id], f"/sessions/{session.id}/register", {"place": "online"}))
    assert "position 1" in text(post(clients[waiting.id], f"/sessions/{session.id}/register", {"place": "online"}))
    venue = str(session.venues[0].id)
    assert "You have a place" in text(post(clients[onsite.id], f"/sessions/{session.id}/register", {"place": venue}))

    assert JOIN in text(clients[online.id].get(f"/sessions/{session.id}"))
    for other in (app.test_client(), clients[waiting.id], clients[onsite.id], clients[stranger.id]):
        assert JOIN not in text(other.get(f"/sessions/{session.id}"))

    ics = clients[online.id].get(f"/sessions/{session.id}/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    [event] = Calendar.from_ical(ics.data).walk("VEVENT")
    assert JOIN in event.to_ical().decode() and str(event["uid"]) == session.uid
    for user in (waiting, onsite):
        data = clients[user.id].get(f"/sessions/{session.id}/calendar.ics").data
        assert JOIN.encode() not in data and b"BEGIN:VEVENT" in data
    assert clients[stranger.id].get(f"/sessions/{session.id}/calendar.ics").status_code == 404
    assert app.test_client().get(f"/sessions/{session.id}/calendar.ics").status_code == 302


def test_register_wait_cancel_and_the_next_is_promoted_with_mail(app, world, create_user):
    """One seat: the first is booked, the next two wait at positions 1 and 2; when the first cancels, the first
    waiting gets the place and a mail, and "My sessions" shows each status."""
    session = plan(world, seats=1)
    ann, bob, cid = people(create_user, 3)
    clients = [client_of(app, u) for u in (ann, bob, cid)]
    url = f"/sessions/{session.id}"
    assert "You have a place at this session" in text(post(clients[0], url + "/register"))
    assert "on the waiting list at position 1" in text(post(clients[1], url + "/register"))
    assert "on the waiting list at position 2" in text(post(clients[2], url + "/register"))
    assert "You are on the waiting list, at position 2" in text(clients[2].get(url))

    assert "Your registration has been cancelled." in text(post(clients[0], url + "/cancel"))
    assert registrations.registration_of(bob, session).status == "booked"
    [mail] = mail_to(bob)
    assert "You have a place" in mail.subject
    assert "You are booked." in text(clients[1].get(url))
    mine = text(clients[2].get("/sessions/mine"))
    assert "On the waiting list" in mine and "(position 1)" in mine
    assert "Registration cancelled" in text(clients[0].get("/sessions/mine"))


def test_double_register_posts_keep_one_registration(app, world, create_user):
    """The same person posting "Register" twice, and then five times at once, has one registration and one seat."""
    session = plan(world, seats=5)
    user = create_user()
    client = client_of(app, user)
    post(client, f"/sessions/{session.id}/register")
    assert "You are registered for this session already." in text(post(client, f"/sessions/{session.id}/register"))
    token = csrf_token(client, "/privacy")
    statuses = parallel_posts(app, client, f"/sessions/{session.id}/register", {"csrf_token": token}, n=5)
    assert set(statuses) == {302}
    assert count_rows(Registration) == 1 and fresh(Venue, session.venues[0].id).seats_taken == 1


def test_a_cancelled_session_has_no_form_and_refuses_registration(app, world, create_user):
    """The trainer cancels with a reason: the people registered get a mail; the page says "Cancelled" with the
    reason and has no register form; a register post is refused with a message and writes nothing."""
    session = plan(world, seats=3)
    booked, late = people(create_user, 2)
    book(booked, session, session.venues[0])
    trainer = client_of(app, world.trainer)
    page = text(post(trainer, f"/sessions/{session.id}/cancel-session", {"reason": ""}))
    assert "Please give the reason" in page
    assert fresh(Session, session.id).status == "scheduled"
    page = text(post(trainer, f"/sessions/{session.id}/cancel-session", {"reason": "The trainer is ill."}))
    assert "The session has been cancelled" in page and "Reason: The trainer is ill." in page
    assert "Cancelled" in mail_to(booked)[0].subject

    client = client_of(app, late)
    page = text(client.get(f"/sessions/{session.id}"))
    assert "This session has been cancelled." in page and 'action="/sessions/' not in page.split("Your place")[1]
    assert "This session has been cancelled." in text(post(client, f"/sessions/{session.id}/register"))
    assert registrations.registration_of(late, session) is None


# --- managing sessions -----------------------------------------------------------------------------------


def test_other_providers_trainers_and_learners_may_not_manage(app, world, create_user):
    """A trainer of another provider and a learner get 403 on planning, editing, cancelling, the participants and
    the check-in code; anonymous visitors are sent to log in; the provider's trainer and admins get the pages."""
    session = plan(world)
    reg = book(create_user(), session, session.venues[0])
    urls = [
        f"/providers/{world.provider.slug}/sessions/new",
        f"/sessions/{session.id}/edit",
        f"/sessions/{session.id}/cancel-session",
        f"/sessions/{session.id}/participants",
        f"/sessions/{session.id}/checkin",
    ]
    for user in (world.other, create_user()):
        client = client_of(app, user)
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert post(client, f"/sessions/{session.id}/participants/{reg.id}/attended").status_code == 403
        assert post(client, f"/sessions/{session.id}/edit", {"format": "virtual"}).status_code == 403
    anonymous = app.test_client()
    assert all(anonymous.get(url).status_code == 302 for url in urls)
    for user in (world.trainer, world.admin):
        client = client_of(app, user)
        assert all(client.get(url).status_code == 200 for url in urls)
    assert fresh(Session, session.id).format == "onsite" and fresh(Registration, reg.id).attended_at is None


def form_data(**over) -> dict:
    """A good session form: an on-site seminar in Vänersborg on 10 February next year, 09:00-12:00 local."""
    data = {
        "module": "",
        "format": "onsite",
        "language": "en",
        "timezone": "Europe/Stockholm",
        "starts_at": f"{YEAR}-02-10T09:00",
        "ends_at": f"{YEAR}-02-10T12:00",
        "title_en": "Seminar planned in the browser",
        "title_sv": "Seminarium",
        "price": "",
        "currency": "",
        "online_capacity": "",
        "join_url": "",
        "venues-0-name": "Folkets hus",
        "venues-0-street": "Storgatan 1",
        "venues-0-town": "Vänersborg",
        "venues-0-country": "SE",
        "venues-0-timezone": "",
        "venues-0-seats": "12",
        "venues-0-accessibility": "Step-free.",
        "agenda-0-starts_at": f"{YEAR}-02-10T09:00",
        "agenda-0-ends_at": f"{YEAR}-02-10T10:30",
        "agenda-0-title": "Welcome",
    }
    return {**data, **over}


def test_planning_and_editing_a_session_through_the_form(app, world):
    """The provider's trainer plans a session with local times (09:00 in Stockholm in winter is 08:00 UTC), a
    price and an agenda; the edit form shows it back and saves a change of seats and price."""
    client = client_of(app, world.trainer)
    new = f"/providers/{world.provider.slug}/sessions/new"
    assert "Plan a session" in text(client.get(new))
    page = text(post(client, new, form_data(price="25.50", currency="eur")))
    assert "The session has been planned." in page
    session = db.session.scalar(db.select(Session))
    assert session.starts_at == WINTER and session.ends_at == WINTER + timedelta(hours=3)
    assert (session.price_minor, session.currency) == (2550, "EUR") and session.title["sv"] == "Seminarium"
    assert [(v.town, v.seats, v.timezone) for v in session.venues] == [("Vänersborg", 12, "Europe/Stockholm")]
    assert [a.title for a in session.agenda] == [{"en": "Welcome"}]
    assert "Welcome" in page and "€25.50" in page

    edit = text(client.get(f"/sessions/{session.id}/edit"))
    assert f'value="{YEAR}-02-10T09:00"' in edit and 'value="25.50"' in edit and 'value="Folkets hus"' in edit
    assert "The session has been saved." in text(
        post(client, f"/sessions/{session.id}/edit", form_data(**{"venues-0-seats": "20", "price": ""}))
    )
    saved = fresh(Session, session.id)
    assert saved.venues[0].seats == 20 and saved.price_minor is None and saved.starts_at == WINTER
    sequence = saved.sequence

    day_later = {
        name: f"{YEAR}-02-11T{value[-5:]}"
        for name, value in form_data().items()
        if name.endswith(("starts_at", "ends_at"))
    }
    post(client, f"/sessions/{session.id}/edit", form_data(**day_later))
    moved = fresh(Session, session.id)
    assert moved.starts_at == WINTER + timedelta(days=1) and moved.sequence > sequence
    assert [a.starts_at for a in moved.agenda] == [WINTER + timedelta(days=1)]


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"ends_at": f"{YEAR}-02-10T08:00"}, "times"),
        ({"starts_at": "2020-02-10T09:00", "ends_at": "2020-02-10T12:00", "agenda-0-starts_at": ""}, "past"),
        ({"venues-0-seats": "-3"}, "seats"),
        ({"format": "satellite"}, "venues"),
        ({"price": "10", "currency": "XYZ"}, "currency"),
    ],
)
def test_bad_session_input_shows_the_form_again_with_nothing_changed(app, world, over, code):
    """End before start, a start in the past, negative seats, a satellite event with one hub and an unknown
    currency: the form again with the rule's message, and no session written."""
    client = client_of(app, world.trainer)
    resp = post(client, f"/providers/{world.provider.slug}/sessions/new", form_data(**over))
    assert resp.status_code == 200
    assert str(MESSAGES[code]) in text(resp) and "Please correct the following" in text(resp)
    assert count_rows(Session) == 0 and count_rows(Venue) == 0


def test_bad_session_input_is_shown_in_the_persons_language(app, world):
    """The form's messages follow the trainer's language (Swedish here), not English."""
    world.trainer.locale = "sv"
    db.session.commit()
    client = client_of(app, world.trainer)
    page = text(post(client, f"/providers/{world.provider.slug}/sessions/new", form_data(format="teleport")))
    assert "Rätta följande:" in page and "Inte ett giltigt val." in page
    assert "Not a valid choice" not in page and "Please correct the following" not in page
    assert count_rows(Session) == 0


def test_a_swedish_trainer_writes_the_price_with_a_decimal_comma(app, world):
    """In Swedish (a decimal comma), "25,50" is 25.50; an English reader's "1,000" is not taken as 1."""
    world.trainer.locale = "sv"
    db.session.commit()
    client = client_of(app, world.trainer)
    post(client, f"/providers/{world.provider.slug}/sessions/new", form_data(price="25,50", currency="EUR"))
    assert db.session.scalar(db.select(Session.price_minor)) == 2550
    world.trainer.locale = "en"
    db.session.commit()
    page = text(
        post(
            client_of(app, world.trainer),
            f"/providers/{world.provider.slug}/sessions/new",
            form_data(price="1,000", currency="EUR"),
        )
    )
    assert "Please correct the following" in page and count_rows(Session) == 1


def test_editing_refuses_fewer_seats_than_people_booked(app, world, create_user):
    """With two people booked, the venue cannot go down to one seat: the form again with the message."""
    session = plan(world, seats=3)
    for person in people(create_user, 2):
        book(person, session, session.venues[0])
    client = client_of(app, world.trainer)
    data = {k: v for k, v in form_data(**{"venues-0-seats": "1"}).items() if not k.startswith("agenda")}
    local = rules.local_time(session.starts_at, "Europe/Stockholm")
    end = rules.local_time(session.ends_at, "Europe/Stockholm")
    data.update(starts_at=f"{local:%Y-%m-%dT%H:%M}", ends_at=f"{end:%Y-%m-%dT%H:%M}", **{"venues-0-name": "Hub"})
    page = text(post(client, f"/sessions/{session.id}/edit", data))
    assert "2 people are booked at" in page and fresh(Venue, session.venues[0].id).seats == 3


def test_attendance_marked_by_the_trainer(app, world, create_user):
    """Half an hour before the start the trainer sees the places per venue and marks a booked person attended."""
    session = plan(world, seats=1, starts_in=timedelta(minutes=30))
    person, waiting = people(create_user, 2)
    reg = book(person, session, session.venues[0])
    book(waiting, session, session.venues[0])
    client = client_of(app, world.trainer)
    page = text(client.get(f"/sessions/{session.id}/participants"))
    assert "Places per venue" in page and person.name in page and waiting.name in page and "Mark attended" in page
    page = text(post(client, f"/sessions/{session.id}/participants/{reg.id}/attended"))
    assert f"{person.name} attended." in page
    assert fresh(Registration, reg.id).attended_by_id == world.trainer.id
    assert post(client, f"/sessions/{session.id}/participants/999999/attended").status_code == 404


def test_qr_check_in(app, world, create_user):
    """The check-in page shows the QR code (SVG) and its address; a booked person who opens it confirms and is
    recorded as attended; someone waiting or not registered gets a clear message and nothing is recorded."""
    session = plan(world, seats=1, starts_in=timedelta(minutes=30))
    booked, waiting, stranger = people(create_user, 3)
    reg = book(booked, session, session.venues[0])
    book(waiting, session, session.venues[0])
    code = text(client_of(app, world.trainer).get(f"/sessions/{session.id}/checkin"))
    assert 'src="data:image/svg+xml' in code
    url = re.search(r"http://\S+/sessions/checkin/[\w-]+", code).group(0)
    path = url[url.index("/sessions/") :]

    assert app.test_client().get(path).status_code == 302
    assert "without a place" in text(client_of(app, waiting).get(path))
    client = client_of(app, stranger)
    assert "not registered" in text(client.get(path))
    assert "You are not registered for this session." in text(post(client, path))
    client = client_of(app, booked)
    assert "I am here" in text(client.get(path))
    assert "Your attendance has been recorded." in text(post(client, path))
    assert fresh(Registration, reg.id).attended_at is not None
    assert count_rows(Registration, Registration.attended_at.is_not(None)) == 1
    assert client.get("/sessions/checkin/not-a-code").status_code == 404


def test_admins_choose_the_trainers_of_a_provider(app, world, create_user):
    """An admin adds a trainer by e-mail (a learner is refused); the new trainer can then plan sessions; removed,
    they cannot."""
    newcomer = create_user("trainer", email="new.trainer@example.org")
    learner = create_user(email="a.learner@example.org")
    admin = client_of(app, world.admin)
    url = f"/admin/providers/{world.provider.slug}/trainers"
    assert "is not a trainer" in text(post(admin, url, {"email": learner.email}))
    assert "now runs sessions" in text(post(admin, url, {"email": newcomer.email}))
    plan_page = f"/providers/{world.provider.slug}/sessions/new"
    assert client_of(app, newcomer).get(plan_page).status_code == 200
    post(admin, f"{url}/{newcomer.id}/remove")
    assert client_of(app, newcomer).get(plan_page).status_code == 403
    assert client_of(app, world.trainer).get(url).status_code == 403


def test_business_owners_ask_for_a_session_and_trainers_handle_it(app, world, create_user):
    """An owner asks for a session of a module for six staff and sees the request listed; a bad number of staff
    is refused; a learner without a business gets 403; the provider's trainer marks the request planned."""
    make_module(world.trainer, "green-mod")
    catalog.publish(catalog.module_by_code("green-mod"))
    db.session.commit()
    owner = create_user(name="Olga Owner")
    make_business(owner)
    client = client_of(app, owner)
    assert re.search(r'<option selected value="green-mod">', text(client.get("/sessions/request?module=green-mod")))
    data = {"module": "green-mod", "staff_count": "0", "town": "Vänersborg", "language": "sv", "message": "Mornings"}
    assert "Enter a whole number from 1 to" in text(post(client, "/sessions/request", data))
    assert count_rows(SessionRequest) == 0
    page = text(post(client, "/sessions/request", {**data, "staff_count": "6"}))
    assert "your request has been sent" in page and "Title green-mod" in page
    [request] = db.session.scalars(db.select(SessionRequest)).all()
    assert (request.staff_count, request.language, request.message) == (6, "sv", "Mornings")
    assert client_of(app, create_user()).get("/sessions/request").status_code == 403

    assert client_of(app, world.other).get("/sessions/requests").status_code == 403
    trainer = client_of(app, world.trainer)
    assert "Mornings" in text(trainer.get("/sessions/requests"))
    post(trainer, f"/sessions/requests/{request.id}/status", {"status": "planned"})
    assert fresh(SessionRequest, request.id).status == "planned"
    assert demand.can_handle_requests(world.trainer) and not demand.can_handle_requests(world.other)


# --- elsewhere on the site -------------------------------------------------------------------------------


def test_dashboard_card_module_panel_and_provider_page(app, world, create_user):
    """A learner with a coming session has a card on the home page; the module's page lists its next sessions; the
    provider's page lists them for everyone and offers the managers their links; the navigation has "Sessions"."""
    make_module(world.trainer, "green-mod")
    module = catalog.module_by_code("green-mod")
    catalog.publish(module)
    db.session.commit()
    session = plan(world, module=module)
    learner = create_user()
    book(learner, session, session.venues[0])
    client = client_of(app, learner)
    home = text(client.get("/"))
    assert "Your sessions" in home and "Next: Title green-mod" in home and 'href="/sessions"' in home
    panel = text(client.get("/courses/green-mod"))
    assert "Sessions of this module" in panel and f"/sessions/{session.id}" in panel
    assert "/sessions?module=green-mod" in panel
    public = text(app.test_client().get(f"/providers/{world.provider.slug}/sessions"))
    assert "Title green-mod" in public and f"/sessions/{session.id}/edit" not in public
    staff = text(client_of(app, world.trainer).get(f"/providers/{world.provider.slug}/sessions"))
    assert f"/sessions/{session.id}/edit" in staff and "Plan a session" in staff


# --- pure display rules ----------------------------------------------------------------------------------


def test_local_times_carry_the_zones_abbreviation_across_daylight_saving():
    """A session over the night of the spring change shows both abbreviations; a multi-day session both dates;
    an ordinary one CET in winter and CEST in summer."""
    spring = rules.format_local(
        datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 28, 2, 30, tzinfo=UTC), "Europe/Stockholm", "en"
    )
    assert "1:30" in spring and "CET – " in spring and spring.endswith("4:30\u202fAM CEST")
    assert rules.format_local(WINTER, WINTER + timedelta(hours=1), "Europe/Rome", "it").endswith("09:00–10:00 CET")
    summer = datetime(2027, 7, 1, 7, tzinfo=UTC)
    assert rules.format_local(summer, summer + timedelta(days=1), "Europe/Zagreb", "hr").count("2027") == 2
    assert rules.zone_abbreviation(summer, "Europe/Helsinki") == "EEST"


def test_prices_in_minor_units_and_as_written():
    """25.50 EUR is 2550 cents, 300 JPY is 300 yen, a third decimal is refused; prices are written per locale."""
    assert rules.minor_units(Decimal("25.5"), "EUR") == 2550
    assert rules.minor_units(Decimal("300"), "JPY") == 300
    assert rules.minor_units(Decimal("25.505"), "EUR") is None
    assert rules.format_price(2550, "EUR", "fi") == "25,50\xa0€" and rules.format_price(None, None, "en") is None
