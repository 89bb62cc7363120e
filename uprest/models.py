"""Imports the kernel's and every feature's models so that the metadata knows all tables (Alembic, tests)."""

from uprest.registry import import_models

import_models()
