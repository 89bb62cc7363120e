"""Language names fit the sentence they are in; a login speaks the account's language at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import import_modules, install_frameworks, make_competences, module_doc, write_module
from uprest.i18n import language_name

ROOT = Path(__file__).resolve().parent.parent


# --- the names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "code", "name"),
    [
        ("en", "sv", "Swedish"),
        ("sv", "sv", "svenska"),
        ("sv", "en", "engelska"),
        ("it", "sv", "svedese"),
        ("it", "it", "italiano"),
        ("fi", "fi", "suomi"),
        ("fi", "sv", "ruotsi"),
        ("hr", "hr", "hrvatski"),
        ("hr", "en", "engleski"),
    ],
)
def test_name_inside_a_sentence_is_the_readers_word(reader, code, name):
    """Inside a sentence a language is named in the reader's language: lower-case in sv, it, fi, hr."""
    assert language_name(code, reader=reader) == name


def test_standalone_name_is_the_languages_own(app):
    """As a standalone label (switcher, tabs) a language is named in its own language, capitalised."""
    assert [language_name(c, in_sentence=False) for c in ("en", "sv", "it", "fi", "hr")] == [
        "English",
        "Svenska",
        "Italiano",
        "Suomi",
        "Hrvatski",
    ]


# --- pages ---------------------------------------------------------------------------------------


@pytest.fixture()
def modules(app, db, tmp_path):
    """'both' is complete in English and Swedish; 'english' only in English."""
    make_competences()
    write_module(tmp_path, "both")
    write_module(
        tmp_path,
        "english",
        doc=module_doc("english", title={"en": "Only English"}, summary={"en": "Only English."}),
        langs=("en",),
    )
    report = import_modules(tmp_path)
    assert report.ok, report.lines()


def page(client, path: str, lang: str) -> str:
    resp = client.get(path, headers={"Accept-Language": lang})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    return html


FALLBACK_NOTICE = {
    "sv": "Den här modulen finns inte helt på svenska:",
    "it": "Questo modulo non è completamente disponibile in italiano:",
    "fi": "Tämä moduuli ei ole kokonaan saatavilla valitulla kielellä (suomi):",
    "hr": "Ovaj modul nije u potpunosti dostupan na odabranom jeziku (hrvatski):",
}
OWN_NAME = {"sv": "Svenska", "it": "Italiano", "fi": "Suomi", "hr": "Hrvatski"}


@pytest.mark.parametrize("lang", sorted(FALLBACK_NOTICE))
def test_module_fallback_notice_names_the_language_in_sentence_form(client, modules, lang):
    """The notice on a module missing the reader's language names it as a sentence of that language does."""
    html = page(client, "/courses/english", lang)
    assert FALLBACK_NOTICE[lang] in html
    # the capitalised own name appears only as the switcher's option, never in running text
    assert html.count(f">{OWN_NAME[lang]}<") == 1 and f'lang="{lang}" selected>{OWN_NAME[lang]}</option>' in html


AVAILABLE_IN = {
    "en": "English, Swedish",
    "sv": "engelska, svenska",
    "it": "inglese, svedese",
    "fi": "englanti, ruotsi",
    "hr": "engleski, švedski",
}


@pytest.mark.parametrize("lang", sorted(AVAILABLE_IN))
def test_available_languages_are_listed_in_the_readers_words(client, modules, lang):
    """'Available in' lists the module's languages as the reader's language writes them."""
    assert f"<dd>{AVAILABLE_IN[lang]}</dd>" in page(client, "/courses/both", lang)
    assert AVAILABLE_IN[lang] in page(client, "/courses", lang)  # the catalogue's hint


LESSON_LINKS = {
    "en": ("Read this lesson in", "English", "Swedish"),
    "sv": ("Läs den här lektionen på", "engelska", "svenska"),
    "it": ("Leggi questa lezione in", "inglese", "svedese"),
    "fi": ("Oppitunti on saatavilla kielillä", "englanti", "ruotsi"),
    "hr": ("Lekcija je dostupna na jezicima", "engleski", "švedski"),
}


@pytest.mark.parametrize("lang", sorted(LESSON_LINKS))
def test_lesson_language_links_read_as_a_sentence(client, modules, lang):
    """The lesson's other languages are offered in a sentence of the reader's language, linked with hreflang."""
    label, en, sv = LESSON_LINKS[lang]
    html = page(client, "/courses/both/lessons/1", lang)
    assert f"<p>{label}:" in html
    assert re.search(f'hreflang="en"[^>]*>{en}</a>, <a [^>]*hreflang="sv"[^>]*>{sv}</a>', html)


def test_lesson_fallback_names_the_wanted_language(client, modules):
    """A lesson asked for in a language it lacks says so with that language's name in the reader's words."""
    assert "not available in Swedish yet" in page(client, "/courses/english/lessons/1?lang=sv", "en")
    html = page(client, "/courses/english/lessons/1?lang=sv", "fi")
    assert "Tätä oppituntia ei ole vielä saatavilla valitulla kielellä (ruotsi)" in html


def test_framework_page_is_translated_and_names_languages_in_sentence_form(client, app, db, tmp_path):
    """The framework page's own texts are translated, and its notice and language list fit the sentence."""
    install_frameworks(tmp_path)
    html = page(client, "/competences/digcomp", "fi")
    assert "Kaikki osaamisen viitekehykset" in html and "Osa-alueet ja osaamiset" in html
    assert "valitulle kielelle (suomi)" in html and "<dd>englanti, ruotsi</dd>" in html
    html = page(client, "/competences/digcomp", "it")
    assert "<dd>inglese, svedese</dd>" in html and "not fully translated" not in html


# --- logging in ------------------------------------------------------------------------------------


def english_session(client) -> None:
    token = csrf_token(client, "/")
    client.post("/language", data={"lang": "en", "csrf_token": token})


def test_login_message_is_in_the_accounts_language(client, create_user):
    """A Swedish account logging in from an English session reads the login message and the next page in Swedish."""
    user = create_user(locale="sv")
    english_session(client)
    token = csrf_token(client, "/login")
    resp = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Du är inloggad." in html and "You are logged in." not in html


def test_welcome_message_is_in_the_chosen_language(client, db):
    """Registering from an English session with Croatian as the preferred language welcomes in Croatian
    (once the mailed link has confirmed the address)."""
    from tests.factories import confirm_link

    english_session(client)
    token = csrf_token(client, "/register")
    resp = client.post(
        "/register",
        data={
            "name": "Ana Kovač",
            "email": "ana@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "locale": "hr",
            "territory_id": "",
            "accept_privacy": "y",
            "csrf_token": token,
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    link = confirm_link("ana@example.org")
    resp = client.post(link, data={"csrf_token": csrf_token(client, link)}, headers={"Accept-Language": "en"})
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert '<html lang="hr">' in html and "Dobro došli, Ana Kovač! Vaš je račun izrađen." in html


def test_goodbye_message_and_next_page_share_a_language(client, create_user):
    """After deleting a Swedish account from an English browser, the message and the next page are both Swedish."""
    user = create_user(locale="sv")
    login(client, user.email)
    token = csrf_token(client, "/account/delete")
    resp = client.post(
        "/account/delete",
        data={"password": PASSWORD, "confirm": "y", "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in html and "Ditt konto har raderats." in html


# --- the catalogues see every template ------------------------------------------------------------


def test_extractor_parses_every_template():
    """babel.cfg gives the extractor the app's Jinja extensions: no template is skipped without a word."""
    from configparser import ConfigParser

    from jinja2.ext import babel_extract

    cfg = ConfigParser()
    cfg.read(ROOT / "babel.cfg")
    options = dict(cfg["jinja2: templates/**.html"], silent="false")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        with path.open("rb") as fh:
            list(babel_extract(fh, ("_", "gettext", "ngettext"), [], options))
