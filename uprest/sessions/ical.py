"""Sessions as iCalendar (RFC 5545), built with the ``icalendar`` library: one VEVENT per session with a
stable UID, SEQUENCE raised on every change a calendar must learn of, DTSTAMP, times in the venue's time zone
(TZID) with its VTIMEZONE, and cancelled sessions kept as STATUS:CANCELLED.

Used for the calendar file of a reminder (``session_file``: one participant, the join link when they take part
online) and for the public feeds (``public_feed``: several sessions, never a join link).

A public feed gives a satellite event one entry per hub, each with a UID of its own (``hub_uid``: the session's
UID and the hub's id), at the hub's place and in the hub's time zone: a calendar app shows an event at one place
and one local time, and someone who follows a town's feed sees the hub in their town. The other sessions have
one entry with the session's UID. A participant's own calendar file keeps the session's UID.

The VTIMEZONE components are made here from the zone database (``vtimezone``), not by the library: an
observance's DTSTART is the local time of the change read with the offset in force before it (RFC 5545,
3.6.5: clocks that go forward at 02:00 CET start summer time at DTSTART 02:00, TZOFFSETFROM +0100). The
library writes the local time after the change (03:00) for the changes to summer time, which puts them an
hour late for every reader that follows the RFC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vText,
    vUri,
)

from uprest.i18n import pick
from uprest.sessions import rules
from uprest.sessions.models import Session, Venue
from uprest.sessions.services import description_of, title_of, zone_of

PRODID = "-//UPREST//Local sessions and events//EN"
#: How often a calendar app should fetch a public feed again (RFC 7986 REFRESH-INTERVAL, and Outlook's TTL).
REFRESH = timedelta(hours=1)
#: The format of a session as a feed entry's CATEGORIES.
FORMAT_LABELS = {
    "onsite": _l("On-site"),
    "hybrid": _l("Hybrid"),
    "virtual": _l("Virtual"),
    "satellite": _l("Satellite"),
}


def _address(venue: Venue) -> str:
    return rules.address(venue.name, venue.street, venue.postal_code, venue.town)


def public_text(session: Session, text: str) -> str:
    """`text` as the public may read it: without the session's join link, should a provider have written it into
    a title, a description, an agenda item or the reason of a cancellation."""
    link = (session.join_url or "").strip()
    return text.replace(link, "").strip() if link and link in text else text


def hub_uid(session: Session, venue: Venue) -> str:
    """The UID of a satellite event's entry at one hub in the public feeds: stable while the hub exists."""
    return f"{session.uid}-hub-{venue.id}"


def location_of(session: Session, venue: Venue | None = None, *, online_label: str = "Online") -> str:
    """The LOCATION text: the venue's address; a satellite event's hubs one after the other; the online part
    as `online_label` (never the join link)."""
    if venue is not None:
        return _address(venue)
    places = [_address(v) for v in session.venues]
    if session.format in rules.ONLINE_FORMATS:
        places.append(online_label)
    return "; ".join(places)


def _description(session: Session, lang: str, zone: str, join_url: str | None, note: str = "") -> str:
    parts = []
    if text := description_of(session, lang):
        parts.append(text)
    if note:
        parts.append(note)
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
    uid: str | None = None,
    categories: Sequence[str] = (),
    note: str = "",
) -> Event:
    """The session as a VEVENT: at `venue` (a participant's hub) or, without one, in the session's own zone
    (its only venue's when it has one). `join_url` only for a participant who takes part online; without it,
    the texts are cleaned of the join link (``public_text``). `uid` replaces the session's UID (a hub's entry);
    `note` is a paragraph added to the description."""
    lang = lang or session.language
    zone = zone_of(session, venue)
    tz = ZoneInfo(zone)

    def text(value: str) -> str:
        return value if join_url else public_text(session, value)

    vevent = Event()
    vevent.add("uid", uid or session.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", session.sequence)
    vevent.add("dtstart", session.starts_at.astimezone(tz))
    vevent.add("dtend", session.ends_at.astimezone(tz))
    vevent.add("summary", text(title_of(session, lang)))
    vevent.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    vevent.add("created", session.created_at)
    vevent.add("last-modified", session.updated_at)
    # An online participant's place is the meeting itself.
    location = join_url if join_url and venue is None else location_of(session, venue, online_label=online_label)
    if location:
        vevent.add("location", text(location))
    if description := text(_description(session, lang, zone, join_url, note)):
        vevent.add("description", description)
    if join_url:
        vevent.add("conference", vUri(join_url), parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    if url:
        vevent.add("url", url)
    if categories:
        vevent.add("categories", list(categories))
    provider = session.provider
    if provider is not None and provider.email:
        organizer = vCalAddress(f"mailto:{provider.email}")
        organizer.params["cn"] = vText(provider.name)
        vevent.add("organizer", organizer)
    return vevent


# --- time zones ---------------------------------------------------------------------------------------------

#: The step of the search for a zone's changes of offset (no zone changes twice within it).
_STEP = timedelta(days=7)


def _change_within(tz: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first UTC moment (to the second) in (low, high] with the offset of `high`, the offset of `low` being
    another one."""
    after = high.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = (low + (high - low) / 2).replace(microsecond=0)
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high


def zone_changes(zone: str, first: date, last: date) -> list[tuple[datetime, timedelta, timedelta, str, bool]]:
    """The changes of `zone`'s offset between the dates `first` and `last` (UTC), in order: (the UTC moment,
    offset before, offset after, the zone's abbreviation after, whether it is summer time after). The first item
    is the state at `first`, with the same offset before and after."""
    tz = ZoneInfo(zone)
    moment = datetime.combine(first, time(), UTC)
    end = datetime.combine(last, time(), UTC)
    local = moment.astimezone(tz)
    changes = [(moment, local.utcoffset(), local.utcoffset(), local.tzname(), bool(local.dst()))]
    while moment < end:
        following = min(moment + _STEP, end)
        before = moment.astimezone(tz).utcoffset()
        if following.astimezone(tz).utcoffset() != before:
            change = _change_within(tz, moment, following)
            new = change.astimezone(tz)
            changes.append((change, before, new.utcoffset(), new.tzname(), bool(new.dst())))
            moment = change
        else:
            moment = following
    return changes


@lru_cache(maxsize=64)
def _observances(zone: str, first: date, last: date) -> tuple:
    """The observances of `zone` between the dates: (offset before, after, abbreviation, summer time) -> the
    local onsets (read with the offset before)."""
    grouped: dict[tuple, list[datetime]] = {}
    for moment, before, after, name, summer in zone_changes(zone, first, last):
        onset = (moment + before).replace(tzinfo=None)
        grouped.setdefault((before, after, name, summer), []).append(onset)
    return tuple((key, tuple(onsets)) for key, onsets in grouped.items())


def vtimezone(zone: str, first: date, last: date) -> Timezone:
    """The VTIMEZONE of the IANA zone `zone`, valid for events between the dates `first` and `last`: one
    STANDARD or DAYLIGHT observance per kind of change, its first onset as DTSTART and the others as RDATE."""
    component = Timezone()
    component.add("tzid", zone)
    for (before, after, name, summer), onsets in _observances(zone, first, last):
        observance = TimezoneDaylight() if summer else TimezoneStandard()
        observance.add("dtstart", onsets[0])
        if len(onsets) > 1:
            observance.add("rdate", list(onsets[1:]))
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", after)
        if name:
            observance.add("tzname", name)
        component.add_component(observance)
    return component


def _zones_of(vevent: Event) -> set[str]:
    return {str(vevent[name].params["TZID"]) for name in ("dtstart", "dtend") if "TZID" in vevent[name].params}


# --- calendars ----------------------------------------------------------------------------------------------


def calendar(events: Iterable[Event], *, name: str | None = None) -> Calendar:
    """A METHOD:PUBLISH calendar of `events` with a VTIMEZONE for every zone they use (covering a year either
    side of them), the zones first."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("name", name)
        cal.add("x-wr-calname", name)
    events = list(events)
    zones: set[str] = set()
    moments = []
    for vevent in events:
        zones |= _zones_of(vevent)
        moments += [vevent.decoded("dtstart"), vevent.decoded("dtend")]
    first, last = rules.zone_window(moments)
    for zone in sorted(zones):
        cal.add_component(vtimezone(zone, first, last))
    for vevent in events:
        cal.add_component(vevent)
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
    """A calendar of several sessions, one entry each (cancelled ones as STATUS:CANCELLED); never a join link.
    The public feeds use ``public_feed``."""
    events = [
        event(s, stamp=stamp, lang=lang, url=url_of(s) if url_of else None, online_label=online_label) for s in sessions
    ]
    return calendar(events, name=name).to_ical()


def _towns(venues: Sequence[Venue]) -> str:
    return ", ".join(dict.fromkeys(v.town for v in venues))


def public_events(
    session: Session,
    *,
    lang: str,
    url: str | None = None,
    hubs: Sequence[Venue] | None = None,
) -> list[Event]:
    """A session's entries in a public feed (call inside ``force_locale(lang)``: the labels are translated). Its
    DTSTAMP is the time of its last change, so that a feed's bytes (and ETag) change only with its sessions. A
    satellite event gives one entry per hub of `hubs` (default: all), each saying where else it happens at the
    same time."""
    common = {
        "stamp": session.updated_at,
        "lang": lang,
        "url": url,
        "online_label": pgettext("where", "Online"),
        "categories": [str(FORMAT_LABELS.get(session.format, session.format))],
    }
    if session.format != "satellite" or not session.venues:
        return [event(session, **common)]
    entries = []
    for venue in session.venues if hubs is None else hubs:
        others = [v for v in session.venues if v.id != venue.id]
        note = _("Satellite event: at the same time also in %(towns)s.", towns=_towns(others)) if others else ""
        entries.append(event(session, venue=venue, uid=hub_uid(session, venue), note=note, **common))
    return entries


def public_feed(
    sessions: Iterable[Session],
    *,
    name: str,
    lang: str,
    url_of: Callable[[Session], str] | None = None,
    hubs_of: Callable[[Session], Sequence[Venue]] | None = None,
    source: str | None = None,
) -> bytes:
    """A public calendar (the feed of a municipality or a provider; call inside ``force_locale(lang)``): the
    entries of each session (``public_events``; `hubs_of` chooses a satellite event's hubs), cancelled ones as
    STATUS:CANCELLED, never a join link; how often to fetch it again, and its own address (`source`)."""
    events = []
    for session in sessions:
        hubs = hubs_of(session) if hubs_of is not None else None
        events += public_events(session, lang=lang, url=url_of(session) if url_of else None, hubs=hubs)
    cal = calendar(events, name=name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    if source:
        cal.add("source", vUri(source), parameters={"VALUE": "URI"})
    return cal.to_ical()
