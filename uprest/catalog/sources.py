"""Which English text each translation was made from, so that a changed English text marks its translations
as needing review (as gettext's "fuzzy" does for the interface).

A module's translatable items are its title, summary, quality-assurance text, each outcome, each lesson and
each quiz question. For every translated item a version records the digest of the English item it was
translated from (``ModuleVersion.translated_from``: ``{lang: {item: digest}}``; in courses/ the module's
``translations.yaml``). When the English item changes, its digest no longer matches: the translation needs
review until a translator saves it (in the browser) or records it as reviewed (``flask courses reviewed``).
A translation with no digest recorded is taken as up to date: it was made before the digests were kept.

Pure apart from assigning ``translated_from`` on a version; no Flask, no queries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from uprest.content import LANGS, Checker

FILE = "translations.yaml"
DIGEST_RE = re.compile(r"^[0-9a-f]{16}$")
ITEM_RE = re.compile(r"^(title|summary|quality_assurance|(outcome|lesson|quiz):[^\s]{1,80})$")

#: item -> {lang: the item's texts in that language}; built from a version or from a checked module folder.
Items = dict[str, dict[str, tuple[str, ...]]]
Recorded = dict[str, dict[str, str]]


def digest(parts: Iterable[str]) -> str:
    """A short, stable fingerprint of an item's texts: line endings and trailing spaces do not count."""
    normal = ("\n".join(line.rstrip() for line in (p or "").replace("\r\n", "\n").split("\n")).strip() for p in parts)
    return hashlib.sha256("\x1f".join(normal).encode("utf-8")).hexdigest()[:16]


def _present(parts: tuple[str, ...]) -> bool:
    return any((p or "").strip() for p in parts)


# --- the items of a version and of a module folder ---------------------------------------------------------


def version_items(v) -> Items:
    """The translatable items of a ModuleVersion."""
    items: Items = {}
    for field in ("title", "summary", "quality_assurance"):
        items[field] = {lang: (text,) for lang, text in (getattr(v, field) or {}).items()}
    for o in v.outcomes:
        items[f"outcome:{o.competence_key}"] = {lang: (text,) for lang, text in (o.text or {}).items()}
    for le in v.lessons:
        items[f"lesson:{le.slug}"] = {t.lang: (t.title, t.body_md) for t in le.texts}
    for q in v.questions:
        items[f"quiz:{q.key}"] = {t.lang: (t.text, *t.choices, t.feedback) for t in q.texts}
    return items


def spec_items(spec: Mapping[str, Any]) -> Items:
    """The translatable items of a module folder checked by the loader (the same keys as version_items)."""
    items: Items = {}
    for field in ("title", "summary", "quality_assurance"):
        items[field] = {lang: (text,) for lang, text in (spec.get(field) or {}).items()}
    for o in spec.get("outcomes") or ():
        items[f"outcome:{o['competence']}"] = {lang: (text,) for lang, text in (o.get("text") or {}).items()}
    for le in spec.get("lessons") or ():
        items[f"lesson:{le['slug']}"] = {lang: (t["title"], t["body"]) for lang, t in le["texts"].items()}
    for q in spec.get("questions") or ():
        items[f"quiz:{q['key']}"] = {
            lang: (t["text"], *t["choices"], t.get("feedback") or "") for lang, t in q["texts"].items()
        }
    return items


def english_digests(items: Items) -> dict[str, str]:
    """item -> the digest of its English text (items with English text only)."""
    return {key: digest(texts["en"]) for key, texts in items.items() if _present(texts.get("en", ()))}


def _translated(items: Items) -> Iterable[tuple[str, str]]:
    """(lang, item) of every translation present whose item has an English text."""
    for key, texts in items.items():
        if not _present(texts.get("en", ())):
            continue
        for lang in LANGS[1:]:
            if _present(texts.get(lang, ())):
                yield lang, key


# --- what needs review --------------------------------------------------------------------------------------


def needs_review(items: Items, recorded: Recorded | None) -> dict[str, list[str]]:
    """lang -> the items whose translation was made from another English text than today's (in item order)."""
    english, recorded = english_digests(items), recorded or {}
    stale: dict[str, list[str]] = {}
    for lang, key in _translated(items):
        made_from = recorded.get(lang, {}).get(key)
        if made_from is not None and made_from != english[key]:
            stale.setdefault(lang, []).append(key)
    return stale


def unrecorded(items: Items, recorded: Recorded | None) -> dict[str, list[str]]:
    """lang -> the translations present with no digest recorded (they cannot be checked)."""
    recorded = recorded or {}
    missing: dict[str, list[str]] = {}
    for lang, key in _translated(items):
        if key not in recorded.get(lang, {}):
            missing.setdefault(lang, []).append(key)
    return missing


def reviewed(items: Items, recorded: Recorded | None, lang: str | None = None, keys: Iterable[str] | None = None):
    """`recorded` with today's English digest for the translations present (of `lang`, of `keys`; None: all),
    and without entries for items or translations that are gone. A new dict."""
    english = english_digests(items)
    wanted = None if keys is None else set(keys)
    out: Recorded = {}
    for lg, key in _translated(items):
        old = (recorded or {}).get(lg, {}).get(key)
        if (lang is None or lg == lang) and (wanted is None or key in wanted):
            out.setdefault(lg, {})[key] = english[key]
        elif old is not None:
            out.setdefault(lg, {})[key] = old
    return {lg: dict(sorted(entries.items(), key=_order(items))) for lg, entries in out.items()}


def _order(items: Items):
    position = {key: i for i, key in enumerate(items)}
    return lambda entry: position.get(entry[0], len(position))


def rename(recorded: Recorded | None, old: str, new: str) -> Recorded:
    """`recorded` with the entries of item `old` under item `new` (a lesson's short name or a question's id
    changed). A new dict."""
    return {
        lang: {new if key == old else key: d for key, d in entries.items()}
        for lang, entries in (recorded or {}).items()
    }


# --- on a version (the browser's authoring) -----------------------------------------------------------------


def record_reviewed(v, lang: str, keys: Iterable[str]) -> None:
    """The translator saved `keys` in `lang`: they are now made from today's English."""
    if lang != "en":
        v.translated_from = reviewed(version_items(v), v.translated_from, lang, keys)


def keep_before_english_changes(v) -> None:
    """Before an English text changes: record today's English for translations that have no digest yet, so
    that the change marks them (their digest was simply never kept)."""
    items = version_items(v)
    missing = unrecorded(items, v.translated_from)
    if missing:
        recorded = {lang: dict(entries) for lang, entries in (v.translated_from or {}).items()}
        english = english_digests(items)
        for lang, keys in missing.items():
            recorded.setdefault(lang, {}).update({key: english[key] for key in keys})
        v.translated_from = recorded


def tidy(v) -> None:
    """Forget the digests of items and translations that no longer exist."""
    items = version_items(v)
    present = set(_translated(items))
    kept = {
        lang: {key: d for key, d in entries.items() if (lang, key) in present}
        for lang, entries in (v.translated_from or {}).items()
    }
    kept = {lang: entries for lang, entries in kept.items() if entries}
    if kept != (v.translated_from or {}):
        v.translated_from = kept or None


# --- translations.yaml -----------------------------------------------------------------------------------


def check_file(ck: Checker, data: Any) -> Recorded:
    """translations.yaml: ``{lang: {item: digest}}``; items the module lacks are dropped later (tidy)."""
    if data is None:  # only comments
        return {}
    doc = ck.mapping(data, (), (), LANGS[1:])
    recorded: Recorded = {}
    for lang, entries in (doc or {}).items():
        if not isinstance(entries, dict):
            ck.error((lang,), "must be a mapping of item to digest")
            continue
        for key, value in entries.items():
            if not isinstance(key, str) or not ITEM_RE.match(key):
                ck.error(
                    (lang, str(key)),
                    "unknown item: title, summary, quality_assurance, outcome:<competence>, "
                    "lesson:<short name> or quiz:<question id>",
                )
            elif not isinstance(value, str) or not DIGEST_RE.match(value):
                ck.error((lang, key), "must be a digest of 16 hexadecimal digits (flask courses reviewed writes it)")
            else:
                recorded.setdefault(lang, {})[key] = value
    return recorded


def file_document(items: Items, recorded: Recorded | None) -> Recorded:
    """What translations.yaml holds for a version: the digests of the translations present, in item order."""
    present = set(_translated(items))
    out = {
        lang: {key: d for key, d in sorted(entries.items(), key=_order(items)) if (lang, key) in present}
        for lang, entries in (recorded or {}).items()
    }
    return {lang: out[lang] for lang in LANGS[1:] if out.get(lang)}


FILE_HEADER = (
    "# The English text each translation was made from (a digest per item; see docs/content-format.md).\n"
    "# After changing an English text, update its translations and run `flask courses reviewed`.\n"
)
