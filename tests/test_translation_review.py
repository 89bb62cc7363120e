"""A changed English text marks its translations as needing review, in the browser and in courses/ files, until a
translator saves them (or `flask courses reviewed` records them); the digests round-trip through export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token, login
from tests.factories import import_modules, make_competences, make_module
from uprest.catalog import exporter, sources
from uprest.catalog.models import Module
from uprest.content import Checker
from uprest.frameworks import loader as fw_loader

COURSES = Path(__file__).resolve().parents[1] / "courses"
LESSON = "/authoring/my-module/lessons/1"


# --- the pure part ----------------------------------------------------------------------------------


def _items(en_body="Hello.", sv_body="Hej.") -> sources.Items:
    return {
        "title": {"en": ("Title",), "sv": ("Titel",)},
        "lesson:first": {"en": ("First", en_body), "sv": ("Första", sv_body)},
        "quiz:q1": {"en": ("Pick", "Yes", "No", "")},  # not translated
    }


def test_a_changed_english_text_marks_only_its_translations():
    """Translations recorded from the English of today are fine; changing one English item marks that item only;
    an item with no translation or no digest is never reported."""
    recorded = sources.reviewed(_items(), None)
    assert recorded == {"sv": {"title": sources.digest(["Title"]), "lesson:first": sources.digest(["First", "Hello."])}}
    assert sources.needs_review(_items(), recorded) == {}
    assert sources.needs_review(_items(en_body="Hello, world."), recorded) == {"sv": ["lesson:first"]}
    assert sources.needs_review(_items(en_body="Hello, world."), None) == {}
    assert sources.unrecorded(_items(), None) == {"sv": ["title", "lesson:first"]}


def test_reviewing_one_language_or_item_keeps_the_others():
    """`reviewed` for one item records today's English for it and keeps the old digests of the rest."""
    old = sources.reviewed(_items(), None)
    changed = _items(en_body="New.")
    only_title = sources.reviewed(changed, old, "sv", ["title"])
    assert only_title["sv"]["lesson:first"] == old["sv"]["lesson:first"]
    assert sources.needs_review(changed, only_title) == {"sv": ["lesson:first"]}
    assert sources.needs_review(changed, sources.reviewed(changed, old, "sv")) == {}
    assert sources.rename(old, "lesson:first", "lesson:one")["sv"]["lesson:one"] == old["sv"]["lesson:first"]


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["\n", "\r\n"]), st.text(alphabet=" \t", max_size=3))
def test_line_endings_and_trailing_spaces_do_not_count(text, newline, trailing):
    """The digest of a text does not change with its line endings or the spaces at the end of its lines (an
    export/import or a browser's CRLF must not mark a translation)."""
    lines = text.replace("\r", "").split("\n")
    assert sources.digest([newline.join(line + trailing for line in lines)]) == sources.digest(["\n".join(lines)])


def test_translations_file_errors_are_reported_with_their_place():
    """translations.yaml: an unknown language, an unknown item or a bad digest are errors naming the place."""
    ck = Checker("m/translations.yaml", None)
    sources.check_file(ck, {"de": {}, "sv": {"lesson:": "0" * 16, "title": "xyz"}})
    text = "\n".join(str(e) for e in ck.errors)
    assert "de" in text and "lesson:" in text and "16 hexadecimal" in text and len(ck.errors) == 3


# --- in the browser -------------------------------------------------------------------------------------


@pytest.fixture()
def translated(app, db, client, create_user):
    """A trainer's module with lesson 1 translated into Swedish in the browser; the trainer is logged in."""
    make_competences()
    make_module(create_user("trainer", email="t@example.org"))
    login(client, "t@example.org")
    resp = client.post(
        LESSON + "?lang=sv",
        data={"csrf_token": csrf_token(client, LESSON + "?lang=sv"), "title": "Första", "body": "Hej **världen**."},
    )
    assert resp.status_code == 302
    return client


def _post_lesson(client, lang, title, body, slug="first"):
    path = f"{LESSON}?lang={lang}"
    data = {"csrf_token": csrf_token(client, path), "slug": slug, "title": title, "body": body, "action": "save"}
    return client.post(path, data=data)


def test_changing_the_english_lesson_asks_for_review_until_the_translation_is_saved(translated, db):
    """After the English lesson changes, the authoring page counts the Swedish lesson as needing review (not
    complete) and links to it, whose form says why; saving the Swedish lesson clears it."""
    client = translated
    assert "Translations to review" not in client.get("/authoring/my-module").get_data(as_text=True)
    assert _post_lesson(client, "en", "First lesson", "Hello **everyone**.").status_code == 302
    page = client.get("/authoring/my-module").get_data(as_text=True)
    assert "Translations to review" in page and f'href="{LESSON}?lang=sv"' in page
    form = client.get(LESSON + "?lang=sv").get_data(as_text=True)
    assert "The English text has changed since this translation was made" in form
    assert "has changed since" not in client.get(LESSON + "?lang=en").get_data(as_text=True)
    assert _post_lesson(client, "sv", "Första", "Hej **alla**.").status_code == 302
    assert "Translations to review" not in client.get("/authoring/my-module").get_data(as_text=True)
    assert "has changed since" not in client.get(LESSON + "?lang=sv").get_data(as_text=True)


def test_an_unchanged_english_save_and_a_renamed_lesson_keep_the_translation_reviewed(translated, db):
    """Saving the English lesson as it was, or giving it another short name, marks nothing."""
    client = translated
    assert _post_lesson(client, "en", "First lesson", "Hello **world**.").status_code == 302
    assert _post_lesson(client, "en", "First lesson", "Hello **world**.", slug="renamed").status_code == 302
    assert "Translations to review" not in client.get("/authoring/my-module").get_data(as_text=True)
    module = db.session.scalar(db.select(Module))
    draft = module.versions[-1]
    assert "lesson:renamed" in draft.translated_from["sv"] and "lesson:first" not in draft.translated_from["sv"]


# --- in courses/ files --------------------------------------------------------------------------------


@pytest.fixture()
def folder(app, db, tmp_path):
    assert fw_loader.import_frameworks(COURSES / "frameworks").ok
    root = tmp_path / "courses"
    (root / "modules").mkdir(parents=True)
    shutil.copy(COURSES / "providers.yaml", root / "providers.yaml")
    shutil.copytree(COURSES / "modules" / "open-data", root / "modules" / "open-data")
    return root


def _published(db):
    db.session.expire_all()
    return db.session.scalar(db.select(Module).where(Module.code == "open-data")).published_version


def test_a_changed_english_lesson_file_marks_its_translations_until_reviewed(folder, db, app):
    """Changing an English lesson file and importing it leaves its four translations needing review;
    `flask courses reviewed` records them and the next import has none."""
    assert import_modules(folder).ok
    version = _published(db)
    assert sources.needs_review(sources.version_items(version), version.translated_from) == {}
    lesson = next((folder / "modules" / "open-data" / "lessons").glob("01-*.en.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert import_modules(folder).ok
    version = _published(db)
    stale = sources.needs_review(sources.version_items(version), version.translated_from)
    assert stale == {lang: ["lesson:what-is-open-data"] for lang in ("sv", "it", "fi", "hr")}
    result = app.test_cli_runner().invoke(args=["courses", "reviewed", str(folder), "--lang", "sv"])
    assert result.exit_code == 0, result.output
    assert import_modules(folder).ok
    version = _published(db)
    stale = sources.needs_review(sources.version_items(version), version.translated_from)
    assert set(stale) == {"it", "fi", "hr"}


def test_the_digests_round_trip_through_export(folder, db, tmp_path):
    """Exporting the imported module writes the same translations.yaml (and importing it changes nothing)."""
    assert import_modules(folder).ok
    module = db.session.scalar(db.select(Module))
    out = exporter.export_module(module, tmp_path / "out")
    original = (folder / "modules" / "open-data" / sources.FILE).read_text(encoding="utf-8")
    assert (out / sources.FILE).read_text(encoding="utf-8") == original
