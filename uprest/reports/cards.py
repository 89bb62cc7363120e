"""The reports' card on the home page of municipality staff and admins."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from uprest.accounts.models import Role, User
from uprest.registry import Card


def dashboard_cards(user: User) -> list[Card]:
    if user.role not in (Role.STAFF, Role.CONSORTIUM, Role.ADMIN):
        return []
    cards = [
        Card(
            _l("Skills-gap map"),
            _l("Where the people of your municipality are below their skills targets, by competence and sub-sector."),
            url_for("reports.index"),
            _l("Open the skills-gap map"),
        )
    ]
    if user.role in (Role.CONSORTIUM, Role.ADMIN) or user.territory_id is not None:
        cards.append(
            Card(
                _l("Compare territories"),
                _l("The main figures of several territories side by side, each under the same privacy rule."),
                url_for("reports.compare"),
                _l("Compare territories"),
            )
        )
    return cards
