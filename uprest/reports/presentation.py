"""What the skills-gap map page and its CSV say: labels, the heat map, the rows of the export."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from uprest.accounts.forms import size_choices, subsector_choices
from uprest.accounts.territories import NO_BUSINESS
from uprest.charts import HEAT_STEPS, HeatCell, HeatRow, heat_map
from uprest.frameworks.forms import job_role_labels
from uprest.i18n import pick
from uprest.reports.services import ALL, Cell, SkillsGapMap, column


def subsector_labels() -> dict[str, str]:
    return {value: str(label) for value, label in subsector_choices()}


def size_labels() -> dict[str, str]:
    """Business size -> its label, and the people without a business."""
    return {value: str(label) for value, label in size_choices()} | {NO_BUSINESS: _("No business")}


def column_labels(split: str = "subsector") -> dict[str, str]:
    """The label of each column key of the map split by `split` (`services.column`)."""
    values = {
        "subsector": subsector_labels,
        "size": size_labels,
        "role": lambda: {code: str(label) for code, label in job_role_labels().items()},
    }[split]()
    return {column(split, value): label for value, label in values.items()}


def total_label(split: str = "subsector") -> str:
    """The heading of the map's column over every sub-sector, business size or role."""
    return {"subsector": _("All sub-sectors"), "size": _("All business sizes"), "role": _("All roles")}[split]


def split_label(split: str = "subsector") -> str:
    """The name of what the map's columns are: sub-sector, business size or role."""
    return {"subsector": _("Sub-sector"), "size": _("Business size"), "role": _("Role")}[split]


def split_values(split: str, col: str) -> dict[str, str]:
    """The sub-sector, size and role of a column of the map split by `split`, "all" for the others (the columns
    of the CSV)."""
    value = "all" if col == ALL else col.removeprefix(f"{split}:")
    return {s: value if s == split else "all" for s in ("subsector", "size", "role")}


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
    labels = column_labels(gap_map.split)
    columns = [labels.get(s, s) for s in gap_map.columns] + [total_label(gap_map.split)]
    rows = []
    for area in gap_map.areas:
        group = f"{pick(area.framework)} · {pick(area.area)}"
        for row in area.rows:
            cells = [row.cells[s] for s in gap_map.columns] + [row.total]
            rows.append(HeatRow(pick(row.name), tuple(heat_cell(c) for c in cells), group))
    totals = [gap_map.column_totals[s] for s in gap_map.columns] + [gap_map.total]
    rows.append(HeatRow(_("Below target in at least one competence"), tuple(heat_cell(c) for c in totals)))
    legend, step_labels = heat_legend()
    return heat_map(
        rows,
        columns,
        title=_("Skills-gap map of %(territory)s", territory=gap_map.territory.display_name),
        desc=_(
            "For each competence (rows) and group of people (columns), the share of people assessed who are "
            "below their target. Darker is a larger share. Hatched cells are hidden because they count fewer than "
            "%(k)s people or would let such a cell be worked out. The table below gives the same figures.",
            k=gap_map.k,
        ),
        legend=legend,
        step_labels=step_labels,
        hidden_label=hidden_text(),
        chart_id=chart_id,
    )


def heat_legend() -> tuple[str, list[str]]:
    """The legend of a skills-gap heat map: its title and the label of each colour step."""
    steps = len(HEAT_STEPS)
    labels = [
        f"{format_percent(i / steps)}–{format_percent((i + 1) / steps)}".replace("\xa0", " ") for i in range(steps)
    ]
    return _("Share below target"), labels


def heat_cell(cell: Cell) -> HeatCell:
    """A cell of the heat map: its share (None when hidden or undefined), its text and whether it is hidden."""
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
    "size",
    "role",
    "n",
    "below_target",
    "below_target_share",
    "median_gap",
    "suppressed",
)


def csv_rows(gap_map: SkillsGapMap) -> list[list]:
    """The figures of the map, one row per cell (its sub-sector, size or role, "all" in the other two columns),
    then each competence over all columns ("all" in the three), then the people below target in at least one
    competence (competence_key "any"). Hidden values are empty, never zero."""
    head = [gap_map.territory.code, gap_map.period or "all", gap_map.k]

    def where(col):
        return list(split_values(gap_map.split, col).values())

    out = []
    for area in gap_map.areas:
        for row in area.rows:
            for col, cell in [*((c, row.cells[c]) for c in gap_map.columns), (ALL, row.total)]:
                out.append(
                    [
                        *head,
                        pick(area.framework),
                        pick(area.area),
                        row.key,
                        pick(row.name),
                        *where(col),
                        *_figures(cell),
                    ]
                )
    for col, cell in [*gap_map.column_totals.items(), (ALL, gap_map.total)]:
        out.append([*head, "", "", "any", _("Below target in at least one competence"), *where(col), *_figures(cell)])
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


# --- participation and outcome ------------------------------------------------------------------------------


def stage_labels() -> dict[str, str]:
    """What each stage and each group between stages is called (on the page, in the chart)."""
    return {
        "assessed": _("People assessed"),
        "enrolled": _("Enrolled in a module"),
        "completed": _("Completed a module"),
        "certified": _("Certified"),
        "below": _("Below target (any competence)"),
    }


def quarter_label(quarter: str) -> str:
    """A short label of a quarter ('2026Q4' -> '2026 Q4'), for table headers and chart columns."""
    return _("%(year)s Q%(quarter)s", year=quarter[:4], quarter=quarter[-1])


PARTICIPATION_CSV_HEADER = ("territory", "period", "k", "figure", "value", "share", "suppressed")


def _share(value) -> float | None:
    return None if value is None else round(float(value), 4)


def _row(head: list, figure: str, fig, value=None, *, measure: bool = False) -> list:
    """One exported figure: a count (or, with `measure`, `value`: hours, a median) with its share and whether its
    count is hidden. A hidden value is empty, never 0."""
    shown = value if measure else fig.count
    return [*head, figure, shown, None if measure else _share(fig.share), "yes" if fig.suppressed else "no"]


def funnel_rows(view) -> list[list]:
    """The funnel and outcome figures of the period, one row each; shares are of the people assessed (of the people
    re-assessed for gap_reduced)."""
    f = view.funnel
    head = [view.territory.code, view.period or "all", view.k]
    rows = [_row(head, "businesses_assessed", f.businesses)]
    rows += [_row(head, "people_assessed" if s.key == "assessed" else s.key, s.people) for s in f.stages]
    names = ("assessed_not_enrolled", "enrolled_not_completed", "completed_not_certified")
    rows += [_row(head, name, s.stopped) for name, s in zip(names, f.stages, strict=False)]
    rows.append(_row(head, "learning_hours", f.stage("completed").people, f.hours, measure=True))
    rows.append(_row(head, "reassessed", f.reassessed))
    rows.append(_row(head, "gap_reduced", f.improved))
    rows.append(_row(head, "median_levels_closed", f.improved, f.median_closed, measure=True))
    return rows


def trend_rows(view) -> list[list]:
    """The trend: per quarter, the people assessed, below target in at least one competence (the skills-gap map's
    figure), enrolled, completed and certified; shares are of the people assessed in the quarter."""
    rows = []
    for t in view.trend:
        head = [view.territory.code, t.quarter, view.k]
        for name, fig in (
            ("people_assessed", t.assessed),
            ("below_target", t.below),
            ("enrolled", t.enrolled),
            ("completed", t.completed),
            ("certified", t.certified),
        ):
            rows.append(_row(head, name, fig))
    return rows


def _json_rows(header: Sequence[str], rows: list[list], skip: int) -> list[dict]:
    """Rows as objects without the first `skip` columns; a value that is hidden (or undefined) is absent, never
    0; ``suppressed`` is a boolean."""
    out = []
    for row in rows:
        item = {key: value for key, value in zip(header[skip:], row[skip:], strict=True) if value is not None}
        item["suppressed"] = item.get("suppressed") == "yes"
        out.append(item)
    return out


def participation_json(view) -> dict:
    """The figures of the participation page (the funnel of the period and the trend) as JSON."""
    trend = trend_rows(view)
    return {
        "territory": view.territory.code,
        "period": view.period or "all",
        "k": view.k,
        "funnel": _json_rows(PARTICIPATION_CSV_HEADER, funnel_rows(view), 3),
        "trend": [
            {"quarter": row[1], **item}
            for row, item in zip(trend, _json_rows(PARTICIPATION_CSV_HEADER, trend, 3), strict=True)
        ],
    }


def skills_gap_json(gap_map: SkillsGapMap) -> dict:
    """The figures of the skills-gap CSV as JSON."""
    return {
        "territory": gap_map.territory.code,
        "period": gap_map.period or "all",
        "k": gap_map.k,
        "split": gap_map.split,
        "cells": _json_rows(CSV_HEADER, csv_rows(gap_map), 3),
    }


def training_json(view) -> dict:
    """The figures of the training-demand CSV as JSON."""
    return {
        "territory": view.gap_map.territory.code,
        "period": view.gap_map.period or "all",
        "k": view.gap_map.k,
        "modules": [
            {key: value for key, value in zip(TRAINING_CSV_HEADER[3:], row[3:], strict=True) if value is not None}
            for row in training_csv_rows(view)
        ],
    }


def trend_chart(view, *, chart_id: str = "participation-trend"):
    """The trend as a heat map: a row per figure, a column per quarter, each cell's text its count (and share),
    its colour the share of the people assessed in the quarter; hidden cells hatched."""
    labels = stage_labels()
    rows = []
    for key in ("assessed", "below", "enrolled", "completed", "certified"):
        cells = []
        for t in view.trend:
            fig = getattr(t, key)
            if fig.suppressed:
                cells.append(HeatCell(None, hidden_text(), True))
                continue
            share = None if key == "assessed" or fig.share is None else float(fig.share)
            text = format_decimal(fig.count) if share is None else f"{format_decimal(fig.count)} · {_pct(share)}"
            cells.append(HeatCell(share, text))
        rows.append(HeatRow(labels[key], tuple(cells)))
    steps = len(HEAT_STEPS)
    return heat_map(
        rows,
        [quarter_label(t.quarter) for t in view.trend],
        title=_("Participation by quarter in %(territory)s", territory=view.territory.display_name),
        desc=_(
            "For each quarter (columns): the people assessed, and of them the people below target in at least one "
            "competence, enrolled in a module, who completed one and who are certified, with their share of the "
            "people assessed. Darker is a larger share. Hatched cells are hidden because they count fewer than "
            "%(k)s people or would let such a figure be worked out. The table below gives the same figures.",
            k=view.k,
        ),
        legend=_("Share of the people assessed"),
        step_labels=[f"{_pct(i / steps)}–{_pct((i + 1) / steps)}" for i in range(steps)],
        hidden_label=hidden_text(),
        chart_id=chart_id,
    )


def _pct(value: float) -> str:
    return format_percent(value).replace("\xa0", " ")
