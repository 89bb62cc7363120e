"""Course module rules: who may edit, drafts and publishing, the catalogue queries.

They flush, never commit: the view or the CLI commits. Every change to a module goes
to its draft version; a published version never changes (see ``uprest.catalog.models``
for the versioning and enrolment rules).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from uprest import cache
from uprest.accounts.models import Role, User
from uprest.catalog import rules, search, sources
from uprest.catalog.awarding import awarding_body_of as awarding_body_of  # the certificates feature asks here
from uprest.catalog.models import (
    Lesson,
    LessonText,
    Module,
    ModuleEditor,
    ModuleFile,
    ModuleOutcome,
    ModuleVersion,
    Question,
    QuestionText,
    VersionFile,
)
from uprest.extensions import db, utcnow
from uprest.frameworks.models import Area, Competence, Framework
from uprest.providers.models import Provider

LANGS = rules.LANGS


class CatalogError(Exception):
    """A rule was broken; the message is translated and safe to show."""


ATTENDANCE_ONLINE = _l("An online module has no session to attend: attendance cannot be required.")
CONCURRENT = _l("Someone else changed this module at the same moment. Please check it and try again.")

#: The generation of everything the public catalogue pages show: modules and their versions, and the
#: names of the competences they lead to. Any ORM change of these tables (an import, a publish, an
#: archive, a framework import) replaces its token, which keys the cached pages (see uprest.cache).
CONTENT = "catalog"
cache.watch(
    CONTENT,
    Module,
    ModuleVersion,
    ModuleOutcome,
    Lesson,
    LessonText,
    Question,
    QuestionText,
    VersionFile,
    ModuleFile,
    Framework,
    Area,
    Competence,
    Provider,
)


def content_generation() -> str:
    """The token of the current catalogue content: part of the key of every cached catalogue page."""
    return cache.generation(CONTENT)


# --- access --------------------------------------------------------------------------


def can_edit(user: User, module: Module) -> bool:
    """Admins edit every module; trainers the ones they own or that are shared with them."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    if user.role != Role.TRAINER:
        return False
    return module.owner_id == user.id or any(e.user_id == user.id for e in module.editors)


def authoring_stmt(user: User):
    stmt = db.select(Module).order_by(Module.code)
    if not user.is_admin:
        shared = db.select(ModuleEditor.module_id).where(ModuleEditor.user_id == user.id)
        stmt = stmt.where((Module.owner_id == user.id) | Module.id.in_(shared))
    return stmt


# --- loading -------------------------------------------------------------------------


def module_id_stmt(code: str):
    """A select of the id of the module `code` (empty when there is none), for other features' queries to use
    as a subquery instead of a lookup of their own."""
    return db.select(Module.id).where(Module.code == code)


def module_by_code(code: str) -> Module | None:
    if not rules.MODULE_CODE_RE.match(code or ""):
        return None
    return db.session.scalar(db.select(Module).where(Module.code == code))


def public_module(code: str) -> Module | None:
    """A module learners may see: published (or archived, for those who took it)."""
    module = module_by_code(code)
    if module is None or module.status == "draft" or module.published_version_id is None:
        return None
    return module


def published_version(module: Module, number: int | None = None, *, with_content: bool = False) -> ModuleVersion | None:
    """The current published version, or a given earlier published one (learners keep theirs).
    ``with_content`` loads its outcomes, lessons (with their texts) and questions in three queries."""
    if number is None and not with_content:
        return module.published_version
    stmt = db.select(ModuleVersion).where(ModuleVersion.module_id == module.id, ModuleVersion.published_at.is_not(None))
    if number is None:
        stmt = stmt.where(ModuleVersion.id == module.published_version_id)
    else:
        stmt = stmt.where(ModuleVersion.version == number)
    if with_content:
        stmt = stmt.options(
            selectinload(ModuleVersion.outcomes),
            selectinload(ModuleVersion.lessons).selectinload(Lesson.texts),
            selectinload(ModuleVersion.questions),
        )
    return db.session.scalar(stmt)


def draft_of(module: Module) -> ModuleVersion | None:
    return db.session.scalar(
        db.select(ModuleVersion).where(ModuleVersion.module_id == module.id, ModuleVersion.published_at.is_(None))
    )


def working_version(module: Module) -> ModuleVersion:
    """What the authoring pages show: the draft when there is one, else the published version."""
    return draft_of(module) or module.published_version or module.versions[-1]


def lesson_at(version: ModuleVersion, position: int) -> Lesson | None:
    return next((le for le in version.lessons if le.position == position), None)


def question_by_key(version: ModuleVersion, key: str) -> Question | None:
    return next((q for q in version.questions if q.key == key), None)


def file_for_name(version: ModuleVersion, name: str) -> VersionFile | None:
    return next((f for f in version.files if f.name == name), None)


# --- derived fields ---------------------------------------------------------------------


def refresh(version: ModuleVersion) -> None:
    """Recompute what is derived from the content: the complete languages and the search text."""
    db.session.flush()
    db.session.refresh(version, ["outcomes", "lessons", "questions"])
    version.languages = rules.version_languages(version)
    sources.tidy(version)
    version.search_text = rules.search_text(version.module.code, version)
    db.session.flush()


# --- drafts and publishing -----------------------------------------------------------------


def create_module(user: User, code: str, title_en: str) -> Module:
    """A new module owned by the trainer, with an empty draft version 1."""
    if module_by_code(code) is not None:
        raise CatalogError(_l("A module with the code %(code)s already exists.", code=code))
    try:
        with db.session.begin_nested():
            module = Module(code=code, status="draft", owner_id=user.id)
            db.session.add(module)
            db.session.flush()
            version = ModuleVersion(
                module=module,
                version=1,
                title={"en": title_en},
                summary={},
                quality_assurance={},
                provider="",
                created_by_id=user.id,
            )
            db.session.add(version)
            db.session.flush()
            refresh(version)
    except IntegrityError:
        raise CatalogError(_l("A module with the code %(code)s already exists.", code=code)) from None
    return module


def copy_version(src: ModuleVersion, number: int, user: User | None) -> ModuleVersion:
    v = ModuleVersion(
        module=src.module,
        version=number,
        title=dict(src.title),
        summary=dict(src.summary or {}),
        quality_assurance=dict(src.quality_assurance or {}),
        provider=src.provider,
        provider_id=src.provider_id,
        workload_hours=src.workload_hours,
        ects=src.ects,
        eqf_level=src.eqf_level,
        certificate_valid_months=src.certificate_valid_months,
        participation=src.participation,
        assessment_type=src.assessment_type,
        prerequisites=list(src.prerequisites or []),
        pass_mark=src.pass_mark,
        max_attempts=src.max_attempts,
        shuffle=src.shuffle,
        required_lessons=None if src.required_lessons is None else list(src.required_lessons),
        requires_attendance=src.requires_attendance,
        translated_from={lang: dict(entries) for lang, entries in (src.translated_from or {}).items()} or None,
        created_by_id=user.id if user else None,
        languages=list(src.languages or []),
        search_text=src.search_text,
    )
    db.session.add(v)
    v.outcomes = [
        ModuleOutcome(
            position=o.position,
            competence_key=o.competence_key,
            from_level=o.from_level,
            to_level=o.to_level,
            text=dict(o.text or {}),
        )
        for o in src.outcomes
    ]
    v.lessons = [
        Lesson(
            position=le.position,
            slug=le.slug,
            texts=[LessonText(lang=t.lang, title=t.title, body_md=t.body_md) for t in le.texts],
        )
        for le in src.lessons
    ]
    v.questions = [
        Question(
            position=q.position,
            key=q.key,
            kind=q.kind,
            correct=list(q.correct),
            texts=[
                QuestionText(lang=t.lang, text=t.text, choices=list(t.choices), feedback=t.feedback) for t in q.texts
            ],
        )
        for q in src.questions
    ]
    v.files = [VersionFile(name=f.name, file_id=f.file_id) for f in src.files]
    return v


def editable_version(module: Module, user: User | None) -> ModuleVersion:
    """The draft to change: the existing one, or a copy of the published version (kept as is).

    A module has at most one draft (a partial unique index, see ``uprest.catalog.models``): when a parallel
    request made the draft after this one looked for it, the insert fails in its savepoint and the edit goes
    to the draft that won."""
    for _attempt in range(3):
        draft = draft_of(module)
        if draft is not None:
            return draft
        source = module.published_version or module.versions[-1]
        number = max(v.version for v in module.versions) + 1
        try:
            with db.session.begin_nested():
                draft = copy_version(source, number, user)
                db.session.flush()
        except IntegrityError:  # the other request's draft (or version number) came first: look again
            db.session.expire(module, ["versions", "published_version"])
            continue
        return draft
    raise CatalogError(CONCURRENT)


def discard_draft(module: Module) -> None:
    draft = draft_of(module)
    if draft is None:
        raise CatalogError(_l("There is no draft to discard."))
    if module.published_version_id is None:
        raise CatalogError(_l("This module has never been published: its draft is all there is."))
    db.session.delete(draft)
    db.session.flush()
    db.session.expire(module, ["versions"])


def publish_messages(version: ModuleVersion) -> list[str]:
    parts = {
        "title": _l("the title"),
        "summary": _l("the summary"),
        "outcomes": _l("the learning outcomes"),
        "lessons": _l("the lessons"),
        "quiz": _l("the quiz questions"),
    }
    messages = []
    for code in rules.publish_problems(version):
        if code == "no_lessons":
            messages.append(str(_l("Add at least one lesson.")))
        elif code == "no_questions":
            messages.append(str(_l("The assessment includes a quiz: add at least one question.")))
        elif code.startswith("question:"):
            messages.append(str(_l("Question %(key)s: check which choices are correct.", key=code[9:])))
        elif code.startswith("completion_lesson:"):
            msg = _l("The completion rule names the lesson %(slug)s, which this module no longer has.", slug=code[18:])
            messages.append(str(msg))
        elif code == "completion_attendance":
            messages.append(str(ATTENDANCE_ONLINE))
        elif code.startswith("en:"):
            messages.append(
                str(
                    _l(
                        "English is the fallback: complete %(part)s in English.",
                        part=parts.get(code[3:], code[3:]),
                    )
                )
            )
    return messages


def publish(module: Module) -> ModuleVersion:
    """Publish the draft as the immutable current version; CatalogError says why not."""
    draft = draft_of(module)
    if draft is None:
        raise CatalogError(_l("There is no draft to publish."))
    refresh(draft)
    problems = publish_messages(draft)
    if problems:
        raise CatalogError(" ".join(problems))
    updated = db.session.execute(
        db.update(ModuleVersion)
        .where(ModuleVersion.id == draft.id, ModuleVersion.published_at.is_(None))
        .values(published_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        raise CatalogError(CONCURRENT)
    db.session.refresh(draft)
    module.published_version = draft
    if module.status == "draft":
        module.status = "published"
    module.updated_at = utcnow()
    db.session.flush()
    search.index_published(module)
    return draft


def archive(module: Module) -> None:
    if module.status != "published":
        raise CatalogError(_l("Only a published module can be archived."))
    module.status = "archived"
    db.session.flush()


def restore(module: Module) -> None:
    if module.status != "archived":
        raise CatalogError(_l("The module is not archived."))
    module.status = "published"
    db.session.flush()


def fail(message):
    """Raise CatalogError(message): for use in expressions (``x or fail(...)``)."""
    raise CatalogError(message)


def share(module: Module, email: str) -> User:
    from uprest.accounts.services import user_by_email

    user = user_by_email(email)
    if user is None or user.role != Role.TRAINER or not user.is_active:
        raise CatalogError(_l("There is no trainer with this e-mail address."))
    if user.id == module.owner_id or any(e.user_id == user.id for e in module.editors):
        raise CatalogError(_l("%(name)s can already edit this module.", name=user.name))
    try:
        with db.session.begin_nested():
            db.session.add(ModuleEditor(module_id=module.id, user_id=user.id))
    except IntegrityError:
        raise CatalogError(_l("%(name)s can already edit this module.", name=user.name)) from None
    db.session.expire(module, ["editors"])
    return user


def unshare(module: Module, user_id: int) -> None:
    editor = next((e for e in module.editors if e.user_id == user_id), None) or fail(CONCURRENT)
    db.session.delete(editor)
    db.session.flush()
