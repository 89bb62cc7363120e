"""Sessions on the database, through their services: planning them (who may, what is refused), registration with
a waiting list (never more people than seats, also with 20 registrations at once), promotion and cancellation
with mail in the person's language, reminders with a calendar file (once, with two workers), attendance and QR
check-in (a blended module completes), the upcoming list's filters, requests, and the account's data."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from icalendar import Calendar

from tests.conftest import csrf_token, login
from tests.factories import count_rows, make_business, make_competences
from tests.test_teaching import RIGHT, enrol, quiz_module, read_all, take_quiz
from uprest.accounts.models import User
from uprest.certificates.models import Certificate
from uprest.extensions import db, utcnow
from uprest.i18n import pick
from uprest.learning.models import Enrolment
from uprest.mail import OutboxMessage, run_outbox_workers
from uprest.providers import services as providers
from uprest.sessions import demand, ical, mails, registrations, rules, services, staff
from uprest.sessions.models import Registration, Session, SessionRequest, Venue
from uprest.sessions.rules import AgendaItemData, VenueData
from uprest.sessions.services import SessionError

JOIN = "https://meet.example.org/green-42"
TITLE = {"en": "Green tourism seminar", "sv": "Seminarium om grön turism"}


@pytest.fixture()
def world(app, create_user, territory):
    """A provider with a trainer on its staff, an administrator, and a trainer of no provider."""
    provider = providers.add("vux", name="Vänersborg adult education", kind="adult_education", country="SE")
    provider.email = "kurser@vux.example.org"
    db.session.commit()
    trainer = create_user("trainer", name="Tina Trainer", email="tina@example.org")
    admin = create_user("admin", name="Ada Admin", email="ada@example.org")
    other = create_user("trainer", name="Otto Other", email="otto@example.org")
    assert staff.add_staff(provider, trainer, admin) is True
    db.session.commit()
    return SimpleNamespace(provider=provider, trainer=trainer, admin=admin, other=other, territory=territory)


def hub(town="Vänersborg", zone="Europe/Stockholm", country="SE", seats=2, territory_id=None) -> VenueData:
    return VenueData(
        name=f"Hub {town}",
        street="Storgatan 1",
        postal_code="123 45",
        town=town,
        country=country,
        timezone=zone,
        seats=seats,
        accessibility={"en": "Step-free entrance."},
        territory_id=territory_id,
    )


def plan(world, fmt="onsite", *, seats=2, starts_in=timedelta(days=5), hours=3, venues=None, **values) -> Session:
    """A session of the world's provider planned by its trainer; committed."""
    start = (utcnow() + starts_in).replace(microsecond=0)
    if venues is None:
        venues = {
            "onsite": [hub(seats=seats)],
            "hybrid": [hub(seats=seats)],
            "virtual": [],
            "satellite": [
                hub(seats=seats),
                hub("Cervia", "Europe/Rome", "IT", seats),
                hub("Pori", "Europe/Helsinki", "FI", seats),
            ],
        }[fmt]
    if "module" not in values:
        values.setdefault("title", TITLE)
    values.setdefault("language", "en")
    session = services.create_session(
        world.trainer,
        world.provider,
        format=fmt,
        timezone="Europe/Stockholm",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        venues=venues,
        **values,
    )
    db.session.commit()
    return session


def people(create_user, n, **kwargs) -> list[User]:
    return [create_user(name=f"Person {i}", **kwargs) for i in range(n)]


def book(user, session, venue=None, **kwargs) -> Registration:
    registration = registrations.register(user, session, venue, **kwargs)
    db.session.commit()
    return registration


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def mail_to(user) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.to_address == user.email).order_by(OutboxMessage.id)
        )
    )


# --- registration and the waiting list --------------------------------------------------------------------


def test_full_venue_gives_a_waiting_list_and_a_cancellation_promotes_the_first(world, create_user):
    """Two seats, four people: two booked, two waiting in order; when a booked person cancels, the first waiting
    gets the place and a mail in their language (Swedish dates), the second moves up; seats stay at two."""
    session = plan(world, seats=2)
    venue = session.venues[0]
    ann, bob = people(create_user, 2)
    cid = create_user(name="Cid Svensson", locale="sv")
    dan = create_user(name="Dan")
    regs = [book(p, session, venue) for p in (ann, bob, cid, dan)]
    assert [r.status for r in regs] == ["booked", "booked", "waiting", "waiting"]
    assert [registrations.waiting_position(r) for r in regs] == [None, None, 1, 2]
    assert fresh(Venue, venue.id).seats_taken == 2

    registrations.cancel_registration(regs[0], ann)
    db.session.commit()

    assert fresh(Registration, regs[0].id).status == "cancelled"
    promoted = fresh(Registration, regs[2].id)
    assert promoted.status == "booked" and promoted.promoted_at is not None
    assert registrations.waiting_position(fresh(Registration, regs[3].id)) == 1
    assert fresh(Venue, venue.id).seats_taken == 2
    [message] = mail_to(cid)
    assert "Seminarium om grön turism" in message.subject
    assert rules.format_when(session.starts_at, session.ends_at, "Europe/Stockholm", "sv") in message.body_text
    assert "Hub Vänersborg, Storgatan 1, 123 45 Vänersborg" in message.body_text
    assert mail_to(dan) == [] and mail_to(ann) == []


def test_registering_twice_is_refused_and_a_cancelled_registration_is_taken_up_again(world, create_user):
    """A second registration of the same person is refused with nothing changed; after cancelling, registering
    again reuses the row and queues at the end of the waiting list."""
    session = plan(world, seats=1)
    venue = session.venues[0]
    ann, bob, cid = people(create_user, 3)
    first = book(ann, session, venue)
    with pytest.raises(SessionError, match="registered for this session already"):
        registrations.register(ann, session, venue)
    db.session.rollback()
    assert count_rows(Registration) == 1 and fresh(Venue, venue.id).seats_taken == 1

    book(bob, session, venue)
    registrations.cancel_registration(first, ann)
    db.session.commit()
    book(cid, session, venue)
    again = book(ann, session, venue)
    assert again.id == first.id and again.status == "waiting"
    assert [r.user_id for r in db.session.scalars(registrations.participants(session, status="waiting"))] == [
        cid.id,
        ann.id,
    ]
    bobs = registrations.registration_of(bob, session)
    registrations.cancel_registration(bobs, bob)
    db.session.commit()
    assert registrations.registration_of(cid, session).status == "booked"
    with pytest.raises(SessionError, match="cancelled already"):
        registrations.cancel_registration(fresh(Registration, bobs.id), bob)


def regs_id(user, session) -> int:
    return registrations.registration_of(user, session).id


def test_full_cancelled_started_and_wrong_place_registrations(world, create_user):
    """A venue with no seats puts people on the waiting list (not an error); a cancelled or started session, a
    venue of another session, and online places at an on-site session are refused, with nothing written."""
    full = plan(world, seats=0)
    ann, bob = people(create_user, 2)
    assert book(ann, full, full.venues[0]).status == "waiting"

    other = plan(world, seats=5)
    with pytest.raises(SessionError, match="does not belong"):
        registrations.register(bob, full, other.venues[0])
    with pytest.raises(SessionError, match="no online places"):
        registrations.register(bob, other, None)
    with pytest.raises(SessionError, match="started"):
        registrations.register(bob, other, other.venues[0], now=other.starts_at + timedelta(minutes=1))
    services.cancel_session(other, world.trainer)
    db.session.commit()
    with pytest.raises(SessionError, match="cancelled"):
        registrations.register(bob, other, other.venues[0])
    db.session.rollback()
    assert count_rows(Registration) == 1
    assert fresh(Venue, other.venues[0].id).seats_taken == 0


def _in_parallel(app, n, work) -> tuple[list, list]:
    """Run work(i) in `n` threads at the same moment, each in its own app context (own database connection and
    transaction); (results, errors)."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                results.append(work(i))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and judged by the test
                db.session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.parametrize("online", [False, True], ids=["venue", "online"])
def test_twenty_parallel_registrations_for_the_last_place(app, world, create_user, online):
    """Two of three places are taken; twenty people register at the same moment: exactly one gets the last place
    and nineteen are on the waiting list; the counter equals the places booked and never exceeds them."""
    session = plan(world, "virtual", online_capacity=3, join_url=JOIN) if online else plan(world, seats=3)
    venue = None if online else session.venues[0]
    for person in people(create_user, 2):
        assert book(person, session, venue).status == "booked"
    crowd = [u.id for u in people(create_user, 20)]
    session_id, venue_id = session.id, venue.id if venue is not None else None
    db.session.commit()

    def register(i):
        user = db.session.get(User, crowd[i])
        return registrations.register(
            user, db.session.get(Session, session_id), db.session.get(Venue, venue_id) if venue_id else None
        ).status

    results, errors = _in_parallel(app, 20, register)

    assert errors == []
    assert sorted(results) == ["booked"] + ["waiting"] * 19
    booked = count_rows(Registration, Registration.session_id == session_id, Registration.status == "booked")
    taken = fresh(Session, session_id).online_taken if online else fresh(Venue, venue_id).seats_taken
    assert booked == taken == 3
    left = fresh(Session, session_id).online_left if online else fresh(Venue, venue_id).seats_left
    assert left == 0


def test_the_same_person_registering_ten_times_at_once_gets_one_registration(app, world, create_user):
    """Ten parallel registrations of one person: one succeeds, the others are told they are registered already,
    and one seat is taken."""
    session = plan(world, seats=5)
    user_id, session_id, venue_id = create_user().id, session.id, session.venues[0].id
    db.session.commit()

    def register(_i):
        return registrations.register(
            db.session.get(User, user_id), db.session.get(Session, session_id), db.session.get(Venue, venue_id)
        ).status

    results, errors = _in_parallel(app, 10, register)
    assert results == ["booked"]
    assert len(errors) == 9 and all(isinstance(e, SessionError) for e in errors)
    assert count_rows(Registration) == 1 and fresh(Venue, venue_id).seats_taken == 1


@hsettings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seats=st.integers(min_value=0, max_value=3),
    steps=st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=4)), max_size=14),
)
def test_capacity_follows_a_first_come_first_served_model(world, create_user, seats, steps):
    """Any sequence of registrations and cancellations leaves the same booked and waiting people as a simple
    first-come-first-served model, never more booked than seats, the counter equal to the booked, and nobody
    waiting while a seat is free."""
    pool = getattr(world, "pool", None) or people(create_user, 5)
    world.pool = pool
    session = plan(world, seats=seats)
    venue = session.venues[0]
    booked, waiting = [], []
    start = utcnow()
    for n, (registers, who) in enumerate(steps):
        user, now = pool[who], start + timedelta(seconds=n)
        if registers:
            try:
                registrations.register(user, session, venue, now=now)
            except SessionError:
                db.session.rollback()
                assert who in booked or who in waiting
            else:
                (booked if len(booked) < seats else waiting).append(who)
        else:
            reg = registrations.registration_of(user, session)
            if reg is None or reg.status == "cancelled":
                continue
            registrations.cancel_registration(reg, user, now=now)
            if who in booked:
                booked.remove(who)
                if waiting:
                    booked.append(waiting.pop(0))
            else:
                waiting.remove(who)
        db.session.commit()
    index = {user.id: i for i, user in enumerate(pool)}
    queue = db.session.scalars(registrations.participants(session)).all()
    assert {index[r.user_id] for r in queue if r.status == "booked"} == set(booked)
    assert [index[r.user_id] for r in queue if r.status == "waiting"] == waiting
    taken = fresh(Venue, venue.id).seats_taken
    assert taken == len(booked) <= seats
    assert not waiting or taken == seats


# --- planning: who may, what is refused, what a calendar learns ------------------------------------------


def test_only_the_providers_managers_plan_and_change_its_sessions(world, create_user):
    """A trainer not on the provider's staff (or a learner) cannot plan, change or cancel its sessions, nor mark
    attendance: a clear error and nothing changed. Admins may."""
    session = plan(world)
    learner = create_user()
    reg = book(create_user(), session, session.venues[0])
    start = session.starts_at
    for outsider in (world.other, learner):
        with pytest.raises(SessionError, match="may not manage"):
            registrations.mark_attended(reg, outsider, now=start)
        with pytest.raises(SessionError, match="may not cancel"):
            registrations.cancel_registration(reg, outsider)
        with pytest.raises(SessionError, match="may not manage"):
            services.add_venue(session, outsider, hub())
        with pytest.raises(SessionError, match="may not manage"):
            services.create_session(
                outsider,
                world.provider,
                format="virtual",
                language="en",
                timezone="Europe/Rome",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                title=TITLE,
            )
        with pytest.raises(SessionError, match="may not manage"):
            services.update_session(session, outsider, starts_at=start + timedelta(days=1))
        with pytest.raises(SessionError, match="may not manage"):
            services.cancel_session(session, outsider)
    db.session.rollback()
    assert count_rows(Session) == 1
    kept = fresh(Session, session.id)
    assert kept.starts_at == start and kept.status == "scheduled" and kept.sequence == 0 and len(kept.venues) == 1
    assert fresh(Registration, reg.id).status == "booked" and fresh(Registration, reg.id).attended_at is None
    assert services.update_session(kept, world.admin, starts_at=start + timedelta(hours=2))
    assert not services.can_manage(world.other, kept) and services.can_manage(world.trainer, kept)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"starts_in": -timedelta(hours=1)}, "past"),
        ({"hours": -2}, "times"),
        ({"venues": [hub(seats=-1)]}, "seats"),
        ({"fmt": "satellite", "venues": [hub()]}, "venues"),
        ({"fmt": "virtual", "venues": [hub()]}, "venues"),
        ({"price_minor": 1500, "currency": "EUX"}, "currency"),
        ({"price_minor": 10**12, "currency": "EUR"}, "price"),  # beyond the database's integer: refused, no 500
        ({"fmt": "virtual", "online_capacity": 2**40}, "online_capacity"),
    ],
)
def test_bad_sessions_are_refused_with_nothing_written(world, values, problem):
    """Past or reversed dates, seats below zero, the wrong number of venues for the format, an unknown currency:
    a translated error naming the rule, and no session is written."""
    values = dict(values)
    fmt = values.pop("fmt", "onsite")
    with pytest.raises(SessionError) as caught:
        plan(world, fmt, **values)
    db.session.rollback()
    assert problem in caught.value.problems and str(caught.value)
    assert count_rows(Session) == 0 and count_rows(Venue) == 0


def test_sequence_rises_only_with_what_a_calendar_shows(world, create_user):
    """Moving the session, renaming it or its venue raises SEQUENCE (and resends the reminder); a new price or
    more seats do not."""
    session = plan(world, seats=2)
    reg = book(create_user(), session, session.venues[0])
    reg.reminded_at = utcnow()
    db.session.commit()
    assert services.update_session(session, world.trainer, price_minor=1500, currency="sek")
    db.session.commit()
    assert fresh(Session, session.id).sequence == 0 and fresh(Session, session.id).currency == "SEK"
    assert not services.update_session(fresh(Session, session.id), world.trainer, price_minor=1500, currency="SEK")
    services.update_session(fresh(Session, session.id), world.trainer, starts_at=session.starts_at + timedelta(hours=1))
    db.session.commit()
    assert fresh(Session, session.id).sequence == 1 and fresh(Registration, reg.id).reminded_at is None
    services.update_session(fresh(Session, session.id), world.trainer, title={"en": "Renamed"})
    venue = fresh(Venue, session.venues[0].id)
    services.update_venue(venue, world.trainer, hub(seats=4))
    db.session.commit()
    assert fresh(Session, session.id).sequence == 2
    services.update_venue(fresh(Venue, venue.id), world.trainer, hub("Trollhättan", seats=4))
    db.session.commit()
    assert fresh(Session, session.id).sequence == 3


def test_seats_never_below_the_booked_and_more_seats_promote(world, create_user):
    """A venue cannot have fewer seats than people booked there; adding seats gives them to the waiting list
    (with mail); online places work the same way for a hybrid session."""
    session = plan(world, "hybrid", seats=1, online_capacity=1, join_url=JOIN)
    venue = session.venues[0]
    a, b, c, d = people(create_user, 4)
    book(a, session, venue)
    assert book(b, session, venue).status == "waiting"
    book(c, session)
    assert book(d, session).status == "waiting"
    with pytest.raises(SessionError, match="cannot have fewer seats"):
        services.update_venue(venue, world.trainer, hub(seats=0))
    with pytest.raises(SessionError, match="online places cannot be fewer"):
        services.update_session(session, world.trainer, online_capacity=0)
    db.session.rollback()
    services.update_venue(fresh(Venue, venue.id), world.trainer, hub(seats=2))
    services.update_session(fresh(Session, session.id), world.trainer, online_capacity=None)
    db.session.commit()
    assert registrations.registration_of(b, session).status == "booked"
    assert registrations.registration_of(d, session).status == "booked"
    assert len(mail_to(b)) == 1 and JOIN in mail_to(d)[0].body_text and JOIN not in mail_to(b)[0].body_text
    assert JOIN not in mail_to(d)[0].masked_body


def test_venues_of_a_satellite_event(world, create_user):
    """A satellite event keeps at least two hubs; a hub with people registered cannot be removed; each hub has
    its own seats and zone."""
    session = plan(world, "satellite", seats=1)
    rome = session.venues[1]
    book(create_user(), session, rome)
    extra = services.add_venue(session, world.trainer, hub("Ravenna", "Europe/Rome", "IT", 3))
    db.session.commit()
    with pytest.raises(SessionError, match="cannot be removed"):
        services.remove_venue(rome, world.trainer)
    services.remove_venue(fresh(Venue, extra.id), world.trainer)
    services.remove_venue(fresh(Venue, session.venues[2].id), world.trainer)
    db.session.commit()
    with pytest.raises(SessionError, match="satellite"):
        services.remove_venue(fresh(Venue, session.venues[0].id), world.trainer)
    with pytest.raises(SessionError, match="satellite"):
        services.add_venue(plan(world, seats=1), world.trainer, hub())


def test_format_and_venues_change_only_while_nobody_is_registered(world, create_user):
    """A hybrid session becomes virtual (its venue dropped) while nobody has registered; once someone has, its
    format and venues stay."""
    session = plan(world, "hybrid", seats=3, join_url=JOIN)
    with pytest.raises(SessionError, match="virtual session none"):
        services.update_session(session, world.trainer, format="virtual")
    db.session.rollback()
    assert services.update_session(fresh(Session, session.id), world.trainer, format="virtual", venues=[])
    db.session.commit()
    changed = fresh(Session, session.id)
    assert changed.format == "virtual" and changed.venues == [] and changed.sequence == 1
    book(create_user(), changed)
    with pytest.raises(SessionError, match="can no longer be replaced"):
        services.update_session(fresh(Session, session.id), world.trainer, format="hybrid", venues=[hub()])


def test_the_agenda_is_checked_and_shown_in_local_time_in_the_calendar_file(world):
    """Agenda items that overlap are refused; a good agenda raises SEQUENCE and appears in the calendar entry's
    description in the reader's language, at the venue's local times."""
    session = plan(world, seats=3)
    start = session.starts_at
    welcome = AgendaItemData(start, start + timedelta(hours=1), {"en": "Welcome", "sv": "Välkommen"})
    workshop = AgendaItemData(start + timedelta(hours=1), start + timedelta(hours=3), {"en": "Workshop"})
    overlapping = AgendaItemData(start + timedelta(minutes=30), start + timedelta(hours=2), {"en": "Talk"})
    with pytest.raises(SessionError, match="overlap"):
        services.set_agenda(session, world.trainer, [welcome, overlapping])
    db.session.rollback()
    services.set_agenda(fresh(Session, session.id), world.trainer, [welcome, workshop])
    db.session.commit()
    saved = fresh(Session, session.id)
    assert [pick(a.title, "sv") for a in saved.agenda] == ["Välkommen", "Workshop"] and saved.sequence == 1
    [event] = Calendar.from_ical(ical.session_file(saved, stamp=utcnow(), lang="sv")).walk("VEVENT")
    local = rules.local_time(start, "Europe/Stockholm").strftime("%H:%M")
    assert f"{local}–" in str(event["description"]) and "Välkommen" in str(event["description"])
    assert int(event["sequence"]) == 1


def test_cancelling_a_session_tells_everyone_booked_or_waiting(world, create_user):
    """The provider cancels: the session stays as cancelled (SEQUENCE raised), everyone booked or waiting gets a
    mail with the reason, someone who cancelled earlier does not; it cannot be cancelled twice."""
    session = plan(world, seats=1)
    venue = session.venues[0]
    booked, waiting, gone = people(create_user, 3)
    book(booked, session, venue)
    book(waiting, session, venue)
    registrations.cancel_registration(book(gone, session, venue), gone)
    db.session.commit()
    mails_before = len(mail_to(gone))

    assert services.cancel_session(session, world.trainer, "The room is flooded.") == 2
    db.session.commit()

    cancelled = fresh(Session, session.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None and cancelled.sequence == 1
    for person in (booked, waiting):
        [message] = mail_to(person)
        assert "Cancelled" in message.subject and "The room is flooded." in message.body_text
    assert "waiting list" in mail_to(waiting)[0].body_text
    assert len(mail_to(gone)) == mails_before
    with pytest.raises(SessionError, match="cancelled already"):
        services.cancel_session(cancelled, world.trainer)
    with pytest.raises(SessionError, match="can no longer be changed"):
        services.update_session(cancelled, world.trainer, title={"en": "Back on"})


# --- reminders and calendar files ----------------------------------------------------------------------


def _calendar_of(message: OutboxMessage) -> Calendar:
    [attachment] = message.attachments
    assert attachment.content_type == "text/calendar" and attachment.filename.endswith(".ics")
    return Calendar.from_ical(attachment.data)


def test_reminder_goes_once_with_two_workers_and_carries_the_calendar_file(app, world, create_user):
    """Two workers at the same moment write one reminder per booked person of a session starting within the
    reminder hours, with an .ics (METHOD:PUBLISH, UID, SEQUENCE, DTSTAMP, TZID of the venue with its VTIMEZONE);
    the online participant's mail and file carry the join link, the on-site one's do not; people waiting and
    sessions further away get none; a third pass writes nothing."""
    soon = plan(world, "hybrid", seats=1, online_capacity=5, join_url=JOIN, starts_in=timedelta(hours=10))
    later = plan(world, seats=5, starts_in=timedelta(days=3))
    there, online, waiting = create_user(name="Siv", locale="sv"), create_user(name="Olle"), create_user()
    book(there, soon, soon.venues[0])
    book(online, soon)
    book(waiting, soon, soon.venues[0])
    book(waiting, later, later.venues[0])
    services.update_session(soon, world.trainer, title={"en": "Renamed seminar", "sv": "Nytt namn"})
    db.session.commit()

    results, errors = _in_parallel(app, 2, lambda _i: mails.send_reminders())
    assert errors == [] and sum(written for written, _failed in results) == 2
    assert mails.send_reminders() == (0, 0)

    assert mail_to(waiting) == []
    [onsite_mail], [online_mail] = mail_to(there), mail_to(online)
    assert "Nytt namn" in onsite_mail.subject and JOIN not in onsite_mail.body_text
    assert JOIN in online_mail.body_text and JOIN not in online_mail.masked_body
    session = fresh(Session, soon.id)
    for message, zone in ((onsite_mail, "Europe/Stockholm"), (online_mail, "Europe/Stockholm")):
        cal = _calendar_of(message)
        assert str(cal["method"]) == "PUBLISH"
        [event] = cal.walk("VEVENT")
        assert str(event["uid"]) == session.uid and int(event["sequence"]) == session.sequence == 1
        assert event.decoded("dtstamp") is not None
        assert event["dtstart"].params["TZID"] == zone and event.decoded("dtstart") == session.starts_at
        assert event.decoded("dtend") == session.ends_at
        assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == [zone]
    online_event = _calendar_of(online_mail).walk("VEVENT")[0]
    assert str(online_event["conference"]) == JOIN and str(online_event["location"]) == JOIN
    onsite_file = _calendar_of(onsite_mail).to_ical().decode()
    assert JOIN not in onsite_file and "Hub Vänersborg" in onsite_file and "Nytt namn" in onsite_file


def test_reminder_hours_and_the_worker_registered_in_the_registry(app, world, create_user, monkeypatch):
    """SESSION_REMINDER_HOURS sets how far ahead reminders go; the mail worker's pass of every feature's outbox
    writes them (the feature declares its worker once)."""
    session = plan(world, seats=5, starts_in=timedelta(hours=30))
    person = create_user()
    book(person, session, session.venues[0])
    run_outbox_workers()
    assert mail_to(person) == []
    monkeypatch.setitem(app.config, "SESSION_REMINDER_HOURS", 48)
    run_outbox_workers()
    assert len(mail_to(person)) == 1 and fresh(Registration, regs_id(person, session)).reminded_at is not None


def test_satellite_hubs_get_their_own_time_zone_in_mail_and_calendar(world, create_user):
    """Each hub's participant gets the times in their hub's zone (Helsinki an hour ahead of Rome and Stockholm),
    in one calendar entry with the same UID."""
    session = plan(world, "satellite", seats=3, starts_in=timedelta(hours=5))
    zones = {}
    for venue in session.venues:
        person = create_user(locale="en")
        book(person, session, venue)
        zones[venue.timezone] = person
    mails.send_reminders()
    db.session.commit()
    uids = set()
    for zone, person in zones.items():
        [message] = mail_to(person)
        assert rules.format_when(session.starts_at, session.ends_at, zone, "en") in message.body_text
        [event] = _calendar_of(message).walk("VEVENT")
        assert event["dtstart"].params["TZID"] == zone and event.decoded("dtstart") == session.starts_at
        uids.add(str(event["uid"]))
    assert uids == {session.uid} and set(zones) == {"Europe/Stockholm", "Europe/Rome", "Europe/Helsinki"}


def test_public_feed_keeps_cancelled_sessions_and_never_shows_the_join_link(world):
    """A feed of several sessions parses back: one VEVENT each with its status (cancelled kept as
    STATUS:CANCELLED), a VTIMEZONE for each zone used, and no join link."""
    live = plan(world, "hybrid", seats=3, join_url=JOIN)
    gone = plan(world, "satellite", seats=3)
    services.cancel_session(gone, world.trainer, "Too few people.")
    db.session.commit()
    data = ical.feed(
        [fresh(Session, live.id), fresh(Session, gone.id)],
        stamp=utcnow(),
        name="Vänersborg",
        url_of=lambda s: f"https://x.example/s/{s.id}",
    )
    assert JOIN.encode() not in data
    cal = Calendar.from_ical(data)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert str(events[live.uid]["status"]) == "CONFIRMED" and str(events[gone.uid]["status"]) == "CANCELLED"
    assert int(events[gone.uid]["sequence"]) == 1 and "Online" in str(events[live.uid]["location"])
    assert str(events[live.uid]["organizer"]) == "mailto:kurser@vux.example.org"
    assert {str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")} == {"Europe/Stockholm"}


# --- attendance --------------------------------------------------------------------------------------------


@pytest.fixture()
def blended(world):
    """A published module whose completion asks for attendance, by the world's trainer."""
    make_competences()
    return quiz_module(world.trainer, "blended-one", attendance=True)


def test_attendance_completes_a_blended_module_and_its_certificate_follows(app, world, create_user, blended):
    """A learner who read every lesson and passed the quiz completes the module once the trainer marks them
    attended at a session of it (once: marking again changes nothing); the certificate is issued."""
    learner = create_user(name="Lena")
    enrolment = enrol(learner, blended)
    read_all(enrolment)
    take_quiz(enrolment, RIGHT)
    assert fresh(Enrolment, enrolment.id).status == "active"
    session = plan(world, module=blended, seats=3)
    assert services.title_of(session, "en") == "Title blended-one"
    reg = book(learner, session, session.venues[0])
    with app.test_request_context():
        assert registrations.mark_attended(reg, world.trainer, now=session.starts_at + timedelta(minutes=5))
        db.session.commit()
        assert not registrations.mark_attended(fresh(Registration, reg.id), world.trainer, now=session.starts_at)
    done = fresh(Enrolment, enrolment.id)
    assert (
        done.status == "completed" and done.attended_at is not None and done.attendance_marked_by_id == world.trainer.id
    )
    assert fresh(Registration, reg.id).attended_by_id == world.trainer.id
    assert count_rows(Certificate, Certificate.user_id == learner.id) == 1


def test_attending_first_counts_when_the_rest_is_done(app, world, create_user, blended):
    """Someone who attends before enrolling is enrolled with the attendance recorded; the module completes when
    they have read the lessons and passed the quiz."""
    learner = create_user()
    session = plan(world, module=blended, seats=3)
    reg = book(learner, session, session.venues[0])
    with app.test_request_context():
        registrations.mark_attended(reg, world.trainer, now=session.starts_at)
        db.session.commit()
        enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == learner.id))
        assert enrolment.attended_at is not None and enrolment.status == "active"
        read_all(enrolment)
        take_quiz(enrolment, RIGHT)
    assert fresh(Enrolment, enrolment.id).status == "completed"


def test_modules_without_attendance_are_unchanged_by_sessions(app, world, create_user):
    """Attending a session of a module that asks for no attendance enrols nobody and records nothing there."""
    make_competences()
    module = quiz_module(world.trainer, "online-one")
    learner = create_user()
    session = plan(world, module=module, seats=3)
    reg = book(learner, session, session.venues[0])
    with app.test_request_context():
        assert registrations.mark_attended(reg, world.trainer, now=session.starts_at)
        db.session.commit()
    assert count_rows(Enrolment, Enrolment.user_id == learner.id) == 0
    assert fresh(Registration, reg.id).attended_at is not None


def test_qr_check_in_marks_the_booked_person_attended(app, world, create_user):
    """The session's check-in code (128 random bits) marks a booked person attended from an hour before the start
    to an hour after the end; people waiting or not registered, a wrong code, or the wrong time are refused; a
    new code ends the old one."""
    session = plan(world, seats=1)
    token = session.checkin_token
    assert len(token) >= 22 and plan(world).checkin_token != token
    booked, waiting, stranger = people(create_user, 3)
    book(booked, session, session.venues[0])
    book(waiting, session, session.venues[0])
    start = session.starts_at
    with pytest.raises(SessionError, match="from an hour before"):
        registrations.check_in(token, booked, now=start - timedelta(hours=2))
    with pytest.raises(SessionError, match="closed"):
        registrations.check_in(token, booked, now=session.ends_at + timedelta(hours=2))
    with pytest.raises(SessionError, match="not valid"):
        registrations.check_in("nope", booked, now=start)
    with pytest.raises(SessionError, match="waiting list"):
        registrations.check_in(token, waiting, now=start)
    with pytest.raises(SessionError, match="not registered"):
        registrations.check_in(token, stranger, now=start)
    with app.test_request_context():
        reg = registrations.check_in(token, booked, now=start - timedelta(minutes=30))
        db.session.commit()
    assert fresh(Registration, reg.id).attended_at is not None and fresh(Registration, reg.id).attended_by_id is None
    new = services.new_checkin_code(fresh(Session, session.id), world.trainer)
    db.session.commit()
    assert new != token
    with pytest.raises(SessionError, match="not valid"):
        registrations.check_in(token, booked, now=start)


# --- finding sessions, requests, the account's data ---------------------------------------------------


def test_upcoming_sessions_and_their_filters(world, territory, blended):
    """The upcoming list filters by municipality, town, module, format, language, dates and free places; cancelled
    sessions only when asked; soonest first."""
    vanersborg, cervia = territory("vanersborg"), territory("cervia")
    onsite = plan(world, seats=2, starts_in=timedelta(days=2), venues=[hub(seats=2, territory_id=vanersborg.id)])
    full = plan(world, seats=0, starts_in=timedelta(days=3), module=blended)
    virtual = plan(world, "virtual", starts_in=timedelta(days=4), language="sv")
    satellite = plan(
        world,
        "satellite",
        starts_in=timedelta(days=5),
        venues=[hub(seats=1), hub("Cervia", "Europe/Rome", "IT", 1, territory_id=cervia.id)],
    )
    gone = plan(world, starts_in=timedelta(days=6))
    services.cancel_session(gone, world.trainer)
    db.session.commit()

    def ids(**filters):
        return [s.id for s in db.session.scalars(services.upcoming(**filters))]

    assert ids() == [onsite.id, full.id, virtual.id, satellite.id]
    assert ids(include_cancelled=True)[-1] == gone.id
    assert ids(territory_id=vanersborg.id) == [onsite.id]
    assert ids(town="CERVIA") == [satellite.id] and ids(town="vänersborg") == [onsite.id, full.id, satellite.id]
    assert ids(module="blended-one") == [full.id] and ids(module="no-such-module") == []
    assert ids(format="virtual") == [virtual.id] and ids(language="sv") == [virtual.id]
    assert ids(starts_from=full.starts_at, starts_until=satellite.starts_at) == [full.id, virtual.id]
    assert ids(free_seats=True) == [onsite.id, virtual.id, satellite.id]
    assert ids(now=virtual.starts_at) == [satellite.id]
    assert [s.id for s in db.session.scalars(services.sessions_of_provider(world.provider))][0] == gone.id


def test_business_owners_ask_for_sessions(world, create_user, blended):
    """An owner asks for a session of a module for their staff (at least one person); others cannot; the
    requests are listed by municipality and can be marked planned by a provider's trainer."""
    owner = create_user(name="Olga Owner")
    make_business(owner)
    request = demand.request_session(
        owner, blended, staff_count=6, language="sv", town="Vänersborg", message="Mornings"
    )
    db.session.commit()
    with pytest.raises(SessionError, match="owner of a business"):
        demand.request_session(create_user(), blended, staff_count=2, language="en")
    with pytest.raises(SessionError, match="number of staff"):
        demand.request_session(owner, blended, staff_count=0, language="en")
    db.session.rollback()
    listed = db.session.scalars(demand.requests_stmt(territory_id=owner.territory_id)).all()
    assert [r.id for r in listed] == [request.id] and listed[0].organisation_id == owner.organisation_id
    session = plan(world, module=blended)
    demand.set_request_status(request, world.trainer, "planned", session=session)
    with pytest.raises(SessionError):
        demand.set_request_status(request, create_user(), "closed")
    db.session.commit()
    assert (
        fresh(SessionRequest, request.id).status == "planned"
        and fresh(SessionRequest, request.id).session_id == session.id
    )


def test_export_and_erase_through_the_account(client, world, create_user, blended):
    """The data download lists the person's registrations and requests; deleting the account gives up their
    place (the next person is promoted and told), deletes their registrations and keeps their request only as
    anonymous demand."""
    person = create_user(name="Erin Eraser", email="erin@example.org")
    make_business(person)
    nxt = create_user(name="Next In Line")
    session = plan(world, seats=1)
    book(person, session, session.venues[0])
    book(nxt, session, session.venues[0])
    demand.request_session(person, blended, staff_count=3, language="en", message="Call Erin on 0701234567")
    db.session.commit()
    assert login(client, person.email).status_code == 302

    data = client.get("/account/export.json").json
    [mine] = data["session_registrations"]
    assert mine["session"] == TITLE["en"] and mine["status"] == "booked" and mine["venue"] == "Hub Vänersborg"
    assert data["session_requests"][0]["message"] == "Call Erin on 0701234567"

    token = csrf_token(client, "/account/delete")
    resp = client.post(
        "/account/delete", data={"password": "correct horse battery", "confirm": "y", "csrf_token": token}
    )
    assert resp.status_code == 302
    assert count_rows(Registration, Registration.user_id == person.id) == 0
    assert registrations.registration_of(nxt, session).status == "booked" and len(mail_to(nxt)) == 1
    [kept] = db.session.scalars(db.select(SessionRequest)).all()
    assert kept.user_id is None and kept.message == "" and kept.staff_count == 3
