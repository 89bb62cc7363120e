"""Pure rules of provider records: the short name (slug), the country code and the website. No Flask, no database.

Each check returns None when the value is good, else a problem code that the form translates and the
courses/ loader spells out (see PROBLEMS).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

KINDS = (
    "adult_education",
    "university",
    "tourism_board",
    "municipality",
    "business_association",
    "consortium",
    "other",
)
SLUG_MAX = 60
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?\Z")
WEBSITE_MAX = 300
# Codes CLDR names that are not countries or territories of ISO 3166-1: groupings (EU, EZ, UN, QO), the
# unknown region (ZZ), pseudo-locales (XA, XB) and the "exceptionally reserved" codes of islands and
# enclaves (AC, CP, DG, EA, IC, TA). Kosovo's XK, used by the EU and in Open Badges, stays.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "DG", "EA", "IC", "TA"})
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)\Z")

#: Problem code -> the loader's English message (the forms have translated ones).
PROBLEMS = {
    "slug": "must be lower-case letters a-z, digits and hyphens (not at either end), at most 60 characters",
    "country": "must be a country code of ISO 3166-1 alpha-2 in capitals, e.g. SE",
    "website": "must be empty or a web address starting with http:// or https://",
}


def slug_problem(slug: str) -> str | None:
    """A provider's short name: a-z, 0-9 and hyphens, not at either end, at most 60 characters."""
    return None if isinstance(slug, str) and SLUG_RE.match(slug) else "slug"


@cache
def country_codes() -> frozenset[str]:
    """The two-letter codes of the countries and territories CLDR names (ISO 3166-1 alpha-2)."""
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha()) - NOT_COUNTRIES


def country_problem(code: str, *, allow_empty: bool = False) -> str | None:
    """Two capital letters naming a real country or territory ('' only where allowed: legacy rows)."""
    if code == "" and allow_empty:
        return None
    return None if isinstance(code, str) and code in country_codes() else "country"


@cache
def _country_names(lang: str) -> dict[str, str]:
    try:
        names = Locale.parse(lang).territories
    except (ValueError, TypeError, UnknownLocaleError):
        names = {}
    english = Locale("en").territories
    return {code: names.get(code) or english[code] for code in country_codes()}


def country_name(code: str, lang: str = "en") -> str:
    """The name of the country `code` in `lang` ("Sverige" for SE in Swedish); the code itself when unknown."""
    return _country_names(lang).get(code, code) if code else ""


def country_choices(lang: str) -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by name in `lang`'s alphabet as far as plain sorting goes."""
    names = _country_names(lang)
    return sorted(names.items(), key=lambda item: _sort_key(item[1]))


def _sort_key(name: str) -> str:
    """Accents sort with their letter (Österreich near Oman is wrong in Swedish, but near enough for a list)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def website_problem(url: str) -> str | None:
    """'' or an absolute http(s) address of a host with a dot in its name (no user name, no spaces)."""
    if url == "":
        return None
    if not isinstance(url, str) or len(url) > WEBSITE_MAX or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "website"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "website"
    if parts.scheme not in ("http", "https") or parts.username is not None or "\x7f" in url:
        return "website"
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return "website"
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return "website"
    return None


def slug_from_name(name: str) -> str:
    """A short name made from a name: "Università di Bologna" -> "universita-di-bologna" (may be '')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:SLUG_MAX].strip("-")
