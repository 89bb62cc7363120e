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
