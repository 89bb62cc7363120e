"""Places at sessions: registering (booked, or on the waiting list when full), cancelling, promotion from the
waiting list, attendance (marked by a manager, or check-in with the session's QR code).

Seats are never exceeded, whatever runs at the same moment: a place is a conditional update of the venue's
counter (``seats_taken = seats_taken + 1 WHERE seats_taken < seats``; for the online part the session's
``online_taken`` against ``online_capacity``) whose row count says whether the place was won, and a check
constraint backs it. On PostgreSQL the update locks the counter's row, so parallel registrations queue on it and
each sees the count the one before left; on SQLite every write transaction holds the database's write lock. The
first write of each service here is such an update or a conditional update of the registration, so that on
SQLite the transaction starts with the write lock (its reads afterwards see the latest state).

Services flush, never commit. Mail (promotion) goes through the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func
from sqlalchemy.exc import IntegrityError

from uprest.accounts.models import User
from uprest.extensions import db, utcnow
from uprest.sessions import mails, rules
from uprest.sessions.models import Registration, Session, Venue
from uprest.sessions.services import SessionError, can_manage
from uprest.signals import session_attended

ACTIVE = ("booked", "waiting")


# --- reading ---------------------------------------------------------------------------------------------


def registration_of(user: User, session: Session) -> Registration | None:
    """The person's registration row for the session (any status), or None."""
    return db.session.scalar(
        db.select(Registration).where(Registration.session_id == session.id, Registration.user_id == user.id)
    )


def registrations_of(user: User, *, include_cancelled: bool = False) -> Select:
    """The person's registrations, by the session's start (a select)."""
    stmt = (
        db.select(Registration)
        .join(Session, Session.id == Registration.session_id)
        .where(Registration.user_id == user.id)
        .order_by(Session.starts_at, Registration.id)
    )
    return stmt if include_cancelled else stmt.where(Registration.status != "cancelled")


def participants(session: Session, *, status: str | None = None) -> Select:
    """The session's registrations for its managers' list: booked first, then the waiting list in its order."""
    stmt = db.select(Registration).where(Registration.session_id == session.id)
    if status is not None:
        stmt = stmt.where(Registration.status == status)
    order = db.case({"booked": 0, "waiting": 1}, value=Registration.status, else_=2)
    return stmt.order_by(order, Registration.venue_id, Registration.queued_at, Registration.id)


def _queue(session_id: int, venue_id: int | None):
    """The conditions of the waiting list of a venue (or of the online part, `venue_id` None)."""
    place = Registration.venue_id == venue_id if venue_id is not None else Registration.mode == "online"
    return (Registration.session_id == session_id, Registration.status == "waiting", place)


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list of the registration's venue (or online); None when not waiting."""
    if registration.status != "waiting":
        return None
    ahead = db.session.scalar(
        db.select(func.count(Registration.id)).where(
            *_queue(registration.session_id, registration.venue_id),
            db.or_(
                Registration.queued_at < registration.queued_at,
                db.and_(Registration.queued_at == registration.queued_at, Registration.id < registration.id),
            ),
        )
    )
    return ahead + 1


# --- places ----------------------------------------------------------------------------------------------


def _take_place(session_id: int, venue_id: int | None) -> bool:
    """Take one place at the venue (or online) if one is free: the conditional update decides."""
    if venue_id is not None:
        stmt = (
            db.update(Venue)
            .where(Venue.id == venue_id, Venue.seats_taken < Venue.seats)
            .values(seats_taken=Venue.seats_taken + 1)
        )
    else:
        stmt = (
            db.update(Session)
            .where(
                Session.id == session_id,
                db.or_(Session.online_capacity.is_(None), Session.online_taken < Session.online_capacity),
            )
            .values(online_taken=Session.online_taken + 1)
        )
    return bool(db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount)


def _free_place(session_id: int, venue_id: int | None) -> None:
    if venue_id is not None:
        stmt = (
            db.update(Venue)
            .where(Venue.id == venue_id, Venue.seats_taken > 0)
            .values(seats_taken=Venue.seats_taken - 1)
        )
    else:
        stmt = (
            db.update(Session)
            .where(Session.id == session_id, Session.online_taken > 0)
            .values(online_taken=Session.online_taken - 1)
        )
    db.session.execute(stmt.execution_options(synchronize_session=False))


def _expire_counters(session: Session, venue_id: int | None) -> None:
    if venue_id is None:
        db.session.expire(session, ["online_taken"])
    else:
        venue = db.session.get(Venue, venue_id)
        if venue is not None:
            db.session.expire(venue, ["seats_taken"])


def _status_now(session: Session) -> str:
    """The session's status read again inside this transaction (after its first write), holding a share lock
    on PostgreSQL: a cancellation at the same moment either waits for this registration (and then mails it) or
    is seen here."""
    return db.session.scalar(db.select(Session.status).where(Session.id == session.id).with_for_update(read=True))


def register(user: User, session: Session, venue: Venue | None = None, *, now: datetime | None = None) -> Registration:
    """Register `user` at `venue` (or online when `venue` is None): booked when a place is free, else on the
    waiting list of that venue (or of the online part). Registering twice, for a cancelled session or one that has
    started, at a venue of another session or online where the format has no online part: SessionError, nothing
    changed. A registration cancelled before is taken up again (the same row, at the end of the waiting list)."""
    now = now or utcnow()
    mode = "onsite" if venue is not None else "online"
    if venue is not None and venue.session_id != session.id:
        raise SessionError(_("This venue does not belong to the session."))
    if mode not in rules.modes_of(session.format):
        raise SessionError(
            _("This session has no online places: choose a venue.")
            if mode == "online"
            else _("This session takes place online only.")
        )
    _require_registrable(session.status, session, now)
    existing = registration_of(user, session)
    if existing is not None and existing.is_active:
        raise SessionError(_("You are registered for this session already."))
    venue_id = venue.id if venue is not None else None
    booked = _take_place(session.id, venue_id)  # the first write: see the module's docstring
    _expire_counters(session, venue_id)

    def undo() -> None:
        if booked:
            _free_place(session.id, venue_id)
            _expire_counters(session, venue_id)

    try:
        _require_registrable(_status_now(session), session, now)
    except SessionError:
        undo()
        raise
    values = {
        "mode": mode,
        "venue_id": venue_id,
        "status": "booked" if booked else "waiting",
        "queued_at": now,
        "booked_at": now if booked else None,
        "promoted_at": None,
        "cancelled_at": None,
        "reminded_at": None,
        "attended_at": None,
        "attended_by_id": None,
    }
    if existing is None:
        registration = Registration(session_id=session.id, user_id=user.id, created_at=now, **values)
        try:
            with db.session.begin_nested():
                db.session.add(registration)
                db.session.flush()
        except IntegrityError:  # the same person at the same moment, in another request
            undo()
            raise SessionError(_("You are registered for this session already.")) from None
        return registration
    taken_up = db.session.execute(
        db.update(Registration)
        .where(Registration.id == existing.id, Registration.status == "cancelled")
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(existing)
    if not taken_up:
        undo()
        raise SessionError(_("You are registered for this session already."))
    return existing


def _require_registrable(status: str, session: Session, now: datetime) -> None:
    if status != "scheduled":
        raise SessionError(_("This session has been cancelled."))
    if session.starts_at <= now:
        raise SessionError(_("This session has started: registration is closed."))


def cancel_registration(registration: Registration, by: User, *, now: datetime | None = None) -> None:
    """Give up a place (the person, or a manager of the session): a booked place goes to the first person on the
    waiting list of the same venue (or online), who is told by mail. Not once the session has started."""
    now = now or utcnow()
    session = registration.session
    if by.id != registration.user_id and not can_manage(by, session):
        raise SessionError(_("You may not cancel this registration."))
    if registration.status == "cancelled":
        raise SessionError(_("This registration has been cancelled already."))
    if session.starts_at <= now and not session.is_cancelled:
        raise SessionError(_("This session has started: the registration can no longer be cancelled."))
    for _attempt in range(3):  # a promotion at the same moment may turn "waiting" into "booked"
        status = registration.status
        if status == "cancelled":
            break
        done = db.session.execute(
            db.update(Registration)
            .where(Registration.id == registration.id, Registration.status == status)
            .values(status="cancelled", cancelled_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(registration)
        if done:
            if status == "booked":
                _free_place(session.id, registration.venue_id)
                _expire_counters(session, registration.venue_id)
                if not session.is_cancelled:
                    promote(session, registration.venue, now=now)
            return
    raise SessionError(_("This registration has been cancelled already."))


def promote(session: Session, venue: Venue | None, *, now: datetime | None = None) -> list[Registration]:
    """Give the free places of `venue` (or of the online part) to the waiting list in its order; each person
    promoted is told by mail. The promoted registrations."""
    now = now or utcnow()
    venue_id = venue.id if venue is not None else None
    promoted: list[Registration] = []
    while True:
        candidate = db.session.scalar(
            db.select(Registration)
            .where(*_queue(session.id, venue_id))
            .order_by(Registration.queued_at, Registration.id)
            .limit(1)
        )
        if candidate is None or not _take_place(session.id, venue_id):
            break
        won = db.session.execute(
            db.update(Registration)
            .where(Registration.id == candidate.id, Registration.status == "waiting")
            .values(status="booked", booked_at=now, promoted_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(candidate)
        if not won:  # they cancelled at this moment: the place goes to the next one
            _free_place(session.id, venue_id)
            continue
        mails.promoted(candidate)
        promoted.append(candidate)
    _expire_counters(session, venue_id)
    return promoted


# --- attendance ----------------------------------------------------------------------------------------


def _attend(registration: Registration, by: User | None, now: datetime) -> bool:
    """Record attendance once (a conditional update); tell the other features (``session_attended``)."""
    won = db.session.execute(
        db.update(Registration)
        .where(
            Registration.id == registration.id,
            Registration.status == "booked",
            Registration.attended_at.is_(None),
        )
        .values(attended_at=now, attended_by_id=by.id if by is not None else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(registration)
    if won:
        session = registration.session
        session_attended.send(
            current_app._get_current_object(),
            user=registration.user,
            session=session,
            module=session.module,
            marked_by=by,
        )
    return bool(won)


def _require_attendable(session: Session, now: datetime) -> None:
    if session.is_cancelled:
        raise SessionError(_("This session has been cancelled."))
    if now < session.starts_at - rules.CHECK_IN_BEFORE:
        raise SessionError(_("Attendance can be recorded from an hour before the session starts."))


def mark_attended(registration: Registration, by: User, *, now: datetime | None = None) -> bool:
    """A manager of the session records that the person attended; False when it was recorded already. Only
    booked people, from an hour before the start."""
    now = now or utcnow()
    session = registration.session
    if not can_manage(by, session):
        raise SessionError(_("You may not manage the sessions of %(provider)s.", provider=session.provider.name))
    _require_attendable(session, now)
    if registration.status != "booked":
        raise SessionError(_("Only people with a place can be marked as attending."))
    return _attend(registration, by, now)


def check_in(token: str, user: User, *, now: datetime | None = None) -> Registration:
    """The person scanned the session's QR code: their attendance is recorded when they have a place, from an
    hour before the start to an hour after the end. Returns their registration."""
    now = now or utcnow()
    session = db.session.scalar(db.select(Session).where(Session.checkin_token == token)) if token else None
    if session is None:
        raise SessionError(_("This check-in code is not valid."))
    _require_attendable(session, now)
    if now > session.ends_at + rules.CHECK_IN_AFTER:
        raise SessionError(_("Check-in for this session has closed."))
    registration = registration_of(user, session)
    if registration is None or registration.status == "cancelled":
        raise SessionError(_("You are not registered for this session."))
    if registration.status == "waiting":
        raise SessionError(_("You are on the waiting list of this session, without a place."))
    _attend(registration, None, now)
    return registration
