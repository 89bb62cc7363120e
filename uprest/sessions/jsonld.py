"""A session as schema.org ``Event`` in JSON-LD, for the session's page (search engines and other readers of
open data), and the public links of a session that the feeds and the API share.

What it says: name and description in the reader's language; start and end with the offset of the session's
zone; ``eventAttendanceMode`` (offline, online or mixed) and ``eventStatus`` (scheduled or cancelled) from the
rules; a ``Place`` with its ``PostalAddress`` per venue (each hub of a satellite event) and, for an online
part, a ``VirtualLocation`` whose URL is the session's page — never the join link, which only registered
participants see; the provider as the ``organizer``; an ``Offer`` (the price and currency, or 0 and
``isAccessibleForFree``; in stock while places are left); the language; and for a run of a module, the
module as the ``Course`` the event is ``about``.

``script_text`` writes the JSON so that it can stand inside ``<script type="application/ld+json">``: ``<``,
``>`` and ``&`` (and the two line separators of JavaScript) are written as ``\\u003c`` escapes, so no text can
end the element. A data block is not run by the browser: the site's CSP (``script-src 'self'``) is not
concerned and it needs no nonce.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from uprest.i18n import pick
from uprest.security import external_url
from uprest.sessions import rules
from uprest.sessions.ical import public_text
from uprest.sessions.models import Session, Venue
from uprest.sessions.services import description_of, title_of, zone_of

SCHEMA = "https://schema.org"
#: The endpoint of the session's public page (sessions/views.py).
SESSION_PAGE = "sessions.show"
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


# --- the public links of a session --------------------------------------------------------------------


def session_url(session: Session) -> str:
    """The absolute address of the session's public page (at the site's public address)."""
    return external_url(SESSION_PAGE, session_id=session.id)


def provider_url(session: Session) -> str:
    return external_url("providers.show", slug=session.provider.slug)


def module_url(session: Session) -> str | None:
    return external_url("catalog.module", code=session.module.code) if session.module is not None else None


def seats_left(session: Session) -> int | None:
    """Places left in all, at the venues and online; None when the online places are unlimited."""
    online = session.online_left
    if online is None:
        return None
    return sum(v.seats_left for v in session.venues) + online


# --- schema.org ------------------------------------------------------------------------------------------


def _place(venue: Venue) -> dict[str, Any]:
    address = {"@type": "PostalAddress", "addressLocality": venue.town, "addressCountry": venue.country}
    if venue.street:
        address["streetAddress"] = venue.street
    if venue.postal_code:
        address["postalCode"] = venue.postal_code
    return {"@type": "Place", "name": venue.name, "address": address}


def _offer(session: Session, url: str) -> dict[str, Any]:
    left = seats_left(session)
    available = left is None or left > 0
    offer = {
        "@type": "Offer",
        "url": url,
        "availability": f"{SCHEMA}/{'InStock' if available else 'SoldOut'}",
    }
    amount = rules.price_amount(session.price_minor, session.currency)
    if amount is None:
        offer["price"] = "0"
    else:
        offer["price"] = str(amount)
        offer["priceCurrency"] = session.currency
    return offer


def _course(session: Session, lang: str) -> dict[str, Any] | None:
    module = session.module
    if module is None:
        return None
    course: dict[str, Any] = {"@type": "Course", "courseCode": module.code, "url": module_url(session)}
    version = module.published_version
    if version is not None:
        course["name"] = pick(version.title, lang)
        if summary := pick(version.summary, lang):
            course["description"] = summary
    return course


def event_json_ld(session: Session, lang: str | None = None) -> dict[str, Any]:
    """The session as a schema.org Event (a dict ready for ``json.dumps``), its texts in `lang` (else English,
    else any). Never holds the join link."""
    lang = lang or session.language
    url = session_url(session)
    zone = zone_of(session)
    locations: list[dict[str, Any]] = [_place(v) for v in session.venues]
    if session.format in rules.ONLINE_FORMATS:
        locations.append({"@type": "VirtualLocation", "url": url})
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Event",
        "@id": f"{url}#event",
        "name": public_text(session, title_of(session, lang)),
        "url": url,
        "startDate": rules.local_time(session.starts_at, zone).isoformat(),
        "endDate": rules.local_time(session.ends_at, zone).isoformat(),
        "eventAttendanceMode": rules.attendance_mode(session.format),
        "eventStatus": rules.event_status(session.status),
        "location": locations[0] if len(locations) == 1 else locations,
        "organizer": {"@type": "Organization", "name": session.provider.name, "url": provider_url(session)},
        "offers": _offer(session, url),
        "inLanguage": session.language,
    }
    if description := public_text(session, description_of(session, lang)):
        data["description"] = description
    if session.is_free:
        data["isAccessibleForFree"] = True
    if session.provider.website:
        data["organizer"]["sameAs"] = session.provider.website
    if course := _course(session, lang):
        data["about"] = course
    return data


def script_text(data: Any) -> Markup:
    """`data` as JSON that is safe as the content of a ``<script type="application/ld+json">`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return Markup(text)


def script_element(session: Session, lang: str | None = None) -> Markup:
    """The whole ``<script type="application/ld+json">`` element of the session's Event."""
    return (
        Markup('<script type="application/ld+json">') + script_text(event_json_ld(session, lang)) + Markup("</script>")
    )
