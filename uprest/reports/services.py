"""The skills-gap map of a territory: counts in SQL (GROUP BY), every published count through `rules.suppress`.

A staff member's territory is the one they are bound to, with everything below it (`territory_of`, `people_in`).
The assessment's and the accounts' tables are read through their services only
(``uprest.assessments.aggregates.latest_results``, ``accounts.territories.people_in``).

The published cells (docs/reports-privacy.md, "The skills-gap map"): every territory of a tree publishes its map,
so the map of every territory under the same root (a country) is decided at once: a region's figure and its
municipalities' figures are sums of the same atomic cells, and a count hidden in one cannot be had by subtracting
the others. Each competence is its own system, over the atomic cells (place, sub-sector, below target | at or
above it), where a place is the territory a person is in; it publishes, for every territory of the tree, per
sub-sector and for all sub-sectors, the people assessed (n), the people below target and the people at or above
it (both halves of a share). The column totals are one more system over (place, sub-sector, below target in at
least one competence | in none). A count of people that equals the column total of its territory and sub-sector
is the same figure (the same people) and carries the same name in every system, so that `suppress_together` hides
it everywhere when one system hides it.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction

from flask import current_app
from sqlalchemy import func

from uprest import cache
from uprest.accounts import territories
from uprest.accounts.aggregates import people_generation
from uprest.accounts.models import Role, Territory, User
from uprest.assessments.aggregates import latest_results, results_generation
from uprest.extensions import db
from uprest.frameworks import services as frameworks
from uprest.reports import demand, rules

#: The key of the totals over every sub-sector (or every competence) in cell names.
ALL = "*"
PERIOD_RE = re.compile(r"([0-9]{4})Q([1-4])")
FIRST_YEAR, LAST_YEAR = 2000, 2999


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
    """A select of (user_id, subsector) of the people the territory's reports count: those of the territory and
    of every territory below it."""
    return territories.people_in(territory.id)


def min_group() -> int:
    """k: the smallest group a shown figure may count (the setting REPORTS_MIN_GROUP, never below rules.MIN_K)."""
    return rules.check_k(current_app.config["REPORTS_MIN_GROUP"])


# --- periods ------------------------------------------------------------------------------------------------


def quarter_bounds(period: str) -> tuple[datetime, datetime]:
    """'2026Q4' -> [start, end) in UTC; ValueError for anything else (years FIRST_YEAR..LAST_YEAR)."""
    match = PERIOD_RE.fullmatch(period or "")
    if not match or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise ValueError(f"not a quarter: {period!r}")
    year, quarter = int(match.group(1)), int(match.group(2))
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) if quarter == 4 else datetime(year, 3 * quarter + 1, 1, tzinfo=UTC)
    return start, end


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
    cells: dict[str, Cell]  # sub-sector -> cell
    total: Cell  # every sub-sector


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
    subsectors: list[str]
    areas: list[AreaRows]
    column_totals: dict[str, Cell]  # people with a gap in at least one competence, per sub-sector
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
    """What the database gives: counts per (competence, sub-sector) and per sub-sector, and the medians."""

    cells: dict[tuple[str, str], tuple[int, int]]  # (competence, sub-sector) -> (n, below)
    people: dict[str, tuple[int, int]]  # sub-sector -> (people assessed, people below target somewhere)
    cell_medians: dict[tuple, float]
    row_medians: dict[tuple, float]
    column_medians: dict[tuple, float]
    total_median: float | None


def count(territory: Territory, *, since: datetime | None = None, until: datetime | None = None) -> Counts:
    """The counts of the territory in the period, kept per worker until the assessments' data or the people's
    places change (the generation tokens of both are part of the key: two small queries per request). At
    100,000 assessments this takes the map from about 700 ms to about 35 ms (docs/performance.md)."""
    key = ("reports:count", territory.id, since, until, results_generation(), people_generation())
    return cache.pages().get_or_make(key, lambda: _count(territory, since=since, until=until))


def _count(territory: Territory, *, since: datetime | None, until: datetime | None) -> Counts:
    """Aggregate the latest submitted assessment of every person of the territory (in the period) in SQL."""
    results = latest_results(people_in(territory), since=since, until=until)
    c = results.c
    cells = {
        (key, sub): (n, int(below or 0))
        for key, sub, n, below in db.session.execute(
            db.select(c.competence_key, c.subsector, func.count(func.distinct(c.user_id)), func.sum(c.below)).group_by(
                c.competence_key, c.subsector
            )
        )
    }
    per_person = (
        db.select(c.user_id, c.subsector, func.max(c.below).label("below"), func.max(c.gap).label("gap"))
        .group_by(c.user_id, c.subsector)
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
        cell_medians=medians(results, [c.competence_key, c.subsector], c.gap),
        row_medians=medians(results, [c.competence_key], c.gap),
        column_medians=medians(per_person, [p.subsector], p.gap),
        total_median=total,
    )


# --- the published cells and the decision -------------------------------------------------------------------


@dataclass
class PlaceCounts:
    """The counts of a whole tree by place (the territory a person is in): what the decision is made on."""

    cells: dict[tuple[int, str, str], tuple[int, int]]  # (place, competence, sub-sector) -> (n, below)
    people: dict[tuple[int, str], tuple[int, int]]  # (place, sub-sector) -> (people assessed, people below somewhere)


def _places_key(root: Territory, since: datetime | None, until: datetime | None) -> tuple:
    return ("reports:places", root.id, since, until, results_generation(), people_generation())


def place_counts(root: Territory, *, since: datetime | None, until: datetime | None) -> PlaceCounts:
    """The counts of every place under `root` in the period, kept like `count`."""
    return cache.pages().get_or_make(_places_key(root, since, until), lambda: _place_counts(root, [(since, until)])[0])


def prime_place_counts(root: Territory, periods: list[str]) -> None:
    """Count the places of every quarter of `periods` that is not kept yet in one pass, and keep each as
    `place_counts` would (what participation needs: the map's decision of every quarter)."""
    kept = cache.pages()
    bounds = [quarter_bounds(period) for period in periods]
    missing = [b for b in bounds if kept.get(_places_key(root, *b)) is None]
    if len(missing) > 1:
        for (since, until), counts in zip(missing, _place_counts(root, missing), strict=True):
            kept.put(_places_key(root, since, until), counts)


def _place_counts(root: Territory, periods: list[tuple[datetime | None, datetime | None]]) -> list[PlaceCounts]:
    """The counts of each period (a single one may be open: all time), in one pass over the runs."""
    if len(periods) == 1:
        since, until = periods[0]
        results = latest_results(people_in(root), since=since, until=until)
    else:
        results = latest_results(people_in(root), periods=periods)
    c = results.c
    index = [c.period] if len(periods) > 1 else []  # which period a row counts in (with several)
    out = [PlaceCounts(cells={}, people={}) for _ in periods]
    cells = db.select(
        *index, c.place, c.competence_key, c.subsector, func.count(func.distinct(c.user_id)), func.sum(c.below)
    ).group_by(*index, c.place, c.competence_key, c.subsector)
    for row in db.session.execute(cells):
        i, (place, key, sub, n, below) = (row[0], row[1:]) if index else (0, row)
        out[i].cells[(place, key, sub)] = (n, int(below or 0))
    per_person = (
        db.select(*index, c.user_id, c.place, c.subsector, func.max(c.below).label("below"))
        .group_by(*index, c.user_id, c.place, c.subsector)
        .subquery("per_person")
    )
    p = per_person.c
    at = [p.period] if index else []
    for row in db.session.execute(
        db.select(*at, p.place, p.subsector, func.count(), func.sum(p.below)).group_by(*at, p.place, p.subsector)
    ):
        i, (place, sub, n, below) = (row[0], row[1:]) if index else (0, row)
        out[i].people[(place, sub)] = (n, int(below or 0))
    return out


def published_cells(places: PlaceCounts, nodes: dict[int, frozenset[int]]) -> dict[str, tuple[dict, dict]]:
    """The systems for `rules.suppress_together`: name -> (published cells, atomic counts). `nodes` maps each
    territory of the tree to the places it covers (itself and every territory below it); a territory without
    anybody assessed publishes nothing."""
    where = sorted({place for place, _sub in places.people})
    subsectors = sorted({sub for _place, sub in places.people})
    people = places.people
    covered = {
        node: [place for place in where if place in members]
        for node, members in sorted(nodes.items())
        if any(place in members for place in where)
    }

    def people_of(inside, subs, index):
        return sum(people.get((place, sub), (0, 0))[index] for place in inside for sub in subs)

    systems: dict[str, tuple[dict, dict]] = {}
    for key in sorted({key for _place, key, _sub in places.cells}):
        atomic: dict = {}
        for place in where:
            for sub in subsectors:
                n, below = places.cells.get((place, key, sub), (0, 0))
                atomic[(place, sub, "below")], atomic[(place, sub, "ok")] = below, n - below
        published: dict = {}
        for node, inside in covered.items():
            for sub in [*subsectors, ALL]:
                subs = subsectors if sub == ALL else [sub]
                below = [(place, s, "below") for place in inside for s in subs]
                ok = [(place, s, "ok") for place in inside for s in subs]
                n = sum(atomic[cell] for cell in below + ok)
                same = n == people_of(inside, subs, 0)
                published[("people", node, sub) if same else ("n", node, key, sub)] = below + ok
                published[("below", node, key, sub)] = below
                published[("ok", node, key, sub)] = ok
        systems[key] = (published, atomic)
    atomic = {}
    for place in where:
        for sub in subsectors:
            n, below = people.get((place, sub), (0, 0))
            atomic[(place, sub, "below")], atomic[(place, sub, "ok")] = below, n - below
    published = {}
    for node, inside in covered.items():
        for sub in [*subsectors, ALL]:
            subs = subsectors if sub == ALL else [sub]
            below = [(place, s, "below") for place in inside for s in subs]
            ok = [(place, s, "ok") for place in inside for s in subs]
            published[("people", node, sub)] = below + ok
            published[("gap", node, sub)] = below
            published[("nogap", node, sub)] = ok
    systems[ALL] = (published, atomic)
    return systems


def decision_root(territory: Territory) -> Territory:
    """The top of the territory's tree (its country): every map under it is decided together."""
    chain = territories.ancestors(territory)
    return chain[0] if chain else territory


def decisions(territory: Territory, *, since: datetime | None, until: datetime | None, k: int):
    """The decisions (by system) of the whole tree the territory is in, with the systems; kept per worker until
    the data changes, like the counts."""
    root = decision_root(territory)
    key = ("reports:decisions", root.id, since, until, k, results_generation(), people_generation())

    def make():
        places = place_counts(root, since=since, until=until)
        nodes: dict[int, set[int]] = {}
        for node in territories.tree(under=root.id, users=False):
            nodes[node.territory.id] = {node.territory.id}
            for above in territories.ancestors(node.territory):
                nodes.setdefault(above.id, {above.id}).add(node.territory.id)
        systems = published_cells(places, {node: frozenset(members) for node, members in nodes.items()})
        return systems, (rules.suppress_together(systems, k) if places.people else {})

    return cache.pages().get_or_make(key, make)


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


def _n_name(published: dict, node: int, key: str, sub: str):
    """The name of the count of people of (territory, competence, sub-sector) as `published_cells` gave it."""
    return ("n", node, key, sub) if ("n", node, key, sub) in published else ("people", node, sub)


def skills_gap_map(territory: Territory, *, period: str | None = None, subsector: str | None = None) -> SkillsGapMap:
    """The map of `territory` in `period` ('2026Q4'; None: all time), every figure decided by the rule with
    k = REPORTS_MIN_GROUP. With `subsector`, only that column (of the same decision: filtering hides columns,
    it publishes nothing new)."""
    k = min_group()
    since, until = quarter_bounds(period) if period else (None, None)
    counts = count(territory, since=since, until=until)
    systems, decided = decisions(territory, since=since, until=until, k=k) if counts.people else ({}, {})
    node = territory.id
    subsectors = sorted(counts.people)
    comps = frameworks.competences_by_key(key for key, _sub in counts.cells)
    order = sorted(
        {key for key, _sub in counts.cells},
        key=lambda key: (
            (comps[key].framework.code, comps[key].area.position, comps[key].position) if key in comps else ("~", 0, 0),
            key,
        ),
    )
    areas: dict[tuple, AreaRows] = {}
    for key in order:
        if key not in systems:
            continue
        published, _atomic = systems[key]
        decision = decided[key]
        comp = comps.get(key)
        cells = {
            sub: _cell(
                decision,
                _n_name(published, node, key, sub),
                ("below", node, key, sub),
                ("ok", node, key, sub),
                counts.cell_medians.get((key, sub)),
            )
            for sub in subsectors
        }
        total = _cell(
            decision,
            _n_name(published, node, key, ALL),
            ("below", node, key, ALL),
            ("ok", node, key, ALL),
            counts.row_medians.get((key,)),
        )
        group = (comp.framework.code, comp.area.code) if comp else ("", "")
        if group not in areas:
            areas[group] = AreaRows(
                framework=comp.framework.name if comp else {"en": ""}, area=comp.area.name if comp else {"en": ""}
            )
        areas[group].rows.append(Row(key, comp.name if comp else {"en": key}, cells, total))
    columns, total = {}, Cell(None, None, None, None, True)
    if counts.people:
        decision = decided[ALL]
        columns = {
            sub: _cell(
                decision,
                ("people", node, sub),
                ("gap", node, sub),
                ("nogap", node, sub),
                counts.column_medians.get((sub,)),
            )
            for sub in subsectors
        }
        total = _cell(decision, ("people", node, ALL), ("gap", node, ALL), ("nogap", node, ALL), counts.total_median)
    if subsector:
        subsectors = [s for s in subsectors if s == subsector]
    return SkillsGapMap(
        territory=territory,
        period=period,
        k=k,
        subsectors=subsectors,
        areas=list(areas.values()),
        column_totals={s: columns[s] for s in subsectors},
        total=total,
    )


# --- training demand and the local offer --------------------------------------------------------------------


@dataclass
class TrainingView:
    gap_map: SkillsGapMap
    modules: list[demand.ModuleDemand]
    uncovered: list[demand.UncoveredGap]
    names: dict[str, dict]  # competence key -> name by language


def training_view(territory: Territory, *, period: str | None = None, subsector: str | None = None) -> TrainingView:
    """The territory's training demand and the large gaps without a local session, from the published map (of
    the sub-sector when given), the published modules and the territory's upcoming sessions and requests."""
    from uprest.recommendations.services import published_catalogue
    from uprest.sessions import demand as session_demand
    from uprest.sessions import services as sessions

    gap_map = skills_gap_map(territory, period=period, subsector=subsector)
    figures = {}
    for row in gap_map.rows:
        cell = row.cells[subsector] if subsector else row.total
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
