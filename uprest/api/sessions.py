"""Public API: the upcoming local sessions and events, /api/v1/sessions.

Each session with its module's code, format, language, start and end (UTC, with the offset) and the local start
and end at each venue in the venue's own zone, the price, the provider, the venues with their places left, the
online part, and the URL of its page. Never the join link: only registered participants see it, on their own
pages and in their mail.

Filters (each optional; together they all apply): ``municipality`` (its code: a venue there), ``town`` (a venue
in the town, any case), ``provider`` (its slug), ``module`` (its code), ``format``, ``language``, ``from`` and
``to`` (the start; a date-time with its offset, or a date: ``from`` from 00:00 UTC of that day, ``to`` to the
end of that day), ``has_seats`` (places left at a venue or online), ``include_cancelled`` (also the cancelled
ones). An unknown municipality, provider or module gives an empty list; a value of the wrong kind (a format or
language not listed, a time that is not one, a time without its offset) is a 400 that names the parameters.

Paginated as /modules: ``?page=`` from 1 and ``?per_page=`` from 1 to 100 (default 20) are kept within their
limits; the body says ``total``, ``page``, ``per_page`` and ``pages``, the ``Link`` header gives the ``first``,
``prev``, ``next`` and ``last`` pages with the same filters, and ``X-Total-Count`` the total.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from marshmallow import ValidationError, fields, validate
from sqlalchemy.orm import selectinload

from uprest.accounts.territories import by_code as territory_by_code
from uprest.api.modules import link_header
from uprest.api.schemas import Clamped, I18nOptional, Schema, page_headers, uri
from uprest.api.views import bp
from uprest.catalog.models import Module
from uprest.extensions import MAX_PAGE, db
from uprest.providers import services as providers
from uprest.sessions import jsonld, rules, services
from uprest.sessions.ical import public_text
from uprest.sessions.models import Session, Venue

PER_PAGE = 20
MAX_PER_PAGE = 100
#: What the database and Python can hold: times beyond are taken as these.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


# --- query ---------------------------------------------------------------------------------------------


class Moment(fields.Field):
    """A moment of a query: an RFC 3339 date-time with its offset (``Z`` for UTC), or a date (``end_of_day``:
    the moment the day ends, else the one it starts, in UTC). A leap second is read as the second before it;
    a moment beyond what can be stored as the earliest or latest one."""

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(metadata={"type": "string", "format": "date-time", **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        text = str(value).strip().upper()
        if len(text) == 10:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise ValidationError("not a date") from None
            if self.end_of_day:
                return LATEST if day >= LATEST.date() else datetime.combine(day + timedelta(days=1), time(), UTC)
            return max(datetime.combine(day, time(), UTC), EARLIEST)
        if text[16:19] == ":60":  # a leap second (RFC 3339 allows it; Python does not)
            text = text[:16] + ":59" + text[19:]
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError("not a date-time") from None
        if moment.tzinfo is None:
            raise ValidationError("no offset")
        try:
            return min(max(moment.astimezone(UTC), EARLIEST), LATEST)
        except OverflowError:  # within a day of the first or the last day Python knows
            return EARLIEST if moment.year == 1 else LATEST


#: Parameter -> what a good value is (the 400's message names the parameters and says this of each).
HINTS = {
    "format": _l("one of %(values)s", values=", ".join(rules.FORMATS)),
    "language": _l("one of %(values)s", values=", ".join(rules.LANGUAGES)),
    "from": _l("a date (2027-03-28) or a date and time with its offset (2027-03-28T09:00:00+02:00)"),
    "to": _l("a date (2027-03-28) or a date and time with its offset (2027-03-28T09:00:00+02:00)"),
    "has_seats": _l("true or false"),
    "include_cancelled": _l("true or false"),
}


class SessionQuery(Schema):
    """The filters and the page of the list; a value of the wrong kind is a 400 naming the parameters."""

    municipality = fields.String(
        metadata={"description": "A municipality's code: sessions with a venue there.", "examples": ["vanersborg"]}
    )
    town = fields.String(metadata={"description": "A town: sessions with a venue there (any case)."})
    provider = fields.String(metadata={"description": "A provider's slug.", "examples": ["vux-vanersborg"]})
    module = fields.String(metadata={"description": "A module's code: its runs.", "examples": ["green-tourism"]})
    format = fields.String(validate=validate.OneOf(rules.FORMATS))
    language = fields.String(validate=validate.OneOf(rules.LANGUAGES))
    starts_from = Moment(
        data_key="from",
        metadata={"description": "Sessions that start at or after this moment (a date: from 00:00 UTC)."},
    )
    starts_until = Moment(
        data_key="to",
        end_of_day=True,
        metadata={"description": "Sessions that start before this moment (a date: to the end of the day, UTC)."},
    )
    has_seats = fields.Boolean(
        load_default=False, metadata={"description": "Only sessions with places left, at a venue or online."}
    )
    include_cancelled = fields.Boolean(
        load_default=False, metadata={"description": "Also the cancelled sessions (their status says so)."}
    )
    page = Clamped(
        minimum=1, maximum=MAX_PAGE, default=1, description="Page number, from 1. A page past the last one is empty."
    )
    per_page = Clamped(
        minimum=1,
        maximum=MAX_PER_PAGE,
        default=PER_PAGE,
        description=f"Sessions per page; larger values are reduced to {MAX_PER_PAGE}.",
    )

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs):
        names = sorted(error.messages) if isinstance(error.messages, dict) else []
        wrong = "; ".join(f"{name}: {HINTS[name]}" if name in HINTS else name for name in names)
        abort(400, message=_("Check these parameters: %(parameters)s.", parameters=wrong))


# --- answers -------------------------------------------------------------------------------------------


class PriceSchema(Schema):
    amount = fields.String(
        required=True, metadata={"description": "A decimal number in the currency's units.", "examples": ["25.00"]}
    )
    currency = fields.String(required=True, metadata={"description": "ISO 4217.", "examples": ["EUR"]})


class ProviderRefSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    url = fields.String(required=True, metadata=uri(description="The provider's public page."))


class VenueSchema(Schema):
    """A venue: the place of an on-site or hybrid session, or a hub of a satellite event."""

    name = fields.String(required=True)
    address = fields.String(required=True, metadata={"description": "On one line: name, street, postal code, town."})
    town = fields.String(required=True)
    municipality = fields.String(required=True, allow_none=True, metadata={"description": "The municipality's code."})
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2.", "examples": ["SE"]})
    timezone = fields.String(required=True, metadata={"description": "IANA.", "examples": ["Europe/Stockholm"]})
    local_start = fields.DateTime(
        required=True, metadata={"description": "The start in the venue's zone, with that zone's offset then."}
    )
    local_end = fields.DateTime(required=True)
    seats = fields.Integer(required=True, validate=validate.Range(min=0))
    seats_left = fields.Integer(required=True, validate=validate.Range(min=0))
    accessibility = I18nOptional(required=True)


class OnlineSchema(Schema):
    """The online part of a virtual or hybrid session (the join link is only for its participants)."""

    capacity = fields.Integer(required=True, allow_none=True, metadata={"description": "null: unlimited."})
    seats_left = fields.Integer(required=True, allow_none=True, metadata={"description": "null: unlimited."})


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    uid = fields.String(required=True, metadata={"description": "The UID of the session in the iCalendar feeds."})
    module = fields.String(required=True, allow_none=True, metadata={"description": "null: a stand-alone event."})
    title = I18nOptional(required=True, metadata={"description": "Text per language code (a run: the module's)."})
    description = I18nOptional(required=True)
    format = fields.String(required=True, validate=validate.OneOf(rules.FORMATS))
    language = fields.String(required=True, validate=validate.OneOf(rules.LANGUAGES))
    status = fields.String(required=True, validate=validate.OneOf(rules.STATUSES))
    starts_at = fields.DateTime(required=True, metadata={"description": "UTC, with its offset."})
    ends_at = fields.DateTime(required=True)
    timezone = fields.String(
        required=True, metadata={"description": "The zone of the session's own times (its only venue's, or its own)."}
    )
    local_start = fields.DateTime(required=True, metadata={"description": "The start in `timezone`."})
    local_end = fields.DateTime(required=True)
    price = fields.Nested(PriceSchema, required=True, allow_none=True, metadata={"description": "null: free."})
    provider = fields.Nested(ProviderRefSchema, required=True)
    venues = fields.List(fields.Nested(VenueSchema), required=True)
    online = fields.Nested(OnlineSchema, required=True, allow_none=True, metadata={"description": "null: none."})
    url = fields.String(required=True, metadata=uri(description="The session's public page."))


class SessionListSchema(Schema):
    sessions = fields.List(fields.Nested(SessionSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


def _texts(session: Session, name: str) -> dict[str, str]:
    own = getattr(session, name) or {}
    if not own and session.module is not None and session.module.published_version is not None:
        own = getattr(session.module.published_version, "title" if name == "title" else "summary") or {}
    return {lang: public_text(session, text) for lang, text in own.items()}


def _venue(session: Session, venue: Venue) -> dict[str, Any]:
    return {
        "name": venue.name,
        "address": rules.address(venue.name, venue.street, venue.postal_code, venue.town),
        "town": venue.town,
        "municipality": venue.territory.code if venue.territory is not None else None,
        "country": venue.country,
        "timezone": venue.timezone,
        "local_start": rules.local_time(session.starts_at, venue.timezone),
        "local_end": rules.local_time(session.ends_at, venue.timezone),
        "seats": venue.seats,
        "seats_left": venue.seats_left,
        "accessibility": venue.accessibility,
    }


def _row(session: Session) -> dict[str, Any]:
    zone = services.zone_of(session)
    amount = rules.price_amount(session.price_minor, session.currency)
    online = session.format in rules.ONLINE_FORMATS
    return {
        "id": session.id,
        "uid": session.uid,
        "module": session.module.code if session.module is not None else None,
        "title": _texts(session, "title"),
        "description": _texts(session, "description"),
        "format": session.format,
        "language": session.language,
        "status": session.status,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "timezone": zone,
        "local_start": rules.local_time(session.starts_at, zone),
        "local_end": rules.local_time(session.ends_at, zone),
        "price": {"amount": str(amount), "currency": session.currency} if amount is not None else None,
        "provider": {
            "slug": session.provider.slug,
            "name": session.provider.name,
            "url": jsonld.provider_url(session),
        },
        "venues": [_venue(session, v) for v in session.venues],
        "online": {"capacity": session.online_capacity, "seats_left": session.online_left} if online else None,
        "url": jsonld.session_url(session),
    }


def _code_filter(value: str | None, find) -> int | None:
    """The id of the row a code or slug names; -1 (nothing matches) when there is none; None without a value."""
    if value is None or not value.strip():
        return None
    found = find(value.strip())
    return found.id if found is not None else -1


@bp.route("/sessions", tags=["sessions"])
@bp.public
@bp.arguments(SessionQuery, location="query", as_kwargs=True, error_status_code=400)
@bp.response(
    200,
    SessionListSchema,
    description="The upcoming sessions that match the filters, soonest first.",
    headers=page_headers("sessions"),
)
@bp.doc(operationId="listSessions")
def sessions(page: int, per_page: int, **filters):
    """The upcoming local sessions and events (on-site, hybrid, virtual, satellite), a page at a time"""
    module = (filters.get("module") or "").strip() or None
    stmt = services.upcoming(
        territory_id=_code_filter(filters.get("municipality"), territory_by_code),
        provider_id=_code_filter(filters.get("provider"), providers.by_slug),
        town=filters.get("town"),
        module=module,
        format=filters.get("format"),
        language=filters.get("language"),
        starts_from=filters.get("starts_from"),
        starts_until=filters.get("starts_until"),
        free_seats=filters["has_seats"],
        include_cancelled=filters["include_cancelled"],
    ).options(
        selectinload(Session.venues).selectinload(Venue.territory),
        selectinload(Session.provider),
        selectinload(Session.module).selectinload(Module.published_version),
    )
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    data = {
        "sessions": [_row(s) for s in result.items],
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": result.pages,
    }
    args = {name: value for name, value in request.args.items() if name != "page"}
    headers = {
        "Link": link_header("api.sessions", page, result.pages, **args),
        "X-Total-Count": str(result.total),
    }
    return data, 200, headers
