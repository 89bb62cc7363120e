"""Learning records: store xAPI statements about our learners, read them back for the LRS, manage its clients.

``record`` is what other features call (through the lead's learning services or a signal receiver): it builds
the statement, checks it against the specification and adds it in the caller's transaction (flush, never
commit). The learner appears only as a random pseudonym (``Actor``), never by e-mail address or name.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from uprest.extensions import db, insert_once, utcnow
from uprest.security import hash_password, verify_password
from uprest.xapi.models import Actor, ForwardItem, LrsClient, Statement
from uprest.xapi.statements import (
    STATEMENT_VERSION,
    Activity,
    Result,
    build_statement,
    format_timestamp,
    is_language_tag,
    validate,
)

log = logging.getLogger("uprest.xapi")

#: The name of our own LRS in the "authority" of the statements it stores.
AUTHORITY_NAME = "uprest-lrs"


class XapiError(ValueError):
    """A statement our code built is not valid (a bug: it is never stored)."""


# --- who and where -----------------------------------------------------------------------------


def base_url() -> str:
    """The public address that prefixes activity IRIs and is the actors' account homePage (no trailing slash)."""
    url = current_app.config.get("PUBLIC_BASE_URL")
    if not url:
        url = request.url_root if has_request_context() else "http://localhost"
    return url.rstrip("/")


def authority() -> dict:
    """The Agent asserting our statements: this platform's LRS."""
    return {"objectType": "Agent", "account": {"homePage": base_url(), "name": AUTHORITY_NAME}}


def pseudonym(user) -> str:
    """The user's random, stable pseudonym, created on first use. A parallel first use is settled by the
    unique user_id: the loser reads the winner's row."""
    found = db.session.scalar(db.select(Actor.name).where(Actor.user_id == user.id))
    if found:
        return found
    actor, _created = insert_once(
        Actor(user_id=user.id), lambda: db.session.scalar(db.select(Actor).where(Actor.user_id == user.id))
    )
    return actor.name


def actor_for(user) -> dict:
    """The statement actor of `user`: an Agent identified by an opaque account (xAPI-Data 2.4.2.4)."""
    return {"objectType": "Agent", "account": {"homePage": base_url(), "name": pseudonym(user)}}


def forwarding_enabled() -> bool:
    return bool(current_app.config.get("XAPI_FORWARD_URL"))


# --- recording ----------------------------------------------------------------------------------


def record(
    user,
    verb: str,
    activity: Activity,
    *,
    result: Result | None = None,
    registration: uuid.UUID | None = None,
    parent: Activity | None = None,
    language: str | None = None,
) -> Statement:
    """Store the statement "`user` `verb` `activity`" now; queue it for the external LRS when forwarding is
    configured. Flushes, never commits (the caller's commit keeps it with the action). Raises XapiError (a
    ValueError) when the statement would not be valid: a broken statement is never stored."""
    now = utcnow()
    actor = actor_for(user)
    document = build_statement(
        statement_id=uuid.uuid4(),
        actor=actor,
        verb=verb,
        activity=activity,
        base_url=base_url(),
        timestamp=now,
        result=result,
        registration=registration,
        parent=parent,
        language=language,
    )
    document.update(stored=format_timestamp(now), authority=authority(), version=STATEMENT_VERSION)
    problems = validate(document)
    if problems:
        raise XapiError("invalid xAPI statement: " + "; ".join(problems))
    row = Statement(
        statement_id=document["id"],
        user_id=user.id,
        actor_home=actor["account"]["homePage"],
        actor_name=actor["account"]["name"],
        verb=document["verb"]["id"],
        activity_id=document["object"]["id"],
        registration=str(registration) if registration else None,
        stored=now,
        timestamp=now,
        document=document,
    )
    db.session.add(row)
    db.session.flush()
    if forwarding_enabled():
        db.session.add(ForwardItem(statement_pk=row.id))
        db.session.flush()
    return row


def language_map(message) -> dict[str, str]:
    """A lazy string (``_l``) in English and in each of our languages that translates it."""
    names = {}
    for code in current_app.config["LANGUAGES"]:
        with force_locale(code):
            names[code] = str(message)
    english = names.get("en", str(message))
    return {"en": english} | {code: text for code, text in names.items() if code != "en" and text != english}


def _path(endpoint: str, fallback: str, **values) -> str:
    """The URL path of `endpoint` (without the public address's prefix), built without a request."""
    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        return fallback


def on_assessment_submitted(sender, user, run, **kwargs) -> None:
    """Receiver of ``assessment_submitted``: the learner "completed" their skills-gap assessment, with the time
    from start to submission. Runs in the submitting transaction; a statement that cannot be built is logged,
    never allowed to stop the learner's submission."""
    duration = None
    if run.submitted_at is not None and run.started_at is not None:
        duration = max(0.0, (run.submitted_at - run.started_at).total_seconds())
    activity = Activity(
        path=_path("assessments.result", f"/assessment/{run.id}/result", run_id=run.id),
        type="skills-assessment",
        name=language_map(_l("Skills assessment")),
        description=language_map(
            _l("A self-assessment of digital, green and tourism skills against a target profile.")
        ),
    )
    locale = getattr(user, "locale", None)
    try:
        record(
            user,
            "completed",
            activity,
            result=Result(completion=True, duration_seconds=duration),
            language=locale if locale and is_language_tag(locale) else None,
        )
    except XapiError:
        log.exception("xAPI: the statement of assessment run %s was not recorded", run.id)


# --- reading (the LRS) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """The filters of GET /xapi/statements, already checked."""

    verb: str | None = None
    activity: str | None = None
    agent_home: str | None = None
    agent_name: str | None = None
    registration: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    ascending: bool = False
    #: Continue after this (stored, id) — the cursor of the "more" link.
    after: tuple[datetime, int] | None = None
    #: No statement can match (e.g. an agent identified by e-mail: we store none).
    nothing: bool = False


def statement_by_id(statement_id: str) -> Statement | None:
    return db.session.scalar(db.select(Statement).where(Statement.statement_id == statement_id.lower()))


def find_statements(query: Query, limit: int) -> tuple[list[Statement], bool]:
    """Up to `limit` statements matching `query` in stored order (newest first unless ascending), and whether
    there are more."""
    if query.nothing:
        return [], False
    stmt = db.select(Statement)
    if query.verb:
        stmt = stmt.where(Statement.verb == query.verb)
    if query.activity:
        stmt = stmt.where(Statement.activity_id == query.activity)
    if query.agent_name is not None:
        stmt = stmt.where(Statement.actor_name == query.agent_name, Statement.actor_home == query.agent_home)
    if query.registration:
        stmt = stmt.where(Statement.registration == query.registration.lower())
    if query.since:
        stmt = stmt.where(Statement.stored > query.since)
    if query.until:
        stmt = stmt.where(Statement.stored <= query.until)
    if query.after:
        stored, pk = query.after
        if query.ascending:
            stmt = stmt.where(db.or_(Statement.stored > stored, db.and_(Statement.stored == stored, Statement.id > pk)))
        else:
            stmt = stmt.where(db.or_(Statement.stored < stored, db.and_(Statement.stored == stored, Statement.id < pk)))
    order = (
        (Statement.stored.asc(), Statement.id.asc())
        if query.ascending
        else (Statement.stored.desc(), Statement.id.desc())
    )
    rows = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


# --- the LRS's clients ---------------------------------------------------------------------------


def clients_stmt():
    return db.select(LrsClient).order_by(LrsClient.is_active.desc(), LrsClient.created_at.desc(), LrsClient.id.desc())


def client_by_id(client_id: int) -> LrsClient | None:
    return db.session.get(LrsClient, client_id)


def create_client(name: str) -> tuple[LrsClient, str]:
    """A new client with a random key and secret; the secret is returned once and only its hash is kept."""
    secret = secrets.token_urlsafe(32)
    client = LrsClient(name=name.strip(), key=secrets.token_hex(16), secret_hash=hash_password(secret))
    db.session.add(client)
    db.session.flush()
    return client, secret


def deactivate_client(client: LrsClient) -> None:
    if client.is_active:
        client.is_active = False
        client.deactivated_at = utcnow()
    db.session.flush()


def authenticate(key: str | None, secret: str | None) -> LrsClient | None:
    """The active client with these credentials, else None; the same work whether or not the key exists."""
    client = db.session.scalar(db.select(LrsClient).where(LrsClient.key == (key or "")))
    ok = verify_password(client.secret_hash if client else None, secret or "")
    return client if ok and client.is_active else None


# --- a learner's data ------------------------------------------------------------------------------


def export_user_data(user) -> dict:
    """The user's learning records as stored (their pseudonym, never their name, is the actor)."""
    name = db.session.scalar(db.select(Actor.name).where(Actor.user_id == user.id))
    rows = db.session.scalars(
        db.select(Statement.document).where(Statement.user_id == user.id).order_by(Statement.stored, Statement.id)
    )
    return {"xapi": {"pseudonym": name, "statements": list(rows)}}


def erase_user_data(user) -> None:
    """Delete the user's statements, their queued forwards and their pseudonym. Flushes, never commits.
    (Statements already sent to an external LRS are that LRS's to erase.)"""
    mine = db.select(Statement.id).where(Statement.user_id == user.id)
    db.session.execute(db.delete(ForwardItem).where(ForwardItem.statement_pk.in_(mine)))
    db.session.execute(db.delete(Statement).where(Statement.user_id == user.id))
    db.session.execute(db.delete(Actor).where(Actor.user_id == user.id))
    db.session.flush()
