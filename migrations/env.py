"""Alembic environment: runs inside the Flask app (Flask-Migrate) and uses its engine."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

import uprest.models  # noqa: F401  - registers every table on the metadata

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
metadata = db.metadata


def _skip_empty(context_, revision, directives):
    """Do not write an empty revision when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def _include_name(name, type_, parent_names) -> bool:
    """Leave out the tables SQLite's full-text engine makes itself (the catalogue search's FTS5 table):
    the search migration makes them, autogenerate must not propose to drop them."""
    from uprest.catalog.models import is_search_engine_table

    return not (type_ == "table" and is_search_engine_table(name))


def run_offline() -> None:
    context.configure(
        url=str(db.engine.url),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", _skip_empty)
    options.setdefault("compare_type", True)
    options.setdefault("include_name", _include_name)
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
