"""The catalogue a page at a time: 20 modules a page in code order, page links, the API's Link header,
and a bounded number of SQL statements whatever the number of modules on the page."""

from __future__ import annotations

import random
import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event

from uprest.catalog import catalogue, editing, services
from uprest.catalog.models import Lesson, LessonText, Module, ModuleVersion
from uprest.extensions import utcnow

PER_PAGE = catalogue.CATALOGUE_PER_PAGE


def publish_modules(db, codes, participation="online") -> None:
    """Published modules with these codes (added in the given order), one lesson each; committed."""
    for code in codes:
        module = Module(code=code, status="published")
        version = ModuleVersion(
            module=module,
            version=1,
            title={"en": f"Title {code}"},
            summary={"en": f"Summary {code}."},
            quality_assurance={},
            provider="Test",
            participation=participation,
            languages=["en"],
            search_text=code,
            published_at=utcnow(),
        )
        version.lessons = [Lesson(position=1, slug="one", texts=[LessonText(lang="en", title="One", body_md="Hello.")])]
        db.session.add(version)
        db.session.flush()
        module.published_version = version
    db.session.commit()


def cards(html: str) -> list[str]:
    """The module codes of the catalogue's cards, in the order shown."""
    return re.findall(r'<li class="card">\s*<h3><a href="/courses/([a-z0-9-]+)"', html)


def page_numbers(html: str) -> list[int]:
    """The numbers of the catalogue's page links."""
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    return [int(n) for n in re.findall(r'aria-label="Page (\d+)"', nav.group(0))] if nav else []


@pytest.fixture()
def many(db):
    """45 published modules, created in a shuffled order; their codes sorted."""
    codes = [f"mod-{i:03d}" for i in range(45)]
    shuffled = codes[:]
    random.Random(7).shuffle(shuffled)
    publish_modules(db, shuffled)
    return codes


def test_catalogue_pages_hold_twenty_modules_in_code_order(client, many):
    """Pages 1, 2 and 3 show modules 1-20, 21-40 and 41-45 by code: each once, in a stable order."""
    shown = [cards(client.get(f"/courses?page={n}").get_data(as_text=True)) for n in (1, 2, 3)]
    assert [len(s) for s in shown] == [PER_PAGE, PER_PAGE, 45 - 2 * PER_PAGE]
    assert shown[0] + shown[1] + shown[2] == many
    assert shown[0] == cards(client.get("/courses").get_data(as_text=True))


def test_catalogue_page_links(client, many):
    """Page 2 links to the previous and next pages and to every page number, marks itself current and
    says where the reader is."""
    html = client.get("/courses?page=2").get_data(as_text=True)
    assert "45 courses" in html and "Page 2 of 3" in html
    assert re.search(r'href="/courses\?page=1" rel="prev"', html)
    assert re.search(r'href="/courses\?page=3" rel="next"', html)
    assert page_numbers(html) == [1, 2, 3]
    assert re.search(r'href="/courses\?page=2" aria-current="page"', html)
    first = client.get("/courses").get_data(as_text=True)
    assert 'rel="prev"' not in first and 'rel="next"' in first


def test_page_links_keep_the_filters(client, db, many):
    """Page links of a filtered catalogue keep the filters, and the count is of the filtered modules."""
    publish_modules(db, [f"blend-{i:02d}" for i in range(PER_PAGE + 3)], participation="blended")
    html = client.get("/courses?participation=blended&page=2").get_data(as_text=True)
    assert f"{PER_PAGE + 3} courses" in html
    assert cards(html) == [f"blend-{i:02d}" for i in range(PER_PAGE, PER_PAGE + 3)]
    prev = re.search(r'href="([^"]+)" rel="prev"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(prev).query) == {"participation": ["blended"], "page": ["1"]}


@pytest.mark.parametrize("page", ["4", "99", "100000", "99999999999"])
def test_a_page_past_the_last_shows_the_last_page(client, many, page):
    """A page number past the end (an old link, a typed URL) shows the last page rather than nothing."""
    resp = client.get(f"/courses?page={page}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Page 3 of 3" in html
    assert cards(html) == many[2 * PER_PAGE :]


@pytest.mark.parametrize("page", ["0", "-3", "two", ""])
def test_junk_page_numbers_mean_the_first_page(client, many, page):
    """Zero, negative or non-numeric page numbers show the first page."""
    html = client.get(f"/courses?page={page}").get_data(as_text=True)
    assert cards(html) == many[:PER_PAGE]


def test_one_page_has_no_page_links(client, db):
    """A catalogue that fits on one page shows no page navigation."""
    publish_modules(db, ["only-one"])
    html = client.get("/courses").get_data(as_text=True)
    assert cards(html) == ["only-one"] and 'class="pagination"' not in html


# --- the API ---------------------------------------------------------------------------------


def links(resp) -> dict[str, str]:
    """rel -> URL of an RFC 8288 Link header."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="([a-z]+)"', resp.headers.get("Link", ""))}


def test_api_pages_with_link_header_and_total(client, many):
    """/api/v1/modules gives 20 modules a page in code order, the total, and first/next/last links."""
    resp = client.get("/api/v1/modules")
    data = resp.get_json()
    assert [m["code"] for m in data["modules"]] == many[:PER_PAGE]
    assert (data["total"], data["page"], data["per_page"], data["pages"]) == (45, 1, PER_PAGE, 3)
    assert resp.headers["X-Total-Count"] == "45"
    rel = links(resp)
    assert set(rel) == {"first", "next", "last"}
    assert rel["next"].startswith("http://") and "/api/v1/modules?" in rel["next"]
    assert parse_qs(urlsplit(rel["next"]).query) == {"page": ["2"], "per_page": [str(PER_PAGE)]}
    assert parse_qs(urlsplit(rel["last"]).query)["page"] == ["3"]
    middle = links(client.get("/api/v1/modules?page=2"))
    assert set(middle) == {"first", "prev", "next", "last"}
    assert parse_qs(urlsplit(middle["prev"]).query)["page"] == ["1"]


def test_api_following_next_links_visits_every_module_once(client, many):
    """Following rel="next" from the first page lists every module exactly once, in code order."""
    seen, url = [], "/api/v1/modules?per_page=7"
    for _ in range(20):
        resp = client.get(url)
        seen += [m["code"] for m in resp.get_json()["modules"]]
        if "next" not in links(resp):
            break
        url = links(resp)["next"]
    assert seen == many


@pytest.mark.parametrize(
    ("per_page", "expected"),
    [("1000", 100), ("100", 100), ("7", 7), ("1", 1), ("0", 1), ("-5", 1), ("lots", PER_PAGE)],
)
def test_api_per_page_is_bounded(client, db, per_page, expected):
    """per_page is kept between 1 and 100; junk means the default of 20."""
    publish_modules(db, [f"m-{i:03d}" for i in range(120)])
    data = client.get(f"/api/v1/modules?per_page={per_page}").get_json()
    assert data["per_page"] == expected and len(data["modules"]) == expected
    assert data["pages"] == -(-120 // expected)


def test_api_page_past_the_last_is_empty(client, many):
    """A page past the last one is an empty list (a client looping until empty stops), with first/last links."""
    resp = client.get("/api/v1/modules?page=9")
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["modules"] == [] and data["total"] == 45
    assert set(links(resp)) == {"first", "last"}


def test_api_empty_catalogue(client):
    """With no module the list is empty and the first page is also the last."""
    resp = client.get("/api/v1/modules")
    assert resp.get_json()["modules"] == [] and resp.headers["X-Total-Count"] == "0"
    assert set(links(resp)) == {"first", "last"}


# --- SQL statements per request ------------------------------------------------------------------


@contextmanager
def counting(db):
    """Counts the SQL statements sent while inside."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client, db, path, *, cold: bool) -> int:
    """SQL statements of one GET of `path`: with an empty page cache (cold) or after the same GET."""
    from uprest import cache

    if cold:
        cache.pages().clear()
    else:
        client.get(path)
    with counting(db) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_catalogue_queries_do_not_grow_with_the_modules_on_the_page(client, db, app):
    """A catalogue page costs the same number of SQL statements with 2 modules as with 20 (no query
    per module), and a cached page costs at most two (the content generation, the logged-in user)."""
    publish_modules(db, ["aa-1", "aa-2"])
    few = statements_for(client, db, "/courses", cold=True)
    publish_modules(db, [f"bb-{i:02d}" for i in range(30)])
    full = statements_for(client, db, "/courses", cold=True)
    filtered = statements_for(client, db, "/courses?q=bb&participation=online", cold=True)
    assert full == few and filtered == few and few <= 8
    assert statements_for(client, db, "/courses", cold=False) <= 2
    assert statements_for(client, db, "/api/v1/modules", cold=True) <= 5


def test_module_and_lesson_pages_query_no_more_for_more_lessons(client, db, app, create_user):
    """A module page (outcomes, lessons with their titles) and a lesson page cost the same number of SQL
    statements with one lesson as with six."""
    from tests.factories import make_competences, make_module

    make_competences()
    owner = create_user("trainer")
    make_module(owner, "short-one", publish=True)
    long = make_module(owner, "long-one")
    for i in range(5):
        editing.save_lesson(long, owner, None, "en", f"extra-{i}", f"Extra {i}", "Text.")
    services.publish(long)
    db.session.commit()
    # the module page: the catalogue's 8 statements, the learning panel's look-up and the sessions panel's list
    for path in ("/courses/{}", "/courses/{}/lessons/1"):
        short = statements_for(client, db, path.format("short-one"), cold=True)
        longer = statements_for(client, db, path.format("long-one"), cold=True)
        assert short == longer and short <= 10, path
        # cached: the content generation and the two panels (they are the reader's own: never cached)
        assert statements_for(client, db, path.format("long-one"), cold=False) <= 3
