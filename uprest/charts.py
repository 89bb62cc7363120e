"""Accessible server-side SVG charts — the same markup serves web pages and PDFs.

Charts take already-translated strings and plain numbers and return SVG as
`markupsafe.Markup`, ready to drop into a template. Every chart:

* is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``;
* never relies on colour alone: values are also written as text, and the
  target range is drawn with a hatch pattern and an outline, not only a hue;
* uses presentation attributes only (no ``style``), so it passes a strict CSP;
* is meant to be shown next to a table with the same data.

No Flask imports: the functions are pure and can be unit-tested alone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_ids = itertools.count(1)

INK = "#1b1f23"
MUTED = "#4a5560"
LINE = "#c9d1cc"
LEVEL_FILL = "#0b5d4b"
TARGET_STROKE = "#1f4e9c"


@dataclass(frozen=True)
class RangeBar:
    """One row: a value on a 1..scale_max scale and an optional target range on the same scale."""

    label: str
    value: int
    scale_max: int
    target_min: int | None = None
    target_max: int | None = None
    value_text: str = ""  # e.g. "Level 2 of 8 · target 3–5" (written next to the bar)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text without the characters XML cannot hold (control characters, lone surrogates)."""
    return _XML_INVALID.sub("", str(text))


def _truncate(text: str, limit: int) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def range_bar_chart(
    bars: Sequence[RangeBar],
    *,
    title: str,
    desc: str,
    value_legend: str,
    target_legend: str,
    chart_id: str | None = None,
    width: int = 720,
) -> Markup:
    """A horizontal bar chart: one row per item with its value bar and its target range.

    Each row shows the label above, a solid bar for the value, a hatched and
    outlined band for the target range under it, tick marks for every level,
    and `value_text` to the right. Scales may differ per row (each row is drawn
    on its own scale across the same width), so frameworks with 8 and 4 levels
    can share one chart.
    """
    cid = chart_id or f"chart-{next(_ids)}"
    track_x, track_w = 8, int(width * 0.64)
    text_x = track_x + track_w + 12
    legend_h, row_h = 34, 52
    height = legend_h + row_h * max(1, len(bars)) + 8
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="DejaVu Sans, sans-serif" font-size="13">',
        f'<title id="{cid}-title">{escape(_clean(title))}</title>',
        f'<desc id="{cid}-desc">{escape(_clean(desc))}</desc>',
        "<defs>"
        f'<pattern id="{cid}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{TARGET_STROKE}" stroke-width="3"/>'
        "</pattern></defs>",
        # legend
        f'<rect x="{track_x}" y="8" width="18" height="12" fill="{LEVEL_FILL}"/>',
        f'<text x="{track_x + 24}" y="18" fill="{INK}">{escape(_clean(value_legend))}</text>',
        f'<rect x="{track_x + 240}" y="8" width="18" height="12" fill="url(#{cid}-hatch)" '
        f'stroke="{TARGET_STROKE}" stroke-width="1.5"/>',
        f'<text x="{track_x + 264}" y="18" fill="{INK}">{escape(_clean(target_legend))}</text>',
    ]
    for i, bar in enumerate(bars):
        top = legend_h + i * row_h
        scale = max(1, int(bar.scale_max))
        seg = track_w / scale
        value = max(0, min(scale, int(bar.value)))
        bar_y, band_y = top + 20, top + 35
        out.append(
            f'<text x="{track_x}" y="{top + 14}" fill="{INK}" font-weight="bold">'
            f"{escape(_truncate(bar.label, 80))}</text>"
        )
        out.append(f'<rect x="{track_x}" y="{bar_y}" width="{track_w}" height="13" fill="#f3f6f4" stroke="{LINE}"/>')
        if value:
            out.append(f'<rect x="{track_x}" y="{bar_y}" width="{_num(seg * value)}" height="13" fill="{LEVEL_FILL}"/>')
        if bar.target_min is not None:
            lo = max(1, min(scale, int(bar.target_min)))
            hi = scale if bar.target_max is None else max(lo, min(scale, int(bar.target_max)))
            x = track_x + seg * (lo - 1)
            out.append(
                f'<rect x="{_num(x)}" y="{band_y}" width="{_num(seg * (hi - lo + 1))}" height="9" '
                f'fill="url(#{cid}-hatch)" stroke="{TARGET_STROKE}" stroke-width="1.5"/>'
            )
        for k in range(1, scale):
            x = _num(track_x + seg * k)
            out.append(f'<line x1="{x}" y1="{bar_y}" x2="{x}" y2="{bar_y + 13}" stroke="#ffffff" stroke-width="1"/>')
        out.append(f'<text x="{text_x}" y="{bar_y + 11}" fill="{INK}">{escape(_truncate(bar.value_text, 40))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


# --- heat map -------------------------------------------------------------------------------------------------

#: A sequential scale, light to dark (ColorBrewer "Oranges", 5 classes): the share of a cell picks one step.
HEAT_STEPS = ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603")
HIDDEN_STROKE = "#6b7580"


@dataclass(frozen=True)
class HeatCell:
    """One cell: a value from 0 to 1 (None: no colour), the text written in it, and whether it is hidden
    (drawn hatched, with `text` saying so)."""

    value: float | None
    text: str
    hidden: bool = False


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: tuple[HeatCell, ...]
    group: str = ""  # a heading drawn above the row when it differs from the previous row's


def heat_step(value: float) -> int:
    """The step of HEAT_STEPS for a value from 0 to 1 (values outside are clamped)."""
    return min(len(HEAT_STEPS) - 1, max(0, int(float(value) * len(HEAT_STEPS))))


def heat_map(
    rows: Sequence[HeatRow],
    columns: Sequence[str],
    *,
    title: str,
    desc: str,
    legend: str,
    step_labels: Sequence[str],
    hidden_label: str,
    chart_id: str | None = None,
    label_width: int = 260,
    cell_width: int = 92,
) -> Markup:
    """A grid of rows × columns, each cell coloured by its value on HEAT_STEPS and with its text written in it;
    hidden cells hatched grey. A text legend names each colour step (`step_labels`, one per step) and the hatch
    (`hidden_label`). Colour is never the only carrier: every cell's text says its value."""
    if len(step_labels) != len(HEAT_STEPS):
        raise ValueError(f"heat_map needs {len(HEAT_STEPS)} step labels")
    cid = chart_id or f"chart-{next(_ids)}"
    row_h, head_h, group_h = 26, 44, 24
    legend_h = 30
    groups = sum(1 for i, r in enumerate(rows) if r.group and (i == 0 or rows[i - 1].group != r.group))
    width = label_width + cell_width * max(1, len(columns)) + 8
    height = legend_h + head_h + row_h * len(rows) + group_h * groups + 8
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--heat" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="DejaVu Sans, sans-serif" font-size="12">',
        f'<title id="{cid}-title">{escape(_clean(title))}</title>',
        f'<desc id="{cid}-desc">{escape(_clean(desc))}</desc>',
        "<defs>"
        f'<pattern id="{cid}-hidden" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HIDDEN_STROKE}" stroke-width="2"/>'
        "</pattern></defs>",
        f'<text x="4" y="18" fill="{INK}" font-weight="bold">{escape(_truncate(legend, 40))}</text>',
    ]
    x = 4 + min(200, 8 * len(_clean(legend)) + 12)
    for colour, label in zip(HEAT_STEPS, step_labels, strict=True):
        out.append(f'<rect x="{x}" y="7" width="16" height="14" fill="{colour}" stroke="{LINE}"/>')
        out.append(f'<text x="{x + 20}" y="18" fill="{INK}">{escape(_truncate(label, 14))}</text>')
        x += 20 + 7 * min(14, len(_clean(label))) + 12
    out.append(f'<rect x="{x}" y="7" width="16" height="14" fill="url(#{cid}-hidden)" stroke="{HIDDEN_STROKE}"/>')
    out.append(f'<text x="{x + 20}" y="18" fill="{INK}">{escape(_truncate(hidden_label, 40))}</text>')
    top = legend_h
    for j, column in enumerate(columns):
        cx = label_width + cell_width * j + cell_width / 2
        out.append(
            f'<text x="{_num(cx)}" y="{top + head_h - 8}" fill="{INK}" text-anchor="middle" font-weight="bold">'
            f"{escape(_truncate(column, 12))}</text>"
        )
    y = top + head_h
    previous = None
    for row in rows:
        if row.group and row.group != previous:
            out.append(
                f'<text x="4" y="{y + group_h - 7}" fill="{MUTED}" font-weight="bold">'
                f"{escape(_truncate(row.group, 90))}</text>"
            )
            y += group_h
        previous = row.group
        out.append(f'<text x="4" y="{y + row_h - 9}" fill="{INK}">{escape(_truncate(row.label, 38))}</text>')
        for j, cell in enumerate(row.cells):
            cx = label_width + cell_width * j
            if cell.hidden:
                fill, ink = f"url(#{cid}-hidden)", INK
            elif cell.value is None:
                fill, ink = "#ffffff", MUTED
            else:
                step = heat_step(cell.value)
                fill, ink = HEAT_STEPS[step], "#ffffff" if step >= 3 else INK
            out.append(
                f'<rect x="{cx + 1}" y="{y + 1}" width="{cell_width - 2}" height="{row_h - 2}" fill="{fill}" '
                f'stroke="{LINE}"/>'
            )
            if cell.hidden:  # the label on a white plate, readable over the hatch
                out.append(
                    f'<rect x="{cx + 14}" y="{y + 6}" width="{cell_width - 28}" height="{row_h - 12}" fill="#ffffff"/>'
                )
            out.append(
                f'<text x="{_num(cx + cell_width / 2)}" y="{y + row_h - 9}" fill="{ink}" text-anchor="middle">'
                f"{escape(_truncate(cell.text, 14))}</text>"
            )
        y += row_h
    out.append("</svg>")
    return Markup("".join(out))
