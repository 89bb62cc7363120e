"""Migrations: upgrade to head gives the models' schema, and downgrade to base removes it, on this database."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from uprest import ROOT, create_app
from uprest.extensions import db


@pytest.fixture()
def empty_app(tmp_path, _app):
    """An app on an empty database: a fresh SQLite file, or a separate PostgreSQL schema."""
    url = os.environ.get("UPREST_TEST_DATABASE_URL")
    config = {"SECRET_KEY": "k" * 40, "TESTING": True}
    if url and url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA migration_test"))
        config["DATABASE_URL"] = url
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": "-csearch_path=migration_test"}}
    else:
        engine = None
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    app = create_app(config)
    yield app
    with app.app_context():
        db.engine.dispose()
    if engine is not None:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        engine.dispose()


def _in_models(name, type_, parent_names) -> bool:
    """Everything but the tables SQLite's full-text engine makes itself (the catalogue search's FTS5 table)."""
    from uprest.catalog.models import is_search_engine_table

    return not (type_ == "table" and is_search_engine_table(name))


def test_upgrade_matches_models_and_downgrade_cleans(empty_app):
    """`flask db upgrade` creates exactly the models' schema; `downgrade base` leaves no table behind."""
    import uprest.models  # noqa: F401

    directory = str(ROOT / "migrations")
    with empty_app.app_context():
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            opts = {"compare_type": False, "include_name": _in_models}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
        assert diff == [], diff
        downgrade(directory=directory, revision="base")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade(directory=directory)  # and up again
