"""Lesson Markdown: rendering, image rewriting and sanitising (a corpus of classic XSS payloads)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uprest.catalog import markdown

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parent / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("# ")
]
SAFE_SCHEMES = ("http", "https", "mailto")
# What a browser would read as a scheme (it ignores leading blanks and control characters).
SCHEME_RE = re.compile(r"^[\x00-\x20]*([a-zA-Z][a-zA-Z0-9+.\-\t\n\r]*):")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def unsafe_parts(html: str) -> list[str]:
    """Everything in rendered HTML that could run script: unknown tags, on* attributes, unsafe URLs."""
    parser = _Collector()
    parser.feed(html)
    parser.close()
    found = []
    for tag, attrs in parser.tags:
        if tag not in markdown.ALLOWED_TAGS:
            found.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                found.append(f"attribute {name} on {tag}")
            if name not in markdown.ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}:
                found.append(f"attribute {name} on {tag}")
            if name in ("href", "src") and value:
                scheme = SCHEME_RE.match(value)
                if scheme and scheme.group(1).lower() not in SAFE_SCHEMES:
                    found.append(f"url {value!r}")
    return found


def resolver(name: str) -> str | None:
    return f"/courses/m/files/{'a' * 64}" if name == "map.png" else None


def test_corpus_is_big_enough():
    """The XSS corpus has about forty classic payloads."""
    assert len(PAYLOADS) >= 40


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_xss_payload_survives(payload):
    """No payload of the corpus leaves a script-capable tag, attribute or URL in the rendered lesson."""
    html = markdown.render(payload, resolver)
    assert unsafe_parts(html) == [], html
    lowered = html.lower()
    parser = _Collector()
    parser.feed(html)
    srcs = [value for tag, attrs in parser.tags for name, value in attrs if name == "src"]
    assert all(src.startswith("/courses/m/files/") for src in srcs)  # only the module's own images
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitiser_alone_stops_the_payload_as_html(payload):
    """Even if Markdown let raw HTML through, the sanitiser alone would remove the dangerous parts."""
    assert unsafe_parts(markdown.sanitise(payload)) == []


def test_links_get_rel_and_markdown_features_render():
    """Links get rel=noopener noreferrer nofollow; headings, lists, emphasis and tables render."""
    html = markdown.render(
        "## Steps\n\n1. **Measure**\n2. *Reduce*\n\n[EU](https://europa.eu)\n\n"
        "| Bin | Colour |\n|:--|--:|\n| Paper | Blue |\n"
    )
    assert "<h2>Steps</h2>" in html and "<strong>Measure</strong>" in html and "<em>Reduce</em>" in html
    assert '<a href="https://europa.eu" rel="noopener noreferrer nofollow">EU</a>' in html
    assert '<th scope="col">Bin</th>' in html and "style" not in html


def test_raw_html_is_shown_as_text():
    """Raw HTML in a lesson is escaped text, not markup."""
    assert "&lt;b&gt;bold&lt;/b&gt;" in markdown.render("<b>bold</b>")


def test_module_images_are_rewritten_and_others_become_alt_text():
    """![alt](map.png) and images/map.png point at the served file; unknown or external images leave their alt."""
    html = markdown.render(
        "![Bins](map.png) ![Again](images/map.png) ![Gone](other.png) "
        "![Ext](https://evil.example/x.png) ![Up](../map.png)",
        resolver,
    )
    assert html.count(f'src="/courses/m/files/{"a" * 64}"') == 2
    assert 'alt="Bins"' in html and "Gone" in html and "Ext" in html and "evil.example" not in html
    assert "Up" in html


def test_image_names():
    """image_names lists the module images a text refers to, once each, ignoring URLs and paths outside."""
    md = "![a](map.png) ![b](images/map.png) ![c](x.gif) ![d](https://e.org/y.png) ![e](../z.png) ![f](/abs.png)"
    assert markdown.image_names(md) == ["map.png", "x.gif"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>\"'=/:;&#()[]!`* \nabcijstvxperonlfg")), max_size=120))
def test_property_no_unsafe_output_for_any_input(text):
    """Whatever a trainer writes, the rendered HTML contains only allowed tags, attributes and URLs."""
    assert unsafe_parts(markdown.render(text, resolver)) == []
