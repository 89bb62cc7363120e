"""Lesson Markdown -> safe HTML. Pure: no Flask, no database.

Two layers, so that one mistake is not enough for an XSS:

1. markdown-it-py, CommonMark plus tables, with raw HTML *disabled*: any HTML in
   a lesson is shown as text. Its link validation already refuses
   ``javascript:``/``vbscript:``/``file:``/``data:`` targets.
2. nh3 (ammonia) with an allow-list of tags and attributes; URLs may only be
   relative or http(s)/mailto; every link gets ``rel="noopener noreferrer nofollow"``.

Images may only show files of the module: ``![alt](map.png)`` (or ``images/map.png``)
is rewritten by ``resolve_image`` to our served URL; any other image (external,
unknown) is replaced by its alt text.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"

ImageResolver = Callable[[str], str | None]

_md = MarkdownIt("commonmark", {"html": False}).enable("table")


def image_name(src: str) -> str | None:
    """The file name an image reference means (``map.png``, ``images/map.png``); None for URLs."""
    if not src or ":" in src or src.startswith(("/", "\\")) or "?" in src or "#" in src:
        return None
    norm = posixpath.normpath(src)
    if norm.startswith("images/"):
        norm = norm[len("images/") :]
    if "/" in norm or norm in (".", ".."):
        return None
    return norm


def image_names(md: str) -> list[str]:
    """The module image names a Markdown text refers to, in order (duplicates removed)."""
    seen: dict[str, None] = {}
    for token in _md.parse(md or ""):
        for child in token.children or ():
            if child.type == "image":
                name = image_name(str(child.attrGet("src") or ""))
                if name:
                    seen.setdefault(name)
    return list(seen)


def _rewrite_images(tokens: list[Token], resolve: ImageResolver | None) -> None:
    for token in tokens:
        if not token.children:
            continue
        children = []
        for child in token.children:
            if child.type == "image":
                name = image_name(str(child.attrGet("src") or ""))
                url = resolve(name) if (resolve and name) else None
                if url is None:
                    alt = Token("text", "", 0)
                    alt.content = child.content
                    children.append(alt)
                    continue
                child.attrSet("src", url)
            children.append(child)
        token.children = children


def _th_scope(tokens: list[Token]) -> None:
    """Header cells of Markdown tables are column headers (WCAG: th with scope)."""
    for token in tokens:
        if token.type == "th_open":
            token.attrs = {"scope": "col"}
        elif token.type == "td_open":
            token.attrs = {}  # alignment would be an inline style, which the CSP forbids


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(md: str, resolve_image: ImageResolver | None = None) -> str:
    """Safe HTML of a lesson's Markdown (the caller marks it Markup)."""
    tokens = _md.parse(md or "")
    _rewrite_images(tokens, resolve_image)
    _th_scope(tokens)
    html = _md.renderer.render(tokens, _md.options, {})
    return sanitise(html)
