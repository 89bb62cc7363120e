"""The reports' part of the worker's pass (``flask mail worker``): make the decisions of every tree that the data
changed under, before a page asks for them (`uprest.reports.store`).

Registered as the feature's ``outbox_worker``: its "outbox" is the trees whose current decision is not made yet.
A pass when nothing changed costs the generation tokens' queries and a look in the worker's memory. A decision
to make is spread over the CPUs (`gapmap.in_processes`).
"""

from __future__ import annotations

import logging

from uprest.accounts import territories
from uprest.reports import gapmap, participation, services, store

log = logging.getLogger(__name__)


def warm(limit: int = 100) -> tuple[int, int]:
    """Make (and store) the skills-gap map's and participation's decisions of every tree (country) whose data
    changed since they were made; (decisions made, 0). `limit` is the outbox's batch size, not used: a tree's
    decision is made whole."""
    made = store.made()
    roots = [node.territory for node in territories.tree(users=False) if node.depth == 0]
    k = services.min_group()
    with store.ensuring_stored(), gapmap.in_processes():
        for root in roots:
            services.decisions(root, k=k)
            participation.participation_view(root, with_trend=False)
    done = store.made() - made
    if done:
        log.info("reports: %s decisions made for %s trees", done, len(roots))
    return done, 0
