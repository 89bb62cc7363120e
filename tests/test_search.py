"""Catalogue full-text search: what people type finds the modules (accents, stems, prefixes, lesson text),
best matches first, matches highlighted safely, together with the filters and pages, never a 500."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import import_modules, module_doc, write_module
from tests.test_migrations import empty_app  # noqa: F401  (the fixture: an app on an empty database)
from uprest import ROOT
from uprest.catalog import catalogue, editing, search, services
from uprest.catalog.models import Module, SearchDocument
from uprest.extensions import utcnow

Filters = catalogue.Filters


def make(owner, code: str, texts: dict[str, dict], participation: str = "online", publish: bool = True) -> Module:
    """A module written through the authoring services: per language a title, a summary and one lesson
    (title, Markdown); English is required. Published unless told otherwise; committed."""
    from uprest.extensions import db

    module = services.create_module(owner, code, texts["en"]["title"])
    for lang, t in texts.items():
        data = {"title": t["title"], "summary": t.get("summary", "Short."), "quality_assurance": ""}
        if lang == "en":
            data.update(participation=participation, assessment_type="assignment", workload_hours=2.0)
        editing.update_metadata(module, owner, lang, data, [])
    for lang, t in texts.items():
        lesson_title, body = t.get("lesson", ("Lesson", "Some text."))
        editing.save_lesson(module, owner, None if lang == "en" else 1, lang, "first", lesson_title, body)
    if publish:
        services.publish(module)
    db.session.commit()
    return module


def found(q: str, reader: str = "en", **filters) -> list[str]:
    """The codes the catalogue lists for the search `q` by a reader of `reader`, in order (first page)."""
    return [m.code for m in catalogue.catalogue_page(Filters(q=q, **filters), 1, lang=reader).items]


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card">\s*<h3><a href="/courses/([a-z0-9-]+)"', html)


def snippets(html: str) -> list[str]:
    return re.findall(r'<p class="search-snippet">(.*?)</p>', html, re.S)


@pytest.fixture()
def trainer(create_user):
    return create_user("trainer")


@pytest.fixture()
def shelf(app, trainer):
    """Modules in several languages: Italian, Swedish with å, an English one about tourism, one whose only
    mention of a word is in a lesson."""
    make(
        trainer,
        "italian-way",
        {
            "en": {"title": "The Italian way", "summary": "Hosting guests."},
            "it": {"title": "Turismo e sostenibilità", "summary": "Ospitalità sostenibile."},
        },
    )
    make(
        trainer,
        "swedish-way",
        {
            "en": {"title": "Lasting places", "summary": "Places that last."},
            "sv": {
                "title": "Platser som varar",
                "summary": "Om hållbarhet i turismen.",
                "lesson": ("Lektion", "Hållbar mat."),
            },
        },
    )
    make(trainer, "guests", {"en": {"title": "Tourism for beginners", "summary": "Welcome guests."}})
    make(
        trainer,
        "bins",
        {"en": {"title": "Bins", "summary": "Sorting.", "lesson": ("Deep dive", "Composting with **vermiculture**.")}},
    )


# --- pure parts ----------------------------------------------------------------------------------------


def test_words_are_letters_and_digits_at_most_eight():
    """A query is read as at most 8 distinct lower-cased words of letters and digits; punctuation and FTS or
    tsquery syntax are dropped."""
    assert search.words('"Tourism" AND (near*) -x: a&b|c!') == ["tourism", "and", "near", "x", "a", "b", "c"]
    assert search.words("one two three four five six seven eight nine") == [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
    ]
    assert search.words("Ha\u030allbar hållbar") == ["hållbar"]  # decomposed and composed å are the same word
    assert search.words("x" * 500) == ["x" * search.MAX_WORD_CHARS]
    assert search.words("!!! *** ---") == []


def test_highlight_escapes_the_text_and_marks_only_the_matches():
    """A snippet's text is escaped; only the sentinel-wrapped matches become <mark>, stray sentinels vanish."""
    raw = f"<script>x</script> {search.START}tour{search.STOP} & {search.STOP}more{search.START}"
    assert str(search.highlight(raw)) == "&lt;script&gt;x&lt;/script&gt; <mark>tour</mark> &amp; more"


def test_plain_text_of_a_lesson_drops_markup():
    """Lesson Markdown is indexed as its text: emphasis, links and headings lose their markup; alt text stays."""
    text = search.plain_text("# Heading\n\nSome **bold** [link](http://x.org) ![a bin](map.png)\n\n    code\n")
    assert text == "Heading\nSome bold link a bin\ncode"


# --- what is found -------------------------------------------------------------------------------------


def test_accents_need_not_be_typed(shelf):
    """ "sostenibilita" finds the Italian title with "sostenibilità"; "hallbar" finds Swedish "hållbar(het)"."""
    assert found("sostenibilita", "it") == ["italian-way"]
    assert found("hallbar", "sv") == ["swedish-way"]
    assert found("HÅLLBAR", "sv") == ["swedish-way"]


def test_word_forms_and_prefixes_match(shelf):
    """ "tourisms" finds "tourism" (stemming), "touris" finds it too (each word is a prefix)."""
    assert found("tourisms") == ["guests"]
    assert found("touris") == ["guests"]
    assert found("tourism beginners") == ["guests"]  # all words are required
    assert found("tourism composting") == []


def test_lesson_text_is_searched(shelf):
    """A word only in a lesson's text (not its title) finds the module."""
    assert found("vermiculture") == ["bins"]
    assert found("deep dive") == ["bins"]  # the lesson's title


def test_search_looks_in_the_readers_language_and_english(shelf):
    """The reader's language and English are searched (modules fall back to English); another language only
    when the catalogue is filtered by it."""
    assert sorted(found("guests", "sv")) == ["guests", "italian-way"]  # English text, Swedish reader
    assert found("hallbar", "en") == []
    assert found("hallbar", "en", lang="sv") == ["swedish-way"]
    assert found("sostenibilita", "sv") == []


def test_title_match_ranks_above_lesson_only_match(app, trainer):
    """With a query, the best match comes first: a title match above a lesson-only match, whatever the codes."""
    make(trainer, "aaa-lesson", {"en": {"title": "Kitchens", "lesson": ("One", "Later we talk about biodiversity.")}})
    make(trainer, "zzz-title", {"en": {"title": "Biodiversity", "summary": "Nature."}})
    assert found("biodiversity") == ["zzz-title", "aaa-lesson"]
    assert [m.code for m in catalogue.catalogue_page(Filters(), 1).items] == ["aaa-lesson", "zzz-title"]


def test_a_module_matching_in_two_languages_is_listed_once(app, trainer):
    """A module whose English and Swedish texts both match is one result, counted once."""
    make(
        trainer,
        "both",
        {"en": {"title": "Ecotourism basics"}, "sv": {"title": "Ekoturism", "summary": "Ecotourism på svenska."}},
    )
    page = catalogue.catalogue_page(Filters(q="ecotourism"), 1, lang="sv")
    assert [m.code for m in page.items] == ["both"] and page.total == 1


# --- the index follows publishing -----------------------------------------------------------------------


def test_the_published_text_is_what_is_searched(app, db, trainer):
    """A draft's text is not searched until it is published; then the new text is, and the old is not.
    Archived modules are not found; restored ones are again."""
    module = make(trainer, "changing", {"en": {"title": "Old name", "lesson": ("One", "Seaweed farming.")}})
    editing.save_lesson(module, trainer, 1, "en", "first", "One", "Oyster farming.")
    db.session.commit()
    assert found("seaweed") == ["changing"] and found("oyster") == []
    services.publish(module)
    db.session.commit()
    assert found("seaweed") == [] and found("oyster") == ["changing"]
    versions = set(db.session.scalars(sa.select(SearchDocument.version_id)))
    assert versions == {module.published_version_id}  # older versions leave the index
    services.archive(module)
    db.session.commit()
    assert found("oyster") == []
    services.restore(module)
    db.session.commit()
    assert found("oyster") == ["changing"]


def test_imported_modules_are_searchable_and_updated(app, db, tmp_path):
    """The courses/ importer indexes what it publishes; a new import replaces the searched text."""
    write_module(tmp_path, "green-basics")
    assert import_modules(tmp_path).ok
    assert found("money") == ["green-basics"]  # lesson text: "Waste costs money."
    assert found("pengar", "sv") == []
    doc = module_doc("green-basics", summary={"en": "Now about compost.", "sv": "Nu om kompost."})
    write_module(tmp_path, "green-basics", doc=doc)
    assert import_modules(tmp_path).ok
    assert found("compost") == ["green-basics"] and found("kompost", "sv") == ["green-basics"]
    assert found("learn about waste") == []  # the old summary


# --- the page -------------------------------------------------------------------------------------------


def test_catalogue_page_highlights_matches_and_escapes_content(client, app, trainer):
    """The results show where the words matched, with <mark> around them; HTML in the content is shown as
    text, and <mark> is the only markup in a snippet."""
    make(
        trainer,
        "tricky",
        {"en": {"title": "Careful", "summary": 'Try <script>alert("x")</script> & <b>recycling</b> today.'}},
    )
    html = client.get("/courses?q=recycling").get_data(as_text=True)
    assert cards(html) == ["tricky"]
    [snippet] = snippets(html)
    assert "<mark>recycling</mark>" in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0
    assert "&lt;script&gt;" in html and "<script>alert" not in html  # the summary, shown as text
    # SQLite's snippet shows the tag as text; PostgreSQL's ts_headline leaves tags out of a headline
    assert "&lt;script&gt;" in snippet or "script" not in snippet
    assert snippets(client.get("/courses").get_data(as_text=True)) == []  # no search, no snippet


def test_content_cannot_fake_a_match(app, trainer):
    """The private characters that mark matches are taken out of the content when it is indexed."""
    fake = f"{search.START}planted{search.STOP} words and real ones"
    make(trainer, "faker", {"en": {"title": "Faker", "summary": fake}})
    page = catalogue.catalogue_page(Filters(q="real"), 1)
    [snippet] = page.snippets.values()
    assert "<mark>real</mark>" in snippet and "<mark>planted</mark>" not in snippet


def test_search_page_in_the_readers_language(client, shelf):
    """An Italian reader searching without accents sees the Italian match highlighted with its accents."""
    html = client.get("/courses?q=sostenibilita", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert cards(html) == ["italian-way"]
    assert any("<mark>sostenibilità</mark>" in s.lower() or "<mark>sostenibil" in s.lower() for s in snippets(html))


def test_search_works_with_filters_and_pages(client, app, trainer):
    """Search narrows the filtered catalogue; the count, the pages and their links follow the search."""
    per_page = catalogue.CATALOGUE_PER_PAGE
    for i in range(per_page + 3):
        make(trainer, f"mk-{i:02d}", {"en": {"title": f"Marketing {i}"}}, participation="blended")
    make(trainer, "mk-online", {"en": {"title": "Marketing online"}}, participation="online")
    make(trainer, "other", {"en": {"title": "Cooking"}}, participation="blended")
    page = catalogue.catalogue_page(Filters(q="marketing", participation="blended"), 2)
    assert page.total == per_page + 3 and page.pages == 2 and len(page.items) == 3
    first = catalogue.catalogue_page(Filters(q="marketing", participation="blended"), 1)
    codes = [m.code for m in first.items] + [m.code for m in page.items]
    assert len(set(codes)) == per_page + 3 and "mk-online" not in codes and "other" not in codes
    html = client.get("/courses?q=marketing&participation=blended&page=2").get_data(as_text=True)
    assert f"{per_page + 3} courses" in html and len(cards(html)) == 3
    assert re.search(r'href="/courses\?[^"]*q=marketing[^"]*" rel="prev"', html)
    assert found("marketing", participation="online") == ["mk-online"]
    assert found("marketing", eqf=7) == []


def test_api_list_is_unchanged_by_search(client, shelf):
    """The JSON list is the whole catalogue in code order, as before."""
    codes = [m["code"] for m in client.get("/api/v1/modules").get_json()["modules"]]
    assert codes == ["bins", "guests", "italian-way", "swedish-way"]


JUNK = ['"', "'", "NEAR", "NEAR(", "AND", "OR", "NOT", "*", "-", "(", ")", ":", "^", "+", "&", "|", "!", "<->"]
JUNK += ["\\", "%", "_", "{", "}", "title:", "tourism", "å", "ß", "İ", "\u0301", "\ue000", "\ue001", " ", "\t"]


@settings(max_examples=80, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.one_of(
        st.lists(st.sampled_from(JUNK), max_size=20).map("".join),
        st.lists(st.sampled_from(JUNK), max_size=20).map(" ".join),
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=200),
    )
)
def test_junk_queries_never_fail(shelf, q):
    """Quotes, FTS and tsquery operators, stray marks and any unicode are only words or nothing: the search
    answers (possibly with nothing), never an error."""
    page = catalogue.catalogue_page(Filters(q=q), 1, lang="sv")
    assert page.total <= 4
    if not search.words(q):  # nothing to search for: the whole catalogue, no snippets
        assert page.total == 4 and page.snippets == {}
    for m in page.items:
        if search.words(q):
            assert "<" not in re.sub(r"</?mark>", "", str(page.snippets[m.published_version_id]))


@pytest.mark.parametrize(
    "q",
    ['"unbalanced', "NEAR(a b, 3)", "a AND OR NOT b", "* - ^", "tour* -ism", "x" * 100, "é" * 101, "%00", "ä\u0308"],
)
def test_junk_queries_on_the_page(client, shelf, q):
    """The catalogue page answers junk searches with 200 (over-long ones are ignored by the form)."""
    assert client.get("/courses", query_string={"q": q}).status_code == 200


def test_very_long_queries_are_cut(shelf):
    """A very long query reads as its first eight words; each word at most MAX_WORD_CHARS long."""
    assert found("tourism " * 5000) == ["guests"]
    assert found("beginners " + "z" * 100_000) == []


# --- the migration --------------------------------------------------------------------------------------


def test_migration_fills_the_index_from_published_versions(empty_app):  # noqa: F811
    """Upgrading a database that already holds published modules makes them searchable at once."""
    from flask_migrate import upgrade

    from uprest.extensions import db

    directory = str(ROOT / "migrations")
    with empty_app.app_context():
        upgrade(directory=directory, revision=_previous_revision())
        # The tables as they were at that revision (later revisions add columns the models know).
        tables = sa.MetaData()
        tables.reflect(db.session.connection(), only=["modules", "module_versions", "lessons", "lesson_texts"])
        modules, versions, lessons, texts = (
            tables.tables[n] for n in ("modules", "module_versions", "lessons", "lesson_texts")
        )
        now = utcnow()
        run = db.session.execute
        module_id = run(
            modules.insert().values(code="old-one", status="published", created_at=now, updated_at=now)
        ).inserted_primary_key[0]
        version_id = run(
            versions.insert().values(
                module_id=module_id,
                version=1,
                title={"en": "Lasting", "sv": "Hållbarhet"},
                summary={"en": "Old summary."},
                quality_assurance={},
                provider="",
                workload_hours=1.0,
                participation="online",
                assessment_type="quiz",
                languages=["en"],
                prerequisites=[],
                pass_mark=70,
                max_attempts=3,
                shuffle=True,
                search_text="",
                created_at=now,
                published_at=now,
            )
        ).inserted_primary_key[0]
        run(modules.update().where(modules.c.id == module_id).values(published_version_id=version_id))
        lesson_id = run(lessons.insert().values(version_id=version_id, position=1, slug="one")).inserted_primary_key[0]
        run(texts.insert().values(lesson_id=lesson_id, lang="en", title="One", body_md="About *tourisms*."))
        db.session.commit()
        upgrade(directory=directory)
        assert found("tourism") == ["old-one"]
        assert found("hallbar", "sv") == ["old-one"]
        db.session.remove()


def _previous_revision() -> str:
    text = next((ROOT / "migrations" / "versions").glob("*_catalog_full_text_search.py")).read_text()
    return re.search(r'^down_revision = "([0-9a-f]+)"', text, re.M).group(1)
