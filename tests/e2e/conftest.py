"""Browser tests: a live server in a thread and Debian's Chromium driven by Playwright.

Chromium is never downloaded: CHROMIUM_PATH (default /usr/bin/chromium) must exist,
otherwise the browser tests fail loudly (CI installs it with apt-get).
"""

from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def live_server(_app):
    """Serves the test app on a free port of 127.0.0.1 for the whole session."""
    server = make_server("127.0.0.1", 0, _app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the Debian package 'chromium'")
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture()
def page(browser, live_server, app):
    """A fresh browser context (no cookies) on an empty database, with console errors collected."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda msg: msg.type == "error" and pg.console_errors.append(msg.text))
    yield pg
    context.close()


AXE_BLOCKING = {"serious", "critical"}


def audit(page) -> list[dict]:
    """Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page; returns serious/critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        },
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5], "url": page.url}
        for v in results.response["violations"]
        if v.get("impact") in AXE_BLOCKING
    ]


@pytest.fixture()
def axe_check():
    def check(page):
        problems = audit(page)
        assert not problems, problems

    return check
