"""The skills-gap map of a territory: counts in SQL (GROUP BY), every published count through `rules.suppress`.

A staff member's territory is the one they are bound to, with everything below it (`territory_of`, `people_in`).
The assessment's and the accounts' tables are read through their services only
(``uprest.assessments.aggregates.latest_results``, ``accounts.territories.people_in``).

The published cells and their decision (docs/reports-privacy.md, "The skills-gap map"): every territory of a tree
publishes its map for every quarter with data and for all time, so all of them are decided at once over atomic
cells of (place, history) (`uprest.reports.gapmap`), and the decision is stored once per change of the data for
every worker (`uprest.reports.store`). A page reads its own territory's and period's names from it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from flask import current_app
from sqlalchemy import func

from uprest import cache
from uprest.accounts import territories
from uprest.accounts.aggregates import people_generation
from uprest.accounts.models import OrgSize, Role, Territory, User
from uprest.assessments.aggregates import latest_results, results_generation
from uprest.extensions import db
from uprest.frameworks import services as frameworks
from uprest.reports import demand, gapmap, rules, store
from uprest.reports.periods import quarter_bounds, quarter_of, quarter_range  # noqa: F401 (the reports' API)

#: The key of the totals over every sub-sector (or every competence) in cell names.
ALL = gapmap.ALL
#: The ways the map's columns can split the people (one at a time), and the key of a column.
SPLITS = gapmap.SPLITS
column = gapmap.column


# --- the territory ------------------------------------------------------------------------------------------


def territory_of(user: User) -> Territory | None:
    """The territory whose reports `user` (staff) may see, with everything below it."""
    return territories.by_id(user.territory_id) if user.territory_id else None


def sees_everything(user: User) -> bool:
    """The consortium and administrators read the reports of every territory; staff only their own tree."""
    return user.is_admin or user.role == Role.CONSORTIUM


def territory_by_code(code: str) -> Territory | None:
    return territories.by_code(code)


def people_in(territory: Territory):
    """A select of (user_id, subsector, place, size) of the people the territory's reports count: those of the
    territory and of every territory below it."""
    return territories.people_in(territory.id)


def min_group() -> int:
    """k: the smallest group a shown figure may count (the setting REPORTS_MIN_GROUP, never below rules.MIN_K)."""
    return rules.check_k(current_app.config["REPORTS_MIN_GROUP"])


# --- the view model -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One figure of the map: people assessed, their share below target and their median gap. None is hidden
    (or, for n = 0, not defined); `suppressed` when the share is hidden."""

    n: int | None
    below: int | None
    below_share: Fraction | None
    median_gap: float | None
    suppressed: bool


@dataclass
class Row:
    key: str  # the competence's stable key
    name: dict  # by language
    cells: dict[str, Cell]  # column -> cell
    total: Cell  # every column


@dataclass
class AreaRows:
    framework: dict
    area: dict
    rows: list[Row] = field(default_factory=list)


@dataclass
class SkillsGapMap:
    territory: Territory
    period: str | None
    k: int
    split: str  # how the columns split the people (SPLITS)
    columns: list[str]  # the columns' keys (`column`)
    areas: list[AreaRows]
    column_totals: dict[str, Cell]  # people with a gap in at least one competence, per column
    total: Cell

    @property
    def rows(self) -> list[Row]:
        return [row for area in self.areas for row in area.rows]


# --- the queries --------------------------------------------------------------------------------------------


def medians(source, keys: list, value) -> dict[tuple, float]:
    """The median of `value` per group of `keys` over the subquery `source`: percentile_cont in PostgreSQL,
    the grouped values' median in Python elsewhere (SQLite has no percentile function)."""
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(
            db.select(*keys, func.percentile_cont(0.5).within_group(value)).select_from(source).group_by(*keys)
        )
        return {tuple(row[:-1]): float(row[-1]) for row in rows}
    grouped: dict[tuple, list] = {}
    for row in db.session.execute(db.select(*keys, value).select_from(source)):
        grouped.setdefault(tuple(row[:-1]), []).append(row[-1])
    return {key: float(statistics.median(values)) for key, values in grouped.items()}


@dataclass
class Counts:
    """What the database gives: counts per (competence, column) and per column, and the medians."""

    cells: dict[tuple[str, str], tuple[int, int]]  # (competence, column) -> (n, below)
    people: dict[str, tuple[int, int]]  # column -> (people assessed, people below target somewhere)
    cell_medians: dict[tuple, float]
    row_medians: dict[tuple, float]
    column_medians: dict[tuple, float]
    total_median: float | None


def count(
    territory: Territory, *, since: datetime | None = None, until: datetime | None = None, split: str = "subsector"
) -> Counts:
    """The counts of the territory in the period, in the columns of `split`, kept per worker until the assessments'
    data or the people's places change (the generation tokens of both are part of the key: two small queries per
    request). At 100,000 assessments this takes the map from about 700 ms to about 35 ms (docs/performance.md)."""
    key = ("reports:count", territory.id, since, until, split, results_generation(), people_generation())
    return cache.pages().get_or_make(key, lambda: _count(territory, since=since, until=until, split=split))


def _count(territory: Territory, *, since: datetime | None, until: datetime | None, split: str) -> Counts:
    """Aggregate the latest submitted assessment of every person of the territory (in the period) in SQL."""
    results = latest_results(people_in(territory), since=since, until=until)
    c = results.c
    col = {"subsector": c.subsector, "size": "size:" + c.size, "role": "role:" + c.job_role}[split].label("col")
    per_cell = db.select(c.competence_key, col, c.user_id, c.below, c.gap).subquery("per_cell")
    k = per_cell.c
    cells = {
        (key, sub): (n, int(below or 0))
        for key, sub, n, below in db.session.execute(
            db.select(k.competence_key, k.col, func.count(func.distinct(k.user_id)), func.sum(k.below)).group_by(
                k.competence_key, k.col
            )
        )
    }
    per_person = (
        db.select(k.user_id, k.col.label("subsector"), func.max(k.below).label("below"), func.max(k.gap).label("gap"))
        .group_by(k.user_id, k.col)
        .subquery("per_person")
    )
    p = per_person.c
    people = {
        sub: (n, int(below or 0))
        for sub, n, below in db.session.execute(
            db.select(p.subsector, func.count(), func.sum(p.below)).group_by(p.subsector)
        )
    }
    total = medians(per_person, [], p.gap).get((), None) if people else None
    return Counts(
        cells=cells,
        people=people,
        cell_medians=medians(per_cell, [k.competence_key, k.col], k.gap),
        row_medians=medians(per_cell, [k.competence_key], k.gap),
        column_medians=medians(per_person, [p.subsector], p.gap),
        total_median=total,
    )


# --- the published cells and the decision -------------------------------------------------------------------


def decision_root(territory: Territory) -> Territory:
    """The top of the territory's tree (its country): every map under it is decided together."""
    chain = territories.ancestors(territory)
    return chain[0] if chain else territory


@dataclass(frozen=True)
class Tree:
    """What the map's decision of a tree is made from: its counts by place and history, its territories (each with
    the places it covers) and a digest of both (the decision's key: the same data, the same decision)."""

    counts: gapmap.TreeCounts
    nodes: dict[int, frozenset[int]]
    digest: str


def tree(root: Territory) -> Tree:
    """The tree of `root` (`gapmap.count`, `gapmap.tree_nodes`), kept per worker until the assessments or the
    people's places change (the generation tokens of both are part of the key)."""

    def make():
        counts, nodes = gapmap.count(root, people_in(root)), gapmap.tree_nodes(root)
        return Tree(counts, nodes, gapmap.digest(counts, nodes))

    return cache.pages().get_or_make(("reports:tree", root.id, results_generation(), people_generation()), make)


def decisions(territory: Territory, *, k: int) -> dict[str, rules.Decision]:
    """The decisions (by system) of the map of the whole tree the territory is in, every territory and every
    period at once (`gapmap.decide`): made once per change of the tree's own data (its digest: a change in another
    country changes nothing here) and kept in the database for every worker (`store.kept`)."""
    root = decision_root(territory)
    data = tree(root)
    return store.kept("map", root.id, k, (data.digest,), lambda: gapmap.decide(data.counts, data.nodes, k)[1])


def _cell(decision: rules.Decision, n_name, below_name, ok_name, median: float | None) -> Cell:
    """A cell's figures: n when its count is shown; the share and the median only when n and both halves of the
    share (below, at or above) are shown."""
    n, below = decision.count(n_name), decision.count(below_name)
    shown = all(decision.is_shown(name) for name in (n_name, below_name, ok_name))
    share = decision.share(below_name, n_name) if shown else None
    return Cell(
        n=n,
        below=below if shown else None,
        below_share=share,
        median_gap=median if share is not None else None,
        suppressed=not shown,
    )


def _n_name(decision: rules.Decision, node: int, period: str, key: str, sub: str):
    """The name of the count of people of (territory, period, competence, sub-sector) as `gapmap.published_cells`
    gave it."""
    name = ("n", node, period, key, sub)
    return name if decision.is_shown(name) or name in decision.suppressed else ("people", node, period, sub)


@dataclass(frozen=True)
class MapFilters:
    """The map's filters besides the period: at most one of a sub-sector, a business size and a role (a column of
    one split; two at once would cross two splits, which the map does not publish), and how the columns split the
    people (`split`: "subsector" by default, "size" or "role"; a chosen column decides it)."""

    subsector: str | None = None
    size: str | None = None
    role: str | None = None
    split: str | None = None

    def column(self) -> tuple[str | None, str | None]:
        """(split, column key) of the chosen column; (None, None) without one."""
        values = {"subsector": self.subsector, "size": self.size, "role": self.role}
        chosen = [(split, value) for split, value in values.items() if value]
        if len(chosen) > 1:
            raise ValueError("at most one of subsector, size and role")
        return (chosen[0][0], column(*chosen[0])) if chosen else (None, None)


NO_FILTERS = MapFilters()


def _ordered(split: str, columns) -> list[str]:
    """The columns in their natural order: sizes small to large (people without a business last), roles as the
    target profiles list them, sub-sectors by key."""
    values = {
        "size": [*(size.value for size in OrgSize), territories.NO_BUSINESS],
        "role": list(frameworks.JOB_ROLES),
    }.get(split)
    if values is None:
        return sorted(columns)
    rank = {column(split, value): i for i, value in enumerate(values)}
    return sorted(columns, key=lambda col: (rank.get(col, len(rank)), col))


def skills_gap_map(
    territory: Territory, *, period: str | None = None, filters: MapFilters = NO_FILTERS
) -> SkillsGapMap:
    """The map of `territory` in `period` ('2026Q4'; None: all time) with its columns split as `filters` say
    (sub-sector by default, business size or role), every figure decided by the rule with k = REPORTS_MIN_GROUP.
    With a column chosen in `filters`, only that column of its split (of the same decision: filtering hides
    columns, it publishes nothing new)."""
    k = min_group()
    chosen_split, only = filters.column()
    split = chosen_split or filters.split or "subsector"
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}")
    since, until = quarter_bounds(period) if period else (None, None)
    counts = count(territory, since=since, until=until, split=split)
    decided = decisions(territory, k=k) if counts.people else {}
    node, at = territory.id, period or ALL
    columns = _ordered(split, counts.people)
    comps = frameworks.competences_by_key(key for key, _col in counts.cells)
    order = sorted(
        {key for key, _col in counts.cells},
        key=lambda key: (
            (comps[key].framework.code, comps[key].area.position, comps[key].position) if key in comps else ("~", 0, 0),
            key,
        ),
    )
    areas: dict[tuple, AreaRows] = {}
    for key in order:
        if key not in decided:
            continue
        decision = decided[key]
        comp = comps.get(key)

        def cell(col, median, decision=decision, key=key):
            names = (("below", node, at, key, col), ("ok", node, at, key, col))
            return _cell(decision, _n_name(decision, node, at, key, col), *names, median)

        cells = {col: cell(col, counts.cell_medians.get((key, col))) for col in columns}
        total = cell(ALL, counts.row_medians.get((key,)))
        group = (comp.framework.code, comp.area.code) if comp else ("", "")
        if group not in areas:
            areas[group] = AreaRows(
                framework=comp.framework.name if comp else {"en": ""}, area=comp.area.name if comp else {"en": ""}
            )
        areas[group].rows.append(Row(key, comp.name if comp else {"en": key}, cells, total))
    totals, total = {}, Cell(None, None, None, None, True)
    if counts.people:
        decision = decided[ALL]

        def people(col, median):
            names = (("people", node, at, col), ("gap", node, at, col), ("nogap", node, at, col))
            return _cell(decision, *names, median)

        totals = {col: people(col, counts.column_medians.get((col,))) for col in columns}
        total = people(ALL, counts.total_median)
    if only:
        columns = [col for col in columns if col == only]
    return SkillsGapMap(
        territory=territory,
        period=period,
        k=k,
        split=split,
        columns=columns,
        areas=list(areas.values()),
        column_totals={col: totals[col] for col in columns},
        total=total,
    )


# --- training demand and the local offer --------------------------------------------------------------------


@dataclass
class TrainingView:
    gap_map: SkillsGapMap
    modules: list[demand.ModuleDemand]
    uncovered: list[demand.UncoveredGap]
    names: dict[str, dict]  # competence key -> name by language


def training_view(territory: Territory, *, period: str | None = None, filters: MapFilters = NO_FILTERS) -> TrainingView:
    """The territory's training demand and the large gaps without a local session, from the published map (of
    the column chosen in `filters`, else of everybody), the published modules and the territory's upcoming
    sessions and requests."""
    from uprest.recommendations.services import published_catalogue
    from uprest.sessions import demand as session_demand
    from uprest.sessions import services as sessions

    gap_map = skills_gap_map(territory, period=period, filters=filters)
    _split, only = filters.column()
    nobody = Cell(0, 0, None, None, False)
    figures = {}
    for row in gap_map.rows:
        cell = row.cells.get(only, nobody) if only else row.total
        figures[row.key] = demand.Figures(cell.n, cell.below, cell.median_gap)
    modules = [
        demand.ModuleSpec(
            m.code, m.title, m.hours, {o.competence: max(1, o.to_level - o.from_level) for o in m.outcomes}
        )
        for m in published_catalogue()
    ]
    offers = [
        demand.Offer(s.id, s.module.code if s.module is not None else None, s.starts_at)
        for s in db.session.scalars(sessions.upcoming(territory_id=territory.id))
    ]
    requests = [
        (r.module.code, r.staff_count)
        for r in db.session.scalars(session_demand.requests_stmt(territory_id=territory.id, status="open"))
        if r.module is not None
    ]
    return TrainingView(
        gap_map=gap_map,
        modules=demand.training_demand(figures, modules, offers, requests),
        uncovered=demand.uncovered_gaps(figures, modules, offers),
        names={row.key: row.name for row in gap_map.rows},
    )
