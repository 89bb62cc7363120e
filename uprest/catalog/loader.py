"""Import and export course modules: ``courses/modules/<code>/`` (format: docs/content-format.md).

Import, per module folder, in two steps:

1. *Validate* (no Flask, no database): module.yaml, every lesson file, every quiz
   file and every image. Every problem is reported with the file name and line.
   A module with any problem is **refused whole**: nothing of it is imported.
2. *Store* (database; flushes, never commits — the CLI commits), inside a savepoint.

Idempotent by a content hash of the validated module (images count by their SHA-256):

* a new code creates the module, published, version 1, owned by nobody (provider
  content: admins edit it in the browser);
* an unchanged module reports ``unchanged``;
* a changed module becomes a **new published version** (published versions are
  immutable; learners keep the version they enrolled in). An archived module stays
  archived.
* refused instead: a code that belongs to a module a trainer authored in the browser,
  and a module with an unpublished browser draft (publish or discard it first, so that
  nobody's work is overwritten).

Competence keys of outcomes are checked against the current frameworks when any
framework is loaded (``flask frameworks import`` first); otherwise only their form is.

Export writes a version back in the same format; import -> export -> import is lossless.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from uprest.catalog import rules
from uprest.catalog.markdown import image_names
from uprest.catalog.models import ASSESSMENT_TYPES, PARTICIPATION
from uprest.extensions import db, utcnow
from uprest.frameworks.loader import (  # the shared validation toolkit of the courses/ folder
    KEY_RE,
    FileResult,
    ImportReport,
    LoadError,
    _Checker,
    _parse,
    content_hash,
)

LANGS = rules.LANGS
LESSON_FILE_RE = re.compile(r"^(\d{2,3})-([a-z0-9][a-z0-9-]{0,79})\.([a-z]{2})\.md\Z")
QUIZ_FILE_RE = re.compile(r"^quiz\.([a-z]{2})\.ya?ml\Z")
MAX_LESSON_CHARS = 200_000

__all__ = [
    "FileResult",
    "ImportReport",
    "LoadError",
    "import_modules",
    "validate_module",
    "export_module",
]


# --- validation (pure) ------------------------------------------------------------------


def _number(
    ck: _Checker, value: Any, path, *, lo: float, hi: float, allow_zero: bool = False
) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        ck.error(path, "must be a number")
        return None
    if not (lo <= value <= hi) or (value == 0 and not allow_zero):
        ck.error(path, f"must be more than 0 and at most {hi:g}")
        return None
    return float(value)


def _module_yaml(
    ck: _Checker, data: Any, code: str, scales: Mapping[str, int] | None, known: set[str]
) -> dict:
    doc = ck.mapping(
        data,
        (),
        [
            "code",
            "title",
            "summary",
            "provider",
            "workload_hours",
            "participation",
            "assessment_type",
            "outcomes",
        ],
        ["ects", "eqf_level", "quality_assurance", "prerequisites", "quiz"],
    )
    if doc is None:
        return {}
    got = (
        ck.text(
            doc.get("code"),
            ("code",),
            pattern=rules.MODULE_CODE_RE,
            hint="lower-case letters, digits and hyphens",
        )
        if "code" in doc
        else None
    )
    if got and got != code:
        ck.error(("code",), f"must be the folder name ({code})")
    spec: dict[str, Any] = {"code": code}
    spec["title"] = ck.i18n(doc.get("title"), ("title",)) if "title" in doc else {}
    for lang, text in spec["title"].items():
        if len(text) > 200:
            ck.error(("title", lang), "must be at most 200 characters long")
    spec["summary"] = ck.i18n(doc.get("summary"), ("summary",)) if "summary" in doc else {}
    spec["quality_assurance"] = ck.i18n(
        doc.get("quality_assurance"), ("quality_assurance",), required=False
    )
    spec["provider"] = (
        ck.text(doc.get("provider"), ("provider",), max_len=200) if "provider" in doc else None
    )
    spec["workload_hours"] = (
        _number(ck, doc.get("workload_hours"), ("workload_hours",), lo=0, hi=1000)
        if "workload_hours" in doc
        else None
    )
    ects = doc.get("ects")
    spec["ects"] = None if ects is None else _number(ck, ects, ("ects",), lo=0, hi=60)
    eqf = doc.get("eqf_level")
    spec["eqf_level"] = None if eqf is None else ck.integer(eqf, ("eqf_level",), lo=1, hi=8)
    for name, allowed in (
        ("participation", PARTICIPATION),
        ("assessment_type", ASSESSMENT_TYPES),
    ):
        value = doc.get(name)
        if name in doc and value not in allowed:
            ck.error((name,), f"must be one of: {', '.join(allowed)}")
        spec[name] = value
    prereqs = []
    for i, raw in enumerate(ck.seq(doc.get("prerequisites"), ("prerequisites",))):
        path = ("prerequisites", i)
        if not isinstance(raw, str) or not rules.MODULE_CODE_RE.match(raw):
            ck.error(path, "must be a module code")
        elif raw == code:
            ck.error(path, "a module cannot be its own prerequisite")
        elif raw in prereqs:
            ck.error(path, f"{raw} is listed twice")
        elif raw not in known:
            ck.error(path, f"unknown module {raw!r}")
        else:
            prereqs.append(raw)
    spec["prerequisites"] = prereqs
    spec["outcomes"] = _outcomes(ck, doc.get("outcomes"), scales) if "outcomes" in doc else []
    quiz = doc.get("quiz") or {}
    settings = {"pass_mark": 70, "max_attempts": 3, "shuffle": True}
    q = (
        ck.mapping(quiz, ("quiz",), [], ["pass_mark", "max_attempts", "shuffle"])
        if "quiz" in doc
        else {}
    )
    if q:
        if "pass_mark" in q:
            settings["pass_mark"] = ck.integer(q["pass_mark"], ("quiz", "pass_mark"), lo=0, hi=100)
        if "max_attempts" in q:
            settings["max_attempts"] = ck.integer(
                q["max_attempts"], ("quiz", "max_attempts"), lo=0, hi=100
            )
        if "shuffle" in q:
            if not isinstance(q["shuffle"], bool):
                ck.error(("quiz", "shuffle"), "must be true or false")
            settings["shuffle"] = bool(q["shuffle"])
    spec["quiz"] = settings
    return spec


def _outcomes(ck: _Checker, value: Any, scales: Mapping[str, int] | None) -> list[dict]:
    out = []
    for i, raw in enumerate(ck.seq(value, ("outcomes",), min_items=1)):
        path = ("outcomes", i)
        o = ck.mapping(raw, path, ["competence", "from_level", "to_level", "text"])
        if o is None:
            continue
        key = o.get("competence")
        if not isinstance(key, str) or not KEY_RE.match(key):
            ck.error((*path, "competence"), "must be a competence key such as digcomp:1.1")
            key = None
        elif scales is not None and key not in scales:
            ck.error(
                (*path, "competence"), f"unknown competence {key!r} (not in the current frameworks)"
            )
            key = None
        top = scales.get(key, 100) if (scales is not None and key) else 100
        lo = (
            ck.integer(o.get("from_level"), (*path, "from_level"), lo=0, hi=top)
            if "from_level" in o
            else None
        )
        hi = (
            ck.integer(o.get("to_level"), (*path, "to_level"), lo=1, hi=top)
            if "to_level" in o
            else None
        )
        if lo is not None and hi is not None and hi <= lo:
            ck.error((*path, "to_level"), "must be higher than from_level")
        text = ck.i18n(o.get("text"), (*path, "text")) if "text" in o else {}
        out.append({"competence": key, "from_level": lo, "to_level": hi, "text": text})
    return out


def _lesson(raw: bytes, name: str, images: set[str]) -> tuple[dict | None, list[LoadError]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [LoadError(name, "", f"not UTF-8 text: {exc.reason} at byte {exc.start}")]
    errors = []
    if "\x00" in text:
        return None, [LoadError(name, "", "contains a NUL character")]
    if len(text) > MAX_LESSON_CHARS:
        errors.append(LoadError(name, "", f"longer than {MAX_LESSON_CHARS} characters"))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0] if lines else ""
    title = first[2:].strip() if first.startswith("# ") else ""
    if not title:
        errors.append(LoadError(name, "", "the first line must be the title: '# Title'", 1))
    elif len(title) > 200:
        errors.append(LoadError(name, "", "the title must be at most 200 characters long", 1))
    body = "\n".join(lines[1:]).strip("\n").rstrip()
    if not body.strip():
        errors.append(LoadError(name, "", "the lesson has no text after its title", 1))
    for img in image_names(body):
        if img not in images:
            line = next((n for n, ln in enumerate(lines, 1) if img in ln), None)
            errors.append(
                LoadError(name, "", f"image {img!r} is not in the module's images/ folder", line)
            )
    return {"title": title, "body": body}, errors


def _quiz(raw: bytes, name: str) -> tuple[list[dict], list[LoadError]]:
    data, root, errors = _parse(raw, name)
    if errors:
        return [], errors
    ck = _Checker(name, root)
    ck.duplicate_keys()
    doc = ck.mapping(data, (), ["questions"])
    questions = []
    seen: set[str] = set()
    for i, rawq in enumerate(
        ck.seq(doc.get("questions") if doc else None, ("questions",), min_items=1)
    ):
        path = ("questions", i)
        q = ck.mapping(rawq, path, ["id", "kind", "text", "choices"], ["feedback"])
        if q is None:
            continue
        key = (
            ck.text(
                q.get("id"),
                (*path, "id"),
                pattern=rules.QUESTION_KEY_RE,
                allow_int=True,
                hint="letters, digits, '-' and '_'",
            )
            if "id" in q
            else None
        )
        if key in seen:
            ck.error((*path, "id"), f"question id {key!r} is used twice")
        elif key:
            seen.add(key)
        kind = q.get("kind")
        if "kind" in q and kind not in ("single", "multiple", "truefalse"):
            ck.error((*path, "kind"), "must be one of: single, multiple, truefalse")
        text = ck.text(q.get("text"), (*path, "text"), max_len=2000) if "text" in q else None
        feedback = q.get("feedback")
        if feedback is not None:
            feedback = ck.text(feedback, (*path, "feedback"), max_len=4000)
        choices, correct = [], []
        for j, rawc in enumerate(ck.seq(q.get("choices"), (*path, "choices"))):
            cpath = (*path, "choices", j)
            c = ck.mapping(rawc, cpath, ["text", "correct"])
            if c is None:
                continue
            choices.append(
                ck.text(c.get("text"), (*cpath, "text"), max_len=500, allow_int=True) or ""
            )
            if not isinstance(c.get("correct"), bool):
                ck.error((*cpath, "correct"), "must be true or false")
            correct.append(c.get("correct") is True)
        if kind in ("single", "multiple", "truefalse") and "choices" in q:
            for problem in rules.choice_problems(kind, correct):
                ck.error((*path, "choices"), QUIZ_MESSAGES[problem])
        questions.append(
            {
                "key": key,
                "kind": kind,
                "text": text,
                "choices": choices,
                "correct": correct,
                "feedback": feedback or "",
            }
        )
    return questions, ck.errors


QUIZ_MESSAGES = {
    "kind": "unknown question kind",
    "few": "needs at least 2 choices",
    "many": f"may have at most {rules.MAX_CHOICES} choices",
    "truefalse_two": "a true/false question has exactly two choices (True, then False)",
    "one_correct": "needs exactly one correct choice",
    "some_correct": "needs at least one correct choice",
}


def validate_module(
    folder: Path, scales: Mapping[str, int] | None = None, known_codes: set[str] | None = None
) -> tuple[dict | None, dict[str, bytes], list[LoadError]]:
    """Check a whole module folder: (spec, image bytes by name, []) or (None, {}, errors)."""
    code = folder.name
    known = set(known_codes or ()) | {code}
    errors: list[LoadError] = []
    if not rules.MODULE_CODE_RE.match(code):
        return (
            None,
            {},
            [
                LoadError(
                    code,
                    "",
                    "the folder name must be a module code: lower-case letters, digits and hyphens",
                )
            ],
        )
    meta_file = folder / "module.yaml"
    if not meta_file.is_file():
        return None, {}, [LoadError(f"{code}/module.yaml", "", "no such file")]
    name = f"{code}/module.yaml"
    data, root, parse_errors = _parse(meta_file.read_bytes(), name)
    errors += parse_errors
    spec: dict[str, Any] = {}
    if not parse_errors:
        ck = _Checker(name, root)
        ck.duplicate_keys()
        spec = _module_yaml(ck, data, code, scales, known)
        errors += ck.errors

    # images
    blobs: dict[str, bytes] = {}
    images: dict[str, dict] = {}
    img_dir = folder / "images"
    if img_dir.is_dir():
        for path in sorted(img_dir.iterdir()):
            fname = f"{code}/images/{path.name}"
            if not path.is_file():
                continue
            if not rules.IMAGE_NAME_RE.match(path.name):
                errors.append(
                    LoadError(fname, "", "invalid image file name (letters, digits, '.', '-', '_')")
                )
                continue
            if path.stat().st_size > rules.MAX_IMAGE_BYTES:
                errors.append(
                    LoadError(fname, "", f"larger than {rules.MAX_IMAGE_BYTES // (1024 * 1024)} MB")
                )
                continue
            raw = path.read_bytes()
            problem = rules.image_problem(raw)
            if problem:
                errors.append(
                    LoadError(
                        fname,
                        "",
                        "not a PNG, JPEG, GIF or WebP image (checked by its content)"
                        if problem == "not_image"
                        else "empty file",
                    )
                )
                continue
            blobs[path.name] = raw
            images[path.name] = {
                "sha256": hashlib.sha256(raw).hexdigest(),
                "mime": rules.sniff_image(raw),
                "size": len(raw),
            }
    spec["images"] = images

    # lessons
    by_pos: dict[int, dict] = {}
    lesson_dir = folder / "lessons"
    files = sorted(lesson_dir.iterdir()) if lesson_dir.is_dir() else []
    for path in files:
        fname = f"{code}/lessons/{path.name}"
        if not path.is_file():
            continue
        m = LESSON_FILE_RE.match(path.name)
        if not m:
            errors.append(
                LoadError(
                    fname, "", "lesson files are named NN-slug.<lang>.md, e.g. 01-intro.en.md"
                )
            )
            continue
        pos, slug, lang = int(m.group(1)), m.group(2), m.group(3)
        if lang not in LANGS:
            errors.append(
                LoadError(fname, "", f"unknown language code (use one of: {', '.join(LANGS)})")
            )
            continue
        entry = by_pos.setdefault(pos, {"slug": slug, "texts": {}, "file": fname})
        if entry["slug"] != slug:
            errors.append(
                LoadError(
                    fname,
                    "",
                    f"lesson {pos:02d} is called {entry['slug']!r} in another "
                    f"language: use the same slug for every language",
                )
            )
            continue
        lesson, lesson_errors = _lesson(path.read_bytes(), fname, set(images))
        errors += lesson_errors
        if lesson:
            entry["texts"][lang] = lesson
    if not by_pos:
        errors.append(LoadError(f"{code}/lessons", "", "a module needs at least one lesson file"))
    slugs: dict[str, int] = {}
    lessons = []
    for n, pos in enumerate(sorted(by_pos), 1):
        entry = by_pos[pos]
        if entry["slug"] in slugs:
            errors.append(
                LoadError(entry["file"], "", f"slug {entry['slug']!r} is used by two lessons")
            )
        slugs[entry["slug"]] = pos
        if "en" not in entry["texts"] and not any(e.file == entry["file"] for e in errors):
            errors.append(
                LoadError(
                    entry["file"].rsplit(".", 2)[0] + ".en.md",
                    "",
                    "English (en) is required: it is the fallback",
                )
            )
        lessons.append(
            {
                "position": n,
                "slug": entry["slug"],
                "texts": {lang: entry["texts"][lang] for lang in LANGS if lang in entry["texts"]},
            }
        )
    spec["lessons"] = lessons

    # quiz
    quizzes: dict[str, list[dict]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("quiz.") and path.is_file():
            fname = f"{code}/{path.name}"
            m = QUIZ_FILE_RE.match(path.name)
            if not m or m.group(1) not in LANGS:
                errors.append(
                    LoadError(
                        fname, "", f"quiz files are named quiz.<lang>.yaml ({', '.join(LANGS)})"
                    )
                )
                continue
            questions, quiz_errors = _quiz(path.read_bytes(), fname)
            errors += quiz_errors
            quizzes[m.group(1)] = questions
    has_quiz = spec.get("assessment_type") in ("quiz", "quiz_and_assignment")
    if has_quiz and "en" not in quizzes:
        errors.append(
            LoadError(f"{code}/quiz.en.yaml", "", "no such file: the assessment includes a quiz")
        )
    spec["questions"] = _merge_quiz(quizzes, code, errors)
    if errors:
        return None, {}, errors
    return spec, blobs, []


def _merge_quiz(quizzes: dict[str, list[dict]], code: str, errors: list[LoadError]) -> list[dict]:
    english = {q["key"]: q for q in quizzes.get("en", [])}
    merged = [
        {"key": q["key"], "kind": q["kind"], "correct": q["correct"], "texts": {}}
        for q in quizzes.get("en", [])
    ]
    by_key = {q["key"]: q for q in merged}
    for lang in LANGS:
        for q in quizzes.get(lang, []):
            en = english.get(q["key"])
            fname = f"{code}/quiz.{lang}.yaml"
            if en is None:
                errors.append(LoadError(fname, "", f"question {q['key']!r} is not in quiz.en.yaml"))
                continue
            if (q["kind"], q["correct"]) != (en["kind"], en["correct"]):
                errors.append(
                    LoadError(
                        fname,
                        "",
                        f"question {q['key']!r}: the kind, the number of choices and "
                        "which are correct must be the same as in quiz.en.yaml",
                    )
                )
                continue
            by_key[q["key"]]["texts"][lang] = {
                "text": q["text"],
                "choices": q["choices"],
                "feedback": q["feedback"],
            }
    return merged


# --- import (database) ----------------------------------------------------------------


def module_folders(path: Path) -> list[Path]:
    """courses/ (with modules/), courses/modules/ or one module folder."""
    if (path / "module.yaml").is_file():
        return [path]
    if (path / "modules").is_dir():
        path = path / "modules"
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))


def import_modules(path: str | Path) -> ImportReport:
    """Import every module folder under `path`. Flushes; the caller commits."""
    from uprest.catalog.models import Module
    from uprest.frameworks.loader import current_scales

    report = ImportReport()
    path = Path(path)
    if not path.is_dir():
        report.results.append(
            FileResult(str(path), "refused", errors=[LoadError(str(path), "", "no such folder")])
        )
        return report
    folders = module_folders(path)
    scales = current_scales() or None
    known = {f.name for f in folders} | set(db.session.scalars(db.select(Module.code)))
    for folder in folders:
        spec, blobs, errors = validate_module(folder, scales, known)
        if errors:
            report.results.append(FileResult(folder.name, "refused", errors=errors))
            continue
        try:
            with db.session.begin_nested():
                result = store_module(spec, blobs)
        except Exception as exc:  # IntegrityError from a concurrent import, mostly
            from sqlalchemy.exc import IntegrityError

            if not isinstance(exc, IntegrityError):
                raise
            result = FileResult(
                folder.name,
                "refused",
                errors=[
                    LoadError(
                        folder.name,
                        "",
                        "another import stored this module at the same time; run the import again",
                    )
                ],
            )
        if scales is None and result.status in ("created", "updated"):
            result.detail += "; competences not checked: no framework is loaded"
        report.results.append(result)
    return report


def store_module(spec: dict, blobs: dict[str, bytes]) -> FileResult:
    from uprest.catalog import services
    from uprest.catalog.models import Module

    code = spec["code"]
    digest = content_hash(spec)
    module = db.session.scalar(db.select(Module).where(Module.code == code))
    if module is None:
        module = Module(code=code, status="published", owner_id=None)
        db.session.add(module)
        db.session.flush()
        status = "created"
    else:
        if module.owner_id is not None:
            return FileResult(
                code,
                "refused",
                errors=[
                    LoadError(
                        code, "", "this code belongs to a module a trainer authors in the browser"
                    )
                ],
            )
        current = module.published_version
        if current is not None and current.content_hash == digest:
            return FileResult(code, "unchanged", f"version {current.version}")
        if services.draft_of(module) is not None:
            return FileResult(
                code,
                "refused",
                errors=[
                    LoadError(
                        code,
                        "",
                        "the module has an unpublished draft edited in the browser: "
                        "publish or discard it first",
                    )
                ],
            )
        status = "updated"
    number = (max((v.version for v in module.versions), default=0)) + 1
    version = version_from_spec(module, spec, blobs, number)
    version.content_hash = digest
    version.published_at = utcnow()
    db.session.flush()
    module.published_version = version
    if module.status == "draft":
        module.status = "published"
    module.updated_at = utcnow()
    db.session.flush()
    return FileResult(
        code,
        status,
        f"version {number}, {len(spec['lessons'])} lessons, {len(spec['questions'])} questions",
    )


def version_from_spec(module, spec: dict, blobs: dict[str, bytes], number: int):
    from uprest.catalog import services
    from uprest.catalog.models import (
        Lesson,
        LessonText,
        ModuleOutcome,
        ModuleVersion,
        Question,
        QuestionText,
        VersionFile,
    )

    v = ModuleVersion(
        module=module,
        version=number,
        title=spec["title"],
        summary=spec["summary"],
        quality_assurance=spec["quality_assurance"],
        provider=spec["provider"],
        workload_hours=spec["workload_hours"],
        ects=spec["ects"],
        eqf_level=spec["eqf_level"],
        participation=spec["participation"],
        assessment_type=spec["assessment_type"],
        prerequisites=spec["prerequisites"],
        pass_mark=spec["quiz"]["pass_mark"],
        max_attempts=spec["quiz"]["max_attempts"],
        shuffle=spec["quiz"]["shuffle"],
    )
    db.session.add(v)
    v.outcomes = [
        ModuleOutcome(
            position=i,
            competence_key=o["competence"],
            from_level=o["from_level"],
            to_level=o["to_level"],
            text=o["text"],
        )
        for i, o in enumerate(spec["outcomes"], 1)
    ]
    v.lessons = [
        Lesson(
            position=le["position"],
            slug=le["slug"],
            texts=[
                LessonText(lang=lang, title=t["title"], body_md=t["body"])
                for lang, t in le["texts"].items()
            ],
        )
        for le in spec["lessons"]
    ]
    v.questions = [
        Question(
            position=i,
            key=q["key"],
            kind=q["kind"],
            correct=q["correct"],
            texts=[
                QuestionText(
                    lang=lang, text=t["text"], choices=t["choices"], feedback=t["feedback"]
                )
                for lang, t in q["texts"].items()
            ],
        )
        for i, q in enumerate(spec["questions"], 1)
    ]
    for name, data in blobs.items():
        v.files.append(VersionFile(name=name, file=services.store_file(module, data)))
    services.refresh(v)
    return v


# --- export ------------------------------------------------------------------------------


def _i18n(texts: Mapping[str, str] | None) -> dict[str, str]:
    return {lang: texts[lang] for lang in LANGS if texts and texts.get(lang)}


def _num(value: float | None):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )


def version_documents(code: str, v) -> dict[str, str | bytes]:
    """A version's files in the courses/ format: relative path -> text (or image bytes)."""
    meta = {
        "code": code,
        "title": _i18n(v.title),
        "summary": _i18n(v.summary),
        "provider": v.provider,
        "workload_hours": _num(v.workload_hours),
        "ects": _num(v.ects),
        "eqf_level": v.eqf_level,
        "participation": v.participation,
        "assessment_type": v.assessment_type,
    }
    if v.quality_assurance:
        meta["quality_assurance"] = _i18n(v.quality_assurance)
    meta["prerequisites"] = list(v.prerequisites or [])
    meta["outcomes"] = [
        {
            "competence": o.competence_key,
            "from_level": o.from_level,
            "to_level": o.to_level,
            "text": _i18n(o.text),
        }
        for o in v.outcomes
    ]
    meta["quiz"] = {"pass_mark": v.pass_mark, "max_attempts": v.max_attempts, "shuffle": v.shuffle}
    docs: dict[str, str | bytes] = {"module.yaml": dump_yaml(meta)}
    for lesson in v.lessons:
        for t in lesson.texts:
            docs[f"lessons/{lesson.position:02d}-{lesson.slug}.{t.lang}.md"] = (
                f"# {t.title}\n\n{t.body_md}\n"
            )
    for lang in LANGS:
        questions = []
        for q in v.questions:
            t = q.text_in(lang)
            if t is None:
                continue
            item: dict[str, Any] = {
                "id": q.key,
                "kind": q.kind,
                "text": t.text,
                "choices": [
                    {"text": c, "correct": bool(ok)}
                    for c, ok in zip(t.choices, q.correct, strict=False)
                ],
            }
            if t.feedback:
                item["feedback"] = t.feedback
            questions.append(item)
        if questions:
            docs[f"quiz.{lang}.yaml"] = dump_yaml({"questions": questions})
    for vf in v.files:
        docs[f"images/{vf.name}"] = vf.file.data
    return docs


def export_module(module, out: str | Path, version=None) -> Path:
    """Write `version` (default: the published one) into out/<code>/, replacing its files."""
    v = version or module.published_version
    if v is None:
        raise ValueError(f"module {module.code} has no published version")
    target = Path(out) / module.code
    target.mkdir(parents=True, exist_ok=True)
    stale = [*target.glob("lessons/*.md"), *target.glob("quiz.*.y*ml"), *target.glob("images/*")]
    for path in stale:
        if path.is_file():
            path.unlink()
    for rel, content in version_documents(module.code, v).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="\n")
    return target
