"""Completeness check of the .po catalogues (used by the CLI and the tests)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po


def catalogue_gaps(directory: Path, languages=("sv", "it", "fi", "hr")) -> dict[str, list[str]]:
    """For each language, the message ids that are untranslated or fuzzy."""
    gaps: dict[str, list[str]] = {}
    for lang in languages:
        path = directory / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        missing = []
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            if message.fuzzy or not all(strings):
                missing.append(message.id if isinstance(message.id, str) else message.id[0])
        gaps[lang] = missing
    return gaps
