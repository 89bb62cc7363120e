"""Pure rules of local sessions and events: what a valid session is, local times in a venue's time zone (across
daylight-saving changes), prices, what changes a calendar entry, and the schema.org words for a format.
Data in, data out: no Flask, no database.

Each check returns problem codes (see PROBLEMS); the services turn them into translated messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_date, format_skeleton, format_time, get_timezone_name
from babel.numbers import format_currency, get_currency_precision, list_currencies

from uprest.providers.rules import country_problem, website_problem

FORMATS = ("onsite", "hybrid", "virtual", "satellite")
#: Formats with participants online, and formats with places (venues).
ONLINE_FORMATS = frozenset({"hybrid", "virtual"})
VENUE_FORMATS = frozenset({"onsite", "hybrid", "satellite"})
LANGUAGES = ("en", "sv", "it", "fi", "hr")
STATUSES = ("scheduled", "cancelled")
MODES = ("onsite", "online")
REGISTRATION_STATUSES = ("booked", "waiting", "cancelled")
REQUEST_STATUSES = ("open", "planned", "closed")
#: A session lasts at most this long (a wrong year or month typed in a form is caught).
MAX_DAYS = 31
MAX_SEATS = 100_000
MAX_STAFF = 10_000
#: A price is at most this many minor units (a million in the currency: a typo, not a course, beyond it; and it
#: keeps the figure inside the database's integer).
MAX_PRICE_MINOR = 100_000_000
#: Attendance can be recorded from this long before the start (people arrive early) ...
CHECK_IN_BEFORE = timedelta(hours=1)
#: ... and check-in with the QR code works until this long after the end.
CHECK_IN_AFTER = timedelta(hours=1)
# ISO 4217 codes that are not money one pays a course with (testing, no currency, metals, units of account).
NOT_MONEY = frozenset({"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"})
TEXT_LIMITS = {"name": 200, "street": 200, "postal_code": 20, "town": 120}

#: Problem code -> an English explanation (the services have translated messages for each).
PROBLEMS = {
    "format": "the format must be one of onsite, hybrid, virtual, satellite",
    "language": "the language must be one of en, sv, it, fi, hr",
    "timezone": "the time zone must be an IANA name such as Europe/Stockholm",
    "times": "the end must be after the start",
    "past": "the start must not be in the past",
    "too_long": f"a session lasts at most {MAX_DAYS} days",
    "title": "an event without a module needs a title",
    "text_language": "titles and descriptions are given in en, sv, it, fi or hr",
    "venues": "onsite and hybrid sessions have one venue, satellite events two or more, virtual ones none",
    "online_capacity": f"an online capacity (0 to {MAX_SEATS}) is only for virtual and hybrid sessions",
    "join_url": "the join link must be an http(s) address, and only virtual and hybrid sessions have one",
    "price": f"a price is a whole number of minor units from 1 to {MAX_PRICE_MINOR}, with its currency",
    "currency": "the currency must be an ISO 4217 code in capitals, e.g. EUR",
    "venue_text": "a venue needs a name and a town (and texts of reasonable length)",
    "venue_country": "a venue's country is an ISO 3166-1 alpha-2 code, e.g. SE",
    "venue_timezone": "a venue's time zone must be an IANA name such as Europe/Rome",
    "seats": f"seats are a whole number from 0 to {MAX_SEATS}",
    "agenda_times": "each agenda item ends after it starts",
    "agenda_outside": "agenda items lie within the session's start and end",
    "agenda_overlap": "agenda items are in order and do not overlap",
    "agenda_title": "each agenda item needs a title",
    "staff": f"the number of staff is a whole number from 1 to {MAX_STAFF}",
}


@dataclass(frozen=True)
class VenueData:
    """A venue (hub) as a form or the demo data gives it."""

    name: str
    town: str
    country: str
    timezone: str
    seats: int
    street: str = ""
    postal_code: str = ""
    accessibility: Mapping[str, str] = field(default_factory=dict)
    territory_id: int | None = None


@dataclass(frozen=True)
class AgendaItemData:
    starts_at: datetime
    ends_at: datetime
    title: Mapping[str, str]


@dataclass(frozen=True)
class SessionData:
    """What defines a session, for validation."""

    format: str
    language: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    has_module: bool
    title: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] = field(default_factory=dict)
    price_minor: int | None = None
    currency: str | None = None
    online_capacity: int | None = None
    join_url: str = ""


# --- time zones and local times -------------------------------------------------------------------------


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_problem(name: str) -> str | None:
    """An IANA time zone name the zone database knows (Europe/Stockholm, UTC)."""
    return None if isinstance(name, str) and name in _zones() else "timezone"


def local_time(moment: datetime, zone: str) -> datetime:
    """The UTC-aware `moment` as the wall-clock time of `zone` (aware, with the offset in force then)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(ZoneInfo(zone))


def utc_from_local(wall: datetime, zone: str) -> datetime | None:
    """The UTC moment of the naive wall-clock time `wall` in `zone`; None when that time does not exist there
    (the hour skipped when clocks go forward). A time that happens twice (the hour repeated when clocks go back)
    is taken at its first occurrence, in summer time."""
    if wall.tzinfo is not None:
        raise ValueError("expected a naive wall-clock time")
    tz = ZoneInfo(zone)
    first = wall.replace(tzinfo=tz, fold=0)
    moment = first.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return moment


def utc_offset(moment: datetime, zone: str) -> str:
    """The offset of `zone` at `moment` as ISO 8601 writes it: +01:00, +02:00."""
    return local_time(moment, zone).isoformat()[-6:]


def format_when(starts_at: datetime, ends_at: datetime, zone: str, locale: str) -> str:
    """In `locale`, in `zone`'s local time: "Sunday, 28 March 2027, 09:00–12:00 (Central European Time)"; both
    dates when the session ends on another day."""
    start, end = local_time(starts_at, zone), local_time(ends_at, zone)
    zone_name = get_timezone_name(start, "long", zone_variant="generic", locale=locale)
    first = f"{format_date(start, 'full', locale=locale)}, {format_time(start, 'short', locale=locale)}"
    if start.date() == end.date():
        return f"{first}–{format_time(end, 'short', locale=locale)} ({zone_name})"
    last = f"{format_date(end, 'full', locale=locale)}, {format_time(end, 'short', locale=locale)}"
    return f"{first} – {last} ({zone_name})"


def zone_abbreviation(moment: datetime, zone: str) -> str:
    """The abbreviation the zone database gives `zone` at `moment`: CET in winter and CEST in summer, EET, EEST."""
    return local_time(moment, zone).tzname() or zone


def format_local(starts_at: datetime, ends_at: datetime, zone: str, locale: str) -> str:
    """Short, in `locale`, in `zone`'s local time with the zone's abbreviation: "Fri, Mar 12, 2027, 09:00–12:00 CET";
    the end's date when the session ends on another day, and each end's abbreviation when the clocks change in
    between ("01:30 CET – 04:30 CEST")."""
    start, end = local_time(starts_at, zone), local_time(ends_at, zone)
    first = f"{format_skeleton('yMMMEd', start, locale=locale)}, {format_time(start, 'short', locale=locale)}"
    start_abbr, end_abbr = start.tzname(), end.tzname()
    last = format_time(end, "short", locale=locale)
    if start.date() != end.date():
        last = f"{format_skeleton('yMMMEd', end, locale=locale)}, {last}"
    elif start_abbr == end_abbr:
        return f"{first}–{last} {start_abbr}"
    if start_abbr == end_abbr:
        return f"{first} – {last} {end_abbr}"
    return f"{first} {start_abbr} – {last} {end_abbr}"


def address(name: str, street: str = "", postal_code: str = "", town: str = "") -> str:
    """A venue's address on one line: "Folkets hus, Storgatan 1, 462 30 Vänersborg"."""
    place = " ".join(p for p in (postal_code, town) if p)
    return ", ".join(p for p in (name, street, place) if p)


def zone_window(moments: Iterable[datetime]) -> tuple[date, date]:
    """The dates a calendar's VTIMEZONE must cover for events at `moments`: a year either side."""
    days = [m.date() for m in moments] or [date(2000, 1, 1)]
    return min(days) - timedelta(days=366), max(days) + timedelta(days=366)


# --- prices -------------------------------------------------------------------------------------------------


@cache
def currencies() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha()) - NOT_MONEY


def currency_problem(code: str | None) -> str | None:
    return None if isinstance(code, str) and code in currencies() else "currency"


def price_amount(price_minor: int | None, currency: str | None) -> Decimal | None:
    """A price in minor units as an amount of its currency: 2500 EUR cents -> Decimal('25.00'); None when free."""
    if price_minor is None or currency is None:
        return None
    digits = get_currency_precision(currency)
    return (Decimal(price_minor) / (10**digits)).quantize(Decimal(1).scaleb(-digits))


def minor_units(amount: Decimal, currency: str) -> int | None:
    """An amount of `currency` in its minor units (25.50 EUR -> 2550, 300 JPY -> 300); None when the amount has
    more decimals than the currency has (25.505 EUR)."""
    scaled = amount.scaleb(get_currency_precision(currency))
    return int(scaled) if scaled == scaled.to_integral_value() else None


def format_price(price_minor: int | None, currency: str | None, locale: str) -> str | None:
    """The price as `locale` writes it ("€25.00", "25,00 €"); None when the session is free."""
    amount = price_amount(price_minor, currency)
    return None if amount is None else format_currency(amount, currency, locale=locale)


def is_free(price_minor: int | None) -> bool:
    return price_minor is None


# --- validation ------------------------------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _texts_problem(texts: Mapping[str, str]) -> str | None:
    return None if all(lang in LANGUAGES for lang in texts) else "text_language"


def venue_problems(venue: VenueData) -> list[str]:
    problems = []
    for name, limit in TEXT_LIMITS.items():
        text = getattr(venue, name)
        if not isinstance(text, str) or len(text) > limit:
            problems.append("venue_text")
            break
    if "venue_text" not in problems and not (venue.name.strip() and venue.town.strip()):
        problems.append("venue_text")
    if country_problem(venue.country):
        problems.append("venue_country")
    if timezone_problem(venue.timezone):
        problems.append("venue_timezone")
    if not _is_int(venue.seats) or not 0 <= venue.seats <= MAX_SEATS:
        problems.append("seats")
    if _texts_problem(venue.accessibility):
        problems.append("text_language")
    return problems


def venue_count_problem(fmt: str, count: int) -> str | None:
    """onsite and hybrid: one venue; satellite: two or more hubs; virtual: none."""
    wanted = {"onsite": count == 1, "hybrid": count == 1, "satellite": count >= 2, "virtual": count == 0}
    return None if wanted.get(fmt, True) else "venues"


def agenda_problems(items: Sequence[AgendaItemData], starts_at: datetime, ends_at: datetime) -> list[str]:
    problems: list[str] = []
    previous_end: datetime | None = None
    for item in items:
        if item.ends_at <= item.starts_at:
            problems.append("agenda_times")
        if item.starts_at < starts_at or item.ends_at > ends_at:
            problems.append("agenda_outside")
        if previous_end is not None and item.starts_at < previous_end:
            problems.append("agenda_overlap")
        if not any(str(t).strip() for t in item.title.values()):
            problems.append("agenda_title")
        if _texts_problem(item.title):
            problems.append("text_language")
        previous_end = item.ends_at
    return list(dict.fromkeys(problems))


def session_problems(
    data: SessionData,
    venues: Sequence[VenueData] = (),
    agenda: Sequence[AgendaItemData] = (),
    *,
    now: datetime,
    times_changed: bool = True,
) -> list[str]:
    """Every rule a session breaks, in a stable order; [] when it is good. `times_changed` False (an update that
    keeps the times) does not ask again that the start be in the future."""
    problems = []
    if data.format not in FORMATS:
        problems.append("format")
    if data.language not in LANGUAGES:
        problems.append("language")
    if timezone_problem(data.timezone):
        problems.append("timezone")
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValueError("session times must be aware datetimes")
    if data.ends_at <= data.starts_at:
        problems.append("times")
    elif data.ends_at - data.starts_at > timedelta(days=MAX_DAYS):
        problems.append("too_long")
    if times_changed and data.starts_at <= now:
        problems.append("past")
    if not data.has_module and not any(str(t).strip() for t in data.title.values()):
        problems.append("title")
    if _texts_problem(data.title) or _texts_problem(data.description):
        problems.append("text_language")
    if data.format in FORMATS and venue_count_problem(data.format, len(venues)):
        problems.append("venues")
    if data.online_capacity is not None and (
        data.format not in ONLINE_FORMATS
        or not _is_int(data.online_capacity)
        or not 0 <= data.online_capacity <= MAX_SEATS
    ):
        problems.append("online_capacity")
    if data.join_url and (data.format not in ONLINE_FORMATS or website_problem(data.join_url)):
        problems.append("join_url")
    if data.price_minor is not None or data.currency is not None:
        if not _is_int(data.price_minor) or not 0 < data.price_minor <= MAX_PRICE_MINOR or data.currency is None:
            problems.append("price")
        if data.currency is not None and currency_problem(data.currency):
            problems.append("currency")
    for venue in venues:
        problems += venue_problems(venue)
    if "times" not in problems:
        problems += agenda_problems(agenda, data.starts_at, data.ends_at)
    return list(dict.fromkeys(problems))


def staff_problem(count) -> str | None:
    return None if _is_int(count) and 1 <= count <= MAX_STAFF else "staff"


# --- calendars ---------------------------------------------------------------------------------------------

#: The fields of a session whose change a calendar must learn of (its SEQUENCE is raised).
CALENDAR_FIELDS = frozenset(
    {"starts_at", "ends_at", "status", "title", "description", "format", "timezone", "join_url", "module_id"}
)
#: The same for a venue (its place and its zone are the event's location and time).
VENUE_CALENDAR_FIELDS = frozenset({"name", "street", "postal_code", "town", "country", "timezone"})


def calendar_changed(before: Mapping, after: Mapping, fields: frozenset[str] = CALENDAR_FIELDS) -> bool:
    """Whether a change from `before` to `after` (field -> value) touches what a calendar entry shows."""
    return any(before.get(name) != after.get(name) for name in fields if name in after)


# --- schema.org and capacity ---------------------------------------------------------------------------------

_ATTENDANCE_MODES = {
    "onsite": "OfflineEventAttendanceMode",
    "satellite": "OfflineEventAttendanceMode",
    "virtual": "OnlineEventAttendanceMode",
    "hybrid": "MixedEventAttendanceMode",
}


def attendance_mode(fmt: str) -> str:
    """The schema.org ``eventAttendanceMode`` of a format (a full URL)."""
    return f"https://schema.org/{_ATTENDANCE_MODES[fmt]}"


def event_status(status: str) -> str:
    """The schema.org ``eventStatus`` of a session's status (a full URL)."""
    return "https://schema.org/EventCancelled" if status == "cancelled" else "https://schema.org/EventScheduled"


def seats_left(seats: int | None, taken: int) -> int | None:
    """Free places of a venue or of the online part; None when the places are unlimited (seats None)."""
    return None if seats is None else max(seats - taken, 0)


def modes_of(fmt: str) -> tuple[str, ...]:
    """How one can take part in a session of format `fmt`: at a venue, online, or both."""
    return tuple(
        m for m in MODES if (m == "onsite" and fmt in VENUE_FORMATS) or (m == "online" and fmt in ONLINE_FORMATS)
    )
