"""Pure rules of sessions: local times across daylight-saving changes, validation of a session's data, prices,
what changes a calendar entry, and the schema.org words for a format. No app, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from uprest.sessions import rules
from uprest.sessions.rules import AgendaItemData, SessionData, VenueData

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
STOCKHOLM = "Europe/Stockholm"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def venue(**over) -> VenueData:
    values = {"name": "Folkets hus", "town": "Vänersborg", "country": "SE", "timezone": STOCKHOLM, "seats": 20}
    return VenueData(**{**values, **over})


def data(**over) -> SessionData:
    values = {
        "format": "onsite",
        "language": "sv",
        "timezone": STOCKHOLM,
        "starts_at": utc(2027, 3, 28, 7),
        "ends_at": utc(2027, 3, 28, 10),
        "has_module": True,
    }
    return SessionData(**{**values, **over})


# --- local times and daylight saving ---------------------------------------------------------------------


def test_local_time_follows_the_spring_change_in_stockholm():
    """On 2027-03-28 Sweden moves to summer time: 09:00 local is 07:00 UTC that day, 08:00 UTC the day before."""
    before = rules.local_time(utc(2027, 3, 27, 8), STOCKHOLM)
    after = rules.local_time(utc(2027, 3, 28, 7), STOCKHOLM)
    assert (before.hour, before.utcoffset()) == (9, timedelta(hours=1))
    assert (after.hour, after.utcoffset()) == (9, timedelta(hours=2))
    assert rules.utc_offset(utc(2027, 3, 27, 8), STOCKHOLM) == "+01:00"
    assert rules.utc_offset(utc(2027, 3, 28, 7), STOCKHOLM) == "+02:00"


def test_local_time_follows_the_autumn_change_in_stockholm():
    """On 2027-10-31 Sweden returns to standard time: 09:00 local is 08:00 UTC that day, 07:00 UTC the day before."""
    assert rules.local_time(utc(2027, 10, 30, 7), STOCKHOLM).hour == 9
    assert rules.local_time(utc(2027, 10, 31, 8), STOCKHOLM).hour == 9
    assert rules.utc_offset(utc(2027, 10, 31, 8), STOCKHOLM) == "+01:00"


def test_a_session_over_the_night_of_the_change_shows_the_clock_jump():
    """A session 00:30-02:30 UTC on 2027-03-28 lasts two hours but reads 01:30-04:30 on a Stockholm clock."""
    start, end = utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 30)
    assert rules.local_time(start, STOCKHOLM).strftime("%H:%M") == "01:30"
    assert rules.local_time(end, STOCKHOLM).strftime("%H:%M") == "04:30"
    assert rules.format_when(start, end, STOCKHOLM, "en").count("28") == 1  # one day shown once


def test_wall_clock_times_to_utc_skip_and_repeat():
    """A wall-clock time in the skipped spring hour does not exist (None); one in the repeated autumn hour is
    taken in summer time, its first occurrence; ordinary times convert with the offset of that day."""
    assert rules.utc_from_local(datetime(2027, 3, 28, 2, 30), STOCKHOLM) is None
    assert rules.utc_from_local(datetime(2027, 10, 31, 2, 30), STOCKHOLM) == utc(2027, 10, 31, 0, 30)
    assert rules.utc_from_local(datetime(2027, 3, 28, 9, 0), STOCKHOLM) == utc(2027, 3, 28, 7)
    assert rules.utc_from_local(datetime(2027, 10, 31, 9, 0), STOCKHOLM) == utc(2027, 10, 31, 8)
    with pytest.raises(ValueError):
        rules.utc_from_local(utc(2027, 1, 1), STOCKHOLM)


def test_hubs_of_a_satellite_event_each_in_their_own_zone():
    """The same moment is 09:00 in Stockholm, Rome and Zagreb and 10:00 in Helsinki (after the spring change)."""
    moment = utc(2027, 3, 28, 7)
    hours = {
        z: rules.local_time(moment, z).hour for z in (STOCKHOLM, "Europe/Rome", "Europe/Zagreb", "Europe/Helsinki")
    }
    assert hours == {STOCKHOLM: 9, "Europe/Rome": 9, "Europe/Zagreb": 9, "Europe/Helsinki": 10}


@hsettings(max_examples=50)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
    st.sampled_from([STOCKHOLM, "Europe/Rome", "Europe/Helsinki", "Europe/Zagreb"]),
)
def test_wall_clock_round_trip(moment, zone):
    """A UTC moment shown on a local clock and read back is the same moment, except in the repeated autumn hour,
    whose second occurrence reads back as the first (one hour earlier)."""
    wall = rules.local_time(moment, zone).replace(tzinfo=None)
    back = rules.utc_from_local(wall, zone)
    assert back in (moment, moment - timedelta(hours=1))


def test_format_when_in_the_readers_language():
    """Times are written in the reader's language and in the venue's local time, with the zone's name."""
    start, end = utc(2027, 3, 28, 7), utc(2027, 3, 28, 10, 30)
    english = rules.format_when(start, end, STOCKHOLM, "en")
    swedish = rules.format_when(start, end, STOCKHOLM, "sv")
    assert "Sunday" in english and "March" in english and "9:00" in english and "12:30" in english
    assert "söndag" in swedish and "mars" in swedish and "09:00" in swedish and "12:30" in swedish
    two_days = rules.format_when(start, end + timedelta(days=1), STOCKHOLM, "sv")
    assert "söndag" in two_days and "måndag" in two_days


def test_zone_window_covers_a_year_either_side():
    """The VTIMEZONE of a calendar covers a year before its first event and a year after its last."""
    first, last = rules.zone_window([utc(2027, 3, 28, 7), utc(2027, 10, 31, 8)])
    assert first <= date(2026, 3, 28) and last >= date(2028, 10, 31)


# --- validation ----------------------------------------------------------------------------------------


def test_a_good_session_has_no_problems():
    """An on-site run of a module with one venue, in the future, is valid."""
    assert rules.session_problems(data(), [venue()], now=NOW) == []


@pytest.mark.parametrize(
    ("over", "problem"),
    [
        ({"ends_at": utc(2027, 3, 28, 7)}, "times"),
        ({"ends_at": utc(2027, 3, 28, 6)}, "times"),
        ({"starts_at": utc(2027, 1, 1), "ends_at": utc(2027, 1, 1, 2)}, "past"),
        ({"ends_at": utc(2027, 5, 1)}, "too_long"),
        ({"format": "outdoor"}, "format"),
        ({"language": "de"}, "language"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"has_module": False}, "title"),
        ({"title": {"de": "Titel"}}, "text_language"),
        ({"online_capacity": 10}, "online_capacity"),
        ({"join_url": "https://meet.example.org/x"}, "join_url"),
        ({"price_minor": 2500}, "price"),
        ({"price_minor": 0, "currency": "EUR"}, "price"),
        ({"price_minor": -5, "currency": "EUR"}, "price"),
        ({"price_minor": 2500, "currency": "EURO"}, "currency"),
        ({"price_minor": 2500, "currency": "XXX"}, "currency"),
    ],
)
def test_bad_session_data_is_named(over, problem):
    """Each broken rule of a session is reported by its code."""
    assert problem in rules.session_problems(data(**over), [venue()], now=NOW)


def test_a_free_stand_alone_event_and_a_priced_run():
    """A stand-alone event needs a title (in any of the five languages); a price needs its currency."""
    assert rules.session_problems(data(has_module=False, title={"it": "Seminario"}), [venue()], now=NOW) == []
    assert rules.session_problems(data(price_minor=2500, currency="SEK"), [venue()], now=NOW) == []


def test_updates_that_keep_the_times_do_not_ask_for_a_future_start():
    """A session under way may still be changed (its description, say) without moving it to the future."""
    started = data(starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=1))
    assert rules.session_problems(started, [venue()], now=NOW, times_changed=False) == []
    assert "past" in rules.session_problems(started, [venue()], now=NOW)


@pytest.mark.parametrize(
    ("fmt", "counts_ok", "counts_bad"),
    [("onsite", [1], [0, 2]), ("hybrid", [1], [0, 2]), ("satellite", [2, 3, 5], [0, 1]), ("virtual", [0], [1, 2])],
)
def test_format_decides_the_number_of_venues(fmt, counts_ok, counts_bad):
    """onsite and hybrid: one venue; satellite: two or more hubs; virtual: none."""
    for n in counts_ok:
        assert rules.venue_count_problem(fmt, n) is None
    for n in counts_bad:
        assert rules.venue_count_problem(fmt, n) == "venues"


def test_online_settings_belong_to_online_formats():
    """Online places and a join link are for virtual and hybrid sessions; online places are 0 or more."""
    online = data(format="virtual", online_capacity=30, join_url="https://meet.example.org/abc")
    assert rules.session_problems(online, [], now=NOW) == []
    assert "online_capacity" in rules.session_problems(data(format="virtual", online_capacity=-1), [], now=NOW)
    assert "join_url" in rules.session_problems(data(format="virtual", join_url="javascript:alert(1)"), [], now=NOW)
    assert rules.modes_of("hybrid") == ("onsite", "online")
    assert rules.modes_of("virtual") == ("online",) and rules.modes_of("satellite") == ("onsite",)


@pytest.mark.parametrize(
    ("over", "problem"),
    [
        ({"seats": -1}, "seats"),
        ({"seats": 2.5}, "seats"),
        ({"seats": True}, "seats"),
        ({"name": "  "}, "venue_text"),
        ({"town": ""}, "venue_text"),
        ({"name": "x" * 201}, "venue_text"),
        ({"country": "se"}, "venue_country"),
        ({"country": "EU"}, "venue_country"),
        ({"timezone": "CEST"}, "venue_timezone"),
        ({"accessibility": {"xx": "Ramp"}}, "text_language"),
    ],
)
def test_bad_venues_are_named(over, problem):
    """Seats below zero, a venue without a name or town, a wrong country or zone are reported."""
    assert problem in rules.session_problems(data(), [venue(**over)], now=NOW)


def test_zero_seats_is_a_venue_with_only_a_waiting_list():
    """0 seats is allowed (everyone waits until seats are added)."""
    assert rules.venue_problems(venue(seats=0)) == []


def test_agenda_items_lie_within_the_session_in_order():
    """Agenda items end after they start, lie within the session and do not overlap; each has a title."""
    s = data()
    first = AgendaItemData(utc(2027, 3, 28, 7), utc(2027, 3, 28, 8), {"en": "Welcome"})
    second = AgendaItemData(utc(2027, 3, 28, 8), utc(2027, 3, 28, 10), {"sv": "Workshop"})
    assert rules.session_problems(s, [venue()], [first, second], now=NOW) == []
    overlapping = AgendaItemData(utc(2027, 3, 28, 7, 30), utc(2027, 3, 28, 9), {"en": "Talk"})
    assert rules.agenda_problems([first, overlapping], s.starts_at, s.ends_at) == ["agenda_overlap"]
    outside = AgendaItemData(utc(2027, 3, 28, 9), utc(2027, 3, 28, 11), {"en": "Late"})
    assert rules.agenda_problems([outside], s.starts_at, s.ends_at) == ["agenda_outside"]
    backwards = AgendaItemData(utc(2027, 3, 28, 9), utc(2027, 3, 28, 8), {"en": "Back"})
    assert "agenda_times" in rules.agenda_problems([backwards], s.starts_at, s.ends_at)
    untitled = AgendaItemData(utc(2027, 3, 28, 7), utc(2027, 3, 28, 8), {"en": " "})
    assert rules.agenda_problems([untitled], s.starts_at, s.ends_at) == ["agenda_title"]


def test_naive_times_are_a_programming_error():
    """Session times are always UTC-aware."""
    with pytest.raises(ValueError):
        rules.session_problems(data(starts_at=datetime(2027, 3, 28, 7)), [venue()], now=NOW)


def test_staff_count_of_a_request():
    """A request is for 1 to MAX_STAFF people."""
    assert rules.staff_problem(1) is None and rules.staff_problem(12) is None
    assert (
        rules.staff_problem(0) == "staff" and rules.staff_problem(-3) == "staff" and rules.staff_problem("4") == "staff"
    )


# --- prices, calendars, schema.org -------------------------------------------------------------------------


def test_prices_in_minor_units():
    """2500 cents are 25.00 EUR; yen have no minor unit; no price is free."""
    assert rules.price_amount(2500, "EUR") == Decimal("25.00")
    assert rules.price_amount(2599, "SEK") == Decimal("25.99")
    assert rules.price_amount(2500, "JPY") == Decimal("2500")
    assert rules.price_amount(None, None) is None and rules.is_free(None)
    assert rules.currency_problem("EUR") is None and rules.currency_problem("eur") == "currency"


def test_what_changes_a_calendar_entry():
    """Times, status, title and the like raise SEQUENCE; a price or the online places do not."""
    before = {"starts_at": utc(2027, 3, 28, 7), "title": {"en": "A"}, "price_minor": None, "status": "scheduled"}
    assert rules.calendar_changed(before, {**before, "starts_at": utc(2027, 3, 28, 8)})
    assert rules.calendar_changed(before, {**before, "title": {"en": "B"}})
    assert rules.calendar_changed(before, {**before, "status": "cancelled"})
    assert not rules.calendar_changed(before, {**before, "price_minor": 1000})
    assert not rules.calendar_changed(before, {**before, "online_capacity": 10})
    place = {"name": "Hall", "town": "Pori", "seats": 10}
    assert rules.calendar_changed(place, {**place, "town": "Ulvila"}, rules.VENUE_CALENDAR_FIELDS)
    assert not rules.calendar_changed(place, {**place, "seats": 12}, rules.VENUE_CALENDAR_FIELDS)


def test_schema_org_attendance_mode_and_status():
    """on-site and satellite are offline, virtual online, hybrid mixed; cancelled sessions say so."""
    assert rules.attendance_mode("onsite") == "https://schema.org/OfflineEventAttendanceMode"
    assert rules.attendance_mode("satellite") == "https://schema.org/OfflineEventAttendanceMode"
    assert rules.attendance_mode("virtual") == "https://schema.org/OnlineEventAttendanceMode"
    assert rules.attendance_mode("hybrid") == "https://schema.org/MixedEventAttendanceMode"
    assert rules.event_status("cancelled") == "https://schema.org/EventCancelled"
    assert rules.event_status("scheduled") == "https://schema.org/EventScheduled"


def test_seats_left_and_addresses():
    """Places left never go below zero; None means unlimited; an address reads on one line."""
    assert rules.seats_left(10, 3) == 7 and rules.seats_left(2, 5) == 0 and rules.seats_left(None, 40) is None
    assert (
        rules.address("Folkets hus", "Storgatan 1", "462 30", "Vänersborg")
        == "Folkets hus, Storgatan 1, 462 30 Vänersborg"
    )
    assert rules.address("Hub", town="Pori") == "Hub, Pori"
