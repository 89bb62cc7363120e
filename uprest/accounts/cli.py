"""``flask users create`` and the demo accounts of ``flask seed-demo``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from uprest.accounts import services, territories
from uprest.accounts.models import Role, Territory
from uprest.accounts.territories import ensure_territories
from uprest.extensions import db

DEMO_PASSWORD = "uprest-demo-2026"
DEMO_ACCOUNTS = [
    # email, name, role, municipality code, locale
    ("learner@demo.uprest.eu", "Lena Lärare", "learner", "vanersborg", "sv"),
    ("owner@demo.uprest.eu", "Marco Rossi", "learner", "cervia", "it"),
    ("trainer@demo.uprest.eu", "Tiina Virtanen", "trainer", "pori", "fi"),
    ("staff@demo.uprest.eu", "Ivana Horvat", "staff", "kvarner", "hr"),
    ("admin@demo.uprest.eu", "Alex Admin", "admin", "trollhattan", "en"),
]
DEMO_LEARNER = DEMO_ACCOUNTS[0][0]

users_cli = AppGroup("users", help="Manage user accounts.")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)


def seed_demo() -> None:
    """The municipalities, one demo account per role and a demo business (idempotent; flushes)."""
    ensure_territories()
    places = {t.slug: t for t in db.session.scalars(db.select(Territory))}
    for email, name, role, territory, locale in DEMO_ACCOUNTS:
        if services.user_by_email(email) is None:
            services.register_user(
                name=name,
                email=email,
                password=DEMO_PASSWORD,
                locale=locale,
                territory_id=places[territory].id,
                role=role,
            )
    owner = services.user_by_email("owner@demo.uprest.eu")
    if owner.organisation_id is None:
        services.create_organisation(
            owner, name="Bagno Sole Cervia", subsector="accommodation", size="micro", territory_id=places["cervia"].id
        )
    db.session.flush()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, _name, role, territory, _locale in DEMO_ACCOUNTS:
        click.echo(f"  {role:<8} {email:<28} ({territory})")


def demo_people(emails_and_names: list[tuple[str, str, str]]) -> list:
    """The demo people (e-mail @DEMO_DOMAIN, name, municipality code) of other features' demo data (the reports'
    synthetic territory), created once without a password that can log in (flushes). Returns them in order."""
    from uprest.accounts.models import DEMO_DOMAIN, User

    emails = [email for email, _name, _muni in emails_and_names]
    if any(not email.endswith("@" + DEMO_DOMAIN) for email in emails):
        raise ValueError(f"demo people have addresses @{DEMO_DOMAIN}")
    found = {u.email: u for u in db.session.scalars(db.select(User).where(User.email.in_(emails)))}
    places = {t.slug: t.id for t in db.session.scalars(db.select(Territory))}
    for email, name, territory in emails_and_names:
        if email not in found:
            found[email] = User(
                email=email, name=name, password_hash="!demo", locale="en", territory_id=places[territory]
            )  # "!demo" is no Argon2 hash: no password matches it
            db.session.add(found[email])
    db.session.flush()
    return [found[email] for email in emails]


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), default="learner")
@click.option(
    "--territory",
    "--municipality",
    "territory_code",
    default=None,
    help="The territory's code or short name, e.g. SE_1487 or vanersborg (required for staff).",
)
@click.option("--locale", default="en")
@click.password_option()
def create_user(email, name, role, territory_code, locale, password):
    """Create a user account."""
    territory_id = None
    if territory_code:
        territory = territories.by_code(territory_code)
        if territory is None:
            raise click.ClickException(f"unknown territory {territory_code!r}")
        territory_id = territory.id
    if role == "staff" and territory_id is None:
        raise click.ClickException("municipality staff need --territory")
    if not 8 <= len(password) <= 128:
        raise click.ClickException("the password must have 8 to 128 characters")
    try:
        user = services.register_user(
            name=name, email=email, password=password, locale=locale, territory_id=territory_id, role=role
        )
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created user {user.id} <{user.email}> as {role}")


@users_cli.command("purge-registrations")
def purge_registrations():
    """Delete the registrations whose confirmation link has expired (each new registration does this too)."""
    deleted = services.purge_expired_registrations()
    db.session.commit()
    click.echo(f"deleted {deleted} expired registrations")
