"""The public catalogue: filters, module page, lessons with honest language fallback, files, API, home cards."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.factories import (
    import_modules,
    make_competences,
    make_module,
    module_doc,
    png,
    write_module,
)
from uprest.catalog import catalogue as catalogue_queries
from uprest.catalog import files, services
from uprest.catalog.models import Module


@pytest.fixture()
def catalogue(app, db, tmp_path):
    """Three imported modules with different facts, plus an archived one."""
    make_competences()
    write_module(tmp_path, "green-basics")
    write_module(
        tmp_path,
        "web-shop",
        doc=module_doc(
            "web-shop",
            title={"en": "Selling online"},
            summary={"en": "Your webshop and bookings."},
            workload_hours=12,
            eqf_level=5,
            participation="blended",
            prerequisites=["green-basics"],
            outcomes=[
                {
                    "competence": "digcomp:3.1",
                    "from_level": 2,
                    "to_level": 3,
                    "text": {"en": "Build a shop."},
                }
            ],
        ),
        langs=("en",),
        image=png(3, 3),
    )
    write_module(
        tmp_path,
        "old-course",
        doc=module_doc("old-course", title={"en": "Old course"}),
        langs=("en",),
    )
    report = import_modules(tmp_path)
    assert report.ok, report.lines()
    db.session.scalar(db.select(Module).where(Module.code == "old-course")).status = "archived"
    db.session.commit()


def listed(client, query="") -> set[str]:
    html = client.get("/courses" + query).get_data(as_text=True)
    return {code for code in ("green-basics", "web-shop", "old-course") if f'href="/courses/{code}"' in html}


def test_catalogue_lists_published_modules_only(client, catalogue):
    """/courses lists published modules; archived ones are not offered."""
    assert listed(client) == {"green-basics", "web-shop"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=webshop", {"web-shop"}),
        ("?q=LEARN", {"green-basics"}),
        ("?q=WASTE", {"green-basics", "web-shop"}),  # lesson text is searched too: both lessons mention waste
        ("?q=titel&lang=sv", {"green-basics"}),  # Swedish title: searched when the reader or the filter is Swedish
        ("?q=titel", set()),  # not by an English reader
        ("?q=100%25", set()),
        ("?competence=digcomp:3.1", {"web-shop"}),
        ("?competence=area:greencomp:1", {"green-basics"}),
        ("?competence=area:digcomp:1", {"green-basics"}),
        ("?lang=sv", {"green-basics"}),
        ("?lang=en", {"green-basics", "web-shop"}),
        ("?eqf=5", {"web-shop"}),
        ("?workload=medium", {"green-basics"}),
        ("?workload=long", {"web-shop"}),
        ("?participation=blended", {"web-shop"}),
        ("?participation=online&eqf=4&lang=sv&q=waste", {"green-basics"}),
    ],
)
def test_catalogue_filters(client, catalogue, query, expected):
    """Text search, competence (area or single), language, EQF level, workload and participation filters work."""
    assert listed(client, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "?eqf=zz",
        "?lang=xx",
        "?competence=evil",
        "?workload=forever",
        "?participation=%00",
        "?page=-5",
        "?page=99999999999",
        "?q=" + "x" * 500,
    ],
)
def test_catalogue_survives_junk(client, catalogue, query):
    """Junk filter values never give a 500: the page shows, the bad filter is ignored or reported."""
    expected = 400 if "%00" in query else 200  # NUL bytes are refused up front
    assert client.get("/courses" + query).status_code == expected


def test_catalogue_is_paginated(client, app, db, create_user):
    """More modules than fit on a page are split over pages with links that keep the filters."""
    make_competences()
    owner = create_user("trainer")
    per_page = catalogue_queries.CATALOGUE_PER_PAGE
    for i in range(per_page + 2):
        make_module(owner, f"mod-{i:02d}", publish=True)
    html = client.get("/courses?participation=blended").get_data(as_text=True)
    assert f"{per_page + 2} courses" in html and 'rel="next"' in html and "participation=blended" in html
    assert html.count('class="card"') == per_page
    assert client.get("/courses?participation=blended&page=2").get_data(as_text=True).count('class="card"') == 2


def test_module_page_has_everything_to_decide(client, catalogue):
    """The module page shows summary, outcomes with competence names and levels, facts, prerequisites, languages."""
    html = client.get("/courses/web-shop").get_data(as_text=True)
    assert "Your webshop and bookings." in html
    assert "Competence digcomp 3.1" in html and "from 2 to 3" in html and 'th scope="row"' in html
    assert "12 hours" in html and "0.25" in html and "Blended" in html and "UPREST consortium" in html
    assert 'href="/courses/green-basics"' in html and "Title of green-basics" in html  # prerequisite link
    assert "Reviewed by two experts." in html and "What to do" in html
    assert "Right" not in html  # no quiz answers


def test_module_page_language_fallback_is_honest(client, catalogue, login_as):
    """In Swedish the Swedish texts show; in Finnish the page says texts fall back to English."""
    login_as(locale="sv")
    html = client.get("/courses/green-basics").get_data(as_text=True)
    assert "Titel för green-basics" in html and "not fully available" not in html
    assert "engelska, svenska" in html  # available in
    client.post("/language", data={"lang": "fi", "csrf_token": csrf_token(client, "/courses")})
    html = client.get("/courses/green-basics").get_data(as_text=True)
    assert '<span lang="en">Title of green-basics</span>' in html


def test_unknown_or_archived_module_pages(client, catalogue):
    """Unknown codes are 404; an archived module's page stays for its learners with a notice."""
    assert client.get("/courses/nope").status_code == 404
    assert client.get("/courses/old-course").status_code == 200
    assert "archived" in client.get("/courses/old-course").get_data(as_text=True)
    assert client.get("/courses/green-basics?v=7").status_code == 404


def test_lesson_view_renders_markdown_with_fallback_and_images(client, catalogue, db):
    """A lesson shows sanitised HTML in the chosen language, falls back to English honestly, serves its images."""
    html = client.get("/courses/green-basics/lessons/2?lang=sv").get_data(as_text=True)
    assert "What to do (sv)" in html and "<h2>Steps</h2>" in html and '<th scope="col">Bin</th>' in html
    html = client.get("/courses/web-shop/lessons/1?lang=sv").get_data(as_text=True)
    assert "not available in Swedish yet" in html and "Why it matters" in html
    html = client.get("/courses/green-basics/lessons/1").get_data(as_text=True)
    module = db.session.scalar(db.select(Module).where(Module.code == "green-basics"))
    sha = module.published_version.files[0].file.sha256
    assert f'src="/courses/green-basics/files/{sha}"' in html and 'alt="A map of the bins"' in html
    assert 'rel="next"' in html
    resp = client.get(f"/courses/green-basics/files/{sha}")
    assert resp.status_code == 200 and resp.data == png() and resp.mimetype == "image/png"
    assert "immutable" in resp.headers["Cache-Control"] and resp.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/courses/green-basics/lessons/9").status_code == 404
    assert client.get("/courses/green-basics/files/" + "0" * 64).status_code == 404
    assert client.get("/courses/green-basics/files/not-a-hash").status_code == 404
    assert client.get(f"/courses/web-shop/files/{sha}").status_code == 404  # another module's file


def test_draft_only_images_are_not_served_to_the_public(client, catalogue, db, create_user):
    """An image uploaded to a draft of a published module is served to its editors only."""
    module = db.session.scalar(db.select(Module).where(Module.code == "green-basics"))
    files.add_image(module, create_user("admin"), "new.png", png(2, 2))
    db.session.commit()
    sha = services.draft_of(module).files[-1].file.sha256
    assert client.get(f"/courses/green-basics/files/{sha}").status_code == 404


def test_api_lists_published_modules_with_micro_credential_fields(client, catalogue):
    """GET /api/v1/modules lists published modules with every micro-credential field and no quiz answers."""
    data = client.get("/api/v1/modules").get_json()
    assert [m["code"] for m in data["modules"]] == ["green-basics", "web-shop"]
    m = data["modules"][0]
    for key in (
        "title",
        "summary",
        "provider",
        "workload_hours",
        "ects",
        "eqf_level",
        "participation",
        "assessment_type",
        "quality_assurance",
        "languages",
        "prerequisites",
        "outcomes",
        "version",
    ):
        assert key in m
    assert m["outcomes"][0] == {
        "competence": "greencomp:1.1",
        "from_level": 1,
        "to_level": 2,
        "text": {"en": "Explain waste.", "sv": "Förklara avfall."},
    }


def test_api_module_detail(client, catalogue):
    """GET /api/v1/modules/<code> adds lessons and quiz settings; drafts, archived and unknown codes are 404."""
    resp = client.get("/api/v1/modules/green-basics")
    data = resp.get_json()
    assert resp.status_code == 200 and data["quiz"] == {
        "pass_mark": 70,
        "max_attempts": 3,
        "shuffle": True,
        "questions": 3,
    }
    assert [le["slug"] for le in data["lessons"]] == ["why-it-matters", "what-to-do"]
    assert "Right" not in resp.get_data(as_text=True) and "correct" not in resp.get_data(as_text=True)
    for code in ("old-course", "nope", "NOPE"):
        resp = client.get(f"/api/v1/modules/{code}")
        assert resp.status_code == 404 and resp.get_json()["status"] == 404


def test_openapi_documents_the_module_paths(client):
    """The OpenAPI document lists /modules and /modules/{code}."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/modules" in paths and "/modules/{code}" in paths


@pytest.mark.parametrize(
    ("role", "cards"),
    [
        ("learner", {"Courses"}),
        ("trainer", {"Course authoring"}),
        ("admin", {"Courses", "Course authoring"}),
        ("staff", set()),
    ],
)
def test_dashboard_cards(client, login_as, role, cards):
    """The home page offers learners the catalogue and trainers the authoring pages."""
    login_as(role)
    html = client.get("/").get_data(as_text=True)
    shown = {c for c in ("Courses", "Course authoring") if f"<h2>{c}</h2>" in html}
    assert shown == cards


def test_imported_modules_are_edited_by_admins_only(client, catalogue, login_as, db):
    """Provider modules from courses/ have no owner: trainers get 403, admins may edit them."""
    login_as("trainer")
    assert client.get("/authoring/green-basics").status_code == 403
    assert "Title of green-basics" not in client.get("/authoring").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/courses")})
    login_as("admin")
    html = client.get("/authoring/green-basics").get_data(as_text=True)
    assert "Provider (courses/ folder)" in html and "Version 1 is published" in html
