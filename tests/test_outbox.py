"""The kernel's outbox functions (uprest/outbox.py) on both outbox models: due rows, claims, back-off, retention."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event

from uprest import outbox
from uprest.extensions import db, utcnow
from uprest.mail import OutboxMessage
from uprest.xapi import services as xapi
from uprest.xapi.models import ForwardItem
from uprest.xapi.statements import Activity

LEASE = timedelta(minutes=2)
MAX = 3
LESSON = Activity(path="/courses/web-basics/lessons/1", type="lesson", name={"en": "First lesson"})


def messages(n: int, **values) -> list[int]:
    """`n` mail outbox rows (committed); their ids."""
    rows = [OutboxMessage(to_address=f"o{i}@example.org", subject="s", body_text="b", **values) for i in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


@pytest.fixture()
def forward_items(app, monkeypatch, create_user):
    """A maker of `n` xAPI forward items (committed); their ids."""
    monkeypatch.setitem(app.config, "XAPI_FORWARD_URL", "http://127.0.0.1:1/lrs")
    user = create_user()

    def make(n: int) -> list[int]:
        statements = [xapi.record(user, "launched", LESSON) for _ in range(n)]
        db.session.commit()
        return list(
            db.session.scalars(
                db.select(ForwardItem.id)
                .where(ForwardItem.statement_pk.in_([s.id for s in statements]))
                .order_by(ForwardItem.id)
            )
        )

    return make


def claimed(model, ids) -> dict[int, str | None]:
    db.session.expire_all()
    return dict(db.session.execute(db.select(model.id, model.claimed_by).where(model.id.in_(ids))).all())


def claim(worker: str, limit: int = 100, model=OutboxMessage, **kwargs) -> list[int]:
    return outbox.claim(model, worker, limit, lease=LEASE, max_attempts=MAX, **kwargs)


def test_retry_delay_doubles_up_to_six_hours():
    """The back-off is 1, 2, 4 ... minutes after the 1st, 2nd, 3rd ... failure, at most 6 hours (0 counts as 1)."""
    assert [outbox.retry_delay(n) for n in (0, 1, 2, 3, 9, 10, 100)] == [
        timedelta(minutes=m) for m in (1, 1, 2, 4, 256, 360, 360)
    ]


def test_due_leaves_out_sent_given_up_backing_off_and_leased_rows(app):
    """Due: not sent, fewer than max_attempts attempts, back-off time come, no live lease; oldest first."""
    now = utcnow()
    later, earlier = now + timedelta(minutes=1), now - timedelta(minutes=1)
    fresh, retry, lease_over = (
        messages(1)
        + messages(1, attempts=MAX - 1, next_attempt_at=now)
        + messages(1, claimed_by="dead", claimed_until=earlier)
    )
    messages(1, sent_at=earlier)
    messages(1, attempts=MAX)
    messages(1, attempts=1, next_attempt_at=later)
    messages(1, claimed_by="busy", claimed_until=later)
    assert list(db.session.scalars(outbox.due(OutboxMessage, now, MAX))) == [fresh, retry, lease_over]


@pytest.mark.parametrize("model", [OutboxMessage, ForwardItem])
def test_claim_takes_the_oldest_due_rows_until_the_lease_ends(app, forward_items, model):
    """A claim takes up to `limit` due rows, oldest first, leases them to the worker until now + lease and
    commits; another worker gets only the rest; after the lease the rows are due again."""
    ids = messages(5) if model is OutboxMessage else forward_items(5)
    now = utcnow()
    assert claim("a", 3, model, now=now) == ids[:3]
    db.session.rollback()  # the claim was committed: nothing is lost
    assert claimed(model, ids) == {**dict.fromkeys(ids[:3], "a"), **dict.fromkeys(ids[3:])}
    assert {db.session.get(model, i).claimed_until for i in ids[:3]} == {now + LEASE}
    assert claim("b", 100, model, now=now) == ids[3:]
    assert claim("c", 100, model, now=now + LEASE - timedelta(seconds=1)) == []
    assert claim("c", 100, model, now=now + LEASE + timedelta(seconds=1)) == ids


def test_record_attempt_releases_the_lease_and_backs_off(app):
    """A failed attempt keeps its error (at most 500 characters) and waits retry_delay(attempts); a successful
    one is sent and clears the error; both release the lease."""
    (msg_id,) = messages(1)
    claim("w")
    msg = db.session.get(OutboxMessage, msg_id)
    now = utcnow()
    msg.record_attempt("x" * 600, now=now)
    assert (msg.attempts, msg.last_error, msg.next_attempt_at) == (1, "x" * 500, now + timedelta(minutes=1))
    assert msg.claimed_by is None and msg.claimed_until is None and msg.sent_at is None
    msg.record_attempt("again", now=now)
    assert msg.next_attempt_at == now + timedelta(minutes=2)
    msg.claimed_by = "w"
    msg.record_attempt(None, now=now)
    assert (msg.attempts, msg.sent_at, msg.last_error, msg.next_attempt_at, msg.claimed_by) == (
        3,
        now,
        None,
        None,
        None,
    )


def test_kept_too_long_is_sent_or_given_up_before_the_cutoff(app):
    """Retention takes rows sent before the cutoff and rows given up and written before it; waiting rows stay."""
    cutoff = utcnow() - timedelta(days=30)
    old, new = cutoff - timedelta(days=1), cutoff + timedelta(days=1)
    gone = messages(1, sent_at=old) + messages(1, created_at=old, attempts=MAX)
    messages(1, sent_at=new)
    messages(1, created_at=old, attempts=MAX - 1)
    messages(1, created_at=new, attempts=MAX)
    where = outbox.kept_too_long(OutboxMessage, cutoff, MAX)
    assert list(db.session.scalars(db.select(OutboxMessage.id).where(where).order_by(OutboxMessage.id))) == gone


def test_a_row_claimed_meanwhile_is_not_claimed_again(app):
    """When another worker claims the rows between this worker's read of the candidates and its conditional
    update, each row still goes to one worker: on PostgreSQL the other skips the rows this one has locked, on
    SQLite (no lock is held after the read) this one's update no longer matches the rows the other took."""
    ids = messages(4)
    me = threading.get_ident()
    other: list[int] = []
    fired = []

    def other_worker():
        with app.app_context():
            other.extend(claim("b"))
            db.session.remove()

    def between(_conn, _cursor, sql, *_args):
        if threading.get_ident() == me and sql.lstrip().upper().startswith("UPDATE") and not fired:
            fired.append(sql)
            thread = threading.Thread(target=other_worker)
            thread.start()
            thread.join()

    event.listen(db.engine, "before_cursor_execute", between)
    try:
        mine = claim("a")
    finally:
        event.remove(db.engine, "before_cursor_execute", between)
    assert fired and sorted(mine + other) == ids and not set(mine) & set(other)
    if db.engine.dialect.name == "postgresql":
        assert (mine, other) == (ids, [])
    else:
        assert (mine, other) == ([], ids)
    assert claimed(OutboxMessage, ids) == {i: "a" if i in mine else "b" for i in ids}


def test_postgresql_claim_skips_rows_another_connection_holds(app):
    """On PostgreSQL a worker passes over the rows another connection holds locked (FOR UPDATE SKIP LOCKED)
    instead of waiting for them, and claims the others."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's")
    ids = messages(5)
    with db.engine.connect() as conn:
        trans = conn.begin()
        held = list(conn.scalars(outbox.due(OutboxMessage, utcnow(), MAX).limit(2).with_for_update(skip_locked=True)))
        assert held == ids[:2]
        db.session.execute(db.text("SET LOCAL lock_timeout = '5s'"))  # a wait would fail, not hang
        assert claim("b") == ids[2:]
        trans.rollback()
    assert claim("c") == ids[:2]


def test_parallel_workers_claim_each_row_once(app):
    """Four workers claiming at the same time, ten rows at a go until nothing is due, get each of 40 rows once."""
    ids = messages(40)
    barrier = threading.Barrier(4, timeout=30)

    def work(name: str) -> list[int]:
        won = []
        with app.app_context():
            barrier.wait()
            while batch := claim(name, 10):
                won += batch
            db.session.remove()
        return won

    with ThreadPoolExecutor(4) as pool:
        shares = list(pool.map(work, ["w1", "w2", "w3", "w4"]))  # a worker's exception is raised here
    assert sorted(i for share in shares for i in share) == ids
