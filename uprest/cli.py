"""Kernel command line: ``flask seed-demo``, ``flask translate ...``, ``flask mail ...``; features add their own."""

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
