"""Import and export course modules: ``courses/modules/<code>/`` (format: docs/content-format.md).

A module is a folder, imported through the content-import pipeline of :mod:`uprest.content`:

1. *Validate* (no Flask, no database): module.yaml, every lesson file, every quiz file and every image.
   Every problem is reported with the file name and line. A module with any problem is **refused whole**:
   nothing of it is imported.
2. *Store* (database; flushes, never commits — the CLI commits), inside a savepoint.

Idempotent by a content hash of the validated module (images count by their SHA-256):

* a new code creates the module, published, version 1, owned by nobody (provider content: admins edit it
  in the browser);
* an unchanged module reports ``unchanged``;
* a changed module becomes a **new published version** (published versions are immutable; learners keep
  the version they enrolled in). An archived module stays archived.
* refused instead: a code that belongs to a module a trainer authored in the browser, and a module with an
  unpublished browser draft (publish or discard it first, so that nobody's work is overwritten).
* refused too: a module whose prerequisites form a cycle with the catalogue's modules or with other modules
  of the same import ("a needs b, b needs a"); the error names the cycle.

Competence keys of outcomes are checked against the current frameworks when any framework is loaded
(``flask frameworks import`` first); otherwise only their form is. ``provider:`` is the short name of a provider
(the awarding body); the providers.yaml next to modules/ is imported first.

Export (the same format back; lossless) is in :mod:`uprest.catalog.exporter`; quiz files are checked by
:mod:`uprest.catalog.quizfiles`, images by :mod:`uprest.catalog.imagefiles`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from uprest import content
from uprest.catalog import rules, search, sources
from uprest.catalog.awarding import set_awarding_body
from uprest.catalog.imagefiles import validate_images
from uprest.catalog.markdown import image_names
from uprest.catalog.models import ASSESSMENT_TYPES, PARTICIPATION
from uprest.catalog.quizfiles import validate_quizzes
from uprest.content import Checker, ContentKind, FileResult, ImportReport, LoadError, content_hash
from uprest.extensions import db, utcnow
from uprest.frameworks.loader import KEY_RE, current_scales
from uprest.providers import loader as provider_loader
from uprest.providers import services as provider_services

LANGS = rules.LANGS
LESSON_FILE_RE = re.compile(r"^(\d{2,3})-([a-z0-9][a-z0-9-]{0,79})\.([a-z]{2})\.md\Z")
MAX_LESSON_CHARS = 200_000
MODULE_FIELDS = [
    "code",
    "title",
    "summary",
    "provider",
    "workload_hours",
    "participation",
    "assessment_type",
    "outcomes",
]
MODULE_OPTIONAL_FIELDS = [
    "ects",
    "eqf_level",
    "certificate_valid_months",
    "quality_assurance",
    "prerequisites",
    "quiz",
    "completion",
]
QUIZ_DEFAULTS = {"pass_mark": 70, "max_attempts": 3, "shuffle": True}
COMPLETION_FIELDS = ["lessons", "attendance"]

__all__ = ["FileResult", "ImportReport", "LoadError", "import_modules", "validate_module"]


# --- validation (pure) --------------------------------------------------------------------------------------


def validate_module(
    folder: Path, scales: Mapping[str, int] | None = None, known_codes: set[str] | None = None, providers=None
) -> tuple[dict | None, dict[str, bytes], list[LoadError]]:
    """Check a whole module folder: (spec, image bytes by name, []) or (None, {}, errors).

    `scales` (competence key -> top level) checks the outcomes against the frameworks; `known_codes` are the
    modules a prerequisite may name; `providers` the short names ``provider:`` may name (None: any).
    """
    code = folder.name
    if not rules.MODULE_CODE_RE.match(code):
        message = "the folder name must be a module code: lower-case letters, digits and hyphens"
        return None, {}, [LoadError(code, "", message)]
    if not (folder / "module.yaml").is_file():
        return None, {}, [LoadError(f"{code}/module.yaml", "", "no such file")]
    known = set(known_codes or ()) | {code}
    blobs, images, image_errors = validate_images(folder / "images", code)
    lessons, lesson_errors = _lessons(folder / "lessons", code, set(images))
    slugs = [le["slug"] for le in lessons]  # the completion rule in module.yaml names them
    build = partial(_module_yaml, code=code, scales=scales, known=known, slugs=slugs, providers=providers)
    spec, errors = content.check_yaml((folder / "module.yaml").read_bytes(), f"{code}/module.yaml", build)
    spec = spec or {}
    spec["images"], spec["lessons"] = images, lessons
    spec["questions"], quiz_errors = validate_quizzes(folder, code, spec.get("assessment_type"))
    recorded, source_errors = _translation_sources(folder, code)
    errors = [*errors, *image_errors, *lesson_errors, *quiz_errors, *source_errors]
    if errors:
        return None, {}, errors
    if recorded is not None:  # without the file the spec (and its hash) stays as before the file existed
        spec["translated_from"] = sources.file_document(sources.spec_items(spec), recorded)
    return spec, blobs, []


def _translation_sources(folder: Path, code: str) -> tuple[dict | None, list[LoadError]]:
    path = folder / sources.FILE
    if not path.is_file():
        return None, []
    return content.check_yaml(path.read_bytes(), f"{code}/{sources.FILE}", sources.check_file)


# module.yaml


def _module_yaml(
    ck: Checker, data: Any, code: str, scales: Mapping[str, int] | None, known: set[str], slugs: list[str], providers
) -> dict:
    doc = ck.mapping(data, (), MODULE_FIELDS, MODULE_OPTIONAL_FIELDS)
    if doc is None:
        return {}
    _module_code(ck, doc, code)
    spec: dict[str, Any] = {"code": code, **_module_texts(ck, doc), **_module_facts(ck, doc)}
    if "provider" in doc:  # a missing one is reported by ck.mapping
        spec["provider"] = provider_loader.check_reference(ck, doc["provider"], ("provider",), providers)
    spec["prerequisites"] = _prerequisites(ck, doc.get("prerequisites"), code, known)
    spec["outcomes"] = _outcomes(ck, doc.get("outcomes"), scales) if "outcomes" in doc else []
    spec["quiz"] = _quiz_settings(ck, doc)
    spec["completion"] = _completion(ck, doc, spec["participation"], slugs)
    return spec


def _module_code(ck: Checker, doc: dict, code: str) -> None:
    """The code in module.yaml, if given, is the folder name."""
    if "code" not in doc:
        return
    hint = "lower-case letters, digits and hyphens"
    got = ck.text(doc.get("code"), ("code",), pattern=rules.MODULE_CODE_RE, hint=hint)
    if got and got != code:
        ck.error(("code",), f"must be the folder name ({code})")


def _module_texts(ck: Checker, doc: dict) -> dict[str, Any]:
    """Title, summary and quality assurance."""
    title = ck.i18n(doc.get("title"), ("title",)) if "title" in doc else {}
    for lang, text in title.items():
        if len(text) > 200:
            ck.error(("title", lang), "must be at most 200 characters long")
    return {
        "title": title,
        "summary": ck.i18n(doc.get("summary"), ("summary",)) if "summary" in doc else {},
        "quality_assurance": ck.i18n(doc.get("quality_assurance"), ("quality_assurance",), required=False),
    }


def _module_facts(ck: Checker, doc: dict) -> dict[str, Any]:
    """Workload, credits, EQF level, participation and assessment type."""
    facts: dict[str, Any] = {"workload_hours": None}
    if "workload_hours" in doc:
        facts["workload_hours"] = _number(ck, doc["workload_hours"], ("workload_hours",), lo=0, hi=1000)
    ects, eqf = doc.get("ects"), doc.get("eqf_level")
    facts["ects"] = None if ects is None else _number(ck, ects, ("ects",), lo=0, hi=60)
    facts["eqf_level"] = None if eqf is None else ck.integer(eqf, ("eqf_level",), lo=1, hi=8)
    months = doc.get("certificate_valid_months")
    facts["certificate_valid_months"] = (
        None if months is None else ck.integer(months, ("certificate_valid_months",), lo=1, hi=240)
    )
    for name, allowed in (("participation", PARTICIPATION), ("assessment_type", ASSESSMENT_TYPES)):
        if name in doc and doc[name] not in allowed:
            ck.error((name,), f"must be one of: {', '.join(allowed)}")
        facts[name] = doc.get(name)
    return facts


def _number(ck: Checker, value: Any, path, *, lo: float, hi: float, allow_zero: bool = False) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        ck.error(path, "must be a number")
        return None
    if not (lo <= value <= hi) or (value == 0 and not allow_zero):
        ck.error(path, f"must be more than 0 and at most {hi:g}")
        return None
    return float(value)


def _prerequisites(ck: Checker, value: Any, code: str, known: set[str]) -> list[str]:
    prereqs: list[str] = []
    for i, raw in enumerate(ck.seq(value, ("prerequisites",))):
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
    return prereqs


def _outcomes(ck: Checker, value: Any, scales: Mapping[str, int] | None) -> list[dict]:
    out = []
    for i, raw in enumerate(ck.seq(value, ("outcomes",), min_items=1)):
        path = ("outcomes", i)
        o = ck.mapping(raw, path, ["competence", "from_level", "to_level", "text"])
        if o is None:
            continue
        key = _outcome_competence(ck, o.get("competence"), (*path, "competence"), scales)
        top = scales.get(key, 100) if (scales is not None and key) else 100
        lo = ck.integer(o["from_level"], (*path, "from_level"), lo=0, hi=top) if "from_level" in o else None
        hi = ck.integer(o["to_level"], (*path, "to_level"), lo=1, hi=top) if "to_level" in o else None
        if lo is not None and hi is not None and hi <= lo:
            ck.error((*path, "to_level"), "must be higher than from_level")
        text = ck.i18n(o.get("text"), (*path, "text")) if "text" in o else {}
        out.append({"competence": key, "from_level": lo, "to_level": hi, "text": text})
    return out


def _outcome_competence(ck: Checker, key: Any, path, scales: Mapping[str, int] | None) -> str | None:
    """A competence key; one of the current frameworks when any is loaded."""
    if not isinstance(key, str) or not KEY_RE.match(key):
        ck.error(path, "must be a competence key such as digcomp:1.1")
        return None
    if scales is not None and key not in scales:
        ck.error(path, f"unknown competence {key!r} (not in the current frameworks)")
        return None
    return key


def _quiz_settings(ck: Checker, doc: dict) -> dict[str, Any]:
    settings = dict(QUIZ_DEFAULTS)
    if "quiz" not in doc:
        return settings
    q = ck.mapping(doc.get("quiz") or {}, ("quiz",), [], ["pass_mark", "max_attempts", "shuffle"])
    if q:
        if "pass_mark" in q:
            settings["pass_mark"] = ck.integer(q["pass_mark"], ("quiz", "pass_mark"), lo=0, hi=100)
        if "max_attempts" in q:
            settings["max_attempts"] = ck.integer(q["max_attempts"], ("quiz", "max_attempts"), lo=0, hi=100)
        if "shuffle" in q:
            settings["shuffle"] = ck.flag(q["shuffle"], ("quiz", "shuffle"))
    return settings


def default_completion(participation: str | None) -> dict[str, Any]:
    """Without a completion block: every lesson; attendance when the module has sessions (blended, on-site)."""
    return {"lessons": None, "attendance": rules.default_attendance(participation)}


def _completion(ck: Checker, doc: dict, participation: str | None, slugs: list[str]) -> dict[str, Any]:
    """{"lessons": None (every lesson) or slugs in lesson order, "attendance": bool}."""
    rule, c = default_completion(participation), doc.get("completion")
    if c is None or not ck.mapping(c, ("completion",), [], COMPLETION_FIELDS):
        return rule
    if "lessons" in c:
        rule["lessons"] = _required_lessons(ck, c["lessons"], slugs)
    if "attendance" in c:
        rule["attendance"] = ck.flag(c["attendance"], ("completion", "attendance"))
        if rule["attendance"] and participation == "online":
            ck.error(("completion", "attendance"), "an online module has no session to attend")
    return rule


def _required_lessons(ck: Checker, value: Any, slugs: list[str]) -> list[str] | None:
    """`all` (None) or a non-empty list of the module's lesson slugs (the NN-slug of the lesson files)."""
    path = ("completion", "lessons")
    if value == "all":
        return None
    if not isinstance(value, list) or not value:
        ck.error(path, "must be all or a list of lesson slugs, e.g. [intro, checklist]")
        return None
    wanted: list[str] = []
    for i, raw in enumerate(value):
        if not isinstance(raw, str) or raw not in slugs:
            ck.error((*path, i), f"{raw!r} is not one of the module's lessons ({', '.join(slugs) or 'none'})")
        elif raw in wanted:
            ck.error((*path, i), f"{raw} is listed twice")
        else:
            wanted.append(raw)
    return rules.canonical_lessons(wanted, slugs)


# lessons/


def _lessons(lesson_dir: Path, code: str, images: set[str]) -> tuple[list[dict], list[LoadError]]:
    """The lessons in order, each with its text in every language; English is required."""
    by_pos, errors = _lesson_files(lesson_dir, code, images)
    if not by_pos:
        errors.append(LoadError(f"{code}/lessons", "", "a module needs at least one lesson file"))
    slugs: set[str] = set()
    lessons = []
    for n, pos in enumerate(sorted(by_pos), 1):
        entry = by_pos[pos]
        if entry["slug"] in slugs:
            errors.append(LoadError(entry["file"], "", f"slug {entry['slug']!r} is used by two lessons"))
        slugs.add(entry["slug"])
        if "en" not in entry["texts"] and not any(e.file == entry["file"] for e in errors):
            english = entry["file"].rsplit(".", 2)[0] + ".en.md"
            errors.append(LoadError(english, "", "English (en) is required: it is the fallback"))
        texts = {lang: entry["texts"][lang] for lang in LANGS if lang in entry["texts"]}
        lessons.append({"position": n, "slug": entry["slug"], "texts": texts})
    return lessons, errors


def _lesson_files(lesson_dir: Path, code: str, images: set[str]) -> tuple[dict[int, dict], list[LoadError]]:
    """The lesson files by their number: {pos: {"slug", "file", "texts": {lang: {title, body}}}}."""
    by_pos: dict[int, dict] = {}
    errors: list[LoadError] = []
    for path in sorted(lesson_dir.iterdir()) if lesson_dir.is_dir() else []:
        if not path.is_file():
            continue
        fname = f"{code}/lessons/{path.name}"
        m = LESSON_FILE_RE.match(path.name)
        if not m:
            errors.append(LoadError(fname, "", "lesson files are named NN-slug.<lang>.md, e.g. 01-intro.en.md"))
            continue
        pos, slug, lang = int(m.group(1)), m.group(2), m.group(3)
        if lang not in LANGS:
            errors.append(LoadError(fname, "", f"unknown language code (use one of: {', '.join(LANGS)})"))
            continue
        entry = by_pos.setdefault(pos, {"slug": slug, "texts": {}, "file": fname})
        if entry["slug"] != slug:
            message = f"lesson {pos:02d} is called {entry['slug']!r} in another language: "
            message += "use the same slug for every language"
            errors.append(LoadError(fname, "", message))
            continue
        lesson, lesson_errors = _lesson(path.read_bytes(), fname, images)
        errors += lesson_errors
        if lesson:
            entry["texts"][lang] = lesson
    return by_pos, errors


def _lesson(raw: bytes, name: str, images: set[str]) -> tuple[dict | None, list[LoadError]]:
    """One lesson file: '# Title', then Markdown whose images are in the module's images/ folder."""
    text, errors = content.decode(raw, name, "utf-8-sig")
    if text is None:
        return None, errors
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
            errors.append(LoadError(name, "", f"image {img!r} is not in the module's images/ folder", line))
    return {"title": title, "body": body}, errors


# quiz.<lang>.yaml


# --- import (database) --------------------------------------------------------------------------------------


def module_folders(path: Path) -> list[Path]:
    """courses/ (with modules/), courses/modules/ or one module folder."""
    if (path / "module.yaml").is_file():
        return [path]
    if (path / "modules").is_dir():
        path = path / "modules"
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))


def import_modules(path: str | Path) -> ImportReport:
    """Import the providers.yaml of `path` (when it has one), then every module folder under `path`. Flushes; the
    caller commits."""
    from uprest.catalog.models import Module

    path = Path(path)
    if not path.is_dir():
        return content.missing(path, "no such folder")
    first = provider_loader.import_providers(path) if provider_loader.providers_file(path) else ImportReport()
    folders = module_folders(path)
    scales = current_scales() or None
    known = {f.name for f in folders} | set(db.session.scalars(db.select(Module.code)))
    # Every folder is checked first, so that cycles of prerequisites through several modules of this import
    # (and the catalogue) are found before anything is stored.
    providers = provider_services.slugs()
    checked = {folder.name: _read_module(folder, scales, known, providers) for folder in folders}
    _refuse_cycles(checked, {folder.name: folder for folder in folders})
    kind = ContentKind(
        "module",
        validate=lambda folder: checked[folder.name],
        store=partial(_store_module, competences_checked=scales is not None),
    )
    return ImportReport(first.results + content.import_units(folders, kind).results)


def _read_module(folder: Path, scales: Mapping[str, int] | None, known: set[str], providers: set[str]):
    spec, blobs, errors = validate_module(folder, scales, known, providers)
    return (None if errors else (spec, blobs)), errors


def _refuse_cycles(checked: dict[str, tuple], folders: dict[str, Path]) -> None:
    """Refuse every valid module of the import that is on a cycle of prerequisites, with the catalogue's
    modules (their published versions and drafts) or with the other valid modules of the import. A refused
    module keeps what the catalogue has, so the check runs again until no cycle is left."""
    from uprest.catalog.catalogue import prerequisite_graph

    catalogue = prerequisite_graph()
    while True:
        graph = dict(catalogue)
        valid = {code: ok[0] for code, (ok, _errors) in checked.items() if ok is not None}
        graph.update({code: set(spec["prerequisites"]) for code, spec in valid.items()})
        on_cycles = sorted(rules.modules_on_cycles(graph) & set(valid))
        if not on_cycles:
            return
        for code in on_cycles:
            cycle = rules.cycle_text(rules.cycle_through(graph, code) or ())
            message = f"the prerequisites form a cycle: {cycle} (each module needs the next)"
            checked[code] = (None, [_cycle_error(folders[code], message)])


def _cycle_error(folder: Path, message: str) -> LoadError:
    """The error at the line of `prerequisites:` in module.yaml."""
    name = f"{folder.name}/module.yaml"
    _data, root, _errors = content.parse_yaml((folder / "module.yaml").read_bytes(), name)
    return LoadError(name, "prerequisites", message, content.line_of(root, ("prerequisites",)))


def _store_module(checked: tuple[dict, dict[str, bytes]], name: str, competences_checked: bool) -> FileResult:
    spec, blobs = checked
    result = store_module(spec, blobs)
    if not competences_checked and result.status in ("created", "updated"):
        result.detail += "; competences not checked: no framework is loaded"
    return result


def store_module(spec: dict, blobs: dict[str, bytes]) -> FileResult:
    """Create the module, or publish the spec as its next version; "unchanged" when it is the published one."""
    from uprest.catalog.models import Module

    code = spec["code"]
    digest = content_hash(_hashed(spec))
    module = db.session.scalar(db.select(Module).where(Module.code == code))
    if module is None:
        module = Module(code=code, status="published", owner_id=None)
        db.session.add(module)
        db.session.flush()
        status = "created"
    else:
        answer = _unchanged_or_refused(module, digest)
        if answer is not None:
            return answer
        status = "updated"
    number = _publish(module, spec, blobs, digest)
    return FileResult(
        code, status, f"version {number}, {len(spec['lessons'])} lessons, {len(spec['questions'])} questions"
    )


def _hashed(spec: dict) -> dict:
    """The spec without the completion rule when it is the default: modules imported before the rule existed
    keep their hash (unchanged); a changed rule, also back to the default, makes a new version."""
    if spec["completion"] == default_completion(spec["participation"]):
        return {key: value for key, value in spec.items() if key != "completion"}
    return spec


def _unchanged_or_refused(module, digest: str) -> FileResult | None:
    """The answer for an existing module when the import must not add a version; None when it may."""
    from uprest.catalog import services

    if module.owner_id is not None:
        return content.refused(module.code, "this code belongs to a module a trainer authors in the browser")
    current = module.published_version
    if current is not None and current.content_hash == digest:
        return FileResult(module.code, "unchanged", f"version {current.version}")
    if services.draft_of(module) is not None:
        message = "the module has an unpublished draft edited in the browser: publish or discard it first"
        return content.refused(module.code, message)
    return None


def _publish(module, spec: dict, blobs: dict[str, bytes], digest: str) -> int:
    """Add the spec as the module's next version and publish it; the new version number."""
    number = max((v.version for v in module.versions), default=0) + 1
    # Published from its first flush: a version without published_at counts as the module's one draft.
    version = version_from_spec(module, spec, blobs, number, published_at=utcnow())
    version.content_hash = digest
    db.session.flush()
    module.published_version = version
    if module.status == "draft":
        module.status = "published"
    module.updated_at = utcnow()
    db.session.flush()
    search.index_published(module)
    return number


def version_from_spec(module, spec: dict, blobs: dict[str, bytes], number: int, published_at=None):
    """A new ModuleVersion of `module` holding everything of the validated spec."""
    from uprest.catalog import files, services
    from uprest.catalog.models import ModuleVersion, VersionFile

    quiz = spec["quiz"]
    v = ModuleVersion(
        module=module,
        version=number,
        published_at=published_at,
        title=spec["title"],
        summary=spec["summary"],
        quality_assurance=spec["quality_assurance"],
        workload_hours=spec["workload_hours"],
        ects=spec["ects"],
        eqf_level=spec["eqf_level"],
        certificate_valid_months=spec["certificate_valid_months"],
        participation=spec["participation"],
        assessment_type=spec["assessment_type"],
        prerequisites=spec["prerequisites"],
        pass_mark=quiz["pass_mark"],
        max_attempts=quiz["max_attempts"],
        shuffle=quiz["shuffle"],
        required_lessons=spec["completion"]["lessons"],
        requires_attendance=spec["completion"]["attendance"],
        translated_from=spec.get("translated_from") or None,
    )
    db.session.add(v)
    set_awarding_body(v, provider_services.by_slug(spec["provider"]))
    v.outcomes = _outcome_rows(spec["outcomes"])
    v.lessons = _lesson_rows(spec["lessons"])
    v.questions = _question_rows(spec["questions"])
    for name, data in blobs.items():
        v.files.append(VersionFile(name=name, file=files.store_file(module, data)))
    services.refresh(v)
    return v


def _outcome_rows(outcomes: list[dict]) -> list:
    from uprest.catalog.models import ModuleOutcome

    return [
        ModuleOutcome(
            position=i,
            competence_key=o["competence"],
            from_level=o["from_level"],
            to_level=o["to_level"],
            text=o["text"],
        )
        for i, o in enumerate(outcomes, 1)
    ]


def _lesson_rows(lessons: list[dict]) -> list:
    from uprest.catalog.models import Lesson, LessonText

    return [
        Lesson(
            position=le["position"],
            slug=le["slug"],
            texts=[LessonText(lang=lang, title=t["title"], body_md=t["body"]) for lang, t in le["texts"].items()],
        )
        for le in lessons
    ]


def _question_rows(questions: list[dict]) -> list:
    from uprest.catalog.models import Question, QuestionText

    return [
        Question(
            position=i,
            key=q["key"],
            kind=q["kind"],
            correct=q["correct"],
            texts=[
                QuestionText(lang=lang, text=t["text"], choices=t["choices"], feedback=t["feedback"])
                for lang, t in q["texts"].items()
            ],
        )
        for i, q in enumerate(questions, 1)
    ]
