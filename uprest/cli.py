"""Kernel command line: ``flask seed-demo``, ``flask translate ...``, ``flask mail ...``, ``flask backup`` and
``flask restore``; features add their own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from uprest.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).parent / "translations"

translate_cli = AppGroup("translate", help="Extract, update and compile the interface translations.")
mail_cli = AppGroup("mail", help="The mail outbox.")


def register(app: Flask) -> None:
    from uprest.registry import register_cli

    app.cli.add_command(seed_demo)
    app.cli.add_command(translate_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    register_cli(app)


@click.command("seed-demo")
def seed_demo():
    """Load every feature's demo data (idempotent): accounts first, then what they have done."""
    from uprest.registry import hooks

    for seed in hooks("demo"):
        seed()
        db.session.commit()


@mail_cli.command("worker")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
@click.option("--once", is_flag=True, help="One pass, then stop.")
def mail_worker(interval, once):
    """Deliver the outbox beside the web server (safe to run on several servers at once)."""
    from uprest.mail import run_worker

    try:
        run_worker(interval=interval, once=once)
    except KeyboardInterrupt:
        click.echo("mail worker stopped")


@mail_cli.command("retry")
@click.option("--limit", default=100, show_default=True)
def mail_retry(limit):
    """One delivery pass over what is due now (needs UPREST_SMTP_URL); for cron or by hand."""
    from flask import current_app

    from uprest.mail import deliver_pending

    if not current_app.config.get("SMTP_URL"):
        raise click.ClickException("UPREST_SMTP_URL is not set")
    sent, failed = deliver_pending(limit)
    click.echo(f"sent {sent}, failed {failed}")


@mail_cli.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None, help="Keep this many days (default: the setting).")
def mail_purge(days):
    """Delete mail older than the retention period (UPREST_OUTBOX_RETENTION_DAYS): sent messages, and those
    that gave up. Pending mail is kept. The mail worker does this once an hour."""
    from flask import current_app

    from uprest.mail import purge_outbox

    days = current_app.config["OUTBOX_RETENTION_DAYS"] if days is None else days
    deleted = purge_outbox(days)
    db.session.commit()
    click.echo(f"deleted {deleted} messages older than {days} days")


@click.command("backup")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write (default: UPREST_BACKUP_DIR, or instance/backups).",
)
@click.option("--keep-daily", type=click.IntRange(min=0), help="Days to keep a backup of (UPREST_BACKUP_KEEP_DAILY).")
@click.option("--keep-weekly", type=click.IntRange(min=0), help="Weeks to keep one of (UPREST_BACKUP_KEEP_WEEKLY).")
@click.option("--keep-monthly", type=click.IntRange(min=0), help="Months to keep one of (UPREST_BACKUP_KEEP_MONTHLY).")
@click.option("--no-prune", is_flag=True, help="Delete no old backup this time.")
@click.option("--gzip/--no-gzip", "compress", default=None, help="Compress a SQLite backup (UPREST_BACKUP_COMPRESS).")
@click.option("--list", "list_only", is_flag=True, help="List the backups in the folder; make none.")
def backup_command(directory, keep_daily, keep_weekly, keep_monthly, no_prune, compress, list_only):
    """Back up the database while the app runs (SQLite: its online backup API; PostgreSQL: pg_dump), check the
    copy, then delete the backups the retention rule no longer keeps. Never copy the SQLite file with cp: the
    latest writes are in its -wal file. See docs/backup.md."""
    from flask import current_app

    from uprest import backup

    config = current_app.config
    directory = directory or backup.default_dir(current_app.instance_path, config["BACKUP_DIR"])
    try:
        if list_only:
            _list_backups(backup.list_backups(directory), directory)
            return
        retention = backup.Retention(
            daily=config["BACKUP_KEEP_DAILY"] if keep_daily is None else keep_daily,
            weekly=config["BACKUP_KEEP_WEEKLY"] if keep_weekly is None else keep_weekly,
            monthly=config["BACKUP_KEEP_MONTHLY"] if keep_monthly is None else keep_monthly,
        )
        compress = config["BACKUP_COMPRESS"] if compress is None else compress
        made = backup.make_backup(db.engine.url, directory, compress=compress)
        m = made.manifest
        click.echo(
            f"backup written: {made.path} ({_size(m.size)}, {len(m.tables)} tables, integrity {m.integrity}, "
            f"schema revision {', '.join(m.revisions) or 'none'})"
        )
        if not no_prune:
            for old in backup.prune(directory, retention):
                click.echo(f"deleted old backup {old.path.name}")
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "target", metavar="URL", help="The database to restore into (default: the app's own).")
@click.option("--yes", is_flag=True, help="Replace the content of a database that already has tables.")
@click.option("--check", "check_only", is_flag=True, help="Only check the backup file; restore nothing.")
def restore_command(file, target, yes, check_only):
    """Restore a backup made by `flask backup` after checking it against its manifest (checksum, schema not
    newer than this code). Stop the app and its workers first when restoring into the database they use."""
    from flask import current_app

    from uprest import backup

    migrations = Path(current_app.extensions["migrate"].directory)
    try:
        found = backup.load(file)
        if check_only:
            status = backup.check(found, migrations)
            click.echo(f"{found.path.name}: checksum ok, content readable")
            click.echo(_schema_line(status, found.manifest.revisions))
            return
        done = backup.restore(
            found,
            target or db.engine.url,
            migrations=migrations,
            overwrite=yes,
            base=Path(current_app.instance_path),
        )
    except backup.TargetNotEmpty as exc:
        raise click.ClickException(f"{exc}: add --yes to replace its content with the backup") from None
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {found.path.name} into {done.target}: {done.tables} tables, integrity {done.integrity}")
    click.echo(_schema_line(backup.schema_status(done.revisions, migrations), done.revisions))


def _size(size: float) -> str:
    unit = "bytes"
    for bigger in ("kB", "MB", "GB"):
        if size < 1000:
            break
        size, unit = size / 1000, bigger
    return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"


def _schema_line(status: str, revisions) -> str:
    named = ", ".join(revisions)
    return {
        "current": f"schema revision {named}: the same as this code",
        "older": f"schema revision {named} is older than this code: run `flask db upgrade`",
        "newer": f"schema revision {named} is newer than this code",
        "none": "no Alembic revision recorded (the database was not made by `flask db upgrade`)",
    }[status]


def _list_backups(backups, directory: Path) -> None:
    if not backups:
        click.echo(f"no backups in {directory}")
    for found in backups:
        m = found.manifest
        when = m.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        click.echo(f"{found.path.name}  {when}  {_size(m.size)}  schema {', '.join(m.revisions) or 'none'}")


def _babel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_cli.command("extract")
def translate_extract():
    """Extract messages into uprest/translations/messages.pot and update every catalogue."""
    pot = TRANSLATIONS / "messages.pot"
    _babel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_pgettext:1c,2",
        "--no-location",
        "--sort-output",
        "--project",
        "UPREST",
        "-o",
        str(pot),
        ".",
    )
    _babel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete")


@translate_cli.command("compile")
def translate_compile():
    """Compile the .po catalogues into .mo files."""
    _babel("compile", "-d", str(TRANSLATIONS), "--statistics")


@translate_cli.command("check")
def translate_check():
    """Fail when any catalogue has untranslated or fuzzy messages."""
    from uprest.i18n_check import catalogue_gaps

    gaps = catalogue_gaps(TRANSLATIONS)
    for lang, missing in gaps.items():
        for msgid in missing[:20]:
            click.echo(f"{lang}: untranslated: {msgid!r}")
    if any(gaps.values()):
        raise click.ClickException("catalogues incomplete")
    click.echo("all catalogues complete")
