"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given for a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


MAX_PAGE = 100_000


def paginate(stmt, per_page: int = 50):
    """db.paginate with the page number read safely from ?page= (junk or huge numbers give page 1/last)."""
    from flask import request

    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


M = TypeVar("M")


def insert_once(obj: M, existing: Callable[[], M | None]) -> tuple[M, bool]:
    """Add `obj` in a savepoint and flush: (obj, True). When a unique constraint refuses it (a parallel request
    inserted the same thing first), roll the savepoint back and return what `existing()` finds: (row, False).
    The IntegrityError is raised again when `existing()` finds nothing (another constraint failed).

    An object whose primary key is set (a composite key such as (provider, user)) and that this session already
    holds is that row: it is returned, (row, False), without adding a second instance with the same identity (which
    SQLAlchemy refuses with a warning at the flush, whether the warning comes depends on when the first instance
    was garbage-collected)."""
    key = db.session.identity_key(instance=obj)
    if None not in key[1] and key in db.session.identity_map:
        return db.session.identity_map[key], False
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found, False
    return obj, True
