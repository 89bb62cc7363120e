"""Authored Markdown full of XSS payloads, rendered in a real browser with the CSP on: nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import import_modules, make_competences, write_module

pytestmark = pytest.mark.e2e
PAYLOADS = Path(__file__).resolve().parents[1] / "xss_payloads.txt"


def payloads() -> list[str]:
    lines = PAYLOADS.read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line.strip() and not line.startswith("# ")]


def test_xss_corpus_inert_in_browser(page, app, db, tmp_path):
    """Every payload of the corpus, published in a lesson, neither runs script, opens a dialog,
    loads a frame nor leaves an event handler, a javascript: URL or a style in the page."""
    make_competences()
    folder = write_module(tmp_path, code="xss-lesson", langs=("en",))
    body = "\n\n".join(payloads())
    lesson = folder / "lessons" / "01-why-it-matters.en.md"
    lesson.write_text("# Why it matters\n\n" + body + "\n", encoding="utf-8")
    report = import_modules(tmp_path)
    assert not report.refused, report

    dialogs, violations = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.add_init_script("window.__pwned = 0;")
    page.goto("/courses/xss-lesson/lessons/1")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # give any timer-based payload its chance

    assert dialogs == []
    assert violations == []  # the sanitiser removed everything before the CSP had to block it
    main = page.locator("main")
    assert main.locator("script, iframe, object, embed, style, form, base, meta, link").count() == 0
    handlers = page.evaluate("""() => [...document.querySelectorAll('main *')].flatMap(el =>
        [...el.attributes].filter(a => a.name.startsWith('on') || a.name === 'style' || a.name === 'srcdoc'
            || /^\\s*(javascript|vbscript|data):/i.test(a.value)).map(a => el.tagName + ' ' + a.name + '=' + a.value))""")
    assert handlers == []
    assert page.evaluate("window.__pwned") == 0
