"""Publishing a territory's reports and the API tokens of its staff (issue 14; the design is in models.py).

Who may read a territory's live figures (`can_read`): administrators, and staff bound to the territory or to a
territory above it. They publish an ended quarter (`publishable_periods`): a frozen copy of its figures
(`snapshot`, made in English, every figure already through the disclosure rule) becomes public until it is
withdrawn. A program reads the live figures with an API token (`create_token`), of which only the SHA-256 is
kept. The services flush, never commit; the views and the API authorize and commit.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from uprest.accounts import territories
from uprest.accounts.models import Role, Territory, User
from uprest.extensions import db, insert_once, utcnow
from uprest.reports import participation, presentation, services
from uprest.reports.models import ApiToken, Publication

#: How far back an ended quarter may be published (the quarters of the last three years).
PUBLISHABLE_QUARTERS = 12
#: The language of the frozen copies (names of competences, areas, modules; their own translations are not kept).
SNAPSHOT_LOCALE = "en"
TOKEN_START = "upr_"
PREFIX_LENGTH = 10
NAME_LENGTH = 80
#: The longest text taken for a token (a real one has 47 characters); anything longer is not one.
TOKEN_MAX = 100
#: last_used_at is written at most this often per token (an API read is otherwise no write).
TOUCH_EVERY = timedelta(minutes=1)


class PublicationError(Exception):
    """A request that breaks a rule of publishing; the message is translated and safe to show."""


# --- who reads ----------------------------------------------------------------------------------------------


def can_read(user: User | None, territory: Territory | None) -> bool:
    """Whether `user` may see the live figures of `territory`: an administrator or the consortium (every
    territory), or staff bound to the territory or to one above it."""
    if user is None or territory is None or not getattr(user, "is_authenticated", False):
        return False
    if services.sees_everything(user):
        return True
    if user.role != Role.STAFF or user.territory_id is None:
        return False
    return territories.is_within(territory.id, user.territory_id)


def root_of(user: User) -> Territory | None:
    """The territory under which `user` (staff) publishes and creates tokens; None for administrators (every
    territory) and for staff bound to none (nothing)."""
    return None if user.is_admin else services.territory_of(user)


def places(user: User) -> list[territories.Node]:
    """The territories `user` may publish, in the tree's reading order (empty for staff bound to none)."""
    if user.is_admin:
        return territories.tree(users=False)
    root = root_of(user)
    return territories.tree(under=root.id, users=False) if root is not None else []


# --- periods ------------------------------------------------------------------------------------------------


def publishable_periods(now: datetime) -> list[str]:
    """The quarters that have ended, of the last three years, the most recent first ("2026Q3", ...). All time
    is not published: it changes with every assessment."""
    year, quarter = now.year, (now.month - 1) // 3 + 1  # the current quarter: not ended
    out = []
    for _ in range(PUBLISHABLE_QUARTERS):
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        out.append(f"{year}Q{quarter}")
    return out


# --- publications -------------------------------------------------------------------------------------------


def _plain(value):
    """JSON's default for what the report views hold beside ints and floats (Decimal hours, Fraction shares)."""
    if isinstance(value, Decimal | Fraction):
        return float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def snapshot(territory: Territory, period: str) -> dict:
    """The figures of `territory` in the quarter `period`, as the JSON exports make them: {"skills_gap",
    "participation", "training"}; the participation trend runs up to that quarter (nothing after it). Made in
    SNAPSHOT_LOCALE; only JSON types (a round trip through JSON)."""
    _start, end = services.quarter_bounds(period)
    with force_locale(SNAPSHOT_LOCALE):
        data = {
            "skills_gap": presentation.skills_gap_json(services.skills_gap_map(territory, period=period)),
            "participation": presentation.participation_json(
                participation.participation_view(territory, period=period, now=end - timedelta(microseconds=1))
            ),
            "training": presentation.training_json(services.training_view(territory, period=period)),
        }
    return json.loads(json.dumps(data, default=_plain))


def _row(territory_id: int, period: str) -> Publication | None:
    return db.session.scalar(
        db.select(Publication).where(Publication.territory_id == territory_id, Publication.period == period)
    )


def publish(territory: Territory, period: str, actor: User) -> Publication:
    """Make the figures of `territory` in the ended quarter `period` public (a new frozen copy; publishing again
    replaces the copy and undoes a withdrawal). Two parallel publications leave one row. PublicationError for a
    period that is not publishable."""
    if period not in publishable_periods(utcnow()):
        raise PublicationError(_l("Only a quarter of the last three years that has ended can be published."))
    data = snapshot(territory, period)
    values = {
        "data": data,
        "k": data["skills_gap"]["k"],
        "published_at": utcnow(),
        "published_by_id": actor.id,
        "withdrawn_at": None,
    }
    pub = _row(territory.id, period)
    if pub is None:
        pub, created = insert_once(
            Publication(territory_id=territory.id, period=period, **values), lambda: _row(territory.id, period)
        )
        if created:
            return pub
    for name, value in values.items():  # the row is there (published before, or by a parallel request)
        setattr(pub, name, value)
    db.session.flush()
    return pub


def withdraw(publication: Publication, actor: User) -> None:
    """Take the publication's figures off the public API; its row stays, stamped (withdrawing twice is once)."""
    if publication.is_public:
        publication.withdrawn_at = utcnow()
    db.session.flush()


def publication_by_id(publication_id: int) -> Publication | None:
    return db.session.get(Publication, publication_id)


def published(territory: Territory, period: str) -> Publication | None:
    """The public (not withdrawn) publication of `territory` for `period`, else None."""
    pub = _row(territory.id, period)
    return pub if pub is not None and pub.is_public else None


def publications(under: Territory | None):
    """A select of the publications of `under` and every territory below it (None: all), newest period first."""
    stmt = db.select(Publication).join(Publication.territory)
    if under is not None:
        stmt = stmt.where(Publication.territory_id.in_(territories.subtree(under.id)))
    return stmt.order_by(Publication.period.desc(), Territory.name, Publication.id)


# --- API tokens ---------------------------------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    user: User, territory: Territory, name: str, *, request_key: str | None = None
) -> tuple[str | None, ApiToken]:
    """A new token of `territory` named `name` (1..80 characters): (the token, shown once; its row, which keeps
    only its SHA-256 and its first characters). PublicationError for a missing or long name. With the form's
    `request_key`, the same form sent again (or in parallel) makes no second token: (None, the first one)."""
    name = (name or "").strip()
    if not name or len(name) > NAME_LENGTH:
        raise PublicationError(_l("Please give the token a name of at most %(n)s characters.", n=NAME_LENGTH))
    raw = TOKEN_START + secrets.token_urlsafe(32)
    token = ApiToken(
        territory_id=territory.id,
        created_by_id=user.id,
        name=name,
        token_hash=_hash(raw),
        prefix=raw[:PREFIX_LENGTH],
        request_key=request_key or None,
    )
    if request_key:
        made = db.session.scalar(db.select(ApiToken).where(ApiToken.request_key == request_key))
        if made is None:
            made, created = insert_once(
                token, lambda: db.session.scalar(db.select(ApiToken).where(ApiToken.request_key == request_key))
            )
            if created:
                return raw, made
        if made.created_by_id != user.id:
            raise PublicationError(_l("This form has expired. Please reload the page and try again."))
        return None, made
    db.session.add(token)
    db.session.flush()
    return raw, token


def revoke_token(token: ApiToken, actor: User) -> None:
    """The token reads nothing from now on (revoking twice is once)."""
    if token.is_active:
        token.revoked_at = utcnow()
    db.session.flush()


def token_by_id(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def active_token(raw: str | None) -> ApiToken | None:
    """The active token `raw` is, else None. Found by its hash (no comparison of secrets character by
    character); its last use is written at most once a minute."""
    if not raw or len(raw) > TOKEN_MAX or not raw.startswith(TOKEN_START):
        return None
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == _hash(raw)))
    if token is None or not token.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or token.last_used_at <= now - TOUCH_EVERY:
        db.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token.id,
                db.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_EVERY),
            )
            .values(last_used_at=now)
        )
    return token


def territory_of_token(raw: str | None) -> Territory | None:
    """The territory whose live figures the token `raw` reads (with everything below it); None for a token
    that is unknown or revoked."""
    token = active_token(raw)
    return token.territory if token is not None else None


def tokens(territory: Territory | None):
    """A select of the tokens of `territory` and every territory below it (None: all), newest first."""
    stmt = db.select(ApiToken)
    if territory is not None:
        stmt = stmt.where(ApiToken.territory_id.in_(territories.subtree(territory.id)))
    return stmt.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
