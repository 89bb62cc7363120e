"""Rate-limit counters in the application's own database, shared by every worker and every server.

Flask-Limiter (through the `limits` library) counts attempts in a *storage*. Its ``memory://`` storage
counts per process, so with several server workers every limit is multiplied by their number; a
Redis or Memcached storage needs a daemon the embedded default does not run. This storage keeps the
counters in one table of the database the app already uses, so a limit holds across workers and
across servers with the default setup and needs nothing more. Select it with
``UPREST_RATELIMIT_STORAGE_URI=database://`` (the default); ``redis://…`` and the other storages of
`limits` keep working for sites that run one.

Keys are stored as keyed hashes, never as the addresses they name. Each hit is one atomic upsert
(``INSERT … ON CONFLICT DO UPDATE … RETURNING``, on SQLite and on PostgreSQL) in its own short
transaction on its own connection, never in the request's transaction, so a rolled-back request
still counts and a counter is never lost to a race. Only the fixed-window strategy is offered
(Flask-Limiter's default). Expired rows are overwritten by the next hit of the same key and deleted
by the worker's hourly housekeeping (``purge_expired``).

Kernel: imports no feature.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app, has_app_context
from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from uprest.extensions import db

KEY_LENGTH = 200


class RateLimitCounter(db.Model):
    """One fixed-window counter: how many hits `key` had in the window that ends at `expires_at`."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


def _key(key: str) -> str:
    """Keys name a network or e-mail address: they are stored as a keyed hash (HMAC with the secret key), so
    the table holds no address, and every key fits the column."""
    secret = current_app.config["SECRET_KEY"] or ""
    return "hmac:" + hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def _engine():
    if not has_app_context():
        raise RuntimeError("the database rate-limit storage is used inside the Flask app only")
    return db.engine


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app supports these two databases
        raise RuntimeError(f"the database rate-limit storage does not support {dialect}")
    return insert


class DatabaseStorage(Storage):
    """`limits` storage on the app's database (``database://``)."""

    STORAGE_SCHEME = ["database"]

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        engine = _engine()
        expired = table.c.expires_at <= now
        stmt = _insert(engine.dialect.name)(table).values(key=_key(key), count=amount, expires_at=now + expiry)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with engine.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def _row(self, key: str):
        table = RateLimitCounter.__table__
        with _engine().connect() as conn:
            return conn.execute(
                select(table.c.count, table.c.expires_at).where(
                    table.c.key == _key(key), table.c.expires_at > time.time()
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row else time.time()

    def check(self) -> bool:
        try:
            with _engine().connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _engine().begin() as conn:
            return conn.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with _engine().begin() as conn:
            conn.execute(delete(table).where(table.c.key == _key(key)))


def purge_expired() -> int:
    """Delete the counters whose window has ended, in the caller's transaction. Rows deleted."""
    result = db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= time.time()))
    return result.rowcount or 0
