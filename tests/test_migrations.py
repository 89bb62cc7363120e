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


# SQLite adds a foreign key to an existing table only inside the new column's definition (ADD COLUMN ...
# REFERENCES ...; a table constraint would need a rebuild of the table), and SQLAlchemy reads neither the name
# nor the ON DELETE of such an inline key back: autogenerate would see another key. They are compared with
# PRAGMA foreign_key_list instead.
SQLITE_INLINE_FKS = {("module_versions", "provider_id", "providers", "RESTRICT")}


def _compared(dialect: str):
    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        if dialect != "sqlite" or type_ != "foreign_key_constraint":
            return True
        return not any(
            obj.table.name == table and [c.name for c in obj.columns] == [column]
            for table, column, _, _ in SQLITE_INLINE_FKS
        )

    return include_object


def test_upgrade_matches_models_and_downgrade_cleans(empty_app):
    """`flask db upgrade` creates exactly the models' schema; `downgrade base` leaves no table behind."""
    import uprest.models  # noqa: F401

    directory = str(ROOT / "migrations")
    with empty_app.app_context():
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            opts = {"compare_type": False, "include_name": _in_models, "include_object": _compared(conn.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
            if conn.dialect.name == "sqlite":
                for table, column, referred, on_delete in SQLITE_INLINE_FKS:
                    keys = conn.exec_driver_sql(f"PRAGMA foreign_key_list({table})").all()
                    assert [(k.table, k.on_delete) for k in keys if k[3] == column] == [(referred, on_delete)], keys
        assert diff == [], diff
        downgrade(directory=directory, revision="base")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade(directory=directory)  # and up again
