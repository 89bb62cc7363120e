"""Open data of local sessions: the public iCalendar feeds (per municipality and per provider, read back with the
icalendar library), the schema.org Event JSON-LD of a session, and GET /api/v1/sessions — none of them ever
showing the join link."""

# ruff: noqa: F811 - the sessions core tests' `world` fixture, imported, is a parameter of the tests

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from icalendar import Calendar
from sqlalchemy import update

from tests.factories import make_competences, make_module
from tests.test_api_schema import LENIENT, isolated
from tests.test_api_schema import schema as api_document
from tests.test_sessions_core import JOIN, TITLE, book, fresh, hub, people, world  # noqa: F401 - the fixture
from uprest.extensions import db, utcnow
from uprest.sessions import ical, jsonld, services
from uprest.sessions.models import Session

STOCKHOLM, HELSINKI, ROME = ZoneInfo("Europe/Stockholm"), ZoneInfo("Europe/Helsinki"), ZoneInfo("Europe/Rome")
SECRET_LINK = "https://meet.example.org/very-secret-room"


def next_change_day(zone: ZoneInfo) -> date:
    """The first day from the day after tomorrow on at whose noon `zone` has another offset than the day before."""
    day = (utcnow() + timedelta(days=2)).date()
    while True:
        before = datetime.combine(day - timedelta(days=1), time(12), zone).utcoffset()
        if datetime.combine(day, time(12), zone).utcoffset() != before:
            return day
        day += timedelta(days=1)


def at(world, fmt, local_start: datetime, *, hours=3, venues=None, **values) -> Session:
    """A session of the world's provider starting at the aware `local_start`; committed."""
    values.setdefault("title", TITLE)
    values.setdefault("language", "en")
    start = local_start.astimezone(UTC)
    session = services.create_session(
        world.trainer,
        world.provider,
        format=fmt,
        timezone="Europe/Stockholm",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        venues=venues if venues is not None else [],
        **values,
    )
    db.session.commit()
    return session


@pytest.fixture()
def offer(world, territory):
    """In Vänersborg, on the day after the next change of clocks (`day`): an on-site session at 09:00 local time and a
    satellite event from 10:00 Stockholm time with hubs in Vänersborg, Cervia and Pori; a hybrid session with
    a join link (also pasted into its description) a week later; a virtual session of another provider."""
    vanersborg, pori, cervia = territory("vanersborg"), territory("pori"), territory("cervia")
    day = next_change_day(STOCKHOLM) + timedelta(days=1)
    onsite = at(
        world,
        "onsite",
        datetime.combine(day, time(9), STOCKHOLM),
        venues=[hub(seats=2, territory_id=vanersborg.id)],
    )
    satellite = at(
        world,
        "satellite",
        datetime.combine(day, time(10), STOCKHOLM),
        venues=[
            hub(seats=3, territory_id=vanersborg.id),
            hub("Cervia", "Europe/Rome", "IT", 3, territory_id=cervia.id),
            hub("Pori", "Europe/Helsinki", "FI", 3, territory_id=pori.id),
        ],
        title={"en": "Satellite day", "sv": "Satellitdag"},
    )
    hybrid = at(
        world,
        "hybrid",
        datetime.combine(day + timedelta(days=7), time(13), STOCKHOLM),
        venues=[hub(seats=1, territory_id=vanersborg.id)],
        join_url=SECRET_LINK,
        online_capacity=10,
        description={"en": f"Bring a laptop. Online: {SECRET_LINK}"},
        price_minor=2500,
        currency="EUR",
    )
    return {"onsite": onsite, "satellite": satellite, "hybrid": hybrid, "day": day}


def parse(resp) -> Calendar:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return Calendar.from_ical(resp.data)


def events_of(cal: Calendar) -> dict[str, object]:
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


# --- the iCalendar feeds ------------------------------------------------------------------------------------


def test_municipality_feed_is_a_valid_calendar_in_local_time_across_the_change_of_clocks(client, offer):
    """The municipality's feed parses back: text/calendar in UTF-8 with CRLF lines, METHOD:PUBLISH, fetched
    again hourly; each session once with its UID, SEQUENCE, DTSTAMP, STATUS, CATEGORIES and the URL of its page;
    the start on the day after the change of clocks at 09:00 in Europe/Stockholm (with the new offset); a
    VTIMEZONE for the zone; of the satellite event only the Vänersborg hub, with a UID of its own."""
    resp = client.get("/sessions/feeds/municipality/vanersborg.ics?lang=en")
    cal = parse(resp)
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"\r\n" in resp.data and re.search(rb"[^\r]\n", resp.data) is None
    assert str(cal["method"]) == "PUBLISH" and "Vänersborg" in str(cal["x-wr-calname"])
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in resp.data and b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in resp.data
    onsite, satellite, hybrid = offer["onsite"], offer["satellite"], offer["hybrid"]
    events = events_of(cal)
    vanersborg_hub = satellite.venues[0]
    assert set(events) == {onsite.uid, hybrid.uid, ical.hub_uid(satellite, vanersborg_hub)}

    first = events[onsite.uid]
    start = first.decoded("dtstart")
    assert first["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert start.replace(tzinfo=None) == datetime.combine(offer["day"], time(9)) and start == onsite.starts_at
    before_change = datetime.combine(offer["day"] - timedelta(days=2), time(9), STOCKHOLM)
    assert start.utcoffset() != before_change.utcoffset()
    assert int(first["sequence"]) == 0 and first.decoded("dtstamp") == onsite.updated_at.replace(microsecond=0)
    assert str(first["status"]) == "CONFIRMED" and first.categories == ["On-site"]
    assert str(first["url"]).endswith(f"/sessions/{onsite.id}")
    assert "Hub Vänersborg" in str(first["location"])
    assert "Online" in str(events[hybrid.uid]["location"]) and events[hybrid.uid].categories == ["Hybrid"]
    hub_event = events[ical.hub_uid(satellite, vanersborg_hub)]
    assert "Cervia" in str(hub_event["description"]) and "Pori" in str(hub_event["description"])
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]


def test_provider_feed_gives_each_hub_its_own_entry_in_its_own_zone(client, offer, world):
    """The provider's feed has every hub of the satellite event as an entry of its own (distinct UIDs derived
    from the session's), each at its hub's local time, and a VTIMEZONE for Europe/Stockholm, Europe/Rome and
    Europe/Helsinki whose changes of offset fall at the real moments."""
    cal = parse(client.get(f"/providers/{world.provider.slug}/sessions.ics"))
    satellite = offer["satellite"]
    events = events_of(cal)
    hubs = {ical.hub_uid(satellite, v): v for v in satellite.venues}
    assert set(hubs) <= set(events) and len(set(hubs)) == 3 and satellite.uid not in events
    for uid, venue in hubs.items():
        entry = events[uid]
        assert entry["dtstart"].params["TZID"] == venue.timezone and venue.town in str(entry["location"])
        assert entry.decoded("dtstart") == satellite.starts_at
    helsinki = events[ical.hub_uid(satellite, satellite.venues[2])].decoded("dtstart")
    assert helsinki.hour == 11  # an hour ahead of Stockholm's 10:00
    zones = {str(tz["tzid"]): tz for tz in cal.walk("VTIMEZONE")}
    assert set(zones) == {"Europe/Stockholm", "Europe/Rome", "Europe/Helsinki"}
    for name, component in zones.items():
        times, _info = component.get_transitions()
        real = [c for c in _real_changes(ZoneInfo(name), offer["day"] - timedelta(days=360), offer["day"])]
        assert real and set(real) <= {t.replace(tzinfo=UTC) for t in times}, name


def _real_changes(zone: ZoneInfo, first: date, last: date) -> list[datetime]:
    """The UTC moments (to the minute) when `zone` changed its offset between the dates, found hour by hour."""
    found = []
    moment = datetime.combine(first, time(), UTC)
    while moment.date() < last:
        following = moment + timedelta(hours=1)
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            found.append(following)
        moment = following
    return found


def test_vtimezone_starts_summer_time_at_the_local_time_before_the_change():
    """The VTIMEZONE's observances follow RFC 5545: the onset is the local time read with the offset before the
    change (Stockholm: summer time at 02:00 +0100, winter time at 03:00 +0200), so that a reader finds the
    change at 01:00 UTC; a parsed zone gives the right offset on both sides of it."""
    zone = ical.vtimezone("Europe/Stockholm", date(2027, 1, 1), date(2028, 1, 1))
    text = zone.to_ical().decode()
    assert "DTSTART:20270328T020000" in text and "DTSTART:20271031T030000" in text
    times, _info = zone.get_transitions()
    assert datetime(2027, 3, 28, 1, 0) in times and datetime(2027, 10, 31, 1, 0) in times
    parsed = Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{text}END:VCALENDAR\r\n".encode()).walk("VTIMEZONE")[0]
    tz = parsed.to_tz(lookup_tzid=False)
    just_before, just_after = datetime(2027, 3, 28, 0, 59, tzinfo=UTC), datetime(2027, 3, 28, 1, 1, tzinfo=UTC)
    assert just_before.astimezone(tz).utcoffset() == timedelta(hours=1)
    assert just_after.astimezone(tz).utcoffset() == timedelta(hours=2)


def test_sequence_goes_up_and_the_feed_changes_after_an_update(client, offer, world):
    """A change of title raises the entry's SEQUENCE and DTSTAMP and gives the feed a new ETag; until then the
    feed answers a matching If-None-Match with 304, and it says how long to cache it."""
    url = f"/providers/{world.provider.slug}/sessions.ics?lang=en"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=900" and first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    onsite = offer["onsite"]
    before = events_of(parse(first))[onsite.uid]

    services.update_session(
        fresh(Session, onsite.id), world.trainer, title={"en": "Renamed"}, now=utcnow() + timedelta(seconds=5)
    )
    db.session.commit()

    second = client.get(url, headers={"If-None-Match": etag})
    after = events_of(parse(second))[onsite.uid]
    assert second.headers["ETag"] != etag
    assert int(after["sequence"]) == int(before["sequence"]) + 1 == 1
    assert after.decoded("dtstamp") > before.decoded("dtstamp") and str(after["summary"]) == "Renamed"


def test_cancelled_sessions_stay_in_the_feed_as_cancelled_for_thirty_days(client, offer, world):
    """A cancelled session is STATUS:CANCELLED with a higher SEQUENCE; it stays in the feed after its date (here
    ten days ago) and leaves it thirty days after its start."""
    hybrid = offer["hybrid"]
    services.cancel_session(fresh(Session, hybrid.id), world.trainer, "Too few people.")
    db.session.commit()
    url = "/sessions/feeds/municipality/vanersborg.ics"
    entry = events_of(parse(client.get(url)))[hybrid.uid]
    assert str(entry["status"]) == "CANCELLED" and int(entry["sequence"]) == 1

    def started(days_ago: int) -> None:
        start = utcnow().replace(microsecond=0) - timedelta(days=days_ago)
        db.session.execute(
            update(Session).where(Session.id == hybrid.id).values(starts_at=start, ends_at=start + timedelta(hours=2))
        )
        db.session.commit()

    started(10)
    assert str(events_of(parse(client.get(url)))[hybrid.uid]["status"]) == "CANCELLED"
    started(31)
    assert hybrid.uid not in events_of(parse(client.get(url)))


def test_no_join_link_anywhere_in_any_feed(client, offer, world):
    """The join link of the hybrid session (also pasted by its provider into the description) is nowhere in the
    municipality's or the provider's feed, in any language; the rest of the description is."""
    for url in ("/sessions/feeds/municipality/vanersborg.ics", f"/providers/{world.provider.slug}/sessions.ics"):
        for lang in ("en", "sv", "fi"):
            resp = client.get(f"{url}?lang={lang}")
            assert resp.status_code == 200 and b"very-secret-room" not in resp.data, (url, lang)
    entry = events_of(parse(client.get(url)))[offer["hybrid"].uid]
    assert "Bring a laptop." in str(entry["description"]) and "conference" not in entry


def test_feed_language_comes_from_lang_or_the_request(client, offer):
    """?lang=sv gives the Swedish titles, ?lang=en the English ones; without it, the request's language
    (Accept-Language), and the answer says it varies with it; an unknown language is a 400; a municipality without
    sessions has an empty calendar; an unknown municipality or provider a 404."""
    base = "/sessions/feeds/municipality/vanersborg.ics"
    swedish = parse(client.get(f"{base}?lang=sv"))
    assert str(events_of(swedish)[offer["onsite"].uid]["summary"]) == TITLE["sv"]
    english = parse(client.get(f"{base}?lang=en"))
    assert str(events_of(english)[offer["onsite"].uid]["summary"]) == TITLE["en"]
    resp = client.get(base, headers={"Accept-Language": "sv"})
    assert str(events_of(parse(resp))[offer["onsite"].uid]["summary"]) == TITLE["sv"]
    assert "Accept-Language" in resp.headers["Vary"]
    assert client.get(f"{base}?lang=de").status_code == 400
    empty = parse(client.get("/sessions/feeds/municipality/trollhattan.ics"))
    assert empty.walk("VEVENT") == [] and str(empty["version"]) == "2.0"
    assert client.get("/sessions/feeds/municipality/atlantis.ics").status_code == 404
    assert client.get("/providers/nobody/sessions.ics").status_code == 404


# --- JSON-LD ------------------------------------------------------------------------------------------------


def _json_ld(client, session: Session) -> dict:
    """The session's JSON-LD, read back from its page when the page exists, else from the builder."""
    if "sessions/show.html" in client.application.jinja_env.list_templates():
        resp = client.get(f"/sessions/{session.id}")
        assert resp.status_code == 200
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', resp.get_data(as_text=True), re.S)
        return json.loads(block)
    with client.application.test_request_context():
        return json.loads(str(jsonld.script_text(jsonld.event_json_ld(fresh(Session, session.id), "en"))))


def test_json_ld_attendance_mode_locations_and_offers_per_format(client, offer, world):
    """On-site: offline, one Place with its PostalAddress, free (price 0); hybrid: mixed, the Place and a
    VirtualLocation whose URL is the session's page (not the join link), 25.00 EUR, sold out once its one seat
    and online places are taken; satellite: offline with three Places; virtual: online. Times carry the
    offset of the zone, the organizer is the provider."""
    onsite = _json_ld(client, offer["onsite"])
    assert onsite["@context"] == "https://schema.org" and onsite["@type"] == "Event"
    assert onsite["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert onsite["eventStatus"] == "https://schema.org/EventScheduled"
    assert onsite["location"]["@type"] == "Place" and onsite["location"]["address"]["addressLocality"] == "Vänersborg"
    assert onsite["offers"]["price"] == "0" and onsite["isAccessibleForFree"] is True
    assert onsite["offers"]["availability"] == "https://schema.org/InStock"
    start = datetime.fromisoformat(onsite["startDate"])
    assert start == offer["onsite"].starts_at and start.hour == 9 and start.utcoffset() is not None
    assert onsite["organizer"] == {**onsite["organizer"], "@type": "Organization", "name": world.provider.name}
    assert onsite["organizer"]["url"].endswith(f"/providers/{world.provider.slug}")

    hybrid = _json_ld(client, offer["hybrid"])
    assert hybrid["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, virtual = hybrid["location"]
    assert place["@type"] == "Place" and virtual == {"@type": "VirtualLocation", "url": hybrid["url"]}
    assert hybrid["url"].endswith(f"/sessions/{offer['hybrid'].id}")
    assert hybrid["offers"] == {**hybrid["offers"], "price": "25.00", "priceCurrency": "EUR"}
    assert "isAccessibleForFree" not in hybrid and SECRET_LINK not in json.dumps(hybrid)

    satellite = _json_ld(client, offer["satellite"])
    assert satellite["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert [p["address"]["addressCountry"] for p in satellite["location"]] == ["SE", "IT", "FI"]

    virtual_session = at(world, "virtual", datetime.combine(offer["day"], time(15), STOCKHOLM), join_url=JOIN)
    virtual = _json_ld(client, virtual_session)
    assert virtual["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert virtual["location"]["@type"] == "VirtualLocation" and JOIN not in json.dumps(virtual)


def test_json_ld_sold_out_cancelled_and_a_module_run(client, offer, world, create_user):
    """A session whose places are all taken is SoldOut; a cancelled one EventCancelled; a run of a module is
    about that module, a Course with its code, name and page."""
    hybrid = offer["hybrid"]
    services.update_session(fresh(Session, hybrid.id), world.trainer, online_capacity=0)
    db.session.commit()
    [person] = people(create_user, 1)
    book(person, fresh(Session, hybrid.id), fresh(Session, hybrid.id).venues[0])
    assert _json_ld(client, hybrid)["offers"]["availability"] == "https://schema.org/SoldOut"

    services.cancel_session(fresh(Session, offer["onsite"].id), world.trainer)
    db.session.commit()
    assert _json_ld(client, offer["onsite"])["eventStatus"] == "https://schema.org/EventCancelled"

    make_competences()
    module = make_module(world.trainer, "green-basics", publish=True)
    run = at(
        world,
        "virtual",
        datetime.combine(offer["day"], time(16), STOCKHOLM),
        module=module,
        title={},
    )
    data = _json_ld(client, run)
    assert data["name"] == "Title green-basics"
    assert data["about"] == {**data["about"], "@type": "Course", "courseCode": "green-basics"}
    assert data["about"]["url"].endswith("/courses/green-basics") or "green-basics" in data["about"]["url"]


def test_json_ld_text_cannot_close_its_script_element(app, world):
    """A title with </script>, <!-- and & is written with \\u escapes: the text holds no <, > or &, and reads
    back to the same title."""
    nasty = 'Tricky </script><script>alert("x")</script> <!-- & more'
    session = at(
        world,
        "virtual",
        datetime.combine(next_change_day(STOCKHOLM), time(9), STOCKHOLM),
        title={"en": nasty},
    )
    with app.test_request_context():
        text = str(jsonld.script_text(jsonld.event_json_ld(session, "en")))
        element = str(jsonld.script_element(session, "en"))
    assert not set("<>&") & set(text) and json.loads(text)["name"] == nasty
    assert element.count("</script>") == 1 and element.endswith("</script>")


# --- GET /api/v1/sessions ---------------------------------------------------------------------------------


def _listed(client, query: str = "") -> list[int]:
    resp = client.get(f"/api/v1/sessions{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return [row["id"] for row in resp.json["sessions"]]


def test_api_lists_upcoming_sessions_with_offsets_venues_and_places_but_no_join_link(client, offer, world):
    """The public list: soonest first, start and end in UTC with their offset, each venue's local start in its
    own zone (Stockholm +02:00 after the change of clocks, Helsinki an hour ahead), places left, price or null,
    the online part or null, the provider and the page; open data headers; the join link nowhere."""
    resp = client.get("/api/v1/sessions")
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == "*" and resp.headers["ETag"]
    assert SECRET_LINK not in resp.get_data(as_text=True) and "join" not in resp.get_data(as_text=True)
    body = resp.json
    onsite, satellite, hybrid = offer["onsite"], offer["satellite"], offer["hybrid"]
    assert [row["id"] for row in body["sessions"]] == [onsite.id, satellite.id, hybrid.id]
    assert (body["total"], body["page"], body["pages"], body["per_page"]) == (3, 1, 1, 20)
    first, second, third = body["sessions"]
    assert first["starts_at"].endswith("+00:00") and datetime.fromisoformat(first["starts_at"]) == onsite.starts_at
    assert first["local_start"].startswith(f"{offer['day'].isoformat()}T09:00:00")
    assert first["local_start"].endswith(datetime.combine(offer["day"], time(9), STOCKHOLM).isoformat()[-6:])
    assert first["timezone"] == "Europe/Stockholm" and first["uid"] == onsite.uid and first["module"] is None
    assert first["price"] is None and first["online"] is None and first["status"] == "scheduled"
    assert first["title"]["sv"] == TITLE["sv"] and first["url"].endswith(f"/sessions/{onsite.id}")
    assert first["provider"] == {**first["provider"], "slug": world.provider.slug, "name": world.provider.name}
    [venue] = first["venues"]
    assert venue == {
        **venue,
        "town": "Vänersborg",
        "municipality": "SE_1487",
        "country": "SE",
        "timezone": "Europe/Stockholm",
        "seats": 2,
        "seats_left": 2,
    }
    assert venue["address"] == "Hub Vänersborg, Storgatan 1, 123 45 Vänersborg"
    assert venue["accessibility"] == {"en": "Step-free entrance."}
    locals_ = {v["timezone"]: datetime.fromisoformat(v["local_start"]) for v in second["venues"]}
    assert locals_["Europe/Stockholm"].hour == 10 and locals_["Europe/Helsinki"].hour == 11
    assert locals_["Europe/Rome"].hour == 10 and all(t == satellite.starts_at for t in locals_.values())
    assert third["price"] == {"amount": "25.00", "currency": "EUR"}
    assert third["online"] == {"capacity": 10, "seats_left": 10} and third["format"] == "hybrid"
    assert third["description"] == {"en": "Bring a laptop. Online:"}


def test_api_filters(client, offer, world, create_user):
    """Each filter narrows the list: municipality (code), town (any case), provider (slug), module (code),
    format, language, from and to (dates or times with offsets; a date as `to` covers that day), places left,
    and cancelled sessions only when asked; an unknown municipality, provider or module gives an empty list."""
    onsite, satellite, hybrid, day = offer["onsite"], offer["satellite"], offer["hybrid"], offer["day"]
    make_competences()
    module = make_module(world.trainer, "green-basics", publish=True)
    run = at(world, "virtual", datetime.combine(day + timedelta(days=9), time(9), STOCKHOLM), module=module, title={})
    assert _listed(client, "?municipality=pori") == [satellite.id]
    assert _listed(client, "?municipality=vanersborg") == [onsite.id, satellite.id, hybrid.id]
    assert _listed(client, "?municipality=atlantis") == []
    assert _listed(client, "?town=CERVIA") == [satellite.id]
    assert _listed(client, f"?provider={world.provider.slug}") == [onsite.id, satellite.id, hybrid.id, run.id]
    assert _listed(client, "?provider=nobody") == []
    assert _listed(client, "?module=green-basics") == [run.id] and _listed(client, "?module=nothing") == []
    assert _listed(client, "?format=hybrid") == [hybrid.id]
    assert _listed(client, "?language=sv") == [] and len(_listed(client, "?language=en")) == 4
    assert _listed(client, f"?to={day.isoformat()}") == [onsite.id, satellite.id]
    assert _listed(client, f"?from={(day + timedelta(days=1)).isoformat()}") == [hybrid.id, run.id]
    from_half_past_nine = datetime.combine(day, time(9, 30), STOCKHOLM).isoformat()
    assert _listed(client, f"?from={from_half_past_nine.replace('+', '%2B')}&format=satellite") == [satellite.id]
    assert _listed(client, f"?from={day.isoformat()}T07:00:00Z&to={day.isoformat()}T07:00:01Z") == [onsite.id]

    for person in people(create_user, 2):
        book(person, fresh(Session, onsite.id), fresh(Session, onsite.id).venues[0])
    assert _listed(client, "?has_seats=true") == [satellite.id, hybrid.id, run.id]
    assert onsite.id in _listed(client, "?has_seats=false")

    services.cancel_session(fresh(Session, hybrid.id), world.trainer)
    db.session.commit()
    assert hybrid.id not in _listed(client)
    resp = client.get("/api/v1/sessions?include_cancelled=true&format=hybrid")
    assert [(row["id"], row["status"]) for row in resp.json["sessions"]] == [(hybrid.id, "cancelled")]


def test_api_pages_with_links_and_totals(client, offer):
    """per_page=1: one session a page, the total in the body and X-Total-Count, Link to the next and last pages
    with the filters kept; page 2 is the second soonest; a page past the last is empty; per_page is kept
    within 1..100."""
    resp = client.get("/api/v1/sessions?per_page=1&municipality=vanersborg")
    body = resp.json
    assert [row["id"] for row in body["sessions"]] == [offer["onsite"].id]
    assert (body["total"], body["pages"], resp.headers["X-Total-Count"]) == (3, 3, "3")
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', resp.headers["Link"]))
    assert set(links) == {"first", "next", "last"} and "page=2" in links["next"] and "page=3" in links["last"]
    assert "municipality=vanersborg" in links["next"] and "per_page=1" in links["next"]
    assert _listed(client, "?per_page=1&page=2") == [offer["satellite"].id]
    assert _listed(client, "?per_page=1&page=9") == []
    assert client.get("/api/v1/sessions?per_page=1000").json["per_page"] == 100
    assert client.get("/api/v1/sessions?per_page=0").json["per_page"] == 1


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("format=zoom", "format"),
        ("language=de", "language"),
        ("from=tomorrow", "from"),
        ("to=2027-03-28T10:00:00", "to"),  # no offset
        ("to=2027-02-30", "to"),
        ("has_seats=maybe", "has_seats"),
        ("format=zoom&from=soon", "from"),
    ],
)
def test_api_bad_parameters_are_a_400_that_names_them(client, query, named):
    """A value of the wrong kind is a 400 in the API's error shape, whose message names the parameter."""
    resp = client.get(f"/api/v1/sessions?{query}")
    assert resp.status_code == 400 and resp.json["error"] == "Bad Request" and resp.json["status"] == 400
    assert named in resp.json["message"]


@pytest.mark.parametrize(
    "query",
    [
        "from=2027-03-28t10:00:00z",
        "from=2027-06-30T23:59:60Z",  # a leap second
        "from=0001-01-01T00:00:00%2B14:00&to=9999-12-31T23:59:59-12:00",
        "from=0001-01-01&to=9999-12-31",
        "from=2027-03-28T10:00:00.123456789%2B02:00",
    ],
)
def test_api_takes_every_rfc_3339_time_and_times_at_the_ends_of_the_calendar(client, query):
    """Lower-case separators, a leap second, nine decimals, and times or dates at the very ends of what can be
    written are good values: a 200, never a 400 or a 500."""
    resp = client.get(f"/api/v1/sessions?{query}")
    assert resp.status_code == 200, resp.json


def test_api_sessions_is_in_the_openapi_document(client):
    """The operation, its filters and its schema are in the served OpenAPI document, public (no security)."""
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/sessions"]["get"]
    assert operation["operationId"] == "listSessions" and operation["security"] == []
    names = {p["name"] for p in operation["parameters"] if "name" in p}
    assert {"municipality", "town", "module", "format", "language", "from", "to", "has_seats", "page"} <= names
    session = document["components"]["schemas"]["Session"]
    assert {"starts_at", "venues", "online", "url", "price"} <= set(session["required"])
    assert "join_url" not in json.dumps(document)


@api_document.include(path="/sessions").parametrize()
@settings(max_examples=40, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
def test_generated_queries_on_a_living_offer_conform_to_the_document(case, app, offer):
    """Generated queries (any filters, dates and pages) against sessions of every kind get no server error and
    an answer that the OpenAPI document describes, rows included."""
    case.call_and_validate(app=isolated(app), excluded_checks=LENIENT)
