"""Sessions and events: who may manage them (admins, and the trainers on a provider's staff), creating,
changing and cancelling them, their venues and agenda, and the queries the pages, feeds and API use.

Services flush, never commit: the view or CLI command commits once. A broken rule raises SessionError with a
translated message and changes nothing. Places, the waiting list and attendance are in registrations.py,
the providers' staff in staff.py, business owners' requests in demand.py, the account's data in userdata.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, func, or_

from uprest.accounts import territories
from uprest.accounts.models import Role, User
from uprest.catalog import services as catalog
from uprest.catalog.models import Module
from uprest.extensions import db, utcnow
from uprest.i18n import pick
from uprest.providers.models import Provider
from uprest.sessions import rules
from uprest.sessions.models import AgendaItem, ProviderStaff, Registration, Session, Venue

#: Problem code (rules.PROBLEMS) -> the message people read.
MESSAGES = {
    "format": _l("Choose a format: on-site, hybrid, virtual or satellite."),
    "language": _l("Choose the language of the session: English, Swedish, Italian, Finnish or Croatian."),
    "timezone": _l("Choose a time zone from the list (for example Europe/Stockholm)."),
    "times": _l("The session must end after it starts."),
    "past": _l("The session cannot start in the past."),
    "too_long": _l("A session lasts at most %(days)s days.", days=rules.MAX_DAYS),
    "title": _l("An event that is not a run of a module needs a title."),
    "text_language": _l("Texts can be given in English, Swedish, Italian, Finnish and Croatian only."),
    "venues": _l(
        "An on-site or hybrid session has one venue, a satellite event two or more hubs, a virtual session none."
    ),
    "online_capacity": _l("Online places (0 or more) are only for virtual and hybrid sessions."),
    "join_url": _l("The join link must be a web address (https://…), and only virtual and hybrid sessions have one."),
    "price": _l("A price must be more than 0 and have a currency; leave both empty for a free session."),
    "currency": _l("The currency must be a three-letter ISO 4217 code such as EUR or SEK."),
    "venue_text": _l("Each venue needs a name and a town."),
    "venue_country": _l("Each venue needs its country (a two-letter code such as SE)."),
    "venue_timezone": _l("Each venue needs a time zone from the list (for example Europe/Rome)."),
    "seats": _l("Seats must be a whole number from 0 to %(max)s.", max=rules.MAX_SEATS),
    "agenda_times": _l("Each agenda item must end after it starts."),
    "agenda_outside": _l("The agenda must lie within the session's start and end."),
    "agenda_overlap": _l("Agenda items must be in order and must not overlap."),
    "agenda_title": _l("Each agenda item needs a title."),
    "staff": _l("The number of staff must be a whole number from 1 to %(max)s.", max=rules.MAX_STAFF),
}


class SessionError(Exception):
    """A rule was broken; the message is translated and safe to show. ``problems``: the rules' codes, if any."""

    def __init__(self, message: Any, problems: Iterable[str] = ()) -> None:
        super().__init__(str(message))
        self.problems = tuple(problems)


def fail_with(problems: Sequence[str]) -> None:
    """Raise SessionError naming every broken rule (nothing when `problems` is empty)."""
    if problems:
        raise SessionError(" ".join(str(MESSAGES[p]) for p in problems), problems)


# --- who may manage a provider's sessions ------------------------------------------------------------


def is_staff(user: User, provider_id: int) -> bool:
    """Whether `user` is on the staff of the provider `provider_id`."""
    return user.id is not None and staff_row(provider_id, user.id) is not None


def can_manage_provider(user: User | None, provider: Provider) -> bool:
    """Admins manage every provider's sessions; trainers those of the providers whose staff they are."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active_account:
        return False
    if user.is_admin:
        return True
    return user.role == Role.TRAINER and is_staff(user, provider.id)


def can_manage(user: User | None, session: Session) -> bool:
    return can_manage_provider(user, session.provider)


def require_manager(user: User | None, provider: Provider) -> None:
    if not can_manage_provider(user, provider):
        raise SessionError(_("You may not manage the sessions of %(provider)s.", provider=provider.name))


def staff_row(provider_id: int, user_id: int) -> ProviderStaff | None:
    """The row that puts the user on the provider's staff (staff.py adds and removes them)."""
    return db.session.get(ProviderStaff, {"provider_id": provider_id, "user_id": user_id})


# --- reading ----------------------------------------------------------------------------------------


def session_by_id(session_id: int | None) -> Session | None:
    return db.session.get(Session, session_id) if session_id else None


def session_by_uid(uid: str | None) -> Session | None:
    return db.session.scalar(db.select(Session).where(Session.uid == uid)) if uid else None


def title_of(session: Session, lang: str | None = None) -> str:
    """The session's title in `lang` (else English, else any); a module's run without a title of its own takes
    the module's."""
    if session.title:
        return pick(session.title, lang)
    version = session.module.published_version if session.module is not None else None
    return pick(version.title, lang) if version is not None else ""


def description_of(session: Session, lang: str | None = None) -> str:
    if session.description:
        return pick(session.description, lang)
    version = session.module.published_version if session.module is not None else None
    return pick(version.summary, lang) if version is not None else ""


def zone_of(session: Session, venue: Venue | None = None) -> str:
    """The time zone a session's times are shown in: the venue's; else the only venue's; else the session's."""
    if venue is not None:
        return venue.timezone
    return session.venues[0].timezone if len(session.venues) == 1 else session.timezone


def upcoming(
    *,
    now: datetime | None = None,
    territory_id: int | None = None,
    town: str | None = None,
    module: str | None = None,
    format: str | None = None,
    language: str | None = None,
    starts_from: datetime | None = None,
    starts_until: datetime | None = None,
    free_seats: bool = False,
    provider_id: int | None = None,
    include_cancelled: bool = False,
) -> Select:
    """Sessions that have not started, soonest first, with the filters given (a select): a venue in the
    municipality or town, the module's code, the format, the language, a start within [starts_from,
    starts_until), places left (at a venue or online), the provider. Cancelled sessions only when asked (feeds
    keep them as cancelled entries)."""
    now = now or utcnow()
    stmt = db.select(Session).where(Session.starts_at > now)
    if not include_cancelled:
        stmt = stmt.where(Session.status == "scheduled")
    if territory_id is not None:
        stmt = stmt.where(_has_venue(Venue.territory_id.in_(territories.subtree(territory_id))))
    if town and town.strip():
        stmt = stmt.where(_has_venue(func.lower(Venue.town) == town.strip().lower()))
    if module is not None:
        stmt = stmt.where(Session.module_id.in_(catalog.module_id_stmt(module)))
    if format is not None:
        stmt = stmt.where(Session.format == format)
    if language is not None:
        stmt = stmt.where(Session.language == language)
    if starts_from is not None:
        stmt = stmt.where(Session.starts_at >= starts_from)
    if starts_until is not None:
        stmt = stmt.where(Session.starts_at < starts_until)
    if provider_id is not None:
        stmt = stmt.where(Session.provider_id == provider_id)
    if free_seats:
        online_free = db.and_(
            Session.format.in_(rules.ONLINE_FORMATS),
            or_(Session.online_capacity.is_(None), Session.online_taken < Session.online_capacity),
        )
        stmt = stmt.where(or_(_has_venue(Venue.seats_taken < Venue.seats), online_free))
    return stmt.order_by(Session.starts_at, Session.id)


def _has_venue(*where):
    return db.select(Venue.id).where(Venue.session_id == Session.id, *where).exists()


def sessions_of_provider(provider: Provider, *, include_past: bool = True, now: datetime | None = None) -> Select:
    """The provider's sessions, cancelled ones too; the latest first with the past, else the soonest first."""
    stmt = db.select(Session).where(Session.provider_id == provider.id)
    if include_past:
        return stmt.order_by(Session.starts_at.desc(), Session.id.desc())
    return stmt.where(Session.ends_at > (now or utcnow())).order_by(Session.starts_at, Session.id)


# --- creating and changing ------------------------------------------------------------------------------

#: What create_session() and update_session() take besides venues and agenda.
FIELDS = (
    "module",
    "title",
    "description",
    "format",
    "language",
    "timezone",
    "starts_at",
    "ends_at",
    "price_minor",
    "currency",
    "online_capacity",
    "join_url",
)


def _texts(values: dict[str, str] | None) -> dict[str, str]:
    return {lang: text.strip() for lang, text in (values or {}).items() if isinstance(text, str) and text.strip()}


def _tidy(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    out = dict(values)
    for name in ("title", "description"):
        if name in out:
            out[name] = _texts(out[name])
    if "join_url" in out:
        out["join_url"] = (out["join_url"] or "").strip()
    if "currency" in out:
        out["currency"] = (out["currency"] or "").strip().upper() or None
    if "module" in out:
        module = out.pop("module")
        out["module_id"] = module.id if module is not None else None
        out["_module"] = module
    return out


def _data(values: dict[str, Any]) -> rules.SessionData:
    return rules.SessionData(
        format=values["format"],
        language=values["language"],
        timezone=values["timezone"],
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        has_module=values.get("module_id") is not None,
        title=values.get("title") or {},
        description=values.get("description") or {},
        price_minor=values.get("price_minor"),
        currency=values.get("currency"),
        online_capacity=values.get("online_capacity"),
        join_url=values.get("join_url") or "",
    )


def _check_module(module: Module | None) -> None:
    """A session runs a published module (or none: a stand-alone event)."""
    if module is not None and (module.status != "published" or module.published_version_id is None):
        raise SessionError(_("Sessions can be planned only for published modules."))


def venue_data(venue: Venue) -> rules.VenueData:
    return rules.VenueData(
        name=venue.name,
        town=venue.town,
        country=venue.country,
        timezone=venue.timezone,
        seats=venue.seats,
        street=venue.street,
        postal_code=venue.postal_code,
        accessibility=dict(venue.accessibility or {}),
        territory_id=venue.territory_id,
    )


def agenda_data(item: AgendaItem) -> rules.AgendaItemData:
    return rules.AgendaItemData(item.starts_at, item.ends_at, dict(item.title or {}))


def _venue(position: int, data: rules.VenueData) -> Venue:
    return Venue(
        position=position,
        name=data.name.strip(),
        street=data.street.strip(),
        postal_code=data.postal_code.strip(),
        town=data.town.strip(),
        territory_id=data.territory_id,
        country=data.country,
        timezone=data.timezone,
        accessibility=_texts(dict(data.accessibility)),
        seats=data.seats,
    )


def create_session(
    by: User,
    provider: Provider,
    *,
    venues: Sequence[rules.VenueData] = (),
    agenda: Sequence[rules.AgendaItemData] = (),
    now: datetime | None = None,
    **values: Any,
) -> Session:
    """A new session of `provider` (by one of its managers), with its venues and agenda; flushed."""
    require_manager(by, provider)
    if not provider.is_active:
        raise SessionError(_("%(provider)s is no longer active.", provider=provider.name))
    values = _tidy({"title": {}, "description": {}, "join_url": "", **values})
    _check_module(values.pop("_module", None))
    fail_with(rules.session_problems(_data(values), venues, agenda, now=now or utcnow()))
    session = Session(provider_id=provider.id, created_by_id=by.id, **values)
    session.venues = [_venue(i, v) for i, v in enumerate(venues)]
    session.agenda = [
        AgendaItem(position=i, starts_at=a.starts_at, ends_at=a.ends_at, title=_texts(dict(a.title)))
        for i, a in enumerate(agenda)
    ]
    db.session.add(session)
    db.session.flush()
    return session


def _require_open(session: Session) -> None:
    if session.is_cancelled:
        raise SessionError(_("This session has been cancelled and can no longer be changed."))


def _active_count(session: Session, *where) -> int:
    return db.session.scalar(
        db.select(func.count(Registration.id)).where(
            Registration.session_id == session.id, Registration.status != "cancelled", *where
        )
    )


def _raise_sequence(session: Session, now: datetime) -> None:
    """SEQUENCE + 1 in SQL (two changes at once both count), and the time of the change."""
    session.sequence = Session.sequence + 1
    session.updated_at = now


def update_session(
    session: Session,
    by: User,
    *,
    venues: Sequence[rules.VenueData] | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> bool:
    """Change the given fields (FIELDS); True when anything changed. SEQUENCE is raised when something a calendar
    shows changed, and new times send the reminder again. The format cannot change once people have registered;
    `venues` replaces every venue (with a new format, say) and only while nobody is registered; online places
    cannot go below the people booked online, and more online places take people from the waiting list."""
    from uprest.sessions import registrations

    require_manager(by, session.provider)
    _require_open(session)
    now = now or utcnow()
    changes = _tidy(changes)
    module = changes.pop("_module", None)
    if "module_id" in changes and changes["module_id"] != session.module_id:
        _check_module(module)
    before = {name: getattr(session, name) for name in (*FIELDS[1:], "module_id")}
    after = {**before, **changes}
    if after == before and venues is None:
        return False
    times_changed = after["starts_at"] != before["starts_at"] or after["ends_at"] != before["ends_at"]
    fail_with(
        rules.session_problems(
            _data(after),
            [venue_data(v) for v in session.venues] if venues is None else venues,
            [agenda_data(a) for a in session.agenda],
            now=now,
            times_changed=times_changed,
        )
    )
    if (after["format"] != before["format"] or venues is not None) and _active_count(session):
        raise SessionError(_("People have registered: the format and the venues can no longer be replaced."))
    if times_changed:  # a new reminder with the new times (registrations first: a cancellation's lock order)
        db.session.execute(
            db.update(Registration)
            .where(
                Registration.session_id == session.id,
                Registration.status == "booked",
                Registration.reminded_at.is_not(None),
            )
            .values(reminded_at=None)
        )
    capacity = changes.pop("online_capacity", before["online_capacity"])
    if capacity != before["online_capacity"]:
        _set_online_capacity(session, capacity)
    for name, value in changes.items():
        setattr(session, name, value)
    if venues is not None:
        session.venues = []
        db.session.flush()
        session.venues = [_venue(i, v) for i, v in enumerate(venues)]
    if rules.calendar_changed(before, after) or venues is not None:
        _raise_sequence(session, now)
    session.updated_at = now
    db.session.flush()
    db.session.expire(session, ["sequence"])
    more = capacity != before["online_capacity"] and (capacity is None or capacity > (before["online_capacity"] or 0))
    if session.format in rules.ONLINE_FORMATS and more:
        registrations.promote(session, None, now=now)
    return True


def _set_online_capacity(session: Session, capacity: int | None) -> None:
    """Online places never fewer than the people booked online (a conditional update decides, also against
    registrations at the same moment)."""
    fits_in = [] if capacity is None else [Session.online_taken <= capacity]
    fits = db.session.execute(
        db.update(Session)
        .where(Session.id == session.id, *fits_in)
        .values(online_capacity=capacity)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(session, ["online_capacity", "online_taken"])
    if not fits:
        raise SessionError(
            ngettext(
                "%(num)d person is booked online: the online places cannot be fewer.",
                "%(num)d people are booked online: the online places cannot be fewer.",
                session.online_taken,
            )
        )


def cancel_session(session: Session, by: User, reason: str = "", *, now: datetime | None = None) -> int:
    """Cancel the whole session: it stays (feeds show it as cancelled), registrations keep their status, and
    every person booked or waiting is told by mail. Returns how many people were told."""
    from uprest.sessions import mails

    require_manager(by, session.provider)
    now = now or utcnow()
    if session.ends_at <= now:
        raise SessionError(_("This session has already taken place."))
    won = db.session.execute(
        db.update(Session)
        .where(Session.id == session.id, Session.status == "scheduled")
        .values(
            status="cancelled",
            cancelled_at=now,
            cancel_reason=(reason or "").strip()[:2000],
            sequence=Session.sequence + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(session)
    if not won:
        raise SessionError(_("This session has been cancelled already."))
    people = db.session.scalars(
        db.select(Registration)
        .where(Registration.session_id == session.id, Registration.status.in_(("booked", "waiting")))
        .order_by(Registration.id)
    ).all()
    for registration in people:
        mails.session_cancelled(registration)
    return len(people)


# --- venues and agenda ---------------------------------------------------------------------------------


def add_venue(session: Session, by: User, data: rules.VenueData, *, now: datetime | None = None) -> Venue:
    """Another venue (a satellite event's hub); the format decides how many a session may have."""
    require_manager(by, session.provider)
    _require_open(session)
    problems = rules.venue_problems(data)
    if count_problem := rules.venue_count_problem(session.format, len(session.venues) + 1):
        problems.append(count_problem)
    fail_with(problems)
    venue = _venue(max((v.position for v in session.venues), default=-1) + 1, data)
    session.venues.append(venue)
    _raise_sequence(session, now or utcnow())
    db.session.flush()
    db.session.expire(session, ["sequence"])
    return venue


def update_venue(venue: Venue, by: User, data: rules.VenueData, *, now: datetime | None = None) -> bool:
    """Change a venue. Its seats cannot go below the people booked there (a conditional update decides, also
    against registrations at the same moment); more seats take people from its waiting list."""
    from uprest.sessions import registrations

    session = venue.session
    require_manager(by, session.provider)
    _require_open(session)
    fail_with(rules.venue_problems(data))
    now = now or utcnow()
    new = _venue(venue.position, data)
    fields = ("name", "street", "postal_code", "town", "territory_id", "country", "timezone", "accessibility")
    before = {name: getattr(venue, name) for name in (*fields, "seats")}
    after = {**{name: getattr(new, name) for name in fields}, "seats": data.seats}
    if before == after:
        return False
    if data.seats != venue.seats:
        fits = db.session.execute(
            db.update(Venue)
            .where(Venue.id == venue.id, Venue.seats_taken <= data.seats)
            .values(seats=data.seats)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(venue, ["seats", "seats_taken"])
        if not fits:
            raise SessionError(
                ngettext(
                    "%(num)d person is booked at %(venue)s: it cannot have fewer seats.",
                    "%(num)d people are booked at %(venue)s: it cannot have fewer seats.",
                    venue.seats_taken,
                    venue=venue.name,
                )
            )
    for name in fields:
        setattr(venue, name, after[name])
    if rules.calendar_changed(before, after, rules.VENUE_CALENDAR_FIELDS):
        _raise_sequence(session, now)
    session.updated_at = now
    db.session.flush()
    db.session.expire(session, ["sequence"])
    if after["seats"] > before["seats"]:
        registrations.promote(session, venue, now=now)
    return True


def remove_venue(venue: Venue, by: User, *, now: datetime | None = None) -> None:
    """Remove a venue nobody is booked or waiting at (cancelled registrations there go with it)."""
    session = venue.session
    require_manager(by, session.provider)
    _require_open(session)
    if _active_count(session, Registration.venue_id == venue.id):
        raise SessionError(_("People are registered at %(venue)s: it cannot be removed.", venue=venue.name))
    if count_problem := rules.venue_count_problem(session.format, len(session.venues) - 1):
        fail_with([count_problem])
    session.venues.remove(venue)
    _raise_sequence(session, now or utcnow())
    db.session.flush()
    db.session.expire(session, ["sequence"])


def set_agenda(
    session: Session, by: User, items: Sequence[rules.AgendaItemData], *, now: datetime | None = None
) -> None:
    """Replace the agenda (the calendar entry's description shows it: SEQUENCE is raised)."""
    require_manager(by, session.provider)
    _require_open(session)
    fail_with(rules.agenda_problems(items, session.starts_at, session.ends_at))
    session.agenda = []
    db.session.flush()
    session.agenda = [
        AgendaItem(position=i, starts_at=a.starts_at, ends_at=a.ends_at, title=_texts(dict(a.title)))
        for i, a in enumerate(items)
    ]
    _raise_sequence(session, now or utcnow())
    db.session.flush()
    db.session.expire(session, ["sequence"])


def new_checkin_code(session: Session, by: User) -> str:
    """A new check-in code (the old QR code stops working)."""
    from uprest.sessions.models import new_checkin_token

    require_manager(by, session.provider)
    session.checkin_token = new_checkin_token()
    db.session.flush()
    return session.checkin_token
