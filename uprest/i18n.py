"""Locale selection and helpers for content that carries its own translations."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import force_locale, get_locale  # noqa: F401  (re-exported)
from flask_babel import lazy_gettext as _l
from flask_login import current_user


def supported() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The user's saved preference, else the switcher's choice, else Accept-Language."""
    langs = supported()
    if current_user and current_user.is_authenticated and current_user.locale in langs:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in langs:
        return chosen
    return request.accept_languages.best_match(langs) or current_app.config["BABEL_DEFAULT_LOCALE"]


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


class FormTranslations:
    """gettext for WTForms: our catalogue first, then WTForms' own."""

    def gettext(self, string):
        from flask_babel import get_translations
        from flask_wtf.i18n import translations as wtforms_translations

        ours = get_translations().ugettext(string)
        return ours if ours != string else wtforms_translations.gettext(string)

    def ngettext(self, singular, plural, n):
        from flask_babel import get_translations
        from flask_wtf.i18n import translations as wtforms_translations

        ours = get_translations().ungettext(singular, plural, n)
        if ours not in (singular, plural):
            return ours
        return wtforms_translations.ngettext(singular, plural, n)


FORM_TRANSLATIONS = FormTranslations()


def install_form_translations() -> None:
    """Every FlaskForm (ours and the features') uses FORM_TRANSLATIONS."""
    from flask_wtf import FlaskForm

    def get_translations(self, form):
        return FORM_TRANSLATIONS

    FlaskForm.Meta.get_translations = get_translations
