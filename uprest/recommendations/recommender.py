"""The recommender: the learner's gap profile and the catalogue in, an ordered learning path out.

Pure (no Flask, no database): the rules are in :mod:`uprest.recommendations.rules`. The choice is greedy:
again and again, the module whose *bundle* (itself after its prerequisites that are not taken yet) closes
the largest weighted gap per hour is added, bundle and all. It is evaluated lazily: a bundle's ratio can only
fall as the path closes gap levels, except when one of its prerequisites joins the path (then it loses that
prerequisite's hours), so a bundle is evaluated again only when it reaches the top of the queue with an old
ratio, or at once when one of its prerequisites is taken. That gives exactly the path of the plain greedy
loop (which evaluates every module at every step) at a fraction of the cost.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable

from uprest.recommendations.rules import (
    CatalogueModule,
    Gap,
    Learner,
    LearningPath,
    Recommendation,
    language_for,
    pending_prerequisites,
    raises_of,
    unreachable,
    week_of,
)

Level = tuple[str, int]  # (competence key, gap level)


def recommend(learner: Learner, catalogue: Iterable[CatalogueModule]) -> LearningPath:
    """The learner's learning path through the catalogue (rules 1–6 of the rules module)."""
    modules = _by_code(catalogue)
    gaps = {g.key: g for g in learner.gaps}
    done = set(learner.completed)
    blocked = unreachable(modules, done)
    candidates = {code: m for code, m in modules.items() if code not in done and code not in blocked}
    readable = {code for code, m in candidates.items() if language_for(m, learner.languages) is not None}
    offers = _offers(candidates, gaps, readable)
    order = _choose(candidates, offers, done)
    return _path(order, modules, gaps, offers, learner, readable, blocked)


def _by_code(catalogue: Iterable[CatalogueModule]) -> dict[str, CatalogueModule]:
    modules: dict[str, CatalogueModule] = {}
    for m in catalogue:
        if m.code in modules:
            raise ValueError(f"module {m.code} appears twice in the catalogue")
        modules[m.code] = m
    return dict(sorted(modules.items()))


def _closes(module: CatalogueModule, gaps: dict[str, Gap]) -> set[Level]:
    """Every gap level one of the module's outcomes closes (rule 2)."""
    out: set[Level] = set()
    for o in module.outcomes:
        gap = gaps.get(o.competence)
        if gap is not None and gap.importance > 0:
            out.update((o.competence, level) for level in gap.levels if o.closes(level))
    return out


def _offers(candidates: dict[str, CatalogueModule], gaps: dict[str, Gap], readable: set[str]) -> dict[str, tuple]:
    """code -> the gap levels the module may get credit for, with their weights: every level it closes when it
    is readable, else only the levels that no readable module closes (rule 5)."""
    closes = {code: _closes(m, gaps) for code, m in candidates.items()}
    in_readable: set[Level] = set().union(*(closes[code] for code in readable)) if readable else set()
    offers = {}
    for code, levels in closes.items():
        allowed = levels if code in readable else levels - in_readable
        offers[code] = tuple((key, level, gaps[key].importance) for key, level in sorted(allowed))
    return offers


def _choose(candidates: dict[str, CatalogueModule], offers: dict[str, tuple], done: set[str]) -> list[str]:
    """The codes of the path in order (rule 3), prerequisites pulled in before the modules that need them."""
    heads = [code for code, offer in offers.items() if offer]  # a module that closes no gap is never chosen
    needs = {code: pending_prerequisites(code, candidates, done) for code in heads}
    users: dict[str, list[str]] = {}  # prerequisite -> the heads whose bundles contain it
    for code in heads:
        for p in needs[code]:
            users.setdefault(p, []).append(code)
    closed: set[Level] = set()
    taken: set[str] = set()
    order: list[str] = []

    def ratio(code: str) -> float | None:
        """Weighted gap per hour of the bundle; None when the module itself would close nothing."""
        bundle = [p for p in needs[code] if p not in taken]
        seen: set[Level] = set()
        credit = 0
        hours = 0.0
        for member in (*bundle, code):
            own = 0
            for key, level, weight in offers[member]:
                if (key, level) not in closed and (key, level) not in seen:
                    seen.add((key, level))
                    own += weight
            credit += own
            hours += max(candidates[member].hours, 0.0)
        if own == 0:
            return None
        return credit / hours if hours > 0 else math.inf

    rounds = 0
    stamp: dict[str, int] = {}
    queue: list[tuple[float, str, int]] = []

    def push(code: str) -> None:
        value = ratio(code)
        stamp[code] = rounds
        if value is not None:
            heapq.heappush(queue, (-value, code, rounds))

    for code in heads:
        push(code)
    while queue:
        _neg, code, at = heapq.heappop(queue)
        if code in taken or at != stamp[code]:
            continue  # taken already, or a newer entry of it is in the queue
        if at != rounds:
            push(code)  # an old ratio: an upper bound of the current one
            continue
        bundle = [p for p in needs[code] if p not in taken] + [code]
        for member in bundle:
            taken.add(member)
            order.append(member)
            closed.update((key, level) for key, level, _w in offers[member])
        rounds += 1
        for member in bundle:  # bundles that lost a prerequisite: their ratio may rise
            for user in users.get(member, ()):
                if user not in taken:
                    push(user)
    return order


def _path(
    order: list[str],
    modules: dict[str, CatalogueModule],
    gaps: dict[str, Gap],
    offers: dict[str, tuple],
    learner: Learner,
    readable: set[str],
    blocked: set[str],
) -> LearningPath:
    """The recommendations in `order`, each with the gap levels it closes first and its week."""
    position = {code: i for i, code in enumerate(order)}
    closed: set[tuple[str, int]] = set()
    hours = 0.0
    items = []
    for code in order:
        m = modules[code]
        levels = [(key, level) for key, level, _w in offers[code] if (key, level) not in closed]
        closed.update(levels)
        hours += max(m.hours, 0.0)
        raises = raises_of(levels, gaps)
        needed_for = sorted(other for other in order[position[code] + 1 :] if code in modules[other].prerequisites)
        items.append(
            Recommendation(
                code=code,
                raises=raises,
                weighted_gap=sum(r.weighted for r in raises),
                hours=m.hours,
                week=week_of(hours, learner.weekly_hours),
                needed_for=tuple(needed_for),
                language=language_for(m, learner.languages),
                offered_in=tuple(m.languages),
                language_fallback=code not in readable,
            )
        )
    return LearningPath(
        items=tuple(items),
        total_weighted_gap=sum(g.weighted for g in gaps.values()),
        weekly_hours=learner.weekly_hours,
        unreachable=tuple(sorted(blocked)),
    )
