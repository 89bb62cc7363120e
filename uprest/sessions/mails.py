"""Mail about sessions, through the outbox, each in the recipient's language with the times in their venue's
time zone: a place from the waiting list, a cancelled session, and the reminder before a session with its
calendar file (``send_reminders``: the feature's outbox worker, once per booked registration even with several
workers at once).

The join link of an online session is written only into mail to people who take part online, and is a secret of
the message (masked for administrators, removed from the stored body once delivered)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, pgettext
from flask_babel import lazy_gettext as _l

from uprest.extensions import db, utcnow
from uprest.mail import Attachment, send_mail
from uprest.sessions import rules
from uprest.sessions.models import Registration, Session
from uprest.sessions.services import title_of, zone_of

log = logging.getLogger(__name__)

#: Hours before the start when the reminder goes out (SESSION_REMINDER_HOURS overrides it).
REMINDER_HOURS = 24


def _context(registration: Registration, locale: str) -> dict:
    session = registration.session
    venue = registration.venue
    online = registration.mode == "online"
    zone = venue.timezone if venue is not None else zone_of(session)
    return {
        "user": registration.user,
        "session": session,
        "venue": venue,
        "place": rules.address(venue.name, venue.street, venue.postal_code, venue.town) if venue is not None else "",
        "online": online,
        "title": title_of(session, locale),
        "provider": session.provider.name,
        "when": rules.format_when(session.starts_at, session.ends_at, zone, locale),
        "join_url": session.join_url if online else "",
    }


def _send(registration: Registration, subject, template: str, **extra) -> None:
    user = registration.user
    context = _context(registration, user.locale)
    secret = (context["join_url"],) if context["join_url"] else ()
    send_mail(
        user.email,
        subject(context["title"]),
        template,
        locale=user.locale,
        secrets=secret,
        **context,
        **extra,
    )


def promoted(registration: Registration) -> None:
    """Tell a person from the waiting list that they now have a place."""
    _send(registration, lambda title: _l("You have a place: %(title)s", title=title), "email/session_promoted.txt")


def session_cancelled(registration: Registration) -> None:
    """Tell a person booked or waiting that the session is cancelled."""
    session = registration.session
    _send(
        registration,
        lambda title: _l("Cancelled: %(title)s", title=title),
        "email/session_cancelled.txt",
        reason=session.cancel_reason,
        was_waiting=registration.status == "waiting",
    )


def reminder(registration: Registration, now: datetime) -> None:
    """The reminder before the session, with its calendar file (in the participant's venue's time zone; the
    join link for online participants)."""
    session, user = registration.session, registration.user
    with force_locale(user.locale):
        online_label = pgettext("where", "Online")
    data = session_file(registration, now, online_label)
    day = rules.local_time(session.starts_at, zone_of(session, registration.venue)).date().isoformat()
    _send(
        registration,
        lambda title: _l("Reminder: %(title)s", title=title),
        "email/session_reminder.txt",
        attachments=(Attachment(f"session-{day}.ics", "text/calendar", data),),
    )


def session_file(registration: Registration, now: datetime, online_label: str = "Online") -> bytes:
    """The participant's calendar file of the session (their venue, or the join link when online)."""
    from uprest.sessions import ical

    session = registration.session
    online = registration.mode == "online"
    return ical.session_file(
        session,
        stamp=now,
        lang=registration.user.locale,
        venue=registration.venue,
        join_url=(session.join_url or None) if online else None,
        online_label=online_label,
    )


def reminder_hours() -> int:
    return int(current_app.config.get("SESSION_REMINDER_HOURS", REMINDER_HOURS))


def due_reminders(now: datetime, limit: int):
    """The booked registrations whose session starts within the reminder hours and who have had no reminder."""
    return (
        db.select(Registration.id)
        .join(Session, Session.id == Registration.session_id)
        .where(
            Registration.status == "booked",
            Registration.reminded_at.is_(None),
            Session.status == "scheduled",
            Session.starts_at > now,
            Session.starts_at <= now + timedelta(hours=reminder_hours()),
        )
        .order_by(Session.starts_at, Registration.id)
        .limit(limit)
    )


def send_reminders(limit: int = 100, *, now: datetime | None = None) -> tuple[int, int]:
    """The feature's outbox worker (every tick of ``flask mail worker``): write the reminders that are due into
    the mail outbox, each once. A registration is claimed by setting ``reminded_at`` with a conditional update
    and its mail is committed with the claim, so of two workers exactly one writes it, and a failure leaves it
    for the next tick. Commits itself. Returns (written, failed)."""
    now = now or utcnow()
    ids = list(db.session.scalars(due_reminders(now, limit)))
    db.session.commit()  # end the read: each claim below starts its own transaction with its write
    written = 0
    for registration_id in ids:
        won = db.session.execute(
            db.update(Registration)
            .where(
                Registration.id == registration_id,
                Registration.reminded_at.is_(None),
                Registration.status == "booked",
            )
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            db.session.rollback()
            continue
        registration = db.session.get(Registration, registration_id)
        db.session.refresh(registration)
        reminder(registration, now)
        db.session.commit()
        written += 1
    if written:
        log.info("sessions: %s reminders written to the outbox", written)
    return written, 0
