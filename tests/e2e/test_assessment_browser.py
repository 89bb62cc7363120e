"""One complete skills-gap assessment in Swedish, in a real browser, with an axe audit of every page."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e
COURSES = Path(__file__).resolve().parents[2] / "courses"


@pytest.fixture()
def real_frameworks(app, db):
    """The real frameworks and target profiles from courses/, as `make run` loads them."""
    from uprest.frameworks.loader import import_frameworks, import_profiles

    assert not import_frameworks(COURSES / "frameworks").refused
    db.session.commit()
    assert not import_profiles(COURSES / "profiles").refused
    db.session.commit()


def sv(text: str, **kw) -> str:
    with force_locale("sv"):
        return _(text, **kw)


def test_complete_assessment_in_swedish(page, axe_check, create_user, real_frameworks, app):
    """A Swedish learner answers every page (saved as they go, resumed after leaving), submits, and sees
    the gap chart, the same data as a table, the priorities and a PDF link — every page in Swedish and
    without serious accessibility problems."""
    user = create_user(email="karin@example.se", name="Karin Karlsson", locale="sv")
    page.goto("/login")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    page.goto("/assessment")
    assert page.locator("html").get_attribute("lang") == "sv"
    expect(page.get_by_role("heading", name=sv("Skills assessment"), exact=True)).to_be_visible()
    axe_check(page)
    page.locator("#subsector").select_option("accommodation")
    page.locator("input[name=job_role][value=owner]").check()
    page.get_by_role("button", name=sv("Start"), exact=True).click()

    pages_seen = 0
    left_once = False
    while "/page/" in page.url:
        pages_seen += 1
        assert page.locator("html").get_attribute("lang") == "sv"
        axe_check(page)
        groups = page.locator("main fieldset")
        assert groups.count() > 0
        for i in range(groups.count()):
            radios = groups.nth(i).locator("input[type=radio]")
            radios.nth((i + pages_seen) % radios.count()).check()
        if pages_seen == 2 and not left_once:
            # leave mid-way: the answers of this page are kept and the learner resumes here
            left_once = True
            page.locator("button[name=action][value=leave]").click()
            page.get_by_role("link", name=sv("Continue"), exact=True).click()
            assert page.locator("main input[type=radio]:checked").count() == groups.count()
        page.locator("button[name=action][value=next]").click()
    assert pages_seen >= 3

    # review page: everything answered, submit
    expect(page.get_by_role("heading", name=sv("Review and submit"))).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name=sv("Submit"), exact=True).click()

    assert "/result" in page.url
    axe_check(page)
    chart = page.locator("svg[role=img]").first
    expect(chart).to_be_visible()
    assert chart.locator("title").count() == 1
    assert page.locator("main table").count() >= 1
    expect(page.get_by_role("link", name=sv("Download PDF"))).to_be_visible()
    pdf = page.request.get(page.get_by_role("link", name=sv("Download PDF")).get_attribute("href"))
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    assert page.console_errors == []
