"""The database rate-limit storage: counters shared by every worker, atomic under parallel hits."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from tests.conftest import csrf_token
from uprest import ratelimit
from uprest.ratelimit import DatabaseStorage, RateLimitCounter


@pytest.fixture()
def storage(app):
    return storage_from_string("database://")


def test_the_default_storage_is_the_database():
    from uprest.config import Config

    assert Config.RATELIMIT_STORAGE_URI == "database://"
    assert isinstance(storage_from_string("database://"), DatabaseStorage)


def test_counts_within_a_window_and_starts_again_after_it(storage, db, monkeypatch):
    assert storage.incr("k", expiry=60) == 1
    assert storage.incr("k", expiry=60) == 2
    assert storage.incr("k", expiry=60, amount=3) == 5
    assert storage.get("k") == 5
    assert storage.get("other") == 0
    expiry = storage.get_expiry("k")
    assert time.time() < expiry <= time.time() + 60

    later = time.time() + 61
    monkeypatch.setattr(ratelimit.time, "time", lambda: later)
    assert storage.get("k") == 0  # the window has ended
    assert storage.incr("k", expiry=60) == 1  # a new window starts at the next hit
    assert storage.get_expiry("k") == pytest.approx(later + 60)


def test_parallel_hits_are_all_counted(app, storage):
    """Eight threads (eight connections, as eight workers would be) hit one key 40 times: 40 in all."""

    def hit(_):
        with app.app_context():
            return storage.incr("parallel", expiry=300)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(hit, range(40)))
    assert sorted(results) == list(range(1, 41))
    assert storage.get("parallel") == 40


def test_a_limit_holds_through_the_limits_strategy(storage):
    limiter = FixedWindowRateLimiter(storage)
    five = parse("5 per minute")
    assert [limiter.hit(five, "login", "a@example.org") for _ in range(7)] == [True] * 5 + [False] * 2
    assert limiter.hit(five, "login", "b@example.org")  # another account has its own count


def test_counts_outside_the_request_transaction(app, db, storage):
    """A hit counts even when the request that made it rolls back."""
    storage.incr("rolled-back", expiry=60)
    db.session.rollback()
    assert storage.get("rolled-back") == 1


def test_keys_are_stored_hashed_and_fit_however_long(storage, db):
    """The table holds no e-mail or network address (data protection), and long keys fit the column."""
    key = "login-account:" + "x" * 400 + "@example.org"
    assert storage.incr(key, expiry=60) == 1
    assert storage.incr(key, expiry=60) == 2
    storage.incr("login-account:anna@example.org", expiry=60)
    stored = db.session.scalars(db.select(RateLimitCounter.key)).all()
    assert len(stored) == 2
    assert all(k.startswith("hmac:") and len(k) <= ratelimit.KEY_LENGTH for k in stored)
    assert not any("example.org" in k for k in stored)


def test_clear_reset_and_check(storage):
    storage.incr("a", expiry=60)
    storage.incr("b", expiry=60)
    storage.clear("a")
    assert storage.get("a") == 0 and storage.get("b") == 1
    assert storage.reset() == 1
    assert storage.get("b") == 0
    assert storage.check() is True


def test_housekeeping_deletes_expired_counters(app, db, storage, monkeypatch):
    from uprest.mail import housekeeping

    storage.incr("old", expiry=1)
    storage.incr("current", expiry=3600)
    later = time.time() + 5
    monkeypatch.setattr(ratelimit.time, "time", lambda: later)
    assert housekeeping() >= 1
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(RateLimitCounter)) == 1
    assert storage.get("current") == 1


def test_login_limit_counts_in_the_database(app, db, client, create_user):
    """The app's own login limit, with the default storage: the sixth wrong password is refused."""
    create_user(email="limited@example.org")
    statuses = []
    for _ in range(6):
        token = csrf_token(client, "/login")
        resp = client.post("/login", data={"email": "limited@example.org", "password": "wrong", "csrf_token": token})
        statuses.append(resp.status_code)
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    assert db.session.scalar(db.select(db.func.count()).select_from(RateLimitCounter)) >= 1


def test_hits_from_many_threads_never_lose_a_count(app, storage):
    barrier = threading.Barrier(6)

    def burst(_):
        barrier.wait()
        with app.app_context():
            return [storage.incr("burst", expiry=60) for _ in range(5)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        counts = [c for batch in pool.map(burst, range(6)) for c in batch]
    assert sorted(counts) == list(range(1, 31))


def test_logins_that_name_no_account_do_not_share_one_key(app):
    """Posts without an e-mail address count per network address, not under one shared key, so one
    address sending them cannot lock out another."""

    def attempts(address: str, n: int) -> list[int]:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        statuses = []
        for _ in range(n):
            token = csrf_token(client, "/login")
            statuses.append(client.post("/login", data={"password": "x", "csrf_token": token}).status_code)
        return statuses

    assert attempts("198.51.100.7", 6)[-1] == 429
    assert attempts("203.0.113.9", 1) == [200]
