"""What other features aggregate over: the businesses of a set of people, as a select.

The municipality reports (``uprest.reports``) count businesses in SQL through this; they never read the accounts'
tables themselves. (In a module of its own because ``services.py`` is at the size limit.)
"""

from __future__ import annotations

from uprest.accounts.models import User
from uprest.extensions import db


def businesses_of(people):
    """A select of (user_id, organisation_id) of the people of `people` (a select with ``user_id``) who belong to a
    business (as its owner or a member of its staff)."""
    who = people.subquery("people")
    return (
        db.select(User.id.label("user_id"), User.organisation_id.label("organisation_id"))
        .join(who, who.c.user_id == User.id)
        .where(User.organisation_id.is_not(None))
    )
