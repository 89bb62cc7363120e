"""Public iCalendar feeds of the sessions: one per municipality and one per provider, for anyone to subscribe to
in a calendar app (no login).

- ``GET /sessions/feeds/municipality/<code>.ics``: the sessions with a venue in the municipality (its code, as
  in the admin's list: ``vanersborg``); of a satellite event only the hubs in the municipality.
- ``GET /providers/<slug>/sessions.ics``: the provider's sessions, every hub.

A feed holds the sessions that start from KEEP_DAYS days ago on, cancelled ones included (as STATUS:CANCELLED,
so that calendars that copied them remove them), at most MAX_ENTRIES sessions, soonest first. Its language is
``?lang=`` (en, sv, it, fi, hr; another value is a 400) or the request's. Never a join link (uprest/sessions/
ical.py). The answer is ``text/calendar; charset=utf-8`` with an ETag (and 304 for a matching If-None-Match),
Last-Modified (the latest change of its sessions) and ``Cache-Control: public, max-age=900``; any web origin
may read it.

The blueprint also gives the templates ``session_json_ld(session)``: the session's schema.org Event as a
``<script type="application/ld+json">`` element (uprest/sessions/jsonld.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from flask import Blueprint, abort, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from uprest.accounts import territories
from uprest.accounts.territories import by_code as territory_by_code
from uprest.catalog.models import Module
from uprest.extensions import db, utcnow
from uprest.i18n import get_locale, supported
from uprest.providers import services as providers
from uprest.security import external_url
from uprest.sessions import ical, jsonld, services
from uprest.sessions.models import Session, Venue

bp = Blueprint("session_feeds", __name__)

#: Sessions stay in a feed this many days after their start (a cancelled one too: calendars remove it).
KEEP_DAYS = 30
MAX_ENTRIES = 500
CACHE_CONTROL = "public, max-age=900"


@bp.app_template_global("session_json_ld")
def session_json_ld(session: Session, lang: str | None = None) -> Markup:
    """{{ session_json_ld(session) }}: the session's schema.org Event for its page, in the page's language."""
    return jsonld.script_element(session, lang or str(get_locale()))


def _language() -> tuple[str, bool]:
    """The feed's language and whether it was asked for (else the request's locale: the answer varies)."""
    asked = request.args.get("lang")
    if asked is None:
        return str(get_locale()), False
    if asked not in supported():
        abort(400, description=_("The language must be one of %(codes)s.", codes=", ".join(supported())))
    return asked, True


def _sessions(**filters) -> list[Session]:
    """The sessions of a feed: from KEEP_DAYS ago on, cancelled ones included, soonest first."""
    stmt = (
        services.upcoming(now=utcnow() - timedelta(days=KEEP_DAYS), include_cancelled=True, **filters)
        .options(
            selectinload(Session.venues),
            selectinload(Session.agenda),
            selectinload(Session.provider),
            selectinload(Session.module).selectinload(Module.published_version),
        )
        .limit(MAX_ENTRIES)
    )
    return list(db.session.scalars(stmt))


def _answer(
    sessions: list[Session],
    *,
    name: Callable[[], str],
    filename: str,
    hubs_of: Callable[[Session], Sequence[Venue]] | None = None,
):
    lang, asked = _language()
    with force_locale(lang):
        body = ical.public_feed(
            sessions,
            name=name(),
            lang=lang,
            url_of=jsonld.session_url,
            hubs_of=hubs_of,
            source=external_url(request.endpoint, **request.view_args, **({"lang": lang} if asked else {})),
        )
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    if not asked:
        response.vary.add("Accept-Language")
    if sessions:
        response.last_modified = max(s.updated_at for s in sessions)
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/sessions/feeds/municipality/<code>.ics")
def municipality_feed(code: str):
    """The sessions with a venue in the territory (a municipality, or a region or country with everything in it); of
    a satellite event, the hubs there."""
    territory = territory_by_code(code) or abort(404)
    inside = set(db.session.scalars(territories.subtree(territory.id)))
    return _answer(
        _sessions(territory_id=territory.id),
        name=lambda: _("Sessions and events in %(place)s", place=territory.display_name),
        filename=f"sessions-{territory.slug}.ics",
        hubs_of=lambda s: [v for v in s.venues if v.territory_id in inside],
    )


@bp.route("/providers/<slug>/sessions.ics")
def provider_feed(slug: str):
    """The provider's sessions, every hub."""
    provider = providers.by_slug(slug) or abort(404)
    return _answer(
        _sessions(provider_id=provider.id),
        name=lambda: _("Sessions and events of %(provider)s", provider=provider.name),
        filename=f"sessions-{provider.slug}.ics",
    )
