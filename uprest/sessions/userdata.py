"""A person's part in sessions, for their data download and for the erasure of their account."""

from __future__ import annotations

from datetime import datetime

from uprest.accounts.models import User
from uprest.extensions import db, utcnow
from uprest.sessions.models import ProviderStaff, Registration, Session, SessionRequest
from uprest.sessions.services import title_of


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_user_data(user: User) -> dict:
    """The person's registrations and requests for sessions (for their data download)."""
    registrations = db.session.scalars(
        db.select(Registration)
        .join(Session, Session.id == Registration.session_id)
        .where(Registration.user_id == user.id)
        .order_by(Session.starts_at, Registration.id)
    )
    requests = db.session.scalars(
        db.select(SessionRequest).where(SessionRequest.user_id == user.id).order_by(SessionRequest.id)
    )
    return {
        "session_registrations": [
            {
                "session": title_of(r.session, user.locale),
                "provider": r.session.provider.name,
                "starts_at": _when(r.session.starts_at),
                "ends_at": _when(r.session.ends_at),
                "mode": r.mode,
                "venue": r.venue.name if r.venue is not None else None,
                "status": r.status,
                "registered_at": _when(r.created_at),
                "queued_at": _when(r.queued_at),
                "booked_at": _when(r.booked_at),
                "promoted_at": _when(r.promoted_at),
                "cancelled_at": _when(r.cancelled_at),
                "reminded_at": _when(r.reminded_at),
                "attended_at": _when(r.attended_at),
            }
            for r in registrations
        ],
        "session_requests": [
            {
                "module": r.module.code,
                "staff_count": r.staff_count,
                "town": r.town,
                "language": r.language,
                "message": r.message,
                "status": r.status,
                "created_at": _when(r.created_at),
            }
            for r in requests
        ],
    }


def erase_user_data(user: User) -> None:
    """Erase the person's part in sessions: a place they hold at a session still to come is given up first
    (the next person on the waiting list gets it, and is told), then their registrations are deleted; their
    requests for sessions are kept as anonymous demand of their business (without the person and the message)
    or deleted when no business is named; their place on providers' staff ends; sessions they created or
    attendance they recorded no longer name them. Flushes, never commits."""
    from uprest.sessions import registrations

    now = utcnow()
    for registration in db.session.scalars(
        db.select(Registration).where(Registration.user_id == user.id, Registration.status != "cancelled")
    ).all():
        if registration.session.status == "scheduled" and registration.session.starts_at > now:
            registrations.cancel_registration(registration, user, now=now)
    db.session.execute(db.delete(Registration).where(Registration.user_id == user.id))
    db.session.execute(
        db.update(Registration).where(Registration.attended_by_id == user.id).values(attended_by_id=None)
    )
    db.session.execute(db.update(Session).where(Session.created_by_id == user.id).values(created_by_id=None))
    db.session.execute(db.delete(ProviderStaff).where(ProviderStaff.user_id == user.id))
    db.session.execute(
        db.delete(SessionRequest).where(SessionRequest.user_id == user.id, SessionRequest.organisation_id.is_(None))
    )
    db.session.execute(
        db.update(SessionRequest).where(SessionRequest.user_id == user.id).values(user_id=None, message="")
    )
    db.session.flush()
