"""What the pages of sessions need on top of the core services: saving the whole form of a session (its fields,
venues and agenda as one change), what a person sees of a session (their place, the join link only with a place
online, their own calendar file), the check-in QR code, the participants counted per venue, and the lists the
pages show (upcoming sessions with their venues, a person's registrations, a module's next sessions).

Services flush, never commit; a broken rule raises SessionError and the caller rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from flask_babel import gettext as _
from sqlalchemy import Select, func
from sqlalchemy.orm import joinedload, selectinload

from uprest.accounts.models import User
from uprest.accounts.services import user_by_email
from uprest.extensions import db, utcnow
from uprest.i18n import pick
from uprest.providers.models import Provider
from uprest.sessions import ical, registrations, rules, services, staff
from uprest.sessions.models import Registration, Session, Venue

#: How many upcoming sessions a module's page lists.
MODULE_PANEL_SESSIONS = 3


# --- lists ----------------------------------------------------------------------------------------------


def with_places(stmt: Select) -> Select:
    """A select of sessions that loads their venues, provider and module with them (for lists and cards)."""
    return stmt.options(selectinload(Session.venues), joinedload(Session.provider), joinedload(Session.module))


def provider_sessions(provider: Provider, *, include_past: bool) -> Select:
    """The provider's sessions for its page: upcoming ones for the public, all of them for its managers."""
    return with_places(services.sessions_of_provider(provider, include_past=include_past))


def module_sessions(code: str, *, limit: int = MODULE_PANEL_SESSIONS) -> list[Session]:
    """The next sessions of the module `code` (for its page)."""
    return list(db.session.scalars(with_places(services.upcoming(module=code)).limit(limit)))


def registrations_split(user: User, *, now: datetime | None = None) -> tuple[list[Registration], list[Registration]]:
    """The person's registrations, cancelled ones too: (sessions still to end, soonest first; past sessions,
    the latest first)."""
    now = now or utcnow()
    rows = db.session.scalars(
        registrations.registrations_of(user, include_cancelled=True).options(
            joinedload(Registration.session).joinedload(Session.provider), joinedload(Registration.venue)
        )
    ).all()
    upcoming = [r for r in rows if r.session.ends_at > now]
    past = [r for r in rows if r.session.ends_at <= now]
    return upcoming, past[::-1]


def upcoming_registrations(user: User, *, now: datetime | None = None) -> list[Registration]:
    """The person's places and waiting-list entries at sessions still to start and not cancelled, soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            registrations.registrations_of(user).where(Session.starts_at > now, Session.status == "scheduled")
        )
    )


# --- a person and a session ----------------------------------------------------------------------------


def join_link(registration: Registration | None) -> str:
    """The online meeting's address for this person: only with a place (booked) online at a session with an
    online part that is not cancelled; '' for everybody else (waiting, on-site, not registered)."""
    if registration is None or registration.status != "booked" or registration.mode != "online":
        return ""
    session = registration.session
    if session.is_cancelled or session.format not in rules.ONLINE_FORMATS:
        return ""
    return session.join_url or ""


@dataclass(frozen=True)
class Place:
    """A person's registration (booked or waiting) as their session page shows it."""

    registration: Registration
    #: 1 for the first on the waiting list; None with a place.
    position: int | None
    #: The join link: only with a place online.
    join_url: str


def place_of(user: User | None, session: Session) -> Place | None:
    """The person's active registration for the session, or None (not logged in, not registered, cancelled)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    registration = registrations.registration_of(user, session)
    if registration is None or not registration.is_active:
        return None
    return Place(registration, registrations.waiting_position(registration), join_link(registration))


def calendar_file(registration: Registration, *, lang: str, url: str, online_label: str, now: datetime) -> bytes:
    """The person's own calendar file of the session: at their venue, or online with the join link when they have a
    place online (never while waiting)."""
    return ical.session_file(
        registration.session,
        stamp=now,
        lang=lang,
        venue=registration.venue,
        join_url=join_link(registration) or None,
        url=url,
        online_label=online_label,
    )


def register(user: User, session: Session, place: str) -> Registration:
    """Register at the place chosen in the form: "online" or the id of one of the session's venues."""
    venue = None
    if place != "online":
        venue = next((v for v in session.venues if str(v.id) == place), None)
        if venue is None:
            raise services.SessionError(_("Choose where you will take part."))
    return registrations.register(user, session, venue)


# --- managers -----------------------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """A QR code of `url` as an SVG ``data:`` URI (error correction M, the standard quiet zone of 4 modules)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=6, border=4, dark="#000", light="#fff")


@dataclass(frozen=True)
class PlaceCount:
    """The people at one venue (or online, `venue` None) of a session."""

    venue: Venue | None
    booked: int
    waiting: int
    cancelled: int
    attended: int
    #: Free places; None when unlimited (online without a capacity).
    left: int | None


def counts(session: Session) -> list[PlaceCount]:
    """The registrations of the session counted per venue, then online when the session has an online part."""
    rows = db.session.execute(
        db.select(
            Registration.venue_id,
            Registration.status,
            func.count(Registration.id),
            func.count(Registration.attended_at),
        )
        .where(Registration.session_id == session.id)
        .group_by(Registration.venue_id, Registration.status)
    ).all()
    by_place: dict[int | None, dict[str, int]] = {}
    for venue_id, status, number, attended in rows:
        seen = by_place.setdefault(venue_id, {})
        seen[status] = number
        seen["attended"] = seen.get("attended", 0) + attended
    places: list[tuple[Venue | None, int | None]] = [(v, v.seats_left) for v in session.venues]
    if session.format in rules.ONLINE_FORMATS:
        places.append((None, session.online_left))
    out = []
    for venue, left in places:
        seen = by_place.get(venue.id if venue is not None else None, {})
        out.append(
            PlaceCount(
                venue,
                seen.get("booked", 0),
                seen.get("waiting", 0),
                seen.get("cancelled", 0),
                seen.get("attended", 0),
                left,
            )
        )
    return out


def session_by_checkin_token(token: str) -> Session | None:
    """The session whose check-in code (its QR code) is `token`."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(db.select(Session).where(Session.checkin_token == token))


def add_trainer(provider: Provider, email: str, by: User) -> tuple[User, bool]:
    """Put the trainer with this e-mail address on the provider's staff (admins only): (the trainer, whether they
    were added now)."""
    user = user_by_email(email)
    if user is None:
        raise services.SessionError(_("Nobody has an account with this e-mail address."))
    return user, staff.add_staff(provider, user, by)


def staff_member(provider: Provider, user_id: int) -> User | None:
    """A trainer on the provider's staff (None for anybody else)."""
    return db.session.scalar(staff.staff_of(provider).where(User.id == user_id))


def _local(moment: datetime, zone: str) -> datetime:
    return rules.local_time(moment, zone).replace(tzinfo=None)


def form_data_of(session: Session) -> dict[str, Any]:
    """The session as its edit form shows it: times as the wall-clock time of its zone, texts in its language."""
    zone, lang = session.timezone, session.language
    data = {
        "module": session.module.code if session.module is not None else "",
        "format": session.format,
        "language": lang,
        "timezone": zone,
        "starts_at": _local(session.starts_at, zone),
        "ends_at": _local(session.ends_at, zone),
        "price": rules.price_amount(session.price_minor, session.currency),
        "currency": session.currency or "",
        "online_capacity": session.online_capacity,
        "join_url": session.join_url,
        "venues": [
            {
                "name": v.name,
                "street": v.street,
                "postal_code": v.postal_code,
                "town": v.town,
                "territory": str(v.territory_id or ""),
                "country": v.country,
                "timezone": v.timezone,
                "accessibility": (v.accessibility or {}).get(lang) or pick(v.accessibility, lang),
                "seats": v.seats,
            }
            for v in session.venues
        ],
        "agenda": [
            {"starts_at": _local(a.starts_at, zone), "ends_at": _local(a.ends_at, zone), "title": pick(a.title, lang)}
            for a in session.agenda
        ],
    }
    for code in rules.LANGUAGES:
        data[f"title_{code}"] = (session.title or {}).get(code, "")
        data[f"description_{code}"] = (session.description or {}).get(code, "")
    return data


def registration_in(session: Session, registration_id: int) -> Registration | None:
    """A registration of this session (None for another session's)."""
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.session_id == session.id else None


def _has_people(session: Session) -> bool:
    return bool(
        db.session.scalar(
            db.select(func.count(Registration.id)).where(
                Registration.session_id == session.id, Registration.status != "cancelled"
            )
        )
    )


def _keep_seconds(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """A form shows times to the minute: a time given back unchanged keeps the seconds it had (demo data, the
    API), so that saving another field does not count as new times."""
    out = dict(values)
    for name in ("starts_at", "ends_at"):
        stored = getattr(session, name)
        if out.get(name) is not None and out[name] == stored.replace(second=0, microsecond=0):
            out[name] = stored
    return out


def save_session(
    session: Session,
    by: User,
    *,
    venues: Sequence[rules.VenueData],
    agenda: Sequence[rules.AgendaItemData],
    now: datetime | None = None,
    **values: Any,
) -> bool:
    """Save the whole form of a session, its fields, venues and agenda, as one change; True when anything changed.

    While nobody is registered the venues are replaced by those given; once people are, each venue is changed in
    place (its seats never below the people booked there), venues given beyond the current ones are added and
    current ones beyond those given are removed, as far as the core rules allow. The agenda is replaced when it
    changed (emptied first, so that new times are never checked against the old agenda)."""
    services.require_manager(by, session.provider)
    now = now or utcnow()
    values = _keep_seconds(session, values)
    venues, agenda = list(venues), list(agenda)
    agenda_changed = [services.agenda_data(a) for a in session.agenda] != agenda
    venues_changed = [services.venue_data(v) for v in session.venues] != venues
    changed = False
    if agenda_changed and session.agenda:
        services.set_agenda(session, by, [], now=now)
        changed = True
    if venues_changed and not _has_people(session):
        changed |= services.update_session(session, by, venues=venues, now=now, **values)
    else:
        changed |= services.update_session(session, by, now=now, **values)
        if venues_changed:
            _change_venues(session, by, venues, now)
            changed = True
    if agenda_changed and agenda:
        services.set_agenda(session, by, agenda, now=now)
        changed = True
    return changed


def _change_venues(session: Session, by: User, venues: list[rules.VenueData], now: datetime) -> None:
    current = list(session.venues)
    for venue, data in zip(current, venues, strict=False):
        services.update_venue(venue, by, data, now=now)
    for venue in current[len(venues) :]:
        services.remove_venue(venue, by, now=now)
    for data in venues[len(current) :]:
        services.add_venue(session, by, data, now=now)
