"""``flask providers import [PATH]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from uprest.content import finish_command
from uprest.providers import loader

ROOT = Path(__file__).resolve().parent.parent.parent

providers_cli = AppGroup("providers", help="Providers: the awarding bodies of the course modules.")


def register(app: Flask) -> None:
    app.cli.add_command(providers_cli)


@providers_cli.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def import_providers(path: Path | None):
    """Import the providers of PATH (a providers.yaml file, or a courses folder holding one).

    PATH defaults to courses/providers.yaml. The file is validated whole first; a file with any error imports
    nothing. Each provider is created, or updated by its short name. `flask courses import` runs this first.
    Exits with status 1 when the file was refused.
    """
    finish_command(loader.import_providers(path or ROOT / "courses" / loader.FILE_NAME))
