"""What other features aggregate over: the businesses of a set of people, as a select.

The municipality reports (``uprest.reports``) count businesses in SQL through this; they never read the accounts'
tables themselves. (In a module of its own because ``services.py`` is at the size limit.)
"""

from __future__ import annotations

from uprest import cache
from uprest.accounts.models import Organisation, Territory, User
from uprest.extensions import db

#: The generation of who lives and works where (accounts and businesses: territory, business, sub-sector; and the
#: territories' tree itself), for what other features count per territory. A user added or deleted, or a change of
#: their territory or business replaces it; their other columns (a login, a language) do not: what the reports
#: decide from it takes seconds to decide again (docs/performance.md). Every change of a business or a territory
#: replaces it.
PEOPLE = "people"
cache.watch(
    PEOPLE,
    User,
    Organisation,
    Territory,
    columns={User: ("territory_id", "organisation_id", "territory", "organisation")},
)


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
