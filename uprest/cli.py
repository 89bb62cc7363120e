"""Command-line interface: ``flask seed-demo``, ``flask users ...``, ``flask translate ...``, ``flask mail ...``."""

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

DEMO_PASSWORD = "uprest-demo-2026"
DEMO_ACCOUNTS = [
    # email, name, role, municipality code, locale
    ("learner@demo.uprest.eu", "Lena Lärare", "learner", "vanersborg", "sv"),
    ("owner@demo.uprest.eu", "Marco Rossi", "learner", "cervia", "it"),
    ("trainer@demo.uprest.eu", "Tiina Virtanen", "trainer", "pori", "fi"),
    ("staff@demo.uprest.eu", "Ivana Horvat", "staff", "kvarner", "hr"),
    ("admin@demo.uprest.eu", "Alex Admin", "admin", "trollhattan", "en"),
]

users_cli = AppGroup("users", help="Manage user accounts.")
translate_cli = AppGroup("translate", help="Extract, update and compile the interface translations.")
mail_cli = AppGroup("mail", help="The mail outbox.")


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(users_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(mail_cli)
    from uprest.features import feature_modules

    for module in feature_modules("cli"):
        module.register(app)


@click.command("seed-demo")
def seed_demo():
    """Create the municipalities, one demo account per role and a demo business (idempotent)."""
    from uprest.accounts import services
    from uprest.accounts.models import Municipality

    services.ensure_municipalities()
    munis = {m.code: m for m in db.session.scalars(db.select(Municipality))}
    for email, name, role, muni, locale in DEMO_ACCOUNTS:
        if services.user_by_email(email) is None:
            services.register_user(name=name, email=email, password=DEMO_PASSWORD, locale=locale,
                                   municipality_id=munis[muni].id, role=role)
    owner = services.user_by_email("owner@demo.uprest.eu")
    if owner.organisation_id is None:
        services.create_organisation(owner, name="Bagno Sole Cervia", subsector="accommodation", size="micro",
                                     municipality_id=munis["cervia"].id)
    db.session.commit()
    _seed_demo_assessment(services.user_by_email("learner@demo.uprest.eu"))
    click.echo(f"Demo data ready. Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, _name, role, muni, _locale in DEMO_ACCOUNTS:
        click.echo(f"  {role:<8} {email:<28} ({muni})")


def _seed_demo_assessment(user) -> None:
    """A submitted assessment for the demo learner, so that the result page has something to show."""
    from uprest.features import optional_module

    services = optional_module("uprest.assessments.services")
    if services is None or services.latest_submitted_run(user) is not None or services.open_run(user):
        return
    try:
        run, _created = services.start_run(user, subsector="accommodation", job_role="staff")
    except services.AssessmentError:  # frameworks or profiles not loaded
        db.session.rollback()
        return
    pages = services.run_pages(run)
    answers = {}
    for number, page in enumerate(pages):
        for item in page.items:
            if item.kind == "knowledge":
                answers[item.id] = next(i for i, c in enumerate(item.choices) if c.get("correct"))
            else:
                answers[item.id] = 1 + (item.id + number) % 3
    services.save_answers(run, answers, go_to_page=len(pages))
    services.submit_run(run)
    db.session.commit()


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["learner", "trainer", "staff", "admin"]), default="learner")
@click.option("--municipality", "municipality_code", default=None, help="Municipality code (required for staff).")
@click.option("--locale", default="en")
@click.password_option()
def create_user(email, name, role, municipality_code, locale, password):
    """Create a user account."""
    from uprest.accounts import services
    from uprest.accounts.models import Municipality

    muni_id = None
    if municipality_code:
        muni = db.session.scalar(db.select(Municipality).where(Municipality.code == municipality_code))
        if muni is None:
            raise click.ClickException(f"unknown municipality {municipality_code!r}")
        muni_id = muni.id
    if role == "staff" and muni_id is None:
        raise click.ClickException("municipality staff need --municipality")
    if not 8 <= len(password) <= 128:
        raise click.ClickException("the password must have 8 to 128 characters")
    try:
        user = services.register_user(name=name, email=email, password=password, locale=locale,
                                      municipality_id=muni_id, role=role)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created user {user.id} <{user.email}> as {role}")


@mail_cli.command("retry")
@click.option("--limit", default=100, show_default=True)
def mail_retry(limit):
    """Deliver outbox messages that have not been sent yet (needs UPREST_SMTP_URL)."""
    from flask import current_app

    from uprest.mail import retry_pending

    if not current_app.config.get("SMTP_URL"):
        raise click.ClickException("UPREST_SMTP_URL is not set")
    sent, failed = retry_pending(limit)
    db.session.commit()
    click.echo(f"sent {sent}, failed {failed}")


def _babel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_cli.command("extract")
def translate_extract():
    """Extract messages into uprest/translations/messages.pot and update every catalogue."""
    pot = TRANSLATIONS / "messages.pot"
    _babel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
           "--project", "UPREST", "-o", str(pot), ".")
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
