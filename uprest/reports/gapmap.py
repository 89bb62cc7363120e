"""The skills-gap map's decision: which of its counts are shown, for every territory of a tree and every period
at once (docs/reports-privacy.md, "The skills-gap map").

Every territory of a tree publishes its map for every quarter with data and for all time, so all of them are
decided together: a region's figure and its municipalities' figures are sums of the same atomic cells, and so are
a quarter's and all time's, so a count hidden in one cannot be had by subtracting others (a region minus its
other municipalities, all time minus the other quarters).

A person's **history** for a competence is, for each quarter they were assessed in, (the quarter, their
sub-sector then, below target or not) of their latest assessment in that quarter; their status over all time is
the last entry (their latest assessment of all). The atomic cells of a competence are (place, history), where the
place is the territory the person is in: every published count is a sum of them, whatever the territory, the
period and the sub-sector. It publishes, per territory, period and sub-sector (and all sub-sectors), the people
assessed (n), the people below target and the people at or above it (both halves of a share). The column totals
are one more system over (place, history of "below target in at least one competence"). A count of people that
equals the column total of its territory, period and sub-sector is the same figure (the same people) and carries
the same name in every system, so that `rules.suppress_together` hides it everywhere when one system hides it.

Names: ("people" | "gap" | "nogap", territory, period, sub-sector) and ("n" | "below" | "ok", territory, period,
competence, sub-sector), where the period is a quarter ('2026Q3') or ALL and the sub-sector one or ALL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import String, cast, func

from uprest.accounts import territories
from uprest.accounts.models import Territory
from uprest.assessments.aggregates import latest_results, run_span
from uprest.extensions import db
from uprest.reports import rules
from uprest.reports.periods import quarter_bounds, quarter_of, quarter_range

#: The key of every sub-sector, every competence and all time in cell names.
ALL = "*"

#: One entry of a history: (quarter, sub-sector, 1 when below target else 0).
Entry = tuple[str, str, int]
History = tuple[Entry, ...]


@dataclass(frozen=True)
class TreeCounts:
    """What the database gives for a tree: the people per atomic cell."""

    quarters: tuple[str, ...]  # the quarters with data, in order
    cells: Mapping[tuple[int, str, History], int]  # (place, competence, history) -> people
    people: Mapping[tuple[int, History], int]  # (place, history of "below in at least one competence") -> people


# --- the queries --------------------------------------------------------------------------------------------


def _history(text: str, quarters: tuple[str, ...]) -> History:
    """'2:food_beverage:1;0:hotel:0' (pieces in any order) -> ((quarter, sub-sector, below), ...) by quarter."""
    pieces = sorted((int(i), sub, int(below)) for i, sub, below in (piece.split(":") for piece in text.split(";")))
    return tuple((quarters[i], sub, below) for i, sub, below in pieces)


def count(root: Territory, people) -> TreeCounts:
    """Aggregate the assessments of `people` (a select of user_id, subsector, place: everybody under `root`) in
    SQL: each person's latest assessment in each quarter, their history per competence as one string per person
    (`aggregate_strings`, in any order), grouped by (place, competence, history)."""
    first, last = run_span(people)
    if first is None:
        return TreeCounts((), {}, {})
    quarters = tuple(quarter_range(quarter_of(first), quarter_of(last)))
    results = latest_results(people, periods=[quarter_bounds(q) for q in quarters])
    c = results.c

    def piece(of):  # "period:sub-sector:below" of a row of `of` (a subquery with those columns)
        return cast(of.period, String) + ":" + func.coalesce(of.subsector, "") + ":" + cast(of.below, String)

    per_competence = (
        db.select(c.user_id, c.place, c.competence_key, func.aggregate_strings(piece(c), ";").label("h"))
        .group_by(c.user_id, c.place, c.competence_key)
        .subquery("per_competence")
    )
    h = per_competence.c
    cells: dict = {}
    for place, key, text, n in db.session.execute(
        db.select(h.place, h.competence_key, h.h, func.count()).group_by(h.place, h.competence_key, h.h)
    ):
        atom = (int(place), key, _history(text, quarters))
        cells[atom] = cells.get(atom, 0) + n
    per_period = (
        db.select(c.user_id, c.place, c.period, c.subsector, func.max(c.below).label("below"))
        .group_by(c.user_id, c.place, c.period, c.subsector)
        .subquery("per_period")
    )
    p = per_period.c
    per_person = (
        db.select(p.user_id, p.place, func.aggregate_strings(piece(p), ";").label("h"))
        .group_by(p.user_id, p.place)
        .subquery("per_person")
    )
    q = per_person.c
    people: dict = {}
    for place, text, n in db.session.execute(db.select(q.place, q.h, func.count()).group_by(q.place, q.h)):
        atom = (int(place), _history(text, quarters))
        people[atom] = people.get(atom, 0) + n
    return TreeCounts(quarters, cells, people)


# --- the published cells ------------------------------------------------------------------------------------


def digest(counts: TreeCounts, nodes: Mapping[int, frozenset[int]]) -> str:
    """A digest of everything a decision of the tree is made from (the same digest, the same decision)."""
    data = (
        counts.quarters,
        sorted(counts.cells.items()),
        sorted(counts.people.items()),
        sorted((node, sorted(members)) for node, members in nodes.items()),
    )
    return hashlib.sha256(repr(data).encode()).hexdigest()


def tree_nodes(root: Territory) -> dict[int, frozenset[int]]:
    """Every territory of the tree of `root` -> the places it covers (itself and every territory below it)."""
    nodes: dict[int, set] = {}
    chain: list[int] = []
    for node in territories.tree(under=root.id, users=False):
        del chain[node.depth :]
        chain.append(node.territory.id)
        for above in chain:
            nodes.setdefault(above, set()).add(node.territory.id)
    return {node: frozenset(members) for node, members in nodes.items()}


def _groups(history: History) -> Iterable[tuple[str, str, int]]:
    """The (period, sub-sector, below) groups a history counts in: each of its quarters (with that quarter's
    sub-sector and status, and again under all sub-sectors) and all time (its last entry)."""
    for period, sub, below in (*history, (ALL, *history[-1][1:])):
        yield period, sub, below
        yield period, ALL, below


def _halves(atoms: Mapping[tuple[int, History], int], covering: Mapping[int, list[int]]) -> dict:
    """(territory, period, sub-sector, below) -> the atoms (place, history) in it."""
    halves: dict = {}
    for place, history in atoms:
        for node in covering.get(place, ()):
            for period, sub, below in _groups(history):
                halves.setdefault((node, period, sub, below), []).append((place, history))
    return halves


def published_cells(counts: TreeCounts, nodes: Mapping[int, frozenset[int]]) -> dict[str, tuple[dict, dict]]:
    """The systems for `rules.suppress_together`: system (a competence, or ALL for the column totals) ->
    (published cells, atomic counts). `nodes` maps each territory of the tree to the places it covers. Every
    (territory, period, sub-sector) with somebody assessed publishes its cells in every system (a competence that
    nobody there was assessed on publishes its 0); the others publish nothing."""
    if not counts.people:
        return {}
    covering: dict[int, list[int]] = {}
    for node, members in sorted(nodes.items()):
        for place in members:
            covering.setdefault(place, []).append(node)
    people = _halves(counts.people, covering)
    groups = sorted({group[:3] for group in people}, key=repr)
    systems: dict[str, tuple[dict, dict]] = {}
    published: dict = {}
    totals: dict = {}
    for node, period, sub in groups:
        below, ok = people.get((node, period, sub, 1), []), people.get((node, period, sub, 0), [])
        published[("people", node, period, sub)] = below + ok
        published[("gap", node, period, sub)] = below
        published[("nogap", node, period, sub)] = ok
        totals[(node, period, sub)] = sum(counts.people[atom] for atom in below + ok)
    systems[ALL] = (published, dict(counts.people))
    by_key: dict[str, dict] = {}
    for (place, key, history), n in counts.cells.items():
        by_key.setdefault(key, {})[(place, history)] = n
    for key, atoms in sorted(by_key.items()):
        halves = _halves(atoms, covering)
        published = {}
        for node, period, sub in groups:
            below, ok = halves.get((node, period, sub, 1), []), halves.get((node, period, sub, 0), [])
            same = sum(atoms[atom] for atom in below + ok) == totals[(node, period, sub)]
            published[("people", node, period, sub) if same else ("n", node, period, key, sub)] = below + ok
            published[("below", node, period, key, sub)] = below
            published[("ok", node, period, key, sub)] = ok
        systems[key] = (published, atoms)
    return systems


def decide(counts: TreeCounts, nodes: Mapping[int, frozenset[int]], k: int) -> tuple[dict, dict]:
    """(systems, decisions by system) of the whole tree in every period."""
    systems = published_cells(counts, nodes)
    return systems, rules.suppress_together(systems, k)
