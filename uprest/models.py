"""Imports every feature's models so that the metadata knows all tables (Alembic, tests)."""

from importlib import import_module

FEATURES = ("accounts", "frameworks", "assessments", "catalog", "learning", "certificates")

for _name in FEATURES:
    try:
        import_module(f"uprest.{_name}.models")
    except ModuleNotFoundError as exc:  # a feature not built yet
        if exc.name != f"uprest.{_name}.models":
            raise
