"""What the home page shows each role."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l

from uprest.accounts.models import Role, User
from uprest.features import feature_modules


@dataclass
class Card:
    title: str
    text: str
    url: str
    action: str


@dataclass
class Dashboard:
    role: str
    cards: list[Card] = field(default_factory=list)


def dashboard_for(user: User) -> Dashboard:
    """The next steps offered to a user on the home page, by role."""
    dash = Dashboard(role=user.role)
    dash.cards.append(Card(_l("Your account"), _l("Your name, language and municipality."),
                           url_for("accounts.profile"), _l("Open your profile")))
    if user.role in (Role.LEARNER, Role.ADMIN) or user.organisation_id:
        if user.organisation_id:
            dash.cards.append(Card(_l("Your business"), _l("See the members of your business and invite staff."),
                                   url_for("accounts.business"), _l("Open your business")))
        else:
            dash.cards.append(Card(_l("Your business"),
                                   _l("Register your tourism business to invite your staff and compare skills."),
                                   url_for("accounts.business"), _l("Register a business")))
    for module in feature_modules("services", ("assessments", "catalog", "learning", "frameworks")):
        provider = getattr(module, "dashboard_cards", None)
        if provider is not None:
            dash.cards.extend(provider(user))
    if user.role == Role.ADMIN:
        dash.cards.append(Card(_l("Administration"), _l("Users, roles, municipalities and the mail outbox."),
                               url_for("admin.users"), _l("Open administration")))
    return dash
