"""What the home page shows each role: the cards every feature offers the user."""

from __future__ import annotations

from uprest.accounts.models import User
from uprest.registry import Card, hooks


def dashboard_for(user: User) -> list[Card]:
    """The next steps offered to a user on the home page, in the features' order."""
    return [card for provider in hooks("dashboard_cards") for card in provider(user)]
