"""``flask courses import [PATH]``, ``flask courses export CODE [--out DIR]`` and ``flask courses reviewed [PATH]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from uprest.catalog import exporter, loader, services, sources
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


@courses_cli.command("reviewed")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(sources.LANGS[1:]), help="Only this language (default: every one).")
@click.option(
    "--item",
    "items",
    multiple=True,
    help="Only this item (repeatable): lesson:<short name>, quiz:<question id>, outcome:<competence>, title, "
    "summary or quality_assurance.",
)
def reviewed(path: Path | None, lang: str | None, items: tuple[str, ...]):
    """Record the translations of the modules in PATH as made from today's English text.

    Run it after updating the translations of a changed English text: it writes each module's
    translations.yaml (the digest of the English text every translation was made from). Until then the
    changed text's translations count as needing review. PATH defaults to courses/. Reads no database.
    """
    root = path or ROOT / "courses"
    folders = loader.module_folders(root)
    known = {f.name for f in folders}
    failed = False
    for folder in folders:
        spec, _blobs, errors = loader.validate_module(folder, None, known)
        if errors:
            failed = True
            click.echo("\n".join(str(e) for e in errors), err=True)
            continue
        module_items = sources.spec_items(spec)
        recorded = sources.reviewed(module_items, spec.get("translated_from"), lang, items or None)
        text = sources.FILE_HEADER + exporter.dump_yaml(sources.file_document(module_items, recorded))
        target = folder / sources.FILE
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8", newline="\n")
            click.echo(f"{folder.name}: recorded")
    if failed:
        raise SystemExit(1)
