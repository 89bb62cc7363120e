"""Locale selection and helpers for content that carries its own translations."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import force_locale, get_locale  # noqa: F401  (re-exported)
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
