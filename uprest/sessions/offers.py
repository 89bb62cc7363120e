"""Local sessions offered next to the online learning path: "A hybrid session in Cervia on 12 March covers this."

The registry's ``plan_offers`` hook (the recommendations feature shows the notes next to the modules of a
learner's path and plan): for each module, the next upcoming session with a venue in the learner's
municipality, else the next online-only session.
"""

from __future__ import annotations

from babel.dates import format_skeleton
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from uprest.accounts.models import User
from uprest.extensions import db
from uprest.registry import Note
from uprest.sessions import rules, services
from uprest.sessions.models import Session, Venue


def _day(session: Session, venue: Venue | None) -> str:
    zone = venue.timezone if venue is not None else session.timezone
    return format_skeleton("MMMMd", rules.local_time(session.starts_at, zone), locale=str(get_locale()))


def note_for(session: Session, venue: Venue | None) -> Note:
    """The sentence for a session, at `venue` (the hub near the learner) or online."""
    day = _day(session, venue)
    if venue is None:
        text = _("An online session on %(date)s covers this.", date=day)
    elif session.format == "hybrid":
        text = _("A hybrid session in %(town)s on %(date)s covers this (on site or online).", town=venue.town, date=day)
    elif session.format == "satellite":
        text = _("A satellite event with a hub in %(town)s on %(date)s covers this.", town=venue.town, date=day)
    else:
        text = _("An on-site session in %(town)s on %(date)s covers this.", town=venue.town, date=day)
    return Note(text, url_for("sessions.show", session_id=session.id))


def plan_offers(user: User, codes: list[str]) -> dict[str, list[Note]]:
    """code -> the local session (or the online one) that covers the module, for each module that has one."""
    offers: dict[str, list[Note]] = {}
    for code in codes:
        near = None
        if user.territory_id is not None:
            near = db.session.scalars(services.upcoming(module=code, territory_id=user.territory_id).limit(1)).first()
        if near is not None:
            venue = next((v for v in near.venues if v.territory_id == user.territory_id), None)
            offers[code] = [note_for(near, venue)]
            continue
        online = db.session.scalars(services.upcoming(module=code, format="virtual").limit(1)).first()
        if online is not None:
            offers[code] = [note_for(online, None)]
    return offers
