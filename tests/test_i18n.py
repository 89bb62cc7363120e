"""Languages: catalogues complete, the switcher, saved preference, Accept-Language, localised dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import csrf_token
from uprest.i18n import pick
from uprest.i18n_check import catalogue_gaps

TRANSLATIONS = Path(__file__).resolve().parent.parent / "uprest" / "translations"


def test_catalogues_complete():
    """sv, it, fi and hr have no untranslated or fuzzy message."""
    gaps = catalogue_gaps(TRANSLATIONS)
    assert {lang: missing[:10] for lang, missing in gaps.items() if missing} == {}


def test_catalogues_cover_every_message_in_the_code():
    """Every message extracted from the code is in the template that the catalogues were updated from."""
    import subprocess
    import sys
    import tempfile

    from babel.messages.pofile import read_po

    root = TRANSLATIONS.parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "check.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_l",
                "--no-location",
                "-o",
                str(pot),
                ".",
            ],
            cwd=root,
            check=True,
            capture_output=True,
        )
        with pot.open("rb") as fh:
            fresh = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with (TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    missing = sorted(fresh - known)
    assert missing == [], f"run `make extract` and translate: {missing[:10]}"


@pytest.mark.parametrize(("lang", "word"), [("sv", "Logga in"), ("it", "Accedi"), ("fi", "Kirjaudu"), ("hr", "Prijav")])
def test_accept_language(client, lang, word):
    """Without a choice, the browser's Accept-Language decides."""
    html = client.get("/login", headers={"Accept-Language": f"{lang},en;q=0.5"}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert word in html


def test_switcher_for_anonymous_visitors(client):
    """The language switcher sets the language for the visitor's session and returns to the page."""
    token = csrf_token(client, "/privacy")
    resp = client.post("/language", data={"lang": "fi", "next": "/privacy", "csrf_token": token})
    assert resp.headers["Location"] == "/privacy"
    assert '<html lang="fi">' in client.get("/privacy").get_data(as_text=True)


def test_switcher_refuses_unknown_language_and_external_next(client):
    """An unknown language is refused; an external `next` is ignored."""
    token = csrf_token(client, "/")
    assert client.post("/language", data={"lang": "xx", "csrf_token": token}).status_code == 400
    resp = client.post("/language", data={"lang": "sv", "next": "//evil.example", "csrf_token": token})
    assert resp.headers["Location"] == "/"


def test_saved_preference_wins(client, login_as, db):
    """A logged-in user's saved language beats Accept-Language, and the switcher saves it."""
    user = login_as(locale="it")
    html = client.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<html lang="it">' in html
    client.post("/language", data={"lang": "hr", "csrf_token": csrf_token(client, "/")})
    db.session.refresh(user)
    assert user.locale == "hr"


def test_dates_localised(client, login_as):
    """Dates are written the local way (Swedish month names on the account page)."""
    login_as(locale="sv")
    html = client.get("/account").get_data(as_text=True)
    months = [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ]
    assert any(m in html for m in months)


def test_pick_falls_back_to_english():
    """Content texts fall back to English, then to any language, then to ''."""
    assert pick({"en": "Hello", "sv": "Hej"}, "sv") == "Hej"
    assert pick({"en": "Hello"}, "fi") == "Hello"
    assert pick({"it": "Ciao"}, "fi") == "Ciao"
    assert pick({}, "fi") == "" and pick(None, "fi") == ""
