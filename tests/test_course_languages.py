"""Every built-in course module in all five languages (issue 16): complete by the catalogue's own translation
status, no translated text left as the English (names, numbers and short codes aside), none made from an older
English text, and every language round-trips through export and import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from uprest.catalog import exporter, loader, sources
from uprest.catalog.models import Module
from uprest.catalog.rules import LANGS
from uprest.frameworks import loader as fw_loader

COURSES = Path(__file__).resolve().parents[1] / "courses"
#: A text that may read the same in every language: no letters left once digits and signs are gone, or a short
#: code such as "GDPR", "80 %" or "PMS".
SAME_EVERYWHERE = re.compile(r"^\s*[\W\d_]*\s*$|^\s*[A-Z0-9 .%/+-]{1,8}\s*$")


@pytest.fixture()
def curriculum(app, db):
    assert fw_loader.import_frameworks(COURSES / "frameworks").ok
    report = loader.import_modules(COURSES)
    db.session.commit()
    assert report.ok, "\n".join(report.lines())
    return db.session.scalars(db.select(Module).where(Module.status == "published").order_by(Module.code)).all()


def _untranslated(english: str, other: str) -> bool:
    return other.strip() == english.strip() and not SAME_EVERYWHERE.match(english)


def test_every_module_is_complete_in_five_languages(curriculum):
    """The translation status (the one the authoring page shows) is complete for every module and language."""
    assert len(curriculum) >= 12
    incomplete = {
        m.code: m.published_version.languages for m in curriculum if list(m.published_version.languages) != list(LANGS)
    }
    assert incomplete == {}


def test_no_translation_is_the_english_left_as_it_was(curriculum):
    """No lesson title or body, quiz question, choice or feedback, outcome, title or summary in another language
    is the English text unchanged."""
    found = []
    for module in curriculum:
        version = module.published_version
        for field in ("title", "summary", "quality_assurance"):
            texts = getattr(version, field) or {}
            found += [
                f"{module.code} {field} {lang}"
                for lang in LANGS[1:]
                if _untranslated(texts.get("en", ""), texts.get(lang, ""))
            ]
        for o in version.outcomes:
            found += [
                f"{module.code} outcome {o.position} {lang}"
                for lang in LANGS[1:]
                if _untranslated(o.text.get("en", ""), o.text.get(lang, ""))
            ]
        for lesson in version.lessons:
            en = lesson.text_in("en")
            for lang in LANGS[1:]:
                t = lesson.text_in(lang)
                if _untranslated(en.title, t.title) or _untranslated(en.body_md, t.body_md):
                    found.append(f"{module.code} lesson {lesson.slug} {lang}")
        for q in version.questions:
            en = q.text_in("en")
            for lang in LANGS[1:]:
                t = q.text_in(lang)
                pairs = [(en.text, t.text), (en.feedback, t.feedback), *zip(en.choices, t.choices, strict=True)]
                found += [f"{module.code} quiz {q.key} {lang}: {a!r}" for a, b in pairs if a and _untranslated(a, b)]
    assert found == []


def test_no_translation_falls_behind_its_english_text(curriculum):
    """Every translation of every module records the English text it was made from (translations.yaml), and
    that is today's English: a changed English text fails here until its translations are updated and
    `flask courses reviewed` is run."""
    behind, unchecked = {}, {}
    for module in curriculum:
        version = module.published_version
        items = sources.version_items(version)
        if stale := sources.needs_review(items, version.translated_from):
            behind[module.code] = stale
        if missing := sources.unrecorded(items, version.translated_from):
            unchecked[module.code] = missing
    assert behind == {} and unchecked == {}


def test_every_module_round_trips_in_every_language(curriculum, tmp_path):
    """`flask courses export` writes every module back as the files it was imported from (each language's
    lessons and quiz, module.yaml's data, translations.yaml), and importing the export changes nothing."""
    for module in curriculum:
        out = exporter.export_module(module, tmp_path / "out")
        source = COURSES / "modules" / module.code
        exported = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
        assert exported == {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
        for rel in exported:
            mine, theirs = out / rel, source / rel
            if rel.endswith(".yaml"):
                assert yaml.safe_load(mine.read_text("utf-8")) == yaml.safe_load(theirs.read_text("utf-8")), rel
            else:
                assert mine.read_bytes() == theirs.read_bytes(), rel
    report = loader.import_modules(tmp_path / "out")
    assert {r.status for r in report.results} == {"unchanged"}, report.lines()
