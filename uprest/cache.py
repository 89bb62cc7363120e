"""Caches of read-mostly content, invalidated through the database.

Pages made from content that changes only when someone imports or publishes (the catalogue, a
module's page, a lesson) are cached in each worker process, under a key that includes the content's
*generation token*: a value in the database that is replaced, in the same transaction, by every
change of that content. Each request reads the current token (one small query), so a change made
through any worker or any server is seen by all of them at once; entries made under an older token
are never asked for again and fall out of the bounded LRU. The token is random, not a counter, so a
database restored from a backup (or emptied between tests) never brings an old key back.

A feature declares which of its tables a kind of content is made of, once::

    cache.watch("catalog", Module, ModuleVersion, Lesson, ...)

and every ORM flush that adds, changes or deletes a row of those tables replaces the token, whoever
makes the change (the importer, a publish, an admin, a test). Bulk ``UPDATE``/``DELETE`` statements
do not go through the flush: code that changes watched content that way calls ``bump`` itself.

Kernel: imports no feature. ``bump`` runs in the caller's transaction and never commits.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import String, bindparam, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from uprest.extensions import db

T = TypeVar("T")


class ContentGeneration(db.Model):
    """The current generation token of a kind of content ("catalog", ...)."""

    __tablename__ = "content_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


_TOKEN = db.select(ContentGeneration.__table__.c.token).where(ContentGeneration.__table__.c.name == bindparam("name"))


def generation(name: str) -> str:
    """The current generation token of `name` ('' before its first change). One small query (a Core
    statement built once: it is sent on every request of a cached page)."""
    return db.session.execute(_TOKEN, {"name": name}).scalar() or ""


def _upsert(connection, name: str):
    table = ContentGeneration.__table__
    token = secrets.token_hex(8)
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(name=name, token=token)
    return connection.execute(stmt.on_conflict_do_update(index_elements=[table.c.name], set_={"token": token}))


def bump(name: str) -> None:
    """Mark the content `name` as changed, in the caller's transaction (one upsert; never commits)."""
    _upsert(db.session.connection(), name)


# --- watching tables ----------------------------------------------------------------------------------

_WATCHED: dict[str, tuple[type, ...]] = {}
#: name -> model -> the only columns whose change is a change of `name` (a model not listed: any column).
_COLUMNS: dict[str, dict[type, frozenset[str]]] = {}


def watch(name: str, *models: type, columns: dict[type, tuple[str, ...]] | None = None) -> None:
    """Every ORM flush that adds, changes or deletes a row of `models` bumps the generation `name`; for a model in
    `columns`, a change of a row counts only when one of those columns changed (a user's last login is no change of
    where people are)."""
    _WATCHED[name] = tuple(dict.fromkeys(_WATCHED.get(name, ()) + models))
    _COLUMNS.setdefault(name, {}).update({model: frozenset(cols) for model, cols in (columns or {}).items()})


def _changes(name: str, obj, session: Session) -> bool:
    """Whether the dirty `obj` changed a column that `name` watches."""
    only = next((cols for model, cols in _COLUMNS.get(name, {}).items() if isinstance(obj, model)), None)
    if only is None:
        return session.is_modified(obj)
    attrs = sa_inspect(obj).attrs
    return any(attrs[col].history.has_changes() for col in only)


@event.listens_for(Session, "before_flush")
def _bump_watched(session: Session, _flush_context, _instances) -> None:
    if not _WATCHED:
        return
    created = [*session.new, *session.deleted]
    dirty = list(session.dirty)
    if not created and not dirty:
        return
    for name, models in _WATCHED.items():
        if any(isinstance(obj, models) for obj in created) or any(
            isinstance(obj, models) and _changes(name, obj, session) for obj in dirty
        ):
            _upsert(session.connection(), name)


# --- the per-process cache ------------------------------------------------------------------------------


class LRUCache:
    """A small thread-safe least-recently-used map (bounded: `maxsize` entries)."""

    def __init__(self, maxsize: int = 256):
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: T) -> T:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept for `key`, else make it and keep it. If `make` raises (an abort), nothing is kept."""
        value = self.get(key)
        return value if value is not None else self.put(key, make())

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


def user_cards(maxsize: int = 4096) -> LRUCache:
    """The current app's cache of users' dashboard cards (one per app and process), apart from the pages so
    that many learners' cards never push the catalogue's pages out. A few hundred bytes per entry."""
    cache = current_app.extensions.get("uprest.user_cards")
    if cache is None:
        cache = current_app.extensions["uprest.user_cards"] = LRUCache(maxsize)
    return cache


def pages(maxsize: int = 2048) -> LRUCache:
    """The current app's cache of rendered page parts (one per app and process). 2,048 entries of a few
    to some 30 KB each (a catalogue page with its filter form) stay under about 30 MB per worker."""
    cache = current_app.extensions.get("uprest.pages")
    if cache is None:
        cache = current_app.extensions["uprest.pages"] = LRUCache(maxsize)
    return cache
