"""What accounts gives the other features through the registry: the receiver of their events and the
home page's cards."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from uprest.accounts.models import (
    Role,
    User,
)
from uprest.mail import send_mail
from uprest.registry import Card
from uprest.security import (
    external_url,
)

# --- events from other features ----------------------------------------------------


def notify_owner_of_assessment(sender, *, user: User, **_event) -> None:
    """Receiver of ``assessment_submitted``: when a member who shares results with the business submits
    an assessment, the owner gets a mail pointing to the combined profile. Flushes, never commits."""
    org = user.organisation
    if org is None or not user.shares_with_organisation or org.owner is None or org.owner_id == user.id:
        return
    owner = org.owner
    send_mail(
        owner.email,
        _l("New skills results in %(business)s", business=org.name),
        "email/member_assessed.txt",
        locale=owner.locale,
        owner=owner,
        member=user,
        org=org,
        link=external_url("assessments.business"),
    )


# --- the home page -----------------------------------------------------------------


def dashboard_cards(user: User) -> list[Card]:
    """The account, and the business (for learners, admins and members of a business)."""
    cards = [
        Card(
            _l("Your account"),
            _l("Your name, language and municipality."),
            url_for("accounts.profile"),
            _l("Open your profile"),
        )
    ]
    if user.organisation_id:
        cards.append(
            Card(
                _l("Your business"),
                _l("See the members of your business and invite staff."),
                url_for("accounts.business"),
                _l("Open your business"),
            )
        )
    elif user.role in (Role.LEARNER, Role.ADMIN):
        cards.append(
            Card(
                _l("Your business"),
                _l("Register your tourism business to invite your staff and compare skills."),
                url_for("accounts.business"),
                _l("Register a business"),
            )
        )
    return cards
