"""Territories side by side: the consortium (and administrators, and staff over the territories of their own tree)
compare the skills-gap maps of several territories in one table and one heat map.

Nothing new is published: each column is the "All sub-sectors" column of that territory's own map (or the chosen
sub-sector's column), decided by the same rule and the same tree-wide decision as its map page, so a figure hidden
on a territory's map is hidden here too, and the comparison adds no figure that could be subtracted from another.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from uprest.accounts.models import Territory
from uprest.charts import HeatRow, heat_map
from uprest.i18n import pick
from uprest.reports import presentation, services
from uprest.reports.services import Cell, SkillsGapMap

#: At most this many territories side by side (a readable table; each one is a map to compute).
MAX_TERRITORIES = 12


@dataclass
class CompareRow:
    key: str
    name: dict  # by language
    group: str  # framework · area, in the reader's language
    cells: list[Cell]  # one per territory, in the comparison's order


@dataclass
class Comparison:
    territories: list[Territory]
    period: str | None
    subsector: str | None
    k: int
    people: list[Cell]  # below target in at least one competence, with the people assessed
    rows: list[CompareRow]

    @property
    def groups(self) -> list[tuple[str, list[CompareRow]]]:
        """The rows by framework area, in order."""
        out: list[tuple[str, list[CompareRow]]] = []
        for row in self.rows:
            if not out or out[-1][0] != row.group:
                out.append((row.group, []))
            out[-1][1].append(row)
        return out


def _column(gap_map: SkillsGapMap, subsector: str | None, cells: dict, total: Cell) -> Cell:
    if subsector is None:
        return total
    return cells.get(subsector) or Cell(0, None, None, None, False)


def compare(territories: list[Territory], *, period: str | None = None, subsector: str | None = None) -> Comparison:
    """The comparison of `territories` (in this order) in the period, for every sub-sector or for one."""
    maps = [services.skills_gap_map(t, period=period) for t in territories]
    rows: dict[str, CompareRow] = {}
    order: list[str] = []
    for index, gap_map in enumerate(maps):
        for area in gap_map.areas:
            group = f"{pick(area.framework)} · {pick(area.area)}"
            for row in area.rows:
                if row.key not in rows:
                    rows[row.key] = CompareRow(row.key, row.name, group, [None] * len(maps))
                    order.append(row.key)
                rows[row.key].cells[index] = _column(gap_map, subsector, row.cells, row.total)
    empty = Cell(0, None, None, None, False)
    for row in rows.values():
        row.cells = [cell or empty for cell in row.cells]
    people = [_column(m, subsector, m.column_totals, m.total) for m in maps]
    return Comparison(
        territories=list(territories),
        period=period,
        subsector=subsector,
        k=services.min_group(),
        people=people,
        rows=[rows[key] for key in _ordered(order, maps)],
    )


def _ordered(keys: list[str], maps: list[SkillsGapMap]) -> list[str]:
    """The competences in the maps' order (framework, area, position): the first map that has each decides."""
    position: dict[str, int] = {}
    for gap_map in maps:
        for row in gap_map.rows:
            position.setdefault(row.key, len(position))
    return sorted(keys, key=lambda key: position.get(key, len(position)))


def chart(comparison: Comparison, *, chart_id: str = "territory-comparison"):
    """The comparison as a heat map: competences as rows, territories as columns (the same chart as the map)."""
    columns = [t.display_name for t in comparison.territories]
    rows = [HeatRow(pick(r.name), tuple(presentation.heat_cell(c) for c in r.cells), r.group) for r in comparison.rows]
    everyone = tuple(presentation.heat_cell(c) for c in comparison.people)
    rows.append(HeatRow(_("Below target in at least one competence"), everyone))
    legend, steps = presentation.heat_legend()
    return heat_map(
        rows,
        columns,
        title=_("Territories compared"),
        desc=_(
            "For each competence (rows) and territory (columns), the share of people assessed who are below their "
            "target. Darker is a larger share. Hatched cells are hidden because they count fewer than %(k)s people "
            "or would let such a cell be worked out. The table below gives the same figures.",
            k=comparison.k,
        ),
        legend=legend,
        step_labels=steps,
        hidden_label=presentation.hidden_text(),
        chart_id=chart_id,
    )


CSV_HEADER = ("period", "k", "subsector", "competence_key", "competence", "territory", "n", "below_target_share",
              "median_gap", "suppressed")  # fmt: skip


def csv_rows(comparison: Comparison) -> list[list]:
    """One row per competence and territory, then the "at least one competence" row of each territory; a hidden
    figure is empty."""
    head = [comparison.period or "all", comparison.k, comparison.subsector or "all"]
    out = []
    everyone = CompareRow("*", {"en": _("Below target in at least one competence")}, "", comparison.people)
    for row in [*comparison.rows, everyone]:
        for territory, cell in zip(comparison.territories, row.cells, strict=True):
            out.append(
                [
                    *head,
                    row.key,
                    pick(row.name),
                    territory.code,
                    cell.n,
                    None if cell.below_share is None else round(float(cell.below_share), 4),
                    None if cell.median_gap is None else round(cell.median_gap, 2),
                    "yes" if cell.suppressed and cell.n != 0 else "no",
                ]
            )
    return out
