"""``flask frameworks import [PATH]`` and ``flask profiles import [PATH]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from uprest.content import finish_command
from uprest.frameworks import loader

ROOT = Path(__file__).resolve().parent.parent.parent

frameworks_cli = AppGroup("frameworks", help="Competence frameworks (courses/frameworks/*.yaml).")
profiles_cli = AppGroup("profiles", help="Target profiles per sub-sector and job role (courses/profiles/*.yaml).")


def register(app: Flask) -> None:
    app.cli.add_command(frameworks_cli)
    app.cli.add_command(profiles_cli)


@frameworks_cli.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def import_frameworks(path: Path | None):
    """Import the framework files in PATH (a folder or one file; default courses/frameworks).

    An unchanged file does nothing; a changed one becomes a new current revision.
    """
    finish_command(loader.import_frameworks(path or ROOT / "courses" / "frameworks"))


@profiles_cli.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def import_profiles(path: Path | None):
    """Import the target profile files in PATH (a folder or one file; default courses/profiles).

    Competence keys must exist in the current frameworks: import the frameworks first.
    """
    finish_command(loader.import_profiles(path or ROOT / "courses" / "profiles"))
