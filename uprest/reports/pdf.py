"""The municipality report as one PDF (issue 14), in the staff member's language.

One document from the view models of the three report pages, rendered by the kernel's one PDF function
(uprest.pdf.render_pdf): a title block (territory, kind, code, period, k, the date of the figures), a note on how
to read it and what is hidden, the skills-gap map (the page's own SVG chart and its table), participation and
outcome, the trend by quarter (the page's chart and table) and the training demand. Every figure is the page's:
the same decision of the disclosure rule, and each hidden cell says the page's "hidden" (`presentation.hidden_text`).

A tagged PDF (PDF/UA-1: structure tree, the language of the document from ``<html lang>``, the charts as figures
with their SVG ``<title>`` as alternative text). Layout: templates/reports/pdf/report.html, static/css/pdf.css
(every PDF) and static/css/report-pdf.css (the wide pages of the map, the title block).
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_datetime, get_locale

from uprest.accounts import territories
from uprest.accounts.models import Territory
from uprest.extensions import utcnow
from uprest.pdf import render_pdf
from uprest.reports import participation as participation_service
from uprest.reports import presentation, services

TEMPLATE = "reports/pdf/report.html"
#: Tagged and accessible (WeasyPrint's PDF/UA-1 variant turns on its PDF tags).
PDF_VARIANT = "pdf/ua-1"
#: The room for a chart (CSS px, 96 per inch) on an A4 page of each orientation, under the section's heading:
#: see static/css/report-pdf.css (".report-chart-tall svg", ".report-chart-wide svg").
CHART_ROOM = {"tall": (174 * 96 / 25.4, 225 * 96 / 25.4), "wide": (265 * 96 / 25.4, 150 * 96 / 25.4)}
_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def chart_page(svg: str) -> str:
    """The page on which `svg` is drawn larger, "tall" (A4 portrait) or "wide" (landscape): a heat map of many
    competences and few sub-sectors is tall, one of many quarters wide. A chart is never drawn larger than its size."""
    match = _VIEWBOX.search(svg or "")
    if not match:
        return "wide"
    width, height = float(match.group(1)), float(match.group(2))

    def scale(page: str) -> float:
        room_w, room_h = CHART_ROOM[page]
        return min(1.0, room_w / width, room_h / height)

    return "tall" if scale("tall") > scale("wide") else "wide"


def report_locale(locale: str | None = None) -> str:
    """`locale` (default: the request's, which is the signed-in staff member's own) if the site offers it, else
    the default language."""
    locale = locale or str(get_locale() or "")
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def report_context(
    territory: Territory,
    period: str | None,
    filters: services.MapFilters = services.NO_FILTERS,
    *,
    now: datetime | None = None,
) -> dict:
    """What the template shows (call inside ``force_locale``: the charts' and labels' texts are translated when
    built). The map is the training view's own (the same call as the map page's)."""
    training = services.training_view(territory, period=period, filters=filters)
    gap_map = training.gap_map
    participation = participation_service.participation_view(territory, period=period)
    labels = presentation.column_labels(gap_map.split)
    only = filters.column()[1]
    kind = territories.KIND_LABELS.get(territory.kind)
    chart = presentation.chart(gap_map) if gap_map.rows else None
    now = now or utcnow()
    return {
        "territory": territory,
        "kind_label": str(kind) if kind is not None else territory.kind,
        "period": period,
        "period_label": presentation.period_label(period),
        "subsector": only,
        "split_label": presentation.split_label(gap_map.split),
        "subsector_label": labels.get(only, only) if only else presentation.total_label(gap_map.split),
        "generated": format_datetime(now, "medium"),
        "created": now.isoformat(timespec="seconds"),
        "k": gap_map.k,
        "gap_map": gap_map,
        "chart": chart,
        "chart_page": chart_page(chart),
        "labels": labels,
        "total_label": presentation.total_label(gap_map.split),
        "hidden_text": presentation.hidden_text(),
        "participation": participation,
        "trend_chart": presentation.trend_chart(participation) if participation.trend else None,
        "stage_labels": presentation.stage_labels(),
        "quarter_label": presentation.quarter_label,
        "training": training,
    }


def report_pdf(
    territory: Territory,
    period: str | None,
    filters: services.MapFilters = services.NO_FILTERS,
    *,
    locale: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The report of `territory` in `period` ('2026Q4'; None: all time), of the column chosen in `filters` (None:
    everybody) where the pages split the people, with the map's columns split as `filters` say, as PDF bytes in
    `locale` (default: the staff member's language)."""
    lang = report_locale(locale)
    with force_locale(lang):
        context = report_context(territory, period, filters, now=now)
    return render_pdf(TEMPLATE, locale=lang, pdf_variant=PDF_VARIANT, **context)
