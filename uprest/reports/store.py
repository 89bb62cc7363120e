"""The disclosure rule's decisions over a tree, kept in the database: made once per change of the tree's data,
read by every worker and every server.

Deciding the skills-gap map of a tree over every territory and period at once takes seconds at 10,000
assessments (docs/performance.md), and participation's decision takes a while too. Both depend only on what they
are made from (the tree's atomic counts and territories), so a decision is stored under a digest of that, the
tree's root, k and `RULE_VERSION` (`data_key`): the first request after a change of the tree's data (or the
worker's pass, `uprest.reports.worker.warm`, whichever comes first) makes it, and every other worker reads it
(one small query, then kept in its own memory). Only the decision is stored: which cells are shown, which are
hidden, and the shown counts, so the table holds nothing that a page could not show.

A stored decision is written on a connection of its own (committed at once, whatever the request does); on
SQLite it waits for the write lock at most `WRITE_WAIT_MS` and gives up when it is busy: storing is only a
saving, and the worker stores it on its next pass.

One process makes a tree's decision at a time (`_one_maker`): a process that finds none stored while another
is making it waits for that one (polling, so that a gevent worker goes on serving its other requests) and reads
it, instead of deciding the same tree again on the same cores. The lock is an advisory lock on PostgreSQL (every
server) and a lock file beside the SQLite database; a maker that dies releases it; after `MAKER_WAIT_S` the
waiting process makes the decision itself.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
import zlib
from collections.abc import Callable, Hashable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from uprest import cache
from uprest.extensions import db, utcnow
from uprest.reports import rules
from uprest.reports.models import Decision as StoredDecision

log = logging.getLogger(__name__)

#: Part of every key: change it whenever the rule or the published cells change, so that no decision made by an
#: older version is read again.
RULE_VERSION = "2026-12-02.2"
WRITE_WAIT_MS = 200
MAKER_WAIT_S = 120.0
MAKER_POLL_S = 0.2
_made = 0  # decisions this process has made (the worker's log)
_ENSURE: ContextVar[bool] = ContextVar("reports_ensure_stored", default=False)


def made() -> int:
    """How many decisions this process has made since it started."""
    return _made


def data_key(*parts: Hashable) -> str:
    """The key of a decision: a digest of its kind, the tree's root, k and the digest of its data."""
    return hashlib.sha256(repr((RULE_VERSION, *parts)).encode()).hexdigest()


def _plain(name):
    return list(name) if isinstance(name, tuple) else name


def _name(value):
    return tuple(value) if isinstance(value, list) else value


def encode(decisions: Mapping[str, rules.Decision]) -> bytes:
    data = {
        system: {
            "k": d.k,
            "shown": sorted(([_plain(n), c] for n, c in d.shown_counts.items()), key=repr),
            "suppressed": sorted((_plain(n) for n in d.suppressed), key=repr),
            "primary": sorted((_plain(n) for n in d.primary), key=repr),
        }
        for system, d in decisions.items()
    }
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 6)


def decode(payload: bytes) -> dict[str, rules.Decision]:
    out = {}
    for system, d in json.loads(zlib.decompress(payload)).items():
        counts = {_name(n): c for n, c in d["shown"]}
        out[system] = rules.Decision(
            k=d["k"],
            shown=frozenset(counts),
            suppressed=frozenset(_name(n) for n in d["suppressed"]),
            primary=frozenset(_name(n) for n in d["primary"]),
            shown_counts=MappingProxyType(counts),
        )
    return out


def kept(
    kind: str,
    root_id: int,
    k: int,
    parts: tuple,
    make: Callable[[], Mapping[str, rules.Decision]],
) -> dict[str, rules.Decision]:
    """The decision of `kind` ("map", "participation") for the tree of `root_id` and the data `parts` (a digest of
    what it is made from): from this worker's memory, else from the database, else `make()` (and stored). Inside
    `ensuring_stored()` (the worker's pass), a decision found in memory is stored again when the database no longer
    has it (another process stored a newer one meanwhile, and the data came back)."""
    key = data_key(kind, root_id, k, *parts)
    memory = cache.pages()
    decided = memory.get(("reports:decision", key))
    if decided is None:
        return memory.put(("reports:decision", key), _load_or_make(kind, root_id, k, key, make))
    if _ENSURE.get() and db.session.execute(_stored(kind, root_id, k, key, StoredDecision.id)).first() is None:
        store(kind, root_id, k, key, decided, 0.0)
    return decided


@contextmanager
def ensuring_stored():
    """Within: every decision asked for is in the database afterwards (see `kept`)."""
    token = _ENSURE.set(True)
    try:
        yield
    finally:
        _ENSURE.reset(token)


def _stored(kind: str, root_id: int, k: int, key: str, column):
    return db.select(column).where(
        StoredDecision.kind == kind,
        StoredDecision.root_id == root_id,
        StoredDecision.k == k,
        StoredDecision.data_key == key,
    )


def _load_or_make(kind: str, root_id: int, k: int, key: str, make) -> dict[str, rules.Decision]:
    payload = db.session.execute(_stored(kind, root_id, k, key, StoredDecision.payload)).scalar()
    if payload is not None:
        return decode(payload)
    with _one_maker(kind, root_id, k):
        with db.engine.connect() as conn:  # a snapshot of now: what another process stored while we waited
            payload = conn.execute(_stored(kind, root_id, k, key, StoredDecision.payload)).scalar()
        if payload is not None:
            return decode(payload)
        global _made
        start = time.perf_counter()
        decided = dict(make())
        _made += 1
        store(kind, root_id, k, key, decided, time.perf_counter() - start)
        return decided


@contextmanager
def _one_maker(kind: str, root_id: int, k: int):
    """Within: this process is the one making the decisions of (kind, tree, k), or has waited `MAKER_WAIT_S` for
    another (then it makes them too). PostgreSQL: an advisory lock on a connection of its own; SQLite: a lock file
    beside the database (an in-memory database has one process: nothing to share)."""
    name = f"{kind}-{root_id}-{k}"
    deadline = time.monotonic() + MAKER_WAIT_S
    if db.engine.dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(f"uprest-reports-{name}".encode()).digest()[:8], "big", signed=True)
        with db.engine.connect() as conn:
            while not (held := conn.execute(text("SELECT pg_try_advisory_lock(:n)"), {"n": number}).scalar()):
                if time.monotonic() > deadline:
                    break
                time.sleep(MAKER_POLL_S)
            conn.commit()
            try:
                yield
            finally:
                if held:
                    conn.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
                    conn.commit()
        return
    database = db.engine.url.database
    if not database or database == ":memory:":
        yield
        return
    fd = os.open(f"{database}.decision-{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(MAKER_POLL_S)
        yield
    finally:
        os.close(fd)  # releases the lock


def _connect():
    return db.engine.begin()


def store(kind: str, root_id: int, k: int, key: str, decided: Mapping[str, rules.Decision], seconds: float) -> bool:
    """Write the decision (once: a decision already there stays) and delete the older decisions of the same tree
    and k, on a connection of its own, or in the caller's transaction when it holds SQLite's write lock (a command
    that publishes, the demo's seeding: another connection would wait for it); False when the database was busy
    (nothing written)."""
    row = {"kind": kind, "root_id": root_id, "k": k, "data_key": key, "payload": encode(decided), "seconds": seconds}
    try:
        if _session_writes():
            with db.session.begin_nested():
                _write(db.session.connection(), row)
            return True
        with _connect() as conn:
            if conn.dialect.name == "postgresql":
                _write(conn, row)
                return True
            waited = conn.execute(text("PRAGMA busy_timeout")).scalar()
            conn.execute(text(f"PRAGMA busy_timeout={WRITE_WAIT_MS}"))
            try:
                _write(conn, row)
            finally:
                conn.execute(text(f"PRAGMA busy_timeout={int(waited)}"))
    except SQLAlchemyError:
        log.warning("reports: the %s decision of territory %s was not stored (the database is busy)", kind, root_id)
        return False
    return True


def _write(conn, row: dict) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = StoredDecision.__table__
    c = table.c
    conn.execute(table.delete().where(c.kind == row["kind"], c.root_id == row["root_id"], c.k == row["k"]))
    conn.execute(insert(table).values(**row, made_at=utcnow()).on_conflict_do_nothing())


def _session_writes() -> bool:
    """Whether this request's or command's own session holds SQLite's write lock (it has written and not yet
    committed)."""
    session = db.session()
    if not session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return False
    return bool(getattr(session.connection().connection.dbapi_connection, "in_transaction", False))
