"""Cached catalogue pages: an import, a publish or an archive shows at once, on every worker; what is
cached never carries one reader's language or rights to another. And the cache's own rules."""

from __future__ import annotations

import pytest

from tests.factories import (
    import_modules,
    make_competences,
    make_module,
    module_doc,
    write_module,
)
from uprest import cache, create_app
from uprest.catalog import editing, services
from uprest.catalog.editing import OutcomeRow
from uprest.catalog.models import Module


def text_of(client, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, path
    return resp.get_data(as_text=True)


@pytest.fixture()
def imported(app, db, tmp_path):
    """One imported module, green-basics."""
    make_competences()
    write_module(tmp_path, "green-basics")
    assert import_modules(tmp_path).ok
    return tmp_path


def test_an_import_shows_at_once(client, imported):
    """A module imported after the catalogue, a module page and a lesson were cached appears at once,
    and a re-import with a changed title and lesson shows the new texts at once."""
    root = imported
    assert "Title of green-basics" in text_of(client, "/courses")
    assert "Title of green-basics" in text_of(client, "/courses/green-basics")
    assert "Waste costs money" in text_of(client, "/courses/green-basics/lessons/1")
    assert [m["code"] for m in client.get("/api/v1/modules").get_json()["modules"]] == ["green-basics"]
    assert client.get("/api/v1/modules/green-basics").get_json()["title"]["en"] == "Title of green-basics"

    write_module(root, "second-one")
    changed = module_doc("green-basics", title={"en": "Less waste, more guests"})
    write_module(root, "green-basics", doc=changed)
    lesson = root / "modules" / "green-basics" / "lessons" / "01-why-it-matters.en.md"
    lesson.write_text("# Why it matters\n\nWaste costs a lot of money.\n\n![A map](map.png)\n", encoding="utf-8")
    assert import_modules(root).ok

    catalogue = text_of(client, "/courses")
    assert "Title of second-one" in catalogue and "Less waste, more guests" in catalogue
    assert "Less waste, more guests" in text_of(client, "/courses/green-basics")
    assert "Waste costs a lot of money" in text_of(client, "/courses/green-basics/lessons/1")
    listed = client.get("/api/v1/modules").get_json()["modules"]
    assert [m["code"] for m in listed] == ["green-basics", "second-one"]
    assert client.get("/api/v1/modules/green-basics").get_json()["title"]["en"] == "Less waste, more guests"


def test_a_publish_shows_at_once(client, app, db, create_user):
    """A trainer's published change replaces the cached module page and catalogue card at once; editing
    the draft alone changes nothing that learners see."""
    make_competences()
    owner = create_user("trainer")
    module = make_module(owner, "web-basics", publish=True)
    assert "Title web-basics" in text_of(client, "/courses")
    assert "Summary web-basics." in text_of(client, "/courses/web-basics")

    data = {"title": "Web basics, second edition", "summary": "New summary."}
    editing.update_metadata(module, owner, "en", data, [OutcomeRow("digcomp:1.1", 1, 3, "Find things.")])
    db.session.commit()
    assert "Summary web-basics." in text_of(client, "/courses/web-basics")  # a draft is not public

    services.publish(module)
    db.session.commit()
    assert "Web basics, second edition" in text_of(client, "/courses")
    page = text_of(client, "/courses/web-basics")
    assert "New summary." in page and "Summary web-basics." not in page


def test_archiving_removes_a_module_at_once(client, app, db, create_user):
    """An archived module leaves the cached catalogue at once, whether archived by the service or by any
    other change of the row (every ORM change of a catalogue table replaces the generation)."""
    make_competences()
    owner = create_user("trainer")
    first = make_module(owner, "first-mod", publish=True)
    make_module(owner, "second-mod", publish=True)
    assert 'href="/courses/first-mod"' in text_of(client, "/courses")

    services.archive(first)
    db.session.commit()
    catalogue = text_of(client, "/courses")
    assert 'href="/courses/first-mod"' not in catalogue and 'href="/courses/second-mod"' in catalogue

    db.session.scalar(db.select(Module).where(Module.code == "second-mod")).status = "archived"
    db.session.commit()
    assert 'href="/courses/second-mod"' not in text_of(client, "/courses")


def test_a_change_through_one_worker_shows_on_another(app, db, imported, tmp_path):
    """Two app instances (two workers, each with its own cache) share one database: an import made
    through one is seen by the other at once."""
    config = {k: app.config[k] for k in ("TESTING", "SECRET_KEY", "DATABASE_URL", "SERVER_NAME")}
    other = create_app(config)
    worker_b = other.test_client()
    assert "Title of second-one" not in text_of(worker_b, "/courses")  # cached in worker B

    write_module(imported, "second-one")
    assert import_modules(imported).ok  # through this app ("worker A")

    assert "Title of second-one" in text_of(worker_b, "/courses")
    with other.app_context():
        other_db = other.extensions["sqlalchemy"]
        other_db.session.remove()
        other_db.engine.dispose()


def test_cached_pages_keep_each_readers_language(client, app, imported, create_user):
    """A page cached for an English reader is not served to a Swedish one, nor the Swedish one to the next
    English reader."""
    from tests.conftest import login

    assert "Title of green-basics" in text_of(client, "/courses/green-basics")
    swedish = create_user(locale="sv", email="svensk@example.org")
    login(client, swedish.email)
    assert "Titel för green-basics" in text_of(client, "/courses/green-basics")
    assert "Titel för green-basics" in text_of(client, "/courses")
    english = app.test_client()
    assert "Title of green-basics" in text_of(english, "/courses/green-basics")
    assert "Title of green-basics" in text_of(english, "/courses")


def test_the_edit_link_is_not_cached_for_everyone(client, app, db, create_user):
    """The module page cached for its trainer keeps its edit link to those who may edit: a learner
    reading the same cached page gets none."""
    from tests.conftest import login

    make_competences()
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner, "own-mod", publish=True)
    learner = create_user("learner", email="learner@example.org")

    login(client, owner.email)
    assert 'href="/authoring/own-mod"' in text_of(client, "/courses/own-mod")
    other = app.test_client()
    login(other, learner.email)
    page = text_of(other, "/courses/own-mod")
    assert "Summary own-mod." in page and 'href="/authoring/own-mod"' not in page


def test_cached_api_answers_link_to_the_host_asked(client, imported):
    """The API's absolute links follow the host of the request, also when the answer comes from the cache."""
    for host in ("localhost", "127.0.0.1:8080", "localhost"):  # hosts the test app trusts (TRUSTED_HOSTS)
        resp = client.get("/api/v1/modules", base_url=f"http://{host}")
        assert resp.get_json()["modules"][0]["links"]["self"] == f"http://{host}/api/v1/modules/green-basics"
        assert f"<http://{host}/api/v1/modules?" in resp.headers["Link"]
        detail = client.get("/api/v1/modules/green-basics", base_url=f"http://{host}").get_json()
        assert detail["lessons"][0]["url"].startswith(f"http://{host}/courses/green-basics/lessons/")


def test_unknown_modules_stay_not_found(client, imported):
    """A 404 is not cached as a page: the module, once imported, is found."""
    assert client.get("/courses/later-one").status_code == 404
    assert client.get("/api/v1/modules/later-one").status_code == 404
    write_module(imported, "later-one")
    assert import_modules(imported).ok
    assert client.get("/courses/later-one").status_code == 200
    assert client.get("/api/v1/modules/later-one").status_code == 200


# --- the cache itself ------------------------------------------------------------------------------


def test_bump_replaces_the_generation(app, db):
    """The generation starts empty, and every bump (and every ORM change of a watched table) replaces it."""
    assert cache.generation("something") == ""
    cache.bump("something")
    first = cache.generation("something")
    cache.bump("something")
    db.session.commit()
    second = cache.generation("something")
    assert first and second and first != second


def test_rolled_back_changes_keep_the_generation(app, db, create_user):
    """A change that is rolled back does not replace the generation (nothing changed)."""
    make_competences()
    make_module(create_user("trainer"), "kept-mod", publish=True)
    before = services.content_generation()
    db.session.scalar(db.select(Module).where(Module.code == "kept-mod")).status = "archived"
    db.session.flush()
    db.session.rollback()
    assert services.content_generation() == before


def test_lru_cache_is_bounded_and_keeps_the_recently_used():
    """The LRU keeps at most maxsize entries and drops the least recently used first."""
    lru = cache.LRUCache(maxsize=2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # a is now the most recently used
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c"), len(lru)) == (1, None, 3, 2)


def test_get_or_make_keeps_nothing_when_making_fails():
    """A page that fails to make (a 404) is not cached: the next call tries again."""
    lru = cache.LRUCache()

    def fail():
        raise LookupError

    with pytest.raises(LookupError):
        lru.get_or_make("k", fail)
    assert len(lru) == 0 and lru.get_or_make("k", lambda: "made") == "made"
