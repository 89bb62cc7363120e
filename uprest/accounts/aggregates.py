"""What other features aggregate over: the businesses of a set of people, as a select.

The municipality reports (``uprest.reports``) count businesses in SQL through this; they never read the accounts'
tables themselves. (In a module of its own because ``services.py`` is at the size limit.)
"""

from __future__ import annotations

from uprest import cache
from uprest.accounts.models import Organisation, Territory, User
from uprest.extensions import db

#: The generation of who lives and works where (accounts and businesses: territory, business, sub-sector; and the
#: territories' tree itself), for what other features count per territory. Any change of a user row replaces it
#: (a login too): cautious, so that a figure is never computed from an old picture of who belongs to a territory.
PEOPLE = "people"
cache.watch(PEOPLE, User, Organisation, Territory)


def people_generation() -> str:
    """The current generation token of the people's places (one small query)."""
    return cache.generation(PEOPLE)


def businesses_of(people):
    """A select of (user_id, organisation_id) of the people of `people` (a select with ``user_id``) who belong to a
    business (as its owner or a member of its staff)."""
    who = people.subquery("people")
    return (
        db.select(User.id.label("user_id"), User.organisation_id.label("organisation_id"))
        .join(who, who.c.user_id == User.id)
        .where(User.organisation_id.is_not(None))
    )
