"""From the assessment result to a completed module, in Italian, in a real browser: the learning path, the
plan, enrolment, every lesson, the quiz (left mid-way and resumed with its answers), the result and the
completed module — with an axe audit of every page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import make_assessment_run

pytestmark = pytest.mark.e2e
COURSES = Path(__file__).resolve().parents[2] / "courses"
CODE = "digital-tools"


@pytest.fixture()
def real_content(app, db, tmp_path):
    """The real frameworks and target profiles, and one real module (all five languages) from courses/."""
    from uprest.catalog import loader
    from uprest.frameworks.loader import import_frameworks, import_profiles

    assert not import_frameworks(COURSES / "frameworks").refused
    db.session.commit()
    assert not import_profiles(COURSES / "profiles").refused
    db.session.commit()
    shutil.copytree(COURSES / "modules" / CODE, tmp_path / "modules" / CODE)
    shutil.copy(COURSES / "providers.yaml", tmp_path / "providers.yaml")
    report = loader.import_modules(tmp_path)
    db.session.commit()
    assert [r.status for r in report.results] == ["created", "created"]  # the providers, then the module


def it(text: str, **kw) -> str:
    with force_locale("it"):
        return _(text, **kw)


def test_from_result_page_to_a_completed_module_in_italian(page, axe_check, create_user, real_content, app, db):
    """An Italian learner goes from the result page to the plan, enrols, reads every lesson, leaves the quiz
    mid-way, finds their answers again, submits, and sees the module completed — every page in Italian and
    without serious accessibility problems."""
    from uprest.catalog.models import Module
    from uprest.learning.models import Enrolment

    user = create_user(email="giulia@example.it", name="Giulia Rossi", locale="it")
    run = make_assessment_run(user, submitted=True, rating=1)
    page.goto("/login")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    page.goto(f"/assessment/{run.id}/result")
    assert page.locator("html").get_attribute("lang") == "it"
    axe_check(page)
    page.locator("main a[href='/plan']").first.click()
    expect(page.get_by_role("heading", name=it("Your learning path"), exact=True)).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name=it("Accept as my learning plan")).click()
    axe_check(page)
    page.locator(f"main a[href='/courses/{CODE}']").first.click()
    axe_check(page)
    page.get_by_role("button", name=it("Enrol in this module")).click()
    assert page.url.endswith(f"/learn/{CODE}")
    axe_check(page)

    # every lesson, in Italian, marked as read one after the other
    page.locator("main a.button").first.click()
    lessons = 0
    while "/lessons/" in page.url:
        lessons += 1
        assert page.locator("article.lesson").get_attribute("lang") == "it"
        axe_check(page)
        page.locator("main form button[type=submit]").click()
    assert lessons >= 3

    # the quiz: half the answers, then the page is closed; a new page finds them again
    module = db.session.scalar(db.select(Module).where(Module.code == CODE))
    right = {q.key: [i for i, ok in enumerate(q.correct) if ok] for q in module.published_version.questions}
    page.goto(f"/learn/{CODE}/quiz")
    axe_check(page)
    page.get_by_role("button", name=it("Start the quiz")).click()
    axe_check(page)
    attempt_url = page.url
    keys = list(right)
    half = keys[: len(keys) // 2]
    for key in half:
        for i in right[key]:
            page.locator(f"input[name=q_{key}][value='{i}']").check()
    expect(page.locator("#autosave-status")).not_to_be_empty()
    page.close()

    assert page.console_errors == []
    again = page.context.new_page()
    errors = []
    again.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    again.goto(attempt_url)
    for key in half:
        for i in right[key]:
            expect(again.locator(f"input[name=q_{key}][value='{i}']")).to_be_checked()
    for key in keys[len(keys) // 2 :]:
        for i in right[key]:
            again.locator(f"input[name=q_{key}][value='{i}']").check()
    expect(again.locator("#autosave-status")).not_to_be_empty()  # saved as given, before the submit
    again.wait_for_load_state("networkidle")
    again.get_by_role("button", name=it("Submit my answers")).click()
    assert "/result" in again.url
    axe_check(again)
    expect(again.get_by_text(it("You passed the quiz."))).to_be_visible()
    again.goto(f"/learn/{CODE}")
    axe_check(again)
    expect(again.get_by_role("heading", name=it("What this module changed"))).to_be_visible()
    again.goto("/")
    axe_check(again)
    again.goto("/learn")
    axe_check(again)
    db.session.expire_all()
    assert db.session.scalar(db.select(Enrolment.status)) == "completed"

    # the certificate: downloaded from "my certificates", then checked on its public verification page
    again.goto("/certificates")
    axe_check(again)
    with again.expect_download() as download:
        again.locator("main a[href$='.pdf']").first.click()
    pdf = download.value.path()
    again.locator("main a[href^='/verify/']").first.click()
    expect(again.get_by_text(it("This certificate is valid."))).to_be_visible()
    axe_check(again)
    again.locator("input[type=file]").set_input_files(pdf)
    again.get_by_role("button", name=it("Check the file")).click()
    expect(again.get_by_text(it("The file is identical to the certificate issued."))).to_be_visible()
    axe_check(again)
    assert errors == []
