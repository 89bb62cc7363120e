"""The skills-gap map's decision: which of its counts are shown, for every territory of a tree and every period
at once (docs/reports-privacy.md, "The skills-gap map").

Every territory of a tree publishes its map for every quarter with data and for all time, so all of them are
decided together: a region's figure and its municipalities' figures are sums of the same atomic cells, and so are
a quarter's and all time's, so a count hidden in one cannot be had by subtracting others (a region minus its
other municipalities, all time minus the other quarters).

A person's **history** for a competence is, for each quarter they were assessed in, (the quarter, their
sub-sector then, the role they were assessed for, below target or not) of their latest assessment in that quarter;
their status over all time is the last entry (their latest assessment of all). The atomic cells of a competence are
(place, business size, history), where the place is the territory the person is in: every published count is a sum
of them, whatever the territory, the period and the column.

The map's columns split the people one way at a time (`SPLITS`): by sub-sector, by business size or by role, each
with the same total column (ALL). It publishes, per territory, period and column, the people assessed (n), the
people below target and the people at or above it (both halves of a share). The column totals are one more system
over (place, size, history of "below target in at least one competence"). A count of people that equals the column
total of its territory, period and column is the same figure (the same people) and carries the same name in every
system, so that `rules.suppress_together` hides it everywhere when one system hides it.

A competence's three splits are one system (they count the same people): one split alone is decided first, then
the three together starting from the union of what the splits hid (`decide`), so that a count hidden in one split
cannot be had from the others (a sub-sector's people are often all of one size and role).

Names: ("people" | "gap" | "nogap", territory, period, column) and ("n" | "below" | "ok", territory, period,
competence, column), where the period is a quarter ('2026Q3') or ALL and the column a sub-sector, "size:<size>",
"role:<role>" (`column`) or ALL.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import String, cast, func

from uprest.accounts import territories
from uprest.accounts.models import Territory
from uprest.assessments.aggregates import latest_results, run_span
from uprest.extensions import db
from uprest.reports import rules
from uprest.reports.periods import quarter_bounds, quarter_of, quarter_range

log = logging.getLogger(__name__)

#: The key of every sub-sector, every competence and all time in cell names.
ALL = "*"

#: The ways the map's columns split the people, one at a time.
SPLITS = ("subsector", "size", "role")

#: One entry of a history: (quarter, sub-sector, role, 1 when below target else 0).
Entry = tuple[str, str, str, int]
History = tuple[Entry, ...]


def column(split: str, value: str) -> str:
    """The key of a column in cell names: the sub-sector itself, "size:micro", "role:reception"."""
    return value if split == "subsector" else f"{split}:{value}"


@dataclass(frozen=True)
class TreeCounts:
    """What the database gives for a tree: the people per atomic cell."""

    quarters: tuple[str, ...]  # the quarters with data, in order
    cells: Mapping[tuple[int, str, str, History], int]  # (place, competence, size, history) -> people
    # (place, size, history of "below in at least one competence") -> people
    people: Mapping[tuple[int, str, History], int]


# --- the queries --------------------------------------------------------------------------------------------


def _history(text: str, quarters: tuple[str, ...]) -> History:
    """'2:food_beverage:kitchen:1;0:accommodation:reception:0' (pieces in any order) -> ((quarter, sub-sector,
    role, below), ...) by quarter."""
    pieces = sorted(
        (int(i), sub, role, int(below)) for i, sub, role, below in (piece.split(":") for piece in text.split(";"))
    )
    return tuple((quarters[i], sub, role, below) for i, sub, role, below in pieces)


def count(root: Territory, people) -> TreeCounts:
    """Aggregate the assessments of `people` (a select of user_id, subsector, place, size: everybody under `root`)
    in SQL: each person's latest assessment in each quarter, their history per competence as one string per person
    (`aggregate_strings`, in any order), grouped by (place, size, competence, history)."""
    first, last = run_span(people)
    if first is None:
        return TreeCounts((), {}, {})
    quarters = tuple(quarter_range(quarter_of(first), quarter_of(last)))
    results = latest_results(people, periods=[quarter_bounds(q) for q in quarters])
    c = results.c

    def piece(of):  # "period:sub-sector:role:below" of a row of `of` (a subquery with those columns)
        fields = (cast(of.period, String), func.coalesce(of.subsector, ""), of.job_role, cast(of.below, String))
        return fields[0] + ":" + fields[1] + ":" + fields[2] + ":" + fields[3]

    per_competence = (
        db.select(c.user_id, c.place, c.size, c.competence_key, func.aggregate_strings(piece(c), ";").label("h"))
        .group_by(c.user_id, c.place, c.size, c.competence_key)
        .subquery("per_competence")
    )
    h = per_competence.c
    cells: dict = {}
    for place, size, key, text, n in db.session.execute(
        db.select(h.place, h.size, h.competence_key, h.h, func.count()).group_by(h.place, h.size, h.competence_key, h.h)
    ):
        atom = (int(place), key, size, _history(text, quarters))
        cells[atom] = cells.get(atom, 0) + n
    per_period = (
        db.select(c.user_id, c.place, c.size, c.period, c.subsector, c.job_role, func.max(c.below).label("below"))
        .group_by(c.user_id, c.place, c.size, c.period, c.subsector, c.job_role)
        .subquery("per_period")
    )
    p = per_period.c
    per_person = (
        db.select(p.user_id, p.place, p.size, func.aggregate_strings(piece(p), ";").label("h"))
        .group_by(p.user_id, p.place, p.size)
        .subquery("per_person")
    )
    q = per_person.c
    people: dict = {}
    for place, size, text, n in db.session.execute(
        db.select(q.place, q.size, q.h, func.count()).group_by(q.place, q.size, q.h)
    ):
        atom = (int(place), size, _history(text, quarters))
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


def _groups(size: str, history: History, split: str) -> Iterable[tuple[str, str, int]]:
    """The (period, column, below) groups that a person of business size `size` with `history` counts in, in the
    columns of `split`: each of their quarters (in that quarter's column, and again under ALL) and all time (the
    last entry)."""
    for period, sub, role, below in (*history, (ALL, *history[-1][1:])):
        yield period, column(split, {"subsector": sub, "size": size, "role": role}[split]), below
        yield period, ALL, below


def _halves(atoms: Mapping[tuple[int, str, History], int], covering: Mapping[int, list[int]], split: str) -> dict:
    """(territory, period, column, below) -> the atoms (place, size, history) in it, in the columns of `split`."""
    halves: dict = {}
    for atom in atoms:
        place, size, history = atom
        for node in covering.get(place, ()):
            for period, col, below in _groups(size, history, split):
                halves.setdefault((node, period, col, below), []).append(atom)
    return halves


def published_cells(
    counts: TreeCounts, nodes: Mapping[int, frozenset[int]], splits: Iterable[str] = SPLITS
) -> dict[str, tuple[dict, dict]]:
    """The systems for `rules.suppress_together`: system (a competence, or ALL for the column totals) ->
    (published cells of the columns of `splits`, atomic counts). `nodes` maps each territory of the tree to the
    places it covers. Every (territory, period, column) with somebody assessed publishes its cells in every system
    (a competence that nobody there was assessed on publishes its 0); the others publish nothing."""
    if not counts.people:
        return {}
    covering: dict[int, list[int]] = {}
    for node, members in sorted(nodes.items()):
        for place in members:
            covering.setdefault(place, []).append(node)
    by_key: dict[str, dict] = {}
    for (place, key, size, history), n in counts.cells.items():
        by_key.setdefault(key, {})[(place, size, history)] = n
    published: dict[str, dict] = {ALL: {}, **{key: {} for key in by_key}}
    for split in splits:
        people = _halves(counts.people, covering, split)
        groups = sorted({group[:3] for group in people}, key=repr)
        totals: dict = {}
        for node, period, col in groups:
            below, ok = people.get((node, period, col, 1), []), people.get((node, period, col, 0), [])
            published[ALL][("people", node, period, col)] = below + ok
            published[ALL][("gap", node, period, col)] = below
            published[ALL][("nogap", node, period, col)] = ok
            totals[(node, period, col)] = sum(counts.people[atom] for atom in below + ok)
        for key, atoms in by_key.items():
            halves = _halves(atoms, covering, split)
            for node, period, col in groups:
                below, ok = halves.get((node, period, col, 1), []), halves.get((node, period, col, 0), [])
                same = sum(atoms[atom] for atom in below + ok) == totals[(node, period, col)]
                name = ("people", node, period, col) if same else ("n", node, period, key, col)
                published[key][name] = below + ok
                published[key][("below", node, period, key, col)] = below
                published[key][("ok", node, period, key, col)] = ok
    return {key: (published[key], dict(counts.people) if key == ALL else by_key[key]) for key in sorted(published)}


def coarse(counts: TreeCounts, split: str) -> TreeCounts:
    """The counts with only what the columns of `split` tell apart (the other two of sub-sector, size and role
    blanked): the same published cells over fewer atomic cells, quicker to build and decide."""

    def entry(quarter: str, sub: str, role: str, below: int) -> Entry:
        return quarter, sub if split == "subsector" else "", role if split == "role" else "", below

    def key(size: str, history: History) -> tuple[str, History]:
        return size if split == "size" else "", tuple(entry(*e) for e in history)

    cells: dict = {}
    for (place, competence, size, history), n in counts.cells.items():
        atom = (place, competence, *key(size, history))
        cells[atom] = cells.get(atom, 0) + n
    people: dict = {}
    for (place, size, history), n in counts.people.items():
        atom = (place, *key(size, history))
        people[atom] = people.get(atom, 0) + n
    return TreeCounts(counts.quarters, cells, people)


def hidden_apart(counts: TreeCounts, nodes: Mapping[int, frozenset[int]], k: int, split: str) -> set:
    """The cells that the columns of `split` decided alone hide (over `coarse` counts): the start of `decide`."""
    apart = published_cells(coarse(counts, split), nodes, (split,))
    return {name for decision in rules.suppress_together(apart, k).values() for name in decision.suppressed}


#: How many processes `decide` spreads over (1: none, in this process); see `in_processes`.
_PROCESSES: ContextVar[int] = ContextVar("reports_decide_processes", default=1)
#: At most this many: the three splits, then the systems of each round, are what runs side by side.
MAX_PROCESSES = 4


@contextmanager
def in_processes(processes: int | None = None) -> Iterator[None]:
    """Within: `decide` spreads its independent parts over `processes` processes (default: the CPUs this process
    may use, at most MAX_PROCESSES). For the worker's pass (`uprest.reports.worker.warm`): the processes come from
    multiprocessing's fork server (started once per process, with this module imported), get their part by
    pickle, touch nothing but it (no database, no app) and end with the decision. Pages decide in their own
    process."""
    if processes is None:
        try:
            processes = min(MAX_PROCESSES, len(os.sched_getaffinity(0)))  # Linux: the CPUs it may use
        except AttributeError:
            processes = min(MAX_PROCESSES, os.cpu_count() or 1)
    token = _PROCESSES.set(max(1, processes))
    try:
        yield
    finally:
        _PROCESSES.reset(token)


def decide(counts: TreeCounts, nodes: Mapping[int, frozenset[int]], k: int) -> tuple[dict, dict]:
    """(systems, decisions by system) of the whole tree in every period and every column. Each split is decided
    alone first (small systems, quick); then the three together, starting from what the splits hid, which only
    has to hide what one split gives away about another. Inside `in_processes`, the three splits, then the
    systems of each round, are decided side by side in that many processes: the same decisions."""
    processes = _PROCESSES.get()
    if processes > 1:
        try:
            return _decide_in(processes, counts, nodes, k)
        except (OSError, BrokenProcessPool):  # no processes here (a sandbox without /dev/shm, a child killed)
            log.warning("reports: deciding in %s processes failed; deciding here", processes, exc_info=True)
    systems = published_cells(counts, nodes)
    seeds = set().union(*(hidden_apart(counts, nodes, k, split) for split in SPLITS))
    return systems, rules.suppress_together(systems, k, hidden=seeds)


def _decide_in(processes: int, counts: TreeCounts, nodes: Mapping[int, frozenset[int]], k: int) -> tuple[dict, dict]:
    context = multiprocessing.get_context("forkserver")  # a clean process to fork from: no threads, no locks held
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        apart = [pool.submit(hidden_apart, counts, nodes, k, split) for split in SPLITS]
        systems = published_cells(counts, nodes)  # meanwhile, here
        seeds = set().union(*(future.result() for future in apart))
        return systems, rules.suppress_together(systems, k, hidden=seeds, pool=pool)
