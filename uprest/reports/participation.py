"""Participation and outcome of a territory (issue 14): the funnel assessed -> enrolled -> completed -> certified,
businesses assessed, hours of learning, gap closure by re-assessment, and the trend by quarter. Counted in SQL
(GROUP BY); every published count decided by `rules.suppress` (docs/reports-privacy.md, "Participation and
outcome").

**Who is counted in a period.** The people of the territory (`services.people_in`) with a submitted assessment
in the period (a quarter, or all time): the same people as the skills-gap map's "people assessed" of that period.
For each of them, the stage they have reached by today: enrolled in a module, completed one, certified (holding a
certificate that is not revoked). Stages are nested by definition (a certificate counts as a completion, a
completion as an enrolment), so each person is in exactly one of the disjoint groups "assessed only", "enrolled,
not completed", "completed, not certified", "certified". Re-assessment: assessed twice or more (by today), and
whether the latest assessment shows a smaller total gap than the first.

**One system for the whole tree and every period.** Staff see their territory and every territory below it, so
the figures of a region and of each of its municipalities are published. A person assessed in several quarters
counts in each of them and once in "all time", so quarters do not add up to all time. The atomic cells are
therefore (place, the set of quarters the person was assessed in, stage, re-assessment status), where the place is
the territory the person is in: every published count of every territory of the tree (under its root, a country),
of every quarter with data and of all time is a sum of them, and one decision covers them all, so that no
territory or period can be differenced against the others. The published cells per territory and period are the
cumulative stages, the groups between them (what a funnel shows as its drop-off), the people re-assessed,
improved, not improved and assessed once. Businesses are their own system, over (the set of (place, quarter) in
which some of their people were assessed).

**Figures another page shows.** The skills-gap map shows the number of people assessed of every territory and
period, decided over the same tree and every period at once (`services.decisions`). Where the map shows it, it is
*known* to the attacker: `decide` keeps it shown and protects every other cell as if it were, so the two pages
never disagree on it and nothing hidden here is worked out with the map's help. Where the map hides it (under k,
or to protect a smaller territory or period: a region minus its other municipalities, all time minus the other
quarters), it is hidden here too. The trend's "below target in at least one competence" is the map's own figure of
the quarter, taken from the map's decision.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from types import MappingProxyType

from uprest import cache
from uprest.accounts import aggregates as accounts
from uprest.accounts.models import Territory
from uprest.assessments import aggregates as assessments
from uprest.certificates import services as certificates
from uprest.extensions import db, utcnow
from uprest.learning import services as learning
from uprest.reports import rules, services, store
from uprest.reports.periods import quarter_of, quarter_range

#: The period "all time" in cell names and exports.
ALL = "all"
#: Stages, in order (a person's stage is the last one reached).
ASSESSED, ENROLLED, COMPLETED, CERTIFIED = 1, 2, 3, 4
STAGES = ("assessed", "enrolled", "completed", "certified")
#: The disjoint group between a stage and the next: "stopped at" that stage.
STOPPED = ("not_enrolled", "not_completed", "not_certified")
#: Re-assessment: assessed once, assessed again with a smaller total gap, assessed again without.
ONCE, IMPROVED, NOT_IMPROVED = 0, 1, 2
#: Quarters in the trend.
TREND_QUARTERS = 8
#: Quarters per bit mask column in SQL (a bigint holds 63 bits).
MASK_BITS = 62

#: The people's cells of one period: name -> which atoms (stage, re-assessment) it covers.
CELLS = {
    "assessed": lambda stage, retest: True,
    "enrolled": lambda stage, retest: stage >= ENROLLED,
    "completed": lambda stage, retest: stage >= COMPLETED,
    "certified": lambda stage, retest: stage == CERTIFIED,
    "not_enrolled": lambda stage, retest: stage == ASSESSED,
    "not_completed": lambda stage, retest: stage == ENROLLED,
    "not_certified": lambda stage, retest: stage == COMPLETED,
    "reassessed": lambda stage, retest: retest != ONCE,
    "improved": lambda stage, retest: retest == IMPROVED,
    "not_improved": lambda stage, retest: retest == NOT_IMPROVED,
    "assessed_once": lambda stage, retest: retest == ONCE,
}

#: An atomic cell of people: (place, the quarters they were assessed in, stage, re-assessment).
Atom = tuple[int, frozenset, int, int]
#: The territories of a tree: territory id -> the places it covers (itself and every territory below it).
Nodes = Mapping[int, frozenset]


# --- quarters -----------------------------------------------------------------------------------------------


def trend_quarters(first: str | None, now: datetime) -> list[str]:
    """The last TREND_QUARTERS quarters up to the one of `now`, or since `first` (the first with data)."""
    if first is None:
        return []
    current = quarter_of(now)
    return quarter_range(first, current)[-TREND_QUARTERS:] if first <= current else []


# --- the pure model -----------------------------------------------------------------------------------------


def published_cells(atoms: Iterable[Atom], quarters: Sequence[str], nodes: Nodes) -> dict:
    """Every count of people the participation page, its exports and its trend can show, for every territory of
    the tree with somebody in it (`nodes`), every quarter with data and all time: (figure, territory, period) ->
    the atoms it covers."""
    atoms = list(atoms)
    cells = {}
    for node, members in sorted(nodes.items()):
        inside = [a for a in atoms if a[0] in members]
        if not inside:
            continue
        for period in [*quarters, ALL]:
            in_period = [a for a in inside if period == ALL or period in a[1]]
            for figure, covers in CELLS.items():
                cells[(figure, node, period)] = [a for a in in_period if covers(a[2], a[3])]
    return cells


def business_cells(atoms: Iterable[frozenset], quarters: Sequence[str], nodes: Nodes) -> dict:
    """The businesses assessed of every territory and period: a business counts in a territory and period when
    one of its people in that territory was assessed in it. Its atom is the set of those (place, quarter)."""
    atoms = list(atoms)
    cells = {}
    for node, members in sorted(nodes.items()):
        inside = [a for a in atoms if any(place in members for place, _q in a)]
        if not inside:
            continue
        for period in [*quarters, ALL]:
            cells[("businesses", node, period)] = [
                a for a in inside if any(place in members and period in (ALL, q) for place, q in a)
            ]
    return cells


def known_cells(quarters: Sequence[str], nodes: Nodes) -> set:
    """The cells the skills-gap map publishes too: the people assessed of every territory and period. (Those the
    map hides are not known: `decisions` takes them out and hides them here too.)"""
    return {("assessed", node, p) for node in nodes for p in [*quarters, ALL]}


def _decision(k: int, shown: Iterable, totals: Mapping, primary: Iterable = ()) -> rules.Decision:
    shown = frozenset(shown)
    return rules.Decision(
        k=k,
        shown=shown,
        suppressed=frozenset(totals) - shown,
        primary=frozenset(primary),
        shown_counts=MappingProxyType({name: totals[name] for name in shown}),
    )


def decide(
    published: Mapping, atomic_counts: Mapping, k: int, *, known: Iterable = (), must_suppress: Iterable = ()
) -> rules.Decision:
    """`rules.suppress`, for cells of which some are *known*: shown by another page whenever they are not under k.

    Those cells stay shown here too (unless under k), and no other hidden cell may be derivable from the shown
    ones together with them (the audit `rules.derivable` on the decision with them shown), except what the known
    cells give away on their own (that is the other page's disclosure, not made worse here). When the rule hid a
    known cell to protect another one, one more cell is forced hidden instead (the smallest that breaks the
    derivation) and the rule runs again, until nothing is derivable. Deterministic; terminates (each round forces
    a cell that was shown). `must_suppress` as for `rules.suppress`."""
    rules.check_k(k)
    totals = {name: sum(atomic_counts.get(a, 0) for a in set(keys)) for name, keys in published.items()}
    forced: set = set(must_suppress)
    given = frozenset(n for n in known if n in totals and n not in forced and not 0 < totals[n] < k)
    exposed = rules.derivable(_decision(k, given, totals), published, atomic_counts)
    while True:
        decision = rules.suppress(published, atomic_counts, k, must_suppress=forced)
        view = _decision(k, decision.shown | given, totals, decision.primary)
        leaks = rules.derivable(view, published, atomic_counts) - exposed
        if not leaks:
            return view
        leak = min(leaks, key=lambda n: (totals[n], repr(n)))
        cover = _cover(view, leak, given, published, atomic_counts, totals)
        if not cover:  # cannot happen: a leak not given away by the known cells alone uses some other shown cell
            raise RuntimeError(f"no cell to hide protects {leak!r}")
        forced |= cover


def _cover(view: rules.Decision, leak, given: frozenset, published, atomic_counts, totals) -> set:
    """The shown cells (not known ones) to hide so that `leak` is no longer derivable: the smallest single cell
    that does it, else a minimal set taken smallest first."""

    def protected(hidden: set) -> bool:
        trial = _decision(view.k, view.shown - hidden, totals, view.primary)
        return leak not in rules.derivable(trial, published, atomic_counts)

    candidates = sorted((n for n in view.shown - given if totals[n]), key=lambda n: (totals[n], repr(n)))
    for name in candidates:
        if protected({name}):
            return {name}
    hidden: list = []
    for name in candidates:
        hidden.append(name)
        if protected(set(hidden)):
            break
    for name in sorted(hidden, key=lambda n: (-totals[n], repr(n))):
        if len(hidden) > 1 and protected(set(hidden) - {name}):
            hidden.remove(name)
    return set(hidden)


def median_of(pairs: Iterable[tuple[float, int]]) -> float | None:
    """The median of values given with their multiplicity, (value, count); None when there are none."""
    values = sorted((v, c) for v, c in pairs if c > 0)
    n = sum(c for _v, c in values)
    if not n:
        return None
    middle = []
    seen = 0
    for value, c in values:
        for position in {(n - 1) // 2, n // 2}:
            if seen <= position < seen + c:
                middle.append(value)
        seen += c
    return float(statistics.mean(middle))


# --- the view model -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A published count: None when hidden (`suppressed`); `share` of another shown count, when both are shown."""

    count: int | None
    suppressed: bool
    share: Fraction | None = None


@dataclass(frozen=True)
class Stage:
    key: str  # one of STAGES
    people: Figure  # share: of the people assessed
    stopped: Figure | None  # reached this stage and not the next (None for the last); share: of the people assessed


@dataclass(frozen=True)
class Funnel:
    businesses: Figure
    stages: tuple[Stage, ...]
    hours: float | None  # workload hours of the modules completed by the people of "completed", when it is shown
    reassessed: Figure  # share: of the people assessed
    improved: Figure  # a smaller total gap at the latest assessment than at the first; share: of the re-assessed
    median_closed: float | None  # median levels of gap closed by the improved, when they are shown

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)


@dataclass(frozen=True)
class TrendRow:
    quarter: str
    assessed: Figure
    below: Figure  # below target in at least one competence: the skills-gap map's figure; share of assessed
    enrolled: Figure
    completed: Figure
    certified: Figure


@dataclass
class Participation:
    territory: Territory
    period: str | None
    k: int
    funnel: Funnel
    trend: list[TrendRow]


@dataclass
class Counts:
    """What the database gives for a whole tree (grouped, never per person)."""

    quarters: list[str]  # every quarter from the first with data to the last
    people: dict  # Atom -> number of people
    hours: dict  # Atom -> workload hours of the modules they completed
    closed: dict  # (place, quarters, levels closed) -> number of people re-assessed with a smaller gap
    businesses: dict  # frozenset of (place, quarter) -> number of businesses


# --- the queries --------------------------------------------------------------------------------------------


def _masks(column, quarters: Sequence[str]) -> list:
    """Per group: which of `quarters` the rows' `column` (a timestamp) falls in, as bit masks of MASK_BITS quarters
    each (SUM of the distinct bits)."""
    columns = []
    for j in range(0, len(quarters), MASK_BITS):
        chunk = quarters[j : j + MASK_BITS]
        whens = [(column < services.quarter_bounds(chunk[0])[0], 0)]
        whens += [(column < services.quarter_bounds(q)[1], 1 << i) for i, q in enumerate(chunk)]
        columns.append(db.func.sum(db.distinct(db.case(*whens, else_=0))).label(f"m{j // MASK_BITS}"))
    return columns


def _quarters_in(masks: Sequence, quarters: Sequence[str]) -> frozenset:
    return frozenset(
        quarters[j * MASK_BITS + i] for j, mask in enumerate(masks) for i in range(MASK_BITS) if int(mask or 0) >> i & 1
    )


def data_tokens() -> tuple[str, str, str, str]:
    """The generation tokens of what participation is made from: assessments, people's places, enrolments and
    certificates."""
    return (
        assessments.results_generation(),
        accounts.people_generation(),
        learning.progress_generation(),
        certificates.held_generation(),
    )


def count(root: Territory, data: tuple | None = None) -> Counts:
    """The counts of `root`'s tree (`_count`), kept per worker until an assessment, a person's place, an enrolment
    or a certificate changes (`data`: the generation tokens of the four, part of the key)."""
    key = ("reports:participation", root.id, *(data or data_tokens()))
    return cache.pages().get_or_make(key, lambda: _count(root))


def _count(root: Territory) -> Counts:
    """Aggregate the people and businesses of `root` and everything below it in SQL: per (place, quarters
    assessed, stage, re-assessment)."""
    people = services.people_in(root)
    where = people.subquery("placed")
    runs = assessments.run_totals(people)
    r = runs.c
    first, last = db.session.execute(db.select(db.func.min(r.submitted_at), db.func.max(r.submitted_at))).one()
    if first is None:
        return Counts([], {}, {}, {}, {})
    quarters = quarter_range(quarter_of(first), quarter_of(last))
    masks = _masks(r.submitted_at, quarters)
    per_person = (
        db.select(
            r.user_id,
            *masks,
            db.func.count().label("runs"),
            db.func.max(db.case((r.first == 1, r.total_gap))).label("first_gap"),
            db.func.max(db.case((r.latest == 1, r.total_gap))).label("latest_gap"),
        )
        .group_by(r.user_id)
        .subquery("per_person")
    )
    p = per_person.c
    progress = learning.progress_of_people(people).subquery("progress")
    certified = certificates.certified_people(people).subquery("certified")
    stage = db.case(
        (certified.c.user_id.is_not(None), CERTIFIED),
        (progress.c.completed == 1, COMPLETED),
        (progress.c.user_id.is_not(None), ENROLLED),
        else_=ASSESSED,
    )
    improved = db.and_(p.runs >= 2, p.latest_gap < p.first_gap)
    # One row per person with plain columns, grouped outside: GROUP BY on plain columns (PostgreSQL would not
    # match a CASE with bound parameters in SELECT and GROUP BY).
    person = (
        db.select(
            where.c.place,
            *(p[f"m{j}"] for j in range(len(masks))),
            stage.label("stage"),
            db.case((p.runs < 2, ONCE), (improved, IMPROVED), else_=NOT_IMPROVED).label("retest"),
            db.case((improved, p.first_gap - p.latest_gap)).label("closed"),
            db.func.coalesce(progress.c.hours, 0.0).label("hours"),
        )
        .select_from(per_person)
        .join(where, where.c.user_id == p.user_id)
        .outerjoin(progress, progress.c.user_id == p.user_id)
        .outerjoin(certified, certified.c.user_id == p.user_id)
        .subquery("person")
    )
    c = person.c
    keys = [c.place, *(c[f"m{j}"] for j in range(len(masks))), c.stage, c.retest, c.closed]
    rows = db.session.execute(db.select(*keys, db.func.count(), db.func.sum(c.hours)).group_by(*keys))
    counts = Counts(quarters, {}, {}, {}, {})
    for place, *bits, stage_, retest_, closed_, n, hours in rows:
        atom = (int(place), _quarters_in(bits, quarters), int(stage_), int(retest_))
        counts.people[atom] = counts.people.get(atom, 0) + int(n)
        counts.hours[atom] = counts.hours.get(atom, 0.0) + float(hours or 0)
        if closed_ is not None:
            key = (atom[0], atom[1], int(closed_))
            counts.closed[key] = counts.closed.get(key, 0) + int(n)
    # Businesses: grouped by (business, place) in SQL, each business's (place, quarter) pairs merged here.
    businesses = accounts.businesses_of(people).subquery("businesses")
    b = businesses.c
    merged: dict = {}
    for business, place, *bits in db.session.execute(
        db.select(b.organisation_id, where.c.place, *_masks(r.submitted_at, quarters))
        .select_from(businesses)
        .join(where, where.c.user_id == b.user_id)
        .join(runs, r.user_id == b.user_id)
        .group_by(b.organisation_id, where.c.place)
    ):
        merged.setdefault(business, set()).update((int(place), q) for q in _quarters_in(bits, quarters))
    for pairs in merged.values():
        atom = frozenset(pairs)
        counts.businesses[atom] = counts.businesses.get(atom, 0) + 1
    return counts


def map_hidden(root: Territory, k: int) -> set:
    """("assessed", territory, period) for every territory and period (a quarter or ALL) whose count of people
    assessed (all sub-sectors) the skills-gap map of the tree of `root` hides (`services.decisions`: every
    territory and period at once)."""
    return hidden_by(services.decisions(root, k=k))


def hidden_by(decided: Mapping) -> set:
    """`map_hidden` of the map's decisions `decided` (by system)."""
    return {
        ("assessed", name[1], ALL if name[2] == services.ALL else name[2])
        for decision in decided.values()
        for name in decision.suppressed
        if len(name) == 4 and name[0] == "people" and name[3] == services.ALL
    }


# --- the page -----------------------------------------------------------------------------------------------


@dataclass
class Decisions:
    people: rules.Decision
    businesses: rules.Decision
    counts: Counts
    published: dict
    nodes: Nodes


def decisions(counts: Counts, k: int, nodes: Nodes, hidden_by_map: Iterable = ()) -> Decisions:
    """The decision over every territory of the tree and every period at once (one system of people, one of
    businesses). `hidden_by_map` names the people assessed that the skills-gap map hides (`map_hidden`): hidden
    here too, and not known; the others are known. A territory and period with fewer than k people assessed shows
    nothing else, not even a 0 (which would say something about all of those few people, whose number the map's
    period totals may give away)."""
    published = published_cells(counts.people, counts.quarters, nodes)
    small = {
        name[1:] for name, keys in published.items() if name[0] == "assessed" and 0 < _total(keys, counts.people) < k
    }
    hidden = set(hidden_by_map) & set(published)
    people = decide(
        published,
        counts.people,
        k,
        known=known_cells(counts.quarters, nodes) - hidden,
        must_suppress={name for name in published if name[1:] in small} | hidden,
    )
    business_published = business_cells(counts.businesses, counts.quarters, nodes)
    businesses = rules.suppress(
        business_published, counts.businesses, k, must_suppress={n for n in business_published if n[1:] in small}
    )
    return Decisions(people, businesses, counts, published, nodes)


def _total(keys, atomic_counts: Mapping) -> int:
    return sum(atomic_counts.get(a, 0) for a in set(keys))


def _figure(decision: rules.Decision, name, of=None) -> Figure:
    """The figure of cell `name`; a cell that is not published (a period or a territory without data) counts 0."""
    if name in decision.suppressed:
        return Figure(None, True)
    if name not in decision.shown:
        return Figure(0, False)
    share = decision.share(name, of) if of is not None else None
    return Figure(decision.count(name), False, share)


def funnel(d: Decisions, node: int, period: str) -> Funnel:
    """The funnel and outcomes of territory `node` in `period` (a quarter or ALL) as the decision shows them."""
    people = d.people
    assessed = ("assessed", node, period)
    stages = []
    for i, key in enumerate(STAGES):
        stopped = _figure(people, (STOPPED[i], node, period), assessed) if i < len(STOPPED) else None
        stages.append(Stage(key, _figure(people, (key, node, period), assessed), stopped))
    completed = ("completed", node, period)
    hours = sum(d.counts.hours.get(a, 0.0) for a in d.published.get(completed, ()))
    improved = ("improved", node, period)
    members = d.nodes.get(node, frozenset())
    closed = [(v, n) for (place, qs, v), n in d.counts.closed.items() if place in members and period in (ALL, *qs)]
    return Funnel(
        businesses=_figure(d.businesses, ("businesses", node, period)),
        stages=tuple(stages),
        hours=people.figure(completed, round(hours, 1)),
        reassessed=_figure(people, ("reassessed", node, period), assessed),
        improved=_figure(people, improved, ("reassessed", node, period)),
        median_closed=people.figure(improved, median_of(closed)),
    )


def trend(territory: Territory, d: Decisions, quarters: Sequence[str]) -> list[TrendRow]:
    """The headline figures of each quarter; "below target" comes from the skills-gap map of the quarter."""
    people, node = d.people, territory.id
    rows = []
    for q in quarters:
        assessed = _figure(people, ("assessed", node, q))
        below = Figure(0, False)
        if assessed.count != 0:
            total = services.skills_gap_map(territory, period=q).total
            below = Figure(total.below, total.below is None, total.below_share)
        rows.append(
            TrendRow(
                q,
                assessed,
                below,
                *(
                    _figure(people, (key, node, q), ("assessed", node, q))
                    for key in ("enrolled", "completed", "certified")
                ),
            )
        )
    return rows


def digest(counts: Counts, nodes: Nodes, map_digest: str) -> str:
    """A digest of everything participation's decision of a tree is made from: its people's and businesses' atomic
    counts, its quarters and territories, and the map's data (whose decision it takes as given)."""
    people = sorted((place, sorted(qs), stage, retest, n) for (place, qs, stage, retest), n in counts.people.items())
    businesses = sorted((sorted(atom), n) for atom, n in counts.businesses.items())
    places = sorted((node, sorted(members)) for node, members in nodes.items())
    data = (tuple(counts.quarters), people, businesses, places, map_digest)
    return hashlib.sha256(repr(data).encode()).hexdigest()


def _decided(root: Territory, data: tuple, counts: Counts, k: int, nodes: Nodes) -> Decisions:
    """`decisions` of the tree of `root`, made once per change of what it is made from (`digest`: an enrolment in
    another country changes nothing here) and kept in the database for every worker (`store.kept`); the digest and
    the published cells kept per worker until the generation tokens `data` change."""

    def make():
        d = decisions(counts, k, nodes, map_hidden(root, k) if counts.quarters else set())
        return {"people": d.people, "businesses": d.businesses}

    def cells_and_digest():
        return published_cells(counts.people, counts.quarters, nodes), digest(counts, nodes, services.tree(root).digest)

    published, key = cache.pages().get_or_make(("reports:participation-cells", root.id, *data), cells_and_digest)
    kept = store.kept("participation", root.id, k, (key,), make)
    return Decisions(kept["people"], kept["businesses"], counts, published, nodes)


def participation_view(
    territory: Territory, *, period: str | None = None, with_trend: bool = True, now: datetime | None = None
) -> Participation:
    """The participation page of `territory` in `period` ('2026Q4'; None: all time) and (`with_trend`) its trend,
    every count decided by the rule with k = REPORTS_MIN_GROUP. The decision is the same whatever the territory of
    the tree and the period asked for: it covers them all at once, with the map's decisions of every period."""
    k = services.min_group()
    root = services.decision_root(territory)
    data = data_tokens()
    counts = count(root, data)
    nodes = services.tree(root).nodes
    d = _decided(root, data, counts, k, nodes)
    members = nodes.get(territory.id, frozenset())
    first = min((min(a[1]) for a in counts.people if a[0] in members), default=None)
    quarters = trend_quarters(first, now or utcnow()) if with_trend else []
    return Participation(
        territory=territory,
        period=period,
        k=k,
        funnel=funnel(d, territory.id, period or ALL),
        trend=trend(territory, d, quarters),
    )
