"""Locale selection and helpers for content that carries its own translations."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import force_locale, get_locale, refresh  # noqa: F401  (re-exported)
from flask_babel import lazy_gettext as _l
from flask_login import current_user


def supported() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The user's saved preference, else the switcher's choice, else Accept-Language; outside a request (CLI
    commands, the workers) the default language."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    langs = supported()
    if current_user and current_user.is_authenticated and current_user.locale in langs:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in langs:
        return chosen
    return request.accept_languages.best_match(langs) or current_app.config["BABEL_DEFAULT_LOCALE"]


def use_account_locale() -> None:
    """From here on, this request speaks the language of the user who has just logged in.

    flask_babel selects the locale once per request and keeps it, so a request that logs a user in
    would flash its message (and render any page) in the language the visitor had before. Call this
    right after ``login_user``.
    """
    refresh()


# --- language names -------------------------------------------------------------
# Two forms. Inside a sentence a language is named in the reader's language, as CLDR writes it in
# the middle of a sentence: lower-case in Swedish, Italian, Finnish and Croatian ("på svenska",
# "in svedese"), capitalised in English ("in Swedish"). As a standalone label of a choice between
# languages (the switcher, language tabs) a language is named in its own language, capitalised
# ("Svenska", "Suomi"), so that a reader finds theirs whatever language the page is in.


@lru_cache(maxsize=16)
def _names_in(reader: str) -> dict[str, str]:
    return dict(Locale.parse(reader).languages)


def language_name(code: str, in_sentence: bool = True, reader: str | None = None) -> str:
    """The name of the language `code`: as written inside a sentence of `reader`'s language (default:
    the current locale), or, with ``in_sentence=False``, its own name as a standalone label."""
    if not in_sentence:
        return current_app.config["LANGUAGES"].get(code, code)
    return _names_in(reader or str(get_locale() or "en")).get(code, code)


def pick(texts: dict[str, str] | None, lang: str | None = None, fallback: str = "en") -> str:
    """The text in `lang`, else English, else any; '' when there is none."""
    if not texts:
        return ""
    if lang is None:
        lang = str(get_locale() or fallback)
    return texts.get(lang) or texts.get(fallback) or next(iter(texts.values()), "")


# --- WTForms' own messages -------------------------------------------------------
# WTForms ships no Croatian catalogue, so its built-in messages (for example a
# tampered select) would fall back to English. These ids are listed here so that
# they are extracted into our catalogues; our translation wins, WTForms' is the
# fallback. Messages with placeholders keep WTForms' names.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Field must be equal to %(other_name)s."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be at least %(min)d character long.", min=1),
    _l("Field must be between %(min)d and %(max)d characters long.", min=1, max=2),
)


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale: str):
    """WTForms' own catalogue for a locale, read once per process (flask_wtf reads the .mo file anew
    on every request that builds a form)."""
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class FormTranslations:
    """gettext for WTForms: our catalogue first, then WTForms' own."""

    def gettext(self, string):
        from flask_babel import get_translations

        ours = get_translations().ugettext(string)
        return ours if ours != string else _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular, plural, n):
        from flask_babel import get_translations

        ours = get_translations().ungettext(singular, plural, n)
        if ours not in (singular, plural):
            return ours
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


FORM_TRANSLATIONS = FormTranslations()


def install_form_translations() -> None:
    """Every FlaskForm (ours and the features') uses FORM_TRANSLATIONS."""
    from flask_wtf import FlaskForm

    def get_translations(self, form):
        return FORM_TRANSLATIONS

    FlaskForm.Meta.get_translations = get_translations
