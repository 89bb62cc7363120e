"""Optional feature modules: a feature contributes views, CLI, models or dashboard cards by having the file."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

FEATURES = ("accounts", "frameworks", "assessments", "catalog", "learning", "certificates", "reports")


def optional_module(name: str) -> ModuleType | None:
    """Import `name` if it exists; None when it (or its package) does not. Other import errors propagate."""
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


def feature_modules(suffix: str, features=FEATURES) -> list[ModuleType]:
    """uprest.<feature>.<suffix> for every feature that has it, in FEATURES order."""
    found = []
    for feature in features:
        module = optional_module(f"uprest.{feature}.{suffix}")
        if module is not None:
            found.append(module)
    return found
