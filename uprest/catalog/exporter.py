"""Export a module version back into the ``courses/modules/<code>/`` format (import -> export -> import is
lossless; format: docs/content-format.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from uprest.catalog import rules, sources
from uprest.catalog.loader import LANGS

# --- export -------------------------------------------------------------------------------------------------


def _i18n(texts: Mapping[str, str] | None) -> dict[str, str]:
    return {lang: texts[lang] for lang in LANGS if texts and texts.get(lang)}


def _num(value: float | None):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def version_documents(code: str, v) -> dict[str, str | bytes]:
    """A version's files in the courses/ format: relative path -> text (or image bytes)."""
    docs: dict[str, str | bytes] = {"module.yaml": dump_yaml(_module_document(code, v))}
    for lesson in v.lessons:
        for t in lesson.texts:
            docs[f"lessons/{lesson.position:02d}-{lesson.slug}.{t.lang}.md"] = f"# {t.title}\n\n{t.body_md}\n"
    for lang in LANGS:
        questions = _quiz_document(v, lang)
        if questions:
            docs[f"quiz.{lang}.yaml"] = dump_yaml({"questions": questions})
    for vf in v.files:
        docs[f"images/{vf.name}"] = vf.file.data
    recorded = sources.file_document(sources.version_items(v), v.translated_from)
    if recorded:
        docs[sources.FILE] = sources.FILE_HEADER + dump_yaml(recorded)
    return docs


def _module_document(code: str, v) -> dict[str, Any]:
    """module.yaml of a version."""
    meta = {
        "code": code,
        "title": _i18n(v.title),
        "summary": _i18n(v.summary),
        "provider": v.awarding_body.slug if v.awarding_body is not None else None,
        "workload_hours": _num(v.workload_hours),
        "ects": _num(v.ects),
        "eqf_level": v.eqf_level,
        "participation": v.participation,
        "assessment_type": v.assessment_type,
    }
    if meta["provider"] is None:  # no awarding body: the import will ask for one
        del meta["provider"]
    if v.certificate_valid_months:
        meta["certificate_valid_months"] = v.certificate_valid_months
    if v.quality_assurance:
        meta["quality_assurance"] = _i18n(v.quality_assurance)
    meta["prerequisites"] = list(v.prerequisites or [])
    meta["outcomes"] = [
        {"competence": o.competence_key, "from_level": o.from_level, "to_level": o.to_level, "text": _i18n(o.text)}
        for o in v.outcomes
    ]
    meta["quiz"] = {"pass_mark": v.pass_mark, "max_attempts": v.max_attempts, "shuffle": v.shuffle}
    completion = _completion_document(v)
    if completion:
        meta["completion"] = completion
    return meta


def _completion_document(v) -> dict[str, Any]:
    """The completion block: only what differs from the default (every lesson; attendance when blended or
    on-site), so that course folders without the block export as they were."""
    block: dict[str, Any] = {}
    lessons = rules.canonical_lessons(v.required_lessons, [le.slug for le in v.lessons])
    if lessons is not None:
        block["lessons"] = lessons
    if bool(v.requires_attendance) != rules.default_attendance(v.participation):
        block["attendance"] = bool(v.requires_attendance)
    return block


def _quiz_document(v, lang: str) -> list[dict]:
    """The questions of quiz.<lang>.yaml: those of the version that have a text in `lang`."""
    questions = []
    for q in v.questions:
        t = q.text_in(lang)
        if t is None:
            continue
        item: dict[str, Any] = {
            "id": q.key,
            "kind": q.kind,
            "text": t.text,
            "choices": [{"text": c, "correct": bool(ok)} for c, ok in zip(t.choices, q.correct, strict=False)],
        }
        if t.feedback:
            item["feedback"] = t.feedback
        questions.append(item)
    return questions


def export_module(module, out: str | Path, version=None) -> Path:
    """Write `version` (default: the published one) into out/<code>/, replacing its files."""
    v = version or module.published_version
    if v is None:
        raise ValueError(f"module {module.code} has no published version")
    target = Path(out) / module.code
    target.mkdir(parents=True, exist_ok=True)
    stale = [*target.glob("lessons/*.md"), *target.glob("quiz.*.y*ml"), *target.glob("images/*"), target / sources.FILE]
    for path in stale:
        if path.is_file():
            path.unlink()
    for rel, text in version_documents(module.code, v).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
    return target
