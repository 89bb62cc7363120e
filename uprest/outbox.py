"""Outboxes: rows of work that may wait or fail (mail, xAPI statements to forward), done by workers.

A model that is an outbox takes the ``OutboxRow`` columns (attempts, back-off, outcome, a worker's lease) and
its module calls the functions here with its own policy (how many attempts, how long a lease):

- ``due`` (and ``due_where``): the rows a worker may take now — not sent, not given up, their back-off time
  come, no live lease on them;
- ``claim``: take up to `limit` due rows for a worker and commit the claim. Several workers on several
  servers share the work: each row is claimed by a conditional update that checks again that it is due, so
  exactly one worker wins it; on PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED`` to pass over
  the rows another worker is claiming. On SQLite the candidates are read outside a write transaction and the
  first conditional update takes the database's single write lock (waiting for another worker's claim to
  commit), so a row claimed meanwhile no longer matches. The claim is a lease: a worker that dies leaves its
  rows to the next one once ``claimed_until`` has passed;
- ``OutboxRow.record_attempt``: count an attempt, release the lease, and on failure back off
  (``retry_delay``: 1, 2, 4 ... minutes, at most 6 hours);
- ``kept_too_long``: what retention deletes (sent, or given up, before a cutoff).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, String, update
from sqlalchemy.orm import Mapped, mapped_column

from uprest.extensions import UTCDateTime, db, utcnow

#: The longest back-off between two attempts, in minutes.
MAX_DELAY_MINUTES = 6 * 60


class OutboxRow:
    """The columns of an outbox row (a mixin for a model with an integer ``id`` and a ``created_at``)."""

    if TYPE_CHECKING:
        id: Mapped[int]
        created_at: Mapped[datetime]

    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: Not before this time (back-off after a failure); NULL: at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A worker's lease on the row while it does the work.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def record_attempt(self, error: str | None, *, now: datetime | None = None) -> None:
        """Count an attempt and release the lease: done when `error` is None, else keep the error and wait
        ``retry_delay(attempts)`` before the next attempt. Does not flush."""
        now = now or utcnow()
        self.attempts += 1
        self.claimed_by = self.claimed_until = None
        if error is None:
            self.sent_at, self.last_error, self.next_attempt_at = now, None, None
        else:
            self.last_error = error[:500]
            self.next_attempt_at = now + retry_delay(self.attempts)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the 1st, 2nd, 3rd ... failure, at most 6 hours."""
    return timedelta(minutes=min(2 ** (max(attempts, 1) - 1), MAX_DELAY_MINUTES))


def due_where(model: type[OutboxRow], now: datetime, max_attempts: int) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a row a worker may take at `now`."""
    return (
        model.sent_at.is_(None),
        model.attempts < max_attempts,
        db.or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
        db.or_(model.claimed_until.is_(None), model.claimed_until < now),
    )


def due(model: type[OutboxRow], now: datetime, max_attempts: int) -> Select[tuple[int]]:
    """The ids of the rows due at `now`, oldest first."""
    return db.select(model.id).where(*due_where(model, now, max_attempts)).order_by(model.id)


def claim(
    model: type[OutboxRow],
    worker: str,
    limit: int,
    *,
    lease: timedelta,
    max_attempts: int,
    now: datetime | None = None,
) -> list[int]:
    """Claim up to `limit` due rows of `model` for `worker` until `now` + `lease` and commit the claim; the ids
    won, oldest first. Safe with many workers: the conditional update gives each row to exactly one of them."""
    now = now or utcnow()
    candidates = due(model, now, max_attempts).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    mine = []
    for row_id in list(db.session.scalars(candidates)):
        won = db.session.execute(
            update(model)
            .where(model.id == row_id, *due_where(model, now, max_attempts))
            .values(claimed_by=worker, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            mine.append(row_id)
    db.session.commit()
    return mine


def kept_too_long(model: type[OutboxRow], cutoff: datetime, max_attempts: int) -> ColumnElement[bool]:
    """The rows retention deletes: sent before `cutoff`, or given up (`max_attempts` failures) and written
    before it. Waiting rows are kept."""
    return db.or_(
        db.and_(model.sent_at.is_not(None), model.sent_at < cutoff),
        db.and_(model.sent_at.is_(None), model.attempts >= max_attempts, model.created_at < cutoff),
    )
