"""The one way to make a PDF: render a template, let WeasyPrint lay it out, get bytes back.

* Layout lives in CSS ``@page`` rules (static/css/pdf.css, linked by
  templates/pdf/base.html).
* WeasyPrint may only read files from our own ``static/`` folder (and
  ``data:`` URLs): no network access, no other local files, whatever a
  template or a piece of content refers to.
* Rendering happens inside ``force_locale(locale)`` so that gettext, dates
  and numbers, and pick() on content, all use the reader's language.

Templates refer to static files with ``pdf_static('css/pdf.css')`` (a
``file:`` URL inside the static folder).

* Python's cyclic garbage collector is paused while WeasyPrint works
  (`cyclic_gc_paused`): a layout makes some 170,000 objects, and the
  collector ran over them again and again, a quarter of the time of a
  municipality report (docs/performance.md, "The PDF report").
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


def static_root() -> Path:
    return Path(current_app.static_folder).resolve()


def static_file_for(url: str, root: Path) -> Path | None:
    """The file inside `root` that a ``file:`` URL points at, or None when it is anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        path = Path(unquote(parts.path)).resolve()
    except (OSError, ValueError):
        return None
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def _read(url: str, root: Path) -> tuple[bytes, str]:
    if url.startswith("data:"):
        raise _DataURL
    path = static_file_for(url, root)
    if path is None:
        log.warning("PDF rendering refused to fetch %s", url[:200])
        raise ValueError(f"not a static file: {url[:200]}")
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.read_bytes(), mime


class _DataURL(Exception):
    pass


def make_url_fetcher(root: Path):
    """A WeasyPrint URL fetcher that serves only files under `root` and ``data:`` URLs."""
    try:  # WeasyPrint >= 66: a URLFetcher object returning URLFetcherResponse
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except ImportError:  # older WeasyPrint: a function returning a dict
        from weasyprint import default_url_fetcher

        def fetch(url, *args, **kwargs):
            try:
                body, mime = _read(url, root)
            except _DataURL:
                return default_url_fetcher(url, *args, **kwargs)
            return {"string": body, "mime_type": mime, "redirected_url": url}

        return fetch

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            try:
                body, mime = _read(url, root)
            except _DataURL:
                return super().fetch(url, headers)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return StaticOnlyFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


_gc_lock = threading.Lock()
_gc_pauses = 0  # renders under way in this process (threads)
_gc_was_enabled = True


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (reference counting still frees what it can): the objects
    of one layout (some 170,000, about 17 MB) are then looked at once, by the first collection after it, instead
    of in every collection during it. Renders in several threads keep it paused until the last one ends; a
    collector that was off before stays off."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def render_pdf(template: str, *, locale: str, pdf_variant: str | None = None, **context) -> bytes:
    """Render `template` in `locale` and return the PDF bytes.

    `pdf_variant` is WeasyPrint's: for example ``"pdf/a-3b"`` for an archival document (certificates).
    """
    from weasyprint import HTML

    root = static_root()
    with force_locale(locale):
        html = render_template(template, pdf_static=lambda name: (root / name).as_uri(), **context)
        with cyclic_gc_paused():
            document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=make_url_fetcher(root))
            return document.write_pdf(pdf_variant=pdf_variant)
