"""``flask courses import [PATH]`` and ``flask courses export CODE [--out DIR]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from uprest.catalog import exporter, loader, services
from uprest.content import finish_command

ROOT = Path(__file__).resolve().parent.parent.parent

courses_cli = AppGroup("courses", help="Course modules (courses/modules/<code>/).")


def register(app: Flask) -> None:
    app.cli.add_command(courses_cli)


@courses_cli.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def import_courses(path: Path | None):
    """Import the module folders in PATH (courses/, courses/modules/ or one module folder).

    PATH defaults to courses/. Every module is validated whole first; a module with any error
    is refused and nothing of it is imported. An unchanged module does nothing; a changed one
    becomes a new published version.
    Exits with status 1 when any module was refused.
    """
    finish_command(loader.import_modules(path or ROOT / "courses"))


@courses_cli.command("export")
@click.argument("code")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder to write <code>/ into (default courses/modules).",
)
@click.option("--draft", is_flag=True, help="Export the unpublished draft instead of the published version.")
def export_course(code: str, out: Path | None, draft: bool):
    """Write module CODE back in the courses/ format (module.yaml, lessons/, quiz, images/)."""
    module = services.module_by_code(code)
    if module is None:
        raise click.ClickException(f"unknown module {code!r}")
    version = services.draft_of(module) if draft else module.published_version
    if version is None:
        raise click.ClickException(
            "no draft to export" if draft else "the module has no published version (use --draft to export its draft)"
        )
    target = exporter.export_module(module, out or ROOT / "courses" / "modules", version)
    click.echo(f"exported {code} version {version.version} to {target}")
