"""Accessible SVG charts (uprest/charts.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uprest.charts import HEAT_STEPS, HeatCell, HeatRow, RangeBar, heat_map, range_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def chart(bars, **kwargs):
    kwargs.setdefault("title", "Levels & targets")
    kwargs.setdefault("desc", "Two competences <described>")
    return range_bar_chart(bars, value_legend="Your level", target_legend="Target range", **kwargs)


def test_chart_is_labelled_svg():
    """The chart parses as XML and is an img labelled by its own <title> and <desc>."""
    svg = chart(
        [
            RangeBar("Online distribution & booking", 1, 4, 3, 4, "Level 1 of 4 · target 3–4"),
            RangeBar("Browsing", 5, 8, 4, None, "Level 5 of 8"),
        ],
        chart_id="c1",
    )
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Levels & targets" and desc.text == "Two competences <described>"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Online distribution & booking" in texts and "Level 1 of 4 · target 3–4" in texts
    assert "Your level" in texts and "Target range" in texts  # a legend in words, not colour alone


def test_chart_uses_pattern_not_colour_alone_and_no_style():
    """The target range is hatched and outlined; no style attributes (the CSP forbids inline styles)."""
    svg = str(chart([RangeBar("A", 2, 4, 3, 4, "x")], chart_id="c2"))
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}defs/{SVG}pattern") is not None
    assert any(r.get("fill") == "url(#c2-hatch)" and r.get("stroke") for r in root.iter(f"{SVG}rect"))
    assert all("style" not in el.attrib for el in root.iter())


def test_chart_ids_unique_per_call():
    """Two charts on one page get different ids, so their labels and patterns do not clash."""
    a, b = ET.fromstring(str(chart([]))), ET.fromstring(str(chart([])))
    assert a.find(f"{SVG}title").get("id") != b.find(f"{SVG}title").get("id")


@given(
    st.lists(
        st.tuples(
            st.text(max_size=120),
            st.integers(-3, 12),
            st.integers(-1, 10),
            st.one_of(st.none(), st.integers(-2, 12)),
            st.one_of(st.none(), st.integers(-2, 12)),
        ),
        max_size=6,
    )
)
def test_chart_always_valid(rows):
    """Any labels (escaped, XML-invalid characters dropped) and out-of-range numbers give well-formed SVG
    with every shape inside the box."""
    bars = [RangeBar(label, value, scale, lo, hi, label[:10]) for label, value, scale, lo, hi in rows]
    root = ET.fromstring(str(chart(bars, title="T\x00itle")))
    width = float(root.get("width"))
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("x") is not None:
            assert 0 <= float(rect.get("x")) and float(rect.get("x")) + float(rect.get("width")) <= width


# --- heat map: nothing cut off ----------------------------------------------------------------------------------

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu")
#: Letters and signs of the five languages' labels (and XML-invalid characters, which the charts drop).
ALPHABET = "".join(map(chr, range(32, 127))) + "äöåÄÖÅčćšžđČĆŠŽĐàèéìòùÀÈÉÌÒÙ–—…·’€\xa0\x00\x0b"


@cache
def font(bold: bool):
    """The advance widths of DejaVu Sans, the charts' font, read from the font file (the real widths)."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = next((Path(d) / name for d in FONT_DIRS if (Path(d) / name).exists()), None)
    if path is None:
        pytest.skip("DejaVu Sans is not installed")
    tt = ttlib.TTFont(path)
    cmap, metrics, em = tt.getBestCmap(), tt["hmtx"], tt["head"].unitsPerEm
    return {chr(cp): metrics[glyph][0] / em for cp, glyph in cmap.items()}


def measure(text: str, size: float = 12, bold: bool = False) -> float:
    """The width of `text` in DejaVu Sans without kerning (kerning only narrows it), at `size` px."""
    widths = font(bold)
    return sum(widths[c] for c in text) * size


def box(el, size: float = 12):
    """(left, top, right, bottom) of a <rect>, or of a <text> or <tspan> (ascent and descent of a line at most
    1 and 0.3 of the font size), in the SVG's units."""
    if el.tag == f"{SVG}rect":
        x, y = float(el.get("x", 0)), float(el.get("y", 0))
        return x, y, x + float(el.get("width")), y + float(el.get("height"))
    x, y, text = float(el.get("x")), float(el.get("y")), el.text or ""
    w = measure(text, size, el.get("font-weight") == "bold")
    left = x - w / 2 if el.get("text-anchor") == "middle" else x
    return left, y - size, left + w, y + 0.3 * size


def parts(root):
    """The SVG's legend (its shapes and texts before the first column heading), its column headings (one
    <text> or <tspan> per line, with the heading's anchor and weight), and the rest."""
    children = [el for el in root if el.tag in (f"{SVG}text", f"{SVG}rect")]
    first = next(i for i, el in enumerate(children) if el.get("text-anchor") == "middle")
    headings, rest = [], []
    for el in children[first:]:
        if el.get("text-anchor") == "middle" and el.get("font-weight") == "bold":
            for span in el.findall(f"{SVG}tspan") or [el]:
                span.attrib.update({"text-anchor": "middle", "font-weight": "bold"})
                headings.append(span)
        else:
            rest.append(el)
    return children[:first], headings, rest


def heat(n_columns, *, legend="Share of the people assessed", columns=None, labels=None, hidden="hidden", **kw):
    columns = columns or [f"Sub-sector {j}" for j in range(n_columns - 1)] + ["All sub-sectors"]
    labels = labels or ["Browsing and searching", "Below target in at least one competence"]
    rows = [
        HeatRow(
            label,
            tuple(
                HeatCell(None, hidden, True) if j % 2 else HeatCell(j / 10, f"{j * 10} %") for j in range(len(columns))
            ),
            "DigComp 2.2 · Communication and collaboration",
        )
        for label in labels
    ]
    steps = [f"{i * 20} %–{(i + 1) * 20} %" for i in range(len(HEAT_STEPS))]
    svg = heat_map(rows, columns, title="Map", desc="d", legend=legend, step_labels=steps, hidden_label=hidden, **kw)
    return ET.fromstring(str(svg))


def assert_laid_out(root):
    """Every legend item is inside the drawing, clear of the others and above the column headings; every
    heading, row label and cell is inside the drawing and no text overruns the shape or column it belongs to."""
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    legend, headings, rest = parts(root)
    boxes = [box(el) for el in legend]
    for el, (left, top, right, bottom) in zip(legend, boxes, strict=True):
        assert 0 <= left and right <= width and 0 <= top and bottom <= height, (el.text, right, width)
    for i, a in enumerate(boxes):  # no two legend items overlap
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    heads = [box(el) for el in headings]
    assert max(b[3] for b in boxes) <= min(h[1] for h in heads)  # the legend ends above the headings
    cells = [el for el in rest if el.tag == f"{SVG}rect" and el.get("stroke")]
    first_cell = min(float(r.get("x")) for r in cells)
    cell_width = float(cells[0].get("width")) + 2
    for (left, top, right, _), el in zip(heads, headings, strict=True):
        assert first_cell <= left and right <= width and 0 <= top, el.text
        column = int((left - first_cell) // cell_width)
        assert right <= first_cell + cell_width * (column + 1), el.text  # within its own column
    for el in rest:
        left, top, right, bottom = box(el)
        assert 0 <= left and right <= width and bottom <= height, el.text
        if el.get("text-anchor") == "middle":  # a cell's text
            assert right - left <= cell_width - 2, el.text
        if el.tag == f"{SVG}text" and el.get("x") == "4" and el.get("font-weight") != "bold":  # a row label
            assert right < first_cell, el.text


@pytest.mark.parametrize("legend", ["Share below target", "Udio među osobama obuhvaćenima procjenom"])
@pytest.mark.parametrize("n_columns", [1, 2, 3, 12])
def test_heat_map_legend_is_whole_with_any_number_of_columns(n_columns, legend):
    """With one sub-sector (a filtered map) or many, the legend's title (in English and in Croatian, the longest
    translation), every colour step and the hatch are whole inside the drawing, apart from each other and above
    the column headings."""
    root = heat(n_columns, legend=legend)
    assert_laid_out(root)
    items, _, _ = parts(root)
    texts = [el.text for el in items if el.tag == f"{SVG}text"]
    assert texts == [legend, *(f"{i * 20} %–{(i + 1) * 20} %" for i in range(5)), "hidden"]
    assert len([el for el in items if el.tag == f"{SVG}rect"]) == len(HEAT_STEPS) + 1


def test_heat_map_long_texts_fit_in_their_places():
    """Row labels as long as real competence names are written in full, left of the first column; column
    headings take two lines rather than being cut; texts longer than any room are cut with "…" inside it."""
    long = "Tavoitteen alapuolella vähintään yhdessä osaamisessa"  # a real one, in Finnish
    endless = "Integrating and re-elaborating digital content " * 5
    root = heat(1, labels=[long, endless], hidden="piilotettu (alle 5 henkilöä)")
    assert_laid_out(root)
    _, headings, rest = parts(root)
    texts = [el.text for el in rest if el.tag == f"{SVG}text"]
    assert long in texts and "DigComp 2.2 · Communication and collaboration" in texts
    cut = next(t for t in texts if t.startswith("Integrating"))
    assert cut.endswith("…") and len(cut) > 40
    assert " ".join(el.text for el in headings) == "All sub-sectors"


def test_heat_map_wraps_legend_but_keeps_one_line_when_it_fits():
    """The legend takes one line across a wide map and more lines (and a taller drawing) across a narrow one."""
    wide, narrow = heat(12), heat(1)
    lines = lambda root: {el.get("y") for el in parts(root)[0] if el.tag == f"{SVG}text"}  # noqa: E731
    assert len(lines(wide)) == 1 and len(lines(narrow)) > 1
    assert float(parts(narrow)[1][0].get("y")) > float(parts(wide)[1][0].get("y"))


def test_text_width_estimate_is_not_below_the_fonts_widths():
    """The width the charts lay text out by is never less than the text's width in DejaVu Sans."""
    from uprest.charts import _text_width

    for bold in (False, True):
        for char in ALPHABET.replace("\x00", "").replace("\x0b", ""):
            assert _text_width(char, 12, bold=bold) >= measure(char, 12, bold) - 1e-9, (char, bold)


words = st.text(alphabet=ALPHABET, max_size=70)


@given(
    st.integers(1, 9),
    words,
    st.lists(words, min_size=5, max_size=5),
    words,
    st.lists(words, min_size=1, max_size=4),
    st.lists(words, max_size=9),
)
def test_heat_map_always_laid_out(n_columns, legend, steps, hidden, labels, columns):
    """Whatever the texts and the number of columns, nothing of the legend, headings or labels leaves the drawing
    or overruns its place."""
    columns = (columns + ["x"] * n_columns)[:n_columns]
    rows = [
        HeatRow(label, tuple(HeatCell(0.5, hidden, j % 2 == 1) for j in range(n_columns)), label) for label in labels
    ]
    svg = heat_map(rows, columns, title="T", desc="D", legend=legend, step_labels=steps, hidden_label=hidden)
    assert_laid_out(ET.fromstring(str(svg)))
