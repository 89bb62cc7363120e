"""The disclosure-control rule of the municipality reports: which published counts are shown and which are
suppressed. Pure: data in, data out (no Flask, no database); pages, exports and the API all call `suppress`.

The model (docs/reports-privacy.md says it in plain words):

- **Atomic cells** are the finest grain the data has, e.g. (municipality, quarter, subsector, size, role,
  status) for a count of people, each with a count of distinct people (0 allowed). Within one *system* a person
  is in exactly one atomic cell, so every published count is the sum of the atomic cells it covers. Counts per
  competence are not additive across competences (a person is in every competence's table): each competence is
  its own system; cells that several systems share (the number of people assessed) are kept consistent by
  `suppress_together`.
- A **published cell** is a name and the set of atomic keys it covers: every count that can be read off a page,
  an export or the API, including the counts a share implies (the people below target *and* the others).
- **Primary suppression**: a published cell with 0 < count < k is suppressed. A zero is shown (see below).
- **Complementary suppression**: while a suppressed cell is *derivable* from the shown ones, one more shown cell
  is suppressed (the smallest count among those that the derivation uses; ties by the order of the names' repr),
  until none is.
- **Derivable** means: the cell's indicator vector over the atomic cells lies in the linear span of the shown
  cells' indicator vectors *and* of the unit vectors of the empty atomic cells. The attacker is assumed to know
  every published figure, the structure (which atomic cells each figure covers), that counts are non-negative
  integers, and even which atomic cells are empty. Because the remaining atomic cells are all >= 1, the true data
  is an interior point of what the attacker can solve for, so "not in that span" means that the suppressed count
  can still move: bounds from non-negativity pin nothing beyond this span (the plain span of the shown cells is
  not enough: 0 = b1 + b2 pins b1 and b2). Over whole numbers it moves by at least 1 whenever the table's
  equations are totally unimodular (a table with its margins, a hierarchy crossed with one other dimension);
  for richer crossings this is what the brute-force property test checks on small cases, not a proof.

Zeros: a shown 0 reveals no individual, and under this attacker (who knows the empty atomic cells) hiding it
would protect nothing, so zeros are shown and are never picked as complementary suppressions (an empty cell
gives no cover). The price is the group statement "nobody here is below target" (or "everybody is"), which is a
fact about a shown group of at least k people: the docs say so.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from fractions import Fraction
from math import gcd
from types import MappingProxyType
from typing import TypeVar

#: The smallest k the rule accepts (the issue: "k = 5 by default, configurable, never below 3").
MIN_K = 3
DEFAULT_K = 5

T = TypeVar("T")
Name = Hashable
Key = Hashable
Published = Mapping[Name, Iterable[Key]]


@dataclass(frozen=True, eq=False)
class Decision:
    """Which published cells are shown and which are suppressed, with the counts of the shown ones only (a
    decision can be handed to a template or serialised without carrying a hidden count)."""

    k: int
    shown: frozenset
    suppressed: frozenset
    #: The suppressed cells whose own count is under k (the rest were suppressed to protect them).
    primary: frozenset
    shown_counts: Mapping[Name, int]

    def is_shown(self, name: Name) -> bool:
        return name in self.shown

    def count(self, name: Name) -> int | None:
        """The count of a shown cell; None for a suppressed one (absent, never zero)."""
        return self.shown_counts.get(name)

    def figure(self, name: Name, value: T) -> T | None:
        """`value` (a share, a median, hours ...) computed over the people of cell `name`, or None when that cell
        is suppressed: a figure is shown only for a cell that is shown."""
        return value if name in self.shown else None

    def share(self, numerator: Name, denominator: Name) -> Fraction | None:
        """numerator / denominator when both cells are shown and the denominator is not 0, else None."""
        num, den = self.count(numerator), self.count(denominator)
        if num is None or not den:
            return None
        return Fraction(num, den)

    def __reduce__(self):  # pickled by value (a decision made in another process, `suppress_together(pool=)`)
        return _decision, (self.k, self.shown, self.suppressed, self.primary, dict(self.shown_counts))


def _decision(k: int, shown: frozenset, suppressed: frozenset, primary: frozenset, counts: dict) -> Decision:
    return Decision(k, shown, suppressed, primary, MappingProxyType(counts))


def check_k(k: int) -> int:
    """k itself, or ValueError when it is not a whole number of at least MIN_K."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValueError(f"k must be a whole number, not {k!r}")
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}, not {k}")
    return k


def suppress(
    published: Published,
    atomic_counts: Mapping[Key, int],
    k: int = DEFAULT_K,
    *,
    must_suppress: Iterable[Name] = (),
) -> Decision:
    """Decide which published cells are shown: none under k (except 0), and none of the suppressed derivable.

    `published` maps each published cell's name to the atomic keys it covers; `atomic_counts` gives each atomic
    cell's count of distinct people (a key absent from it counts 0). `must_suppress` names cells to hide whatever
    their count (because another system hid them). The result depends only on the data, not on the order of
    the mappings: names are ordered by their repr (use strings, numbers or tuples of them)."""
    check_k(k)
    return _decide(_System(published, atomic_counts), k, set(must_suppress))


def _decide(system: _System, k: int, forced: set) -> Decision:
    """`suppress` of a system already built (`suppress_together` builds each once for all its rounds)."""
    unknown = forced - set(system.names)
    if unknown:
        raise ValueError(f"must_suppress names cells that are not published: {sorted(map(repr, unknown))}")
    primary = {i for i, c in enumerate(system.counts) if 0 < c < k}
    suppressed = primary | {system.index[n] for n in forced}
    if not suppressed:
        return system.decision(k, suppressed, primary)  # nothing to protect
    # Cells over the same non-empty atomic cells are one figure under several names (a region with one
    # municipality, a sub-sector alone in its territory): decided as one, the first of them in order.
    first: dict[tuple, int] = {}
    twin = [first.setdefault(row, i) if row else i for i, row in enumerate(system.rows)]
    suppressed = {twin[i] for i in suppressed}
    basis = _Shown(system, suppressed, {i for i, t in enumerate(twin) if t != i})
    asking = set(suppressed)
    while True:
        picks, derivable = system.complements(asking, basis)
        if not picks:
            break
        suppressed |= picks
        basis.remove(picks)
        asking = derivable | picks
    return system.decision(k, {i for i, t in enumerate(twin) if t in suppressed}, primary)


def derivable(decision: Decision, published: Published, atomic_counts: Mapping[Key, int]) -> set:
    """The audit: the suppressed cells of `decision` whose exact count follows from the shown cells (by linear
    combination, together with the knowledge of which atomic cells are empty). Empty after `suppress`.

    A hidden cell of count 0 is never reported (it holds nobody; only `must_suppress` can hide one)."""
    system = _System(published, atomic_counts)
    names = set(system.names)
    if decision.shown | decision.suppressed != names or decision.shown & decision.suppressed:
        raise ValueError("the decision does not cover exactly the published cells")
    shown = [system.index[n] for n in sorted(decision.shown, key=repr)]
    basis = _Basis(track=False)
    for i in shown:
        basis.add(system.rows[i], i)
    rows = {n: system.rows[system.index[n]] for n in decision.suppressed}
    return {n for n, row in rows.items() if row and basis.represent(row) is not None}


def suppress_together(
    systems: Mapping[Hashable, tuple[Published, Mapping[Key, int]]],
    k: int = DEFAULT_K,
    *,
    hidden: Iterable[Name] = (),
    pool: Executor | None = None,
) -> dict[Hashable, Decision]:
    """Decide several systems that publish some of the same cells (a name in several systems is the same figure,
    e.g. the people assessed in a cell, shared by every competence's table): a shared cell hidden in one system is
    hidden in all, repeated until nothing changes, so that no system shows what another one protects. `hidden`
    names cells to hide from the start (in every system that publishes them; names that none publishes are
    ignored), e.g. what a quicker decision of parts of the systems hid, so that only what remains derivable is
    decided again. With a `pool` (of processes), the systems of a round are decided side by side in it: the same
    decisions."""
    check_k(k)
    order = sorted(systems, key=repr)
    seen: dict[Name, int] = {}
    shared: set = set()
    for s in order:
        published, counts = systems[s]
        for name, keys in published.items():
            total = sum(counts.get(key, 0) for key in set(keys))
            if name in seen:
                if seen[name] != total:
                    raise ValueError(f"cell {name!r} has different counts in different systems")
                shared.add(name)
            seen[name] = total
    forced: set = set(hidden) & set(seen)
    decisions: dict[Hashable, Decision] = {}
    made_with: dict[Hashable, frozenset] = {}
    built: dict[Hashable, _System] = {}
    while True:
        own = {s: frozenset(forced & set(systems[s][0])) for s in order}
        todo = [s for s in order if made_with.get(s) != own[s]]  # the same input gives the same decision
        if pool is not None:
            made = pool.map(_decide_system, [(*systems[s], k, own[s]) for s in todo])
            decisions.update(zip(todo, made, strict=True))
        else:
            for s in todo:
                if s not in built:
                    built[s] = _System(*systems[s])
                decisions[s] = _decide(built[s], k, set(own[s]))
        made_with.update((s, own[s]) for s in todo)
        now_hidden = {n for d in decisions.values() for n in d.suppressed if n in shared}
        if now_hidden <= forced:
            return {s: decisions[s] for s in order}
        forced |= now_hidden


def _decide_system(task: tuple) -> Decision:
    """`_decide` of (published, atomic counts, k, forced), in a process of `suppress_together`'s pool."""
    published, counts, k, forced = task
    return _decide(_System(published, counts), k, set(forced))


class _System:
    """The published cells of one system as rows over *blocks*: the non-empty atomic cells merged by the set of
    published cells they belong to (atomic cells in exactly the same published cells are indistinguishable to
    anyone reading the tables, so merging them changes no derivation and makes the rows short)."""

    def __init__(self, published: Published, atomic_counts: Mapping[Key, int]):
        for key, value in atomic_counts.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"atomic cell {key!r} has count {value!r}: counts are whole numbers >= 0")
        self.names = sorted(published, key=repr)
        if len({repr(n) for n in self.names}) != len(self.names):
            raise ValueError("published cell names must have distinct reprs (the order that makes the rule stable)")
        self.index = {name: i for i, name in enumerate(self.names)}
        member: dict[Key, list[int]] = {}
        self.counts: list[int] = []
        for i, name in enumerate(self.names):
            keys = frozenset(published[name])
            self.counts.append(sum(atomic_counts.get(key, 0) for key in keys))
            for key in keys:
                if atomic_counts.get(key, 0) > 0:
                    member.setdefault(key, []).append(i)
        # Blocks in the fewest published cells first: the elimination pivots on a row's first block, so pivots
        # fall on blocks that few later rows hold and the rows stay short (5.4 s instead of 13.5 s for a tree
        # of 10,000 assessments split three ways, docs/performance.md).
        signatures = sorted({tuple(v) for v in member.values()}, key=lambda sig: (len(sig), sig[::-1]))
        block = {sig: b for b, sig in enumerate(signatures)}
        grouped: list[list[int]] = [[] for _ in self.names]
        for sig, b in block.items():
            for i in sig:
                grouped[i].append(b)
        self.rows = [tuple(sorted(g)) for g in grouped]

    def complements(self, suppressed: set[int], shown: _Shown) -> tuple[set[int], set[int]]:
        """One round of complementary suppression over the suppressed cells `suppressed`: for each derivable one
        (in order), the smallest shown cell its derivation uses (ties by order). A cell whose derivation uses a
        cell already picked in this round waits for the next round (the pick may have broken it), so that each
        round hides only cells that some still-valid derivation needs. `shown` is the basis of the shown cells.
        Returns (the picks, the cells that were derivable): empty picks when nothing is derivable. A cell that is
        not derivable stays so in the next rounds (the shown cells only become fewer): it need not be asked again."""
        basis = shown.basis
        picks: set[int] = set()
        derivable: set[int] = set()
        for i in sorted(suppressed):
            if not self.rows[i]:
                continue  # a count of 0 (forced hidden by must_suppress): nothing to protect
            used = basis.represent(self.rows[i])
            if used is None:
                continue
            derivable.add(i)
            if not used & picks:
                # Zeros never appear in `used` (an empty cell has no blocks and never enters the basis).
                picks.add(min(used, key=lambda j: (self.counts[j], j)))
        return picks, derivable

    def decision(self, k: int, suppressed: set[int], primary: set[int]) -> Decision:
        shown = [i for i in range(len(self.names)) if i not in suppressed]
        return Decision(
            k=k,
            shown=frozenset(self.names[i] for i in shown),
            suppressed=frozenset(self.names[i] for i in suppressed),
            primary=frozenset(self.names[i] for i in primary),
            shown_counts=MappingProxyType({self.names[i]: self.counts[i] for i in shown}),
        )


class _Shown:
    """The basis of the shown cells of a system, which cells can leave (`remove`) without building it all again.

    Rows are added largest count first (ties by order): complements are picked smallest first, so they are among
    the last rows added. Adding a row only ever inserts one pivot row and never changes the rows before it, so the
    basis of the first m rows is the basis minus the pivots that later rows inserted. Removing cells replays the
    additions from the first removed one on, and a row is reduced again only when one of the pivot columns its
    reduction looked at (its trace) holds something else in the replay than it held then: every other row would
    reduce to exactly what it did, so its pivot row is put back as it was. The basis after a removal is the one
    that adding the remaining rows in order would build, row for row (most of the rows come back unchanged:
    docs/performance.md)."""

    def __init__(self, system: _System, suppressed: set[int], twins: set[int]):
        self.system = system
        self.order = sorted(
            (i for i in range(len(system.names)) if i not in suppressed and i not in twins),
            key=lambda i: (-system.counts[i], i),
        )
        self.basis = _Basis()
        self.inserted: list[int | None] = []  # the pivot each addition inserted (None: in the span already)
        self.traces: list[list[int]] = []  # the pivot columns each addition's reduction looked at
        self._add_from(0)

    def _add(self, i: int) -> tuple[int | None, list[int]]:
        trace: list[int] = []
        return self.basis.add(self.system.rows[i], i, trace), trace

    def _add_from(self, start: int) -> None:
        for i in self.order[start:]:
            pivot, trace = self._add(i)
            self.inserted.append(pivot)
            self.traces.append(trace)

    def remove(self, cells: set[int]) -> None:
        first = min(self.order.index(i) for i in cells)
        replay = list(zip(self.order[first:], self.inserted[first:], self.traces[first:], strict=True))
        rows = self.basis.rows
        before = {pivot: rows.pop(pivot) for _i, pivot, _trace in replay if pivot is not None}
        del self.inserted[first:], self.traces[first:]
        self.order = self.order[:first] + [i for i, _pivot, _trace in replay if i not in cells]
        changed: set[int] = set()  # columns whose pivot row differs from the one they had at this point before
        for i, pivot, trace in replay:
            if i in cells:
                if pivot is not None:
                    changed.add(pivot)
                continue
            if changed.isdisjoint(trace):  # the same reduction as before: its pivot row back as it was
                if pivot is not None:
                    rows[pivot] = before[pivot]
            else:
                new, trace = self._add(i)
                if new != pivot or (new is not None and rows[new] != before[new]):
                    changed.update(c for c in (pivot, new) if c is not None)
                pivot = new
            self.inserted.append(pivot)
            self.traces.append(trace)


class _Basis:
    """An echelon basis of sparse integer rows (fraction-free elimination: exact, and much faster than Fractions),
    each row remembering which original rows it combines when `track` is on."""

    def __init__(self, track: bool = True):
        self.track = track
        # pivot column -> (row whose smallest column is the pivot, its combination of original rows)
        self.rows: dict[int, tuple[dict[int, int], dict[int, int]]] = {}

    def _reduce(
        self, blocks: tuple[int, ...], name: int, trace: list[int] | None = None
    ) -> tuple[dict[int, int], dict[int, int]]:
        """(vec, combo) with vec = sum(combo[c] * row of c) (combo[name] != 0) and vec's smallest column not a
        pivot; vec is empty when the row is in the span. `trace` gets every column looked up: the result depends
        on nothing but the pivot rows of those columns (or their absence)."""
        vec = dict.fromkeys(blocks, 1)
        combo = {name: 1} if self.track else {}
        while vec:
            col = min(vec)
            if trace is not None:
                trace.append(col)
            entry = self.rows.get(col)
            if entry is None:
                break
            row, rcombo = entry
            p, a = row[col], vec[col]
            # vec := p * vec - a * row cancels the column and stays in integers.
            if p != 1:
                vec = {c: p * v for c, v in vec.items()}
                combo = {c: p * v for c, v in combo.items()}
            for c, r in row.items():
                v = vec.get(c, 0) - a * r
                if v:
                    vec[c] = v
                else:
                    del vec[c]
            for c, r in rcombo.items():
                v = combo.get(c, 0) - a * r
                if v:
                    combo[c] = v
                else:
                    del combo[c]
        return vec, combo

    def add(self, blocks: tuple[int, ...], name: int, trace: list[int] | None = None) -> int | None:
        """Add the row of a shown cell (an empty row or one already in the span adds nothing); the pivot it
        inserted, or None. `trace`: see `_reduce`."""
        vec, combo = self._reduce(blocks, name, trace)
        if not vec:
            return None
        g = gcd(*vec.values(), *combo.values())
        if vec[min(vec)] < 0:
            g = -g
        self.rows[min(vec)] = ({c: v // g for c, v in vec.items()}, {c: v // g for c, v in combo.items()})
        return min(vec)

    def represent(self, blocks: tuple[int, ...]) -> set[int] | None:
        """The shown cells that a linear combination equal to this row uses (with `track`; else an empty set), or
        None when the row is not in the span."""
        vec, combo = self._reduce(blocks, -1)
        if vec:
            return None
        combo.pop(-1, None)  # 0 = m * row + sum(...) with m != 0: the row is -sum(...) / m
        return set(combo)
