"""Imports every feature's models so that the metadata knows all tables (Alembic, tests)."""

from uprest.features import feature_modules

MODULES = feature_modules("models")
