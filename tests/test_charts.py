"""Accessible SVG charts (uprest/charts.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from uprest.charts import RangeBar, range_bar_chart

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
