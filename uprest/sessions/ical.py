"""Sessions as iCalendar (RFC 5545), built with the ``icalendar`` library: one VEVENT per session with a
stable UID, SEQUENCE raised on every change a calendar must learn of, DTSTAMP, times in the venue's time zone
(TZID) with its VTIMEZONE, and cancelled sessions kept as STATUS:CANCELLED.

Used for the calendar file of a reminder (``session_file``: one participant, the join link when they take part
online) and, by the public feeds, for several sessions (``feed``: never a join link).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText, vUri

from uprest.i18n import pick
from uprest.sessions import rules
from uprest.sessions.models import Session, Venue
from uprest.sessions.services import description_of, title_of, zone_of

PRODID = "-//UPREST//Local sessions and events//EN"


def _address(venue: Venue) -> str:
    return rules.address(venue.name, venue.street, venue.postal_code, venue.town)


def location_of(session: Session, venue: Venue | None = None, *, online_label: str = "Online") -> str:
    """The LOCATION text: the venue's address; a satellite event's hubs one after the other; the online part
    as `online_label` (never the join link)."""
    if venue is not None:
        return _address(venue)
    places = [_address(v) for v in session.venues]
    if session.format in rules.ONLINE_FORMATS:
        places.append(online_label)
    return "; ".join(places)


def _description(session: Session, lang: str, zone: str, join_url: str | None) -> str:
    parts = []
    if text := description_of(session, lang):
        parts.append(text)
    if session.agenda:
        lines = []
        for item in session.agenda:
            start = rules.local_time(item.starts_at, zone).strftime("%H:%M")
            end = rules.local_time(item.ends_at, zone).strftime("%H:%M")
            lines.append(f"{start}–{end} {pick(item.title, lang)}")
        parts.append("\n".join(lines))
    if join_url:
        parts.append(join_url)
    if session.is_cancelled and session.cancel_reason:
        parts.append(session.cancel_reason)
    return "\n\n".join(parts)


def event(
    session: Session,
    *,
    stamp: datetime,
    lang: str | None = None,
    venue: Venue | None = None,
    join_url: str | None = None,
    url: str | None = None,
    online_label: str = "Online",
) -> Event:
    """The session as a VEVENT: at `venue` (a participant's hub) or, without one, in the session's own zone
    (its only venue's when it has one). `join_url` only for a participant who takes part online."""
    lang = lang or session.language
    zone = zone_of(session, venue)
    tz = ZoneInfo(zone)
    vevent = Event()
    vevent.add("uid", session.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", session.sequence)
    vevent.add("dtstart", session.starts_at.astimezone(tz))
    vevent.add("dtend", session.ends_at.astimezone(tz))
    vevent.add("summary", title_of(session, lang))
    vevent.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    vevent.add("created", session.created_at)
    vevent.add("last-modified", session.updated_at)
    # An online participant's place is the meeting itself.
    location = join_url if join_url and venue is None else location_of(session, venue, online_label=online_label)
    if location:
        vevent.add("location", location)
    if description := _description(session, lang, zone, join_url):
        vevent.add("description", description)
    if join_url:
        vevent.add("conference", vUri(join_url), parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    if url:
        vevent.add("url", url)
    provider = session.provider
    if provider is not None and provider.email:
        organizer = vCalAddress(f"mailto:{provider.email}")
        organizer.params["cn"] = vText(provider.name)
        vevent.add("organizer", organizer)
    return vevent


def calendar(events: Iterable[Event], *, name: str | None = None) -> Calendar:
    """A METHOD:PUBLISH calendar of `events` with a VTIMEZONE for every zone they use (covering a year either
    side of them)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("name", name)
        cal.add("x-wr-calname", name)
    moments = []
    for vevent in events:
        cal.add_component(vevent)
        moments += [vevent.decoded("dtstart"), vevent.decoded("dtend")]
    first, last = rules.zone_window(moments)
    cal.add_missing_timezones(first, last)
    return cal


def session_file(
    session: Session,
    *,
    stamp: datetime,
    lang: str | None = None,
    venue: Venue | None = None,
    join_url: str | None = None,
    url: str | None = None,
    online_label: str = "Online",
) -> bytes:
    """The .ics file of one session for one participant (a reminder's attachment)."""
    one = event(session, stamp=stamp, lang=lang, venue=venue, join_url=join_url, url=url, online_label=online_label)
    return calendar([one]).to_ical()


def feed(
    sessions: Iterable[Session],
    *,
    stamp: datetime,
    name: str,
    lang: str | None = None,
    url_of: Callable[[Session], str] | None = None,
    online_label: str = "Online",
) -> bytes:
    """A public calendar of several sessions (cancelled ones as STATUS:CANCELLED); never a join link."""
    events = [
        event(s, stamp=stamp, lang=lang, url=url_of(s) if url_of else None, online_label=online_label) for s in sessions
    ]
    return calendar(events, name=name).to_ical()
