"""``flask territories list`` and ``flask territories import``: the tree as text, and Eurostat's LAU lists loaded
into it (municipalities under their NUTS 3 region)."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from uprest.accounts import territories
from uprest.accounts.models import Territory, TerritoryKind
from uprest.extensions import db

territories_cli = AppGroup("territories", help="Countries, regions and municipalities.")

#: The columns of Eurostat's LAU lists that the import reads (compared without case, spaces and underscores).
NUTS3, LAU_CODE, NAME_NATIONAL, NAME_LATIN = "NUTS3CODE", "LAUCODE", "LAUNAMENATIONAL", "LAUNAMELATIN"
REQUIRED = (NUTS3, LAU_CODE, NAME_NATIONAL)
NAME_MAX = 120
SLUG_MAX = 60


def register(app: Flask) -> None:
    app.cli.add_command(territories_cli)


class MalformedFile(ValueError):
    """The file is not a LAU list the import can read."""


@dataclass(frozen=True)
class LauRow:
    line: int
    nuts3: str
    lau_code: str
    name: str  # national
    latin: str


@dataclass
class Summary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "line N: reason"


def _column_key(header: str) -> str:
    return "".join(ch for ch in header.upper() if not ch.isspace() and ch != "_")


def read_lau(data: bytes) -> list[LauRow]:
    """The rows of a LAU list in CSV (',' or ';', with or without a UTF-8 BOM). Raises MalformedFile."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedFile(f"the file is not UTF-8 text (byte {exc.start})") from None
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise MalformedFile("the file is empty")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise MalformedFile(f"the file is not CSV: {exc}") from None
    rows = [(n, row) for n, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    (_header_no, header), body = rows[0], rows[1:]
    columns = {_column_key(name): i for i, name in reversed(list(enumerate(header)))}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        wanted = ", ".join(f'"{_label(name)}"' for name in missing)
        raise MalformedFile(f"the first line names no column {wanted} (separator {delimiter!r})")

    def cell(row, name):
        i = columns.get(name)
        return unicodedata.normalize("NFC", row[i].strip()) if i is not None and i < len(row) else ""

    out = []
    for line, row in body:
        name = cell(row, NAME_NATIONAL)
        out.append(LauRow(line, cell(row, NUTS3).upper(), cell(row, LAU_CODE).upper(), name, cell(row, NAME_LATIN)))
    return out


def _label(key: str) -> str:
    return {NUTS3: "NUTS 3 CODE", LAU_CODE: "LAU CODE", NAME_NATIONAL: "LAU NAME NATIONAL"}.get(key, key)


def import_lau(rows: list[LauRow], code_list: str) -> Summary:
    """Add or update the municipalities of `rows` under their NUTS 3 regions (flushes, never commits).

    Codes are "<country>_<LAU code>". A new municipality gets the slug of its Latin name ("-<LAU code>" added on a
    clash) and its Latin name as its English name; an existing one keeps its slug and translations and gets the
    row's region, national name and `code_list`. A municipality with a provisional code (code list "") and the
    row's region and national name takes the official code."""
    summary = Summary()
    every = list(db.session.scalars(db.select(Territory)))
    by_code = {t.code: t for t in every}
    slugs = {t.slug for t in every}
    provisional = {
        (t.parent_id, _same(t.name)): t for t in every if t.kind == TerritoryKind.MUNICIPALITY and not t.code_list
    }
    seen: set[str] = set()
    for row in rows:
        problem = _problem(row)
        region = by_code.get(row.nuts3)
        code = f"{row.nuts3[:2]}_{row.lau_code}"
        if problem is None and (region is None or region.kind != TerritoryKind.REGION):
            problem = f"the region {row.nuts3} is unknown"
        if problem is None and not territories.CODE_RE.fullmatch(code):
            problem = f"{code} is not a valid municipality code"
        if problem is None and code in seen:
            problem = f"{code} is repeated in the file"
        existing = by_code.get(code) if problem is None else None
        if existing is not None and provisional.get((existing.parent_id, _same(existing.name))) is existing:
            del provisional[(existing.parent_id, _same(existing.name))]
        if existing is not None and existing.kind != TerritoryKind.MUNICIPALITY:
            problem = f"{code} is a {existing.kind}, not a municipality"
        if problem is not None:
            summary.skipped.append(f"line {row.line}: {problem}")
            continue
        seen.add(code)
        if existing is None:
            existing = provisional.pop((region.id, _same(row.name)), None)
            if existing is not None:
                old = existing.code
                del by_code[old]
                existing.code, existing.name, existing.code_list = code, row.name, code_list
                by_code[code] = existing
                summary.updated.append(f"{old} -> {code} {row.name}")
                continue
        if existing is not None:
            changes = {"parent_id": region.id, "name": row.name, "country": region.country, "code_list": code_list}
            changed = [attr for attr, value in changes.items() if getattr(existing, attr) != value]
            for attr in changed:
                setattr(existing, attr, changes[attr])
            if changed:
                summary.updated.append(f"{code} {row.name} ({', '.join(changed)})")
            else:
                summary.unchanged += 1
            continue
        slug = _free_slug(row, slugs)
        if slug is None:
            summary.skipped.append(f"line {row.line}: no free short name for {code}")
            continue
        territory = Territory(
            code=code,
            slug=slug,
            kind=TerritoryKind.MUNICIPALITY.value,
            parent_id=region.id,
            name=row.name,
            names={"en": row.latin or row.name},
            country=region.country,
            code_list=code_list,
        )
        db.session.add(territory)
        by_code[code] = territory
        slugs.add(slug)
        summary.added.append(f"{code} {row.name}")
    db.session.flush()
    return summary


def _problem(row: LauRow) -> str | None:
    if not row.nuts3:
        return "no NUTS 3 code"
    if not row.lau_code:
        return "no LAU code"
    if not row.name:
        return "no national name"
    if len(row.name) > NAME_MAX or len(row.latin) > NAME_MAX:
        return f"a name longer than {NAME_MAX} characters"
    return None


def _same(name: str) -> str:
    return unicodedata.normalize("NFC", name.strip()).casefold()


def _free_slug(row: LauRow, taken: set[str]) -> str | None:
    base = territories.slugify(row.latin or row.name)
    if base not in taken:
        return base
    suffix = "-" + territories.slugify(row.lau_code)
    slug = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return slug if slug not in taken and territories.SLUG_RE.fullmatch(slug) else None


@territories_cli.command("list")
@click.option("--under", "under_code", default=None, help="Only this territory (code or short name) and below.")
def list_territories(under_code):
    """Print the tree: code, name, kind, code list and number of users."""
    under = None
    if under_code:
        root = territories.by_code(under_code)
        if root is None:
            raise click.ClickException(f"unknown territory {under_code!r}")
        under = root.id
    for node in territories.tree(under=under):
        t = node.territory
        indent = "  " * node.depth
        click.echo(
            f"{indent}{t.code:<{16 - len(indent)}} {t.name} [{t.slug}] {t.kind}, "
            f"{t.code_list or 'provisional code'}, {node.users} user(s)"
        )


@territories_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code-list", required=True, help='The list and its year, e.g. "LAU 2021".')
@click.option("-v", "--verbose", is_flag=True, help="Also list each municipality added.")
def import_command(file: Path, code_list: str, verbose: bool):
    """Add or update municipalities from a LAU list of Eurostat saved as CSV (columns NUTS 3 CODE, LAU CODE,
    LAU NAME NATIONAL, LAU NAME LATIN; the regions must exist). Safe to run again."""
    code_list = code_list.strip()
    if not code_list or len(code_list) > 20:
        raise click.ClickException('--code-list takes 1 to 20 characters, e.g. "LAU 2021"')
    try:
        rows = read_lau(file.read_bytes())
    except MalformedFile as exc:
        raise click.ClickException(f"{file}: {exc}; nothing was imported") from None
    try:
        summary = import_lau(rows, code_list)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    shown = [("updated", summary.updated), ("skipped", summary.skipped)]
    for title, lines in [("added", summary.added if verbose else [])] + shown:
        for text in lines:
            click.echo(f"  {title}: {text}")
    click.echo(
        f"{len(summary.added)} added, {len(summary.updated)} updated, {summary.unchanged} unchanged, "
        f"{len(summary.skipped)} skipped"
    )
