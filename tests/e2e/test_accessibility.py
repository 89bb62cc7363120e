"""axe-core audit of every page a role can reach, and the layout at 320 px wide."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import audit

pytestmark = pytest.mark.e2e

SKIP = re.compile(
    r"\.(pdf|json|jwt|csv|ics|png|jpe?g|svg|zip)$|/api/|/static/|/logout|/healthz|/password/reset/|/join/"
)
MAX_PAGES = 45


def _pattern(path: str) -> tuple:
    """One audit per page shape: the first path segment, the depth, a last segment that is a plain word
    (an action such as 'edit' or 'password'), and the query's keys. /courses/a/lessons/1 and
    /courses/b/lessons/2 are one shape; /account/password and /account/delete are two."""
    parts = urlsplit(path)
    segments = [s for s in parts.path.split("/") if s]
    last = segments[-1] if segments and re.fullmatch(r"[a-z]{1,10}", segments[-1]) else "*"
    keys = tuple(sorted({k.split("=")[0] for k in parts.query.split("&") if k}))
    return (segments[0] if segments else "", len(segments), last, keys)


def crawl(page, start="/"):
    """Visits same-site pages breadth-first from `start`, audits each, returns the problems found."""
    origin = urlsplit(page.url).netloc if page.url.startswith("http") else None
    queue, seen, problems, visited = [start], set(), [], 0
    while queue and visited < MAX_PAGES:
        path = queue.pop(0)
        if _pattern(path) in seen:
            continue
        seen.add(_pattern(path))
        resp = page.goto(path)
        visited += 1
        assert resp is not None and resp.status < 500, (path, resp and resp.status)
        problems += audit(page)
        origin = origin or urlsplit(page.url).netloc
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.netloc != origin or SKIP.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if _pattern(target) not in seen:
                queue.append(target)
    return problems, visited


def _login(page, email):
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def test_anonymous_pages_accessible(page):
    """Every page an anonymous visitor reaches has no serious or critical axe violation."""
    problems, visited = crawl(page)
    assert visited >= 5
    assert problems == []


@pytest.fixture()
def content(app, db):
    """The real frameworks, profiles and course modules, so that the crawl meets real pages."""
    from pathlib import Path

    from uprest.catalog.loader import import_modules
    from uprest.frameworks.loader import import_frameworks, import_profiles

    courses = Path(__file__).resolve().parents[2] / "courses"
    import_frameworks(courses / "frameworks")
    db.session.commit()
    import_profiles(courses / "profiles")
    db.session.commit()
    assert not import_modules(courses).refused
    db.session.commit()


def _certificate(user, db):
    """The learner holds a certificate of a real module, so that the crawl meets the certificate pages."""
    from uprest.catalog import services as catalog
    from uprest.certificates import issuance
    from uprest.learning import services as learning

    module = catalog.public_module("digital-tools")
    enrolment, _created = learning.enrol(user, module)
    issuance.issue(
        user,
        f"enrolment:{enrolment.id}",
        "module",
        lambda code, now: issuance.module_data(user, enrolment, code, now),
        module,
    )
    db.session.commit()


@pytest.mark.parametrize("role", ["learner", "trainer", "staff", "admin"])
def test_role_pages_accessible(page, create_user, content, db, role):
    """Every page a logged-in role reaches — with a business, a submitted assessment and an own
    draft module where the role has them — has no serious or critical axe violation."""
    from tests.factories import make_module
    from uprest.accounts import services as accounts
    from uprest.assessments.cli import submit_demo_assessment

    user = create_user(role=role, territory_code="cervia")
    if role == "learner":
        accounts.create_organisation(
            user, name="Hotel Adriatico", subsector="accommodation", size="micro", territory_id=user.territory_id
        )
        db.session.commit()
        submit_demo_assessment(user)
        db.session.commit()
        _certificate(user, db)
    if role == "trainer":
        make_module(user, code="trainer-draft")
        db.session.commit()
    _login(page, user.email)
    problems, visited = crawl(page)
    assert visited >= 3
    assert problems == []


@pytest.mark.parametrize("path", ["/", "/login", "/register"])
def test_no_horizontal_scroll_at_320px(page, path):
    """At 320 CSS px wide the pages reflow without horizontal scrolling (WCAG 1.4.10)."""
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_keyboard_skip_link_and_focus(page):
    """The first Tab reaches the skip link, which is visible when focused and moves to the main content."""
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    box = page.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_works_without_javascript(browser, live_server, create_user):
    """With JavaScript disabled a user can still log in and switch language."""
    user = create_user()
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    _login(page, user.email)
    assert page.get_by_role("heading", name=re.compile("Welcome")).is_visible()
    page.get_by_label("Language").select_option("it")
    page.get_by_role("button", name="Change").click()
    assert page.locator("html").get_attribute("lang") == "it"
    context.close()
