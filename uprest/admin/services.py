"""What administration offers on the home page."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from uprest.accounts.models import Role, User
from uprest.registry import Card


def dashboard_cards(user: User) -> list[Card]:
    if user.role != Role.ADMIN:
        return []
    return [
        Card(
            _l("Administration"),
            _l("Users, roles, territories and the mail outbox."),
            url_for("admin.users"),
            _l("Open administration"),
        )
    ]
