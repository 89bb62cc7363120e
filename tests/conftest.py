"""Shared fixtures: an app on a fresh database per test, a client, and factories.

The database is SQLite (a file in a temp dir) unless UPREST_TEST_DATABASE_URL
names another one (CI runs the whole suite again on PostgreSQL).
"""

from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import text

from uprest import create_app
from uprest.extensions import db as _db

TEST_DB_URL = os.environ.get("UPREST_TEST_DATABASE_URL") or None

# Property tests judge correctness, not speed (performance is measured in bench/): no per-example
# deadline, so a busy CI machine cannot turn a slow example into a failure.
settings.register_profile("uprest", deadline=None, print_blob=True)
settings.load_profile("uprest")
PASSWORD = "correct horse battery"


def _credential_key(folder) -> str:
    """A signing key for the credentials of the suite (2048 bits: quick to make), in a file of its own."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "credential_key.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(path)


def _config(tmp_path_factory) -> dict:
    url = TEST_DB_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    return {
        "CREDENTIAL_KEY": _credential_key(tmp_path_factory.mktemp("keys")),
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": url,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8192,
        "ARGON2_PARALLELISM": 1,
        "SERVER_NAME": None,
        "SMTP_URL": None,
    }


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, so it gets its own app context, `g` and DB session,
    as in production, even though the test itself holds an app context."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    app = create_app(_config(tmp_path_factory))
    app.test_client_class = IsolatedClient
    with app.app_context():
        import uprest.models  # noqa: F401

        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()


def _empty_tables(app) -> None:
    with app.app_context():
        _db.session.remove()
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # TRUNCATE of every table costs ~0.2 s (46 tables) per test; most tables are empty. Empty the
                # tables that hold rows (children first) and restart the sequences that moved: a few ms.
                probe = " UNION ALL ".join(
                    f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
                )
                filled = set(conn.execute(text(probe)).scalars())
                for t in tables:
                    if t.name in filled:
                        conn.execute(t.delete())
                conn.execute(
                    text(
                        "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                        "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                    )
                )
            else:
                conn.execute(text("PRAGMA foreign_keys=OFF"))
                for t in tables:
                    conn.execute(t.delete())
                conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture()
def app(_app):
    """The app with empty tables, the seeded municipalities and a fresh rate limiter."""
    from uprest.accounts.territories import ensure_territories
    from uprest.extensions import limiter

    _empty_tables(_app)
    with _app.app_context():
        limiter.reset()  # the counters live in the database (database://), as in production
        ensure_territories()
        _db.session.commit()
        yield _app
        _db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def db(app):
    return _db


@pytest.fixture()
def territory(app):
    from uprest.accounts import territories

    def get(code="vanersborg"):
        """The territory with this official code or short name."""
        return territories.by_code(code)

    return get


@pytest.fixture()
def create_user(app, territory):
    from uprest.accounts import services

    counter = {"n": 0}

    def make(role="learner", email=None, name=None, password=PASSWORD, locale="en", territory_code="vanersborg"):
        counter["n"] += 1
        place = territory(territory_code) if territory_code else None
        user = services.register_user(
            name=name or f"Test User {counter['n']}",
            email=email or f"user{counter['n']}@example.org",
            password=password,
            locale=locale,
            territory_id=place.id if place else None,
            role=role,
        )
        _db.session.commit()
        return user

    return make


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on `path` (the session keeps it)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, email, password=PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture()
def login_as(client, create_user):
    """Create a user with the role and log the test client in as them."""

    def go(role="learner", **kwargs):
        user = create_user(role=role, **kwargs)
        resp = login(client, user.email)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return user

    return go
