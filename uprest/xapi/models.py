"""xAPI learning records: statements, the learners' pseudonyms, the LRS's clients and the forwarding outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow
from uprest.outbox import OutboxRow


def _new_pseudonym() -> str:
    return str(uuid.uuid4())


class Actor(db.Model):
    """A learner's pseudonym in statements: a random UUID, never their e-mail address or name."""

    __tablename__ = "xapi_actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(36), unique=True, default=_new_pseudonym)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Statement(db.Model):
    """A stored statement. ``document`` is the statement as the LRS answers it (with stored, authority and
    version); the other columns repeat what the LRS filters on."""

    __tablename__ = "xapi_statements"

    #: The order of storage, with ``stored``: the cursor of the LRS's pages.
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The actor's account (homePage, name), for the LRS's ``agent`` filter.
    actor_home: Mapped[str] = mapped_column(String(255))
    actor_name: Mapped[str] = mapped_column(String(64), index=True)
    verb: Mapped[str] = mapped_column(String(255), index=True)
    activity_id: Mapped[str] = mapped_column(String(1000), index=True)
    registration: Mapped[str | None] = mapped_column(String(36), index=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    document: Mapped[dict] = mapped_column(JSON)


class LrsClient(db.Model):
    """Credentials (HTTP Basic: key and secret) of a system that reads statements from our LRS."""

    __tablename__ = "xapi_lrs_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    #: argon2 hash of the secret (the secret itself is shown once, when the client is created).
    secret_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ForwardItem(OutboxRow, db.Model):
    """A statement waiting to be sent to the external LRS (XAPI_FORWARD_URL), claimed by one worker at a time
    (attempts, back-off and the worker's lease: the ``OutboxRow`` columns)."""

    __tablename__ = "xapi_forward_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_pk: Mapped[int] = mapped_column(ForeignKey("xapi_statements.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Indexed here (unlike the mail outbox's): the administrators' page counts sent items.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    statement: Mapped[Statement] = relationship()
