"""What the skills-gap map page and its CSV say: labels, the heat map, the rows of the export."""

from __future__ import annotations

from flask_babel import format_percent
from flask_babel import gettext as _

from uprest.accounts.forms import subsector_choices
from uprest.charts import HEAT_STEPS, HeatCell, HeatRow, heat_map
from uprest.i18n import pick
from uprest.reports.services import Cell, SkillsGapMap


def subsector_labels() -> dict[str, str]:
    return {value: str(label) for value, label in subsector_choices()}


def period_label(period: str | None) -> str:
    if not period:
        return _("all time")
    return _("%(year)s, quarter %(quarter)s", year=period[:4], quarter=period[-1])


def hidden_text() -> str:
    """What a hidden cell says. The same for every hidden cell: telling the cells under k from those hidden to
    protect them would give away bounds (a hidden pair of a total 6 with k = 5 would be 1 and 5)."""
    return _("hidden")


def cell_text(cell: Cell) -> str:
    """The short text of a cell in the chart: the share below target, hidden, or a dash for nobody."""
    if cell.suppressed and cell.n != 0:
        return hidden_text()
    if cell.below_share is None:
        return "–"
    return format_percent(float(cell.below_share))


def chart(gap_map: SkillsGapMap, *, chart_id: str = "skills-gap-map"):
    labels = subsector_labels()
    columns = [labels.get(s, s) for s in gap_map.subsectors] + [_("All sub-sectors")]
    rows = []
    for area in gap_map.areas:
        group = f"{pick(area.framework)} · {pick(area.area)}"
        for row in area.rows:
            cells = [row.cells[s] for s in gap_map.subsectors] + [row.total]
            rows.append(HeatRow(pick(row.name), tuple(_heat(c) for c in cells), group))
    totals = [gap_map.column_totals[s] for s in gap_map.subsectors] + [gap_map.total]
    rows.append(HeatRow(_("Below target in at least one competence"), tuple(_heat(c) for c in totals)))
    steps = len(HEAT_STEPS)
    step_labels = [
        f"{format_percent(i / steps)}–{format_percent((i + 1) / steps)}".replace("\xa0", " ") for i in range(steps)
    ]
    return heat_map(
        rows,
        columns,
        title=_("Skills-gap map of %(territory)s", territory=gap_map.territory.name),
        desc=_(
            "For each competence (rows) and sub-sector (columns), the share of people assessed who are below their "
            "target. Darker is a larger share. Hatched cells are hidden because they count fewer than %(k)s people "
            "or would let such a cell be worked out. The table below gives the same figures.",
            k=gap_map.k,
        ),
        legend=_("Share below target"),
        step_labels=step_labels,
        hidden_label=hidden_text(),
        chart_id=chart_id,
    )


def _heat(cell: Cell) -> HeatCell:
    hidden = cell.suppressed and cell.n != 0
    value = None if hidden or cell.below_share is None else float(cell.below_share)
    return HeatCell(value, cell_text(cell), hidden)


CSV_HEADER = (
    "territory",
    "period",
    "k",
    "framework",
    "area",
    "competence_key",
    "competence",
    "subsector",
    "n",
    "below_target",
    "below_target_share",
    "median_gap",
    "suppressed",
)


def csv_rows(gap_map: SkillsGapMap) -> list[list]:
    """The figures of the map, one row per cell, then each competence over all sub-sectors (subsector "all"),
    then the people below target in at least one competence (competence_key "any"). Hidden values are empty,
    never zero."""
    head = [gap_map.territory.code, gap_map.period or "all", gap_map.k]
    out = []
    for area in gap_map.areas:
        for row in area.rows:
            for sub, cell in [*row.cells.items(), ("all", row.total)]:
                if sub != "all" and sub not in gap_map.subsectors:
                    continue
                out.append(
                    [*head, pick(area.framework), pick(area.area), row.key, pick(row.name), sub, *_figures(cell)]
                )
    for sub, cell in [*gap_map.column_totals.items(), ("all", gap_map.total)]:
        out.append([*head, "", "", "any", _("Below target in at least one competence"), sub, *_figures(cell)])
    return out


def _figures(cell: Cell) -> list:
    share = None if cell.below_share is None else round(float(cell.below_share), 4)
    return [cell.n, cell.below, share, cell.median_gap, "yes" if cell.suppressed else "no"]


TRAINING_CSV_HEADER = (
    "territory",
    "period",
    "k",
    "module",
    "title",
    "competences",
    "people_at_least",
    "levels_estimate",
    "learning_hours",
    "workload_hours",
    "local_sessions",
    "requests",
    "requested_staff",
)


def training_csv_rows(view) -> list[list]:
    """One row per module of the training demand; a figure the map hides is empty."""
    head = [view.gap_map.territory.code, view.gap_map.period or "all", view.gap_map.k]
    return [
        [
            *head,
            m.code,
            pick(m.title),
            " ".join(m.competences),
            m.people,
            None if m.levels is None else round(m.levels, 1),
            m.learning_hours,
            m.hours,
            len(m.sessions),
            m.requests,
            m.requested_staff,
        ]
        for m in view.modules
    ]
