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
import math
import re
import unicodedata
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


# --- text widths ------------------------------------------------------------------------------------------------

#: Advance widths of DejaVu Sans (the charts' font), regular and bold, for " " to "~", in thousandths of an em
#: (rounded up).
_ADVANCE = tuple(
    {chr(32 + i): int(w) for i, w in enumerate(widths.split())}
    for widths in (
        "318 401 460 838 637 951 780 275 391 391 500 838 318 361 318 337 637 637 637 637 637 637 637 637 637 637 "
        "337 337 838 838 838 531 1000 685 687 699 771 632 576 775 752 295 295 656 558 863 749 788 604 788 695 635 "
        "611 732 685 989 686 611 686 391 337 391 838 500 500 613 635 550 635 616 353 635 634 278 278 580 278 975 "
        "634 612 635 635 412 521 393 634 592 818 592 592 525 637 337 637 838",
        "349 457 521 838 696 1002 873 307 458 458 523 838 380 416 380 366 696 696 696 696 696 696 696 696 696 696 "
        "400 400 838 838 838 581 1000 774 763 734 831 684 684 821 837 373 373 775 638 996 837 851 733 851 771 721 "
        "683 813 774 1104 771 725 726 458 366 458 838 500 500 675 716 593 716 679 436 716 712 343 343 666 343 "
        "1042 712 688 716 716 494 596 479 712 652 924 646 652 583 712 366 712 838",
    )
)
#: The same for the punctuation outside ASCII that labels use (the wider of regular and bold).
_ADVANCE_MORE = {"\xa0": 349, "\u202f": 200, "–": 500, "—": 1000, "…": 1000, "·": 380, "‘": 380, "’": 380}
_ADVANCE_MORE |= {"“": 658, "”": 658, "«": 646, "»": 646, "€": 696, "°": 500}


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width in px of `text` set in DejaVu Sans at `size` px, from the font's advance widths (kerning, which
    only narrows text in this font, left out). A letter with diacritics counts as its base letter (ä as a, č as
    c, as in the font); any other character as a wide one (1 em, 1.1 em bold). Other sans-serif fonts a browser may
    fall back to are narrower, so text measured here fits."""
    table = _ADVANCE[bold]
    total = 0
    for char in text:
        advance = table.get(char) or _ADVANCE_MORE.get(char)
        if advance is None:
            advance = table.get(unicodedata.normalize("NFD", char)[:1], 1100 if bold else 1000)
        total += advance
    return total * size / 1000


def _fit(text: str, max_width: float, size: float, *, bold: bool = False) -> str:
    """`text` (cleaned) as it is if it fits in `max_width` px, else its longest start that fits with "…" after it."""
    text = _clean(text)
    if _text_width(text, size, bold=bold) <= max_width:
        return text
    lo, hi = 0, len(text)  # the longest fitting start is text[:lo]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _text_width(text[:mid].rstrip() + "…", size, bold=bold) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    start = text[:lo].rstrip()
    return start + "…" if start or _text_width("…", size, bold=bold) <= max_width else ""


def _wrap(text: str, max_width: float, size: float, *, bold: bool = False, max_lines: int = 2) -> list[str]:
    """`text` broken at spaces into at most `max_lines` lines that each fit in `max_width` px (a word too long for
    a line, or what does not fit on the last line, cut with "…")."""
    words = _clean(text).split()
    lines: list[str] = []
    while words and len(lines) < max_lines - 1:
        n = 1
        while n < len(words) and _text_width(" ".join(words[: n + 1]), size, bold=bold) <= max_width:
            n += 1
        lines.append(_fit(" ".join(words[:n]), max_width, size, bold=bold))
        words = words[n:]
    if words:
        lines.append(_fit(" ".join(words), max_width, size, bold=bold))
    return lines or [""]


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
    max_label_width: int = 420,
) -> Markup:
    """A grid of rows × columns, each cell coloured by its value on HEAT_STEPS and with its text written in it;
    hidden cells hatched grey. A text legend names each colour step (`step_labels`, one per step) and the hatch
    (`hidden_label`). Colour is never the only carrier: every cell's text says its value.

    Nothing is cut off at the edge, however few the columns: texts are measured (`_text_width`), the legend flows
    onto more lines when it does not fit on one across the grid, the drawing is at least as wide as its widest
    legend item and group heading, the label column grows from `label_width` up to `max_label_width` to hold
    the longest row label, and column headings take two lines when they need them. Texts longer still are cut
    with "…" within their space (the table shown with the chart has them in full)."""
    if len(step_labels) != len(HEAT_STEPS):
        raise ValueError(f"heat_map needs {len(HEAT_STEPS)} step labels")
    cid = chart_id or f"chart-{next(_ids)}"
    size, pad, gap = 12, 4, 12  # font size (as set on the <svg>), margin, space between legend items
    row_h, head_h, group_h, legend_line_h = 26, 44, 24, 22
    n_columns = max(1, len(columns), *(len(r.cells) for r in rows))

    widest_label = max((_text_width(_clean(r.label), size) for r in rows), default=0)
    label_col = math.ceil(max(label_width, min(max(label_width, max_label_width), widest_label + 3 * pad)))
    starts = [i == 0 or rows[i - 1].group != r.group for i, r in enumerate(rows)]
    groups = [r.group for r, start in zip(rows, starts, strict=True) if r.group and start]
    widest_group = max((_text_width(_fit(g, 640, size, bold=True), size, bold=True) for g in groups), default=0)

    # the legend: its title, then a swatch and a label per colour step and for the hatch
    legend_title = _fit(legend, 360, size, bold=True)
    swatches = [(colour, LINE, _fit(label, 160, size)) for colour, label in zip(HEAT_STEPS, step_labels, strict=True)]
    swatches.append((f"url(#{cid}-hidden)", HIDDEN_STROKE, _fit(hidden_label, 240, size)))
    title_w = _text_width(legend_title, size, bold=True)
    item_ws = [20 + _text_width(label, size) for _, _, label in swatches]

    width = math.ceil(
        max(
            label_col + cell_width * n_columns + 2 * pad,
            title_w + 2 * pad,
            max(item_ws) + 2 * pad,
            widest_group + 2 * pad,
        )
    )
    # one line if it all fits across; else the title alone on the first line and the swatches below it in
    # aligned slots, as many lines as they need and the same number on each (but the last)
    x = pad + title_w + gap
    if x + sum(item_ws) + gap * (len(item_ws) - 1) <= width - pad:
        places = []
        for w in item_ws:
            places.append((0, x))
            x += w + gap
    else:
        slot = max(item_ws) + gap
        per_line = max(1, int((width - 2 * pad + gap) // slot))
        per_line = math.ceil(len(item_ws) / math.ceil(len(item_ws) / per_line))  # balanced
        places = [(1 + k // per_line, pad + slot * (k % per_line)) for k in range(len(item_ws))]
    legend_h = 30 + legend_line_h * places[-1][0]
    height = legend_h + head_h + row_h * len(rows) + group_h * len(groups) + 8
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--heat" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="DejaVu Sans, sans-serif" font-size="{size}">',
        f'<title id="{cid}-title">{escape(_clean(title))}</title>',
        f'<desc id="{cid}-desc">{escape(_clean(desc))}</desc>',
        "<defs>"
        f'<pattern id="{cid}-hidden" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HIDDEN_STROKE}" stroke-width="2"/>'
        "</pattern></defs>",
        f'<text x="{pad}" y="18" fill="{INK}" font-weight="bold">{escape(legend_title)}</text>',
    ]
    for (fill, stroke, label), (line, x) in zip(swatches, places, strict=True):
        y = legend_line_h * line
        out.append(f'<rect x="{_num(x)}" y="{y + 7}" width="16" height="14" fill="{fill}" stroke="{stroke}"/>')
        out.append(f'<text x="{_num(x + 20)}" y="{y + 18}" fill="{INK}">{escape(label)}</text>')
    top = legend_h
    for j, column in enumerate(columns):
        cx = _num(label_col + cell_width * j + cell_width / 2)
        lines = _wrap(column, cell_width - 8, size, bold=True)
        base = top + head_h - 8
        head = f'<text x="{cx}" y="{base}" fill="{INK}" text-anchor="middle" font-weight="bold">'
        if len(lines) == 1:
            out.append(f"{head}{escape(lines[0])}</text>")
        else:
            spans = (
                f'<tspan x="{cx}" y="{base - 14 * (len(lines) - 1 - k)}">{escape(text)}</tspan>'
                for k, text in enumerate(lines)
            )
            out.append(head + "".join(spans) + "</text>")
    y = top + head_h
    for row, start in zip(rows, starts, strict=True):
        if row.group and start:
            group = _fit(row.group, width - 2 * pad, size, bold=True)
            out.append(
                f'<text x="{pad}" y="{y + group_h - 7}" fill="{MUTED}" font-weight="bold">{escape(group)}</text>'
            )
            y += group_h
        label = _fit(row.label, label_col - 3 * pad, size)
        out.append(f'<text x="{pad}" y="{y + row_h - 9}" fill="{INK}">{escape(label)}</text>')
        for j, cell in enumerate(row.cells):
            cx = label_col + cell_width * j
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
            text = _fit(cell.text, cell_width - 10, size)
            if cell.hidden:  # the label on a white plate, readable over the hatch
                plate = min(cell_width - 6, max(cell_width - 28, math.ceil(_text_width(text, size)) + 8))
                out.append(
                    f'<rect x="{_num(cx + (cell_width - plate) / 2)}" y="{y + 6}" width="{plate}" '
                    f'height="{row_h - 12}" fill="#ffffff"/>'
                )
            out.append(
                f'<text x="{_num(cx + cell_width / 2)}" y="{y + row_h - 9}" fill="{ink}" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
        y += row_h
    out.append("</svg>")
    return Markup("".join(out))
