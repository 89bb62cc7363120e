"""Course module models.

A ``Module`` is the stable identity (its ``code`` appears in URLs, prerequisites and
learning plans). Its content lives in numbered ``ModuleVersion`` rows:

* A version is a **draft** while ``published_at`` is NULL. A module has at most one
  draft, and it is always the highest version number. The database enforces it: a
  partial unique index on ``module_id`` where ``published_at`` is NULL, so of two
  concurrent "start a draft" requests only one makes the draft and the other edits it.
* **Publishing** stamps ``published_at`` and points ``Module.published_version_id`` at
  the version. A published version is **immutable**: editing a published module first
  copies its latest published version into a new draft, and every edit goes there.
* **Enrolment rule**: learners keep the version they enrolled in. The learning
  feature stores ``module_version_id`` on its Enrolment, so a later version (new
  lessons, a different quiz) never changes a course someone is taking; new
  enrolments get ``Module.published_version_id``.
* **Archived** modules leave the catalogue; their versions stay for the learners who
  enrolled in them.

Outcomes refer to competences by their stable key (``digcomp:1.1``), not by row id,
so modules survive new revisions of the frameworks.

Lesson images are stored in the database (several app servers share one database),
content-addressed per module by SHA-256; ``VersionFile`` maps the names used in a
version's Markdown (``map.png``) to those files, so a new upload in a draft never
changes what a published version shows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow

I18n = dict[str, str]

STATUSES = ("draft", "published", "archived")
#: Which versions are drafts, in SQL: the condition of the "one draft per module" index.
DRAFT_WHERE = text("published_at IS NULL")
PARTICIPATION = ("online", "blended", "on-site")
ASSESSMENT_TYPES = ("quiz", "assignment", "quiz_and_assignment")
QUESTION_KINDS = ("single", "multiple", "truefalse")


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_versions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner = relationship("User", foreign_keys=[owner_id])
    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module",
        order_by="ModuleVersion.version",
        cascade="all, delete-orphan",
        foreign_keys="ModuleVersion.module_id",
    )
    published_version: Mapped[ModuleVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )
    editors: Mapped[list[ModuleEditor]] = relationship(back_populates="module", cascade="all, delete-orphan")
    files: Mapped[list[ModuleFile]] = relationship(back_populates="module", cascade="all, delete-orphan")

    @property
    def is_provider_owned(self) -> bool:
        return self.owner_id is None

    def __repr__(self) -> str:
        return f"<Module {self.code} {self.status}>"


class ModuleEditor(db.Model):
    """A trainer the owner shares the module with: they may edit it too."""

    __tablename__ = "module_editors"
    __table_args__ = (UniqueConstraint("module_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(back_populates="editors")
    user = relationship("User")


class ModuleVersion(db.Model):
    __tablename__ = "module_versions"
    __table_args__ = (
        UniqueConstraint("module_id", "version"),
        # At most one draft per module, whatever requests run at the same moment.
        Index(
            "uq_module_versions_draft", "module_id", unique=True, sqlite_where=DRAFT_WHERE, postgresql_where=DRAFT_WHERE
        ),
        CheckConstraint("participation IN ('online', 'blended', 'on-site')", name="participation"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark"),
        CheckConstraint("max_attempts >= 0", name="max_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    title: Mapped[I18n] = mapped_column(JSON)
    summary: Mapped[I18n] = mapped_column(JSON, default=dict)
    quality_assurance: Mapped[I18n] = mapped_column(JSON, default=dict)
    provider: Mapped[str] = mapped_column(String(200), default="")
    workload_hours: Mapped[float] = mapped_column(default=1.0)
    ects: Mapped[float | None]
    eqf_level: Mapped[int | None]
    participation: Mapped[str] = mapped_column(String(20), default="online")
    assessment_type: Mapped[str] = mapped_column(String(30), default="quiz")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # complete translations, kept by services
    prerequisites: Mapped[list[str]] = mapped_column(JSON, default=list)  # module codes
    pass_mark: Mapped[int] = mapped_column(default=70)  # percent
    max_attempts: Mapped[int] = mapped_column(default=3)  # 0 = unlimited
    shuffle: Mapped[bool] = mapped_column(default=True)
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased titles, summaries, outcomes
    content_hash: Mapped[str | None] = mapped_column(String(64))  # set by the courses/ importer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[Module] = relationship(back_populates="versions", foreign_keys=[module_id])
    outcomes: Mapped[list[ModuleOutcome]] = relationship(
        back_populates="version", order_by="ModuleOutcome.position", cascade="all, delete-orphan"
    )
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="version", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", order_by="Question.position", cascade="all, delete-orphan"
    )
    files: Mapped[list[VersionFile]] = relationship(
        back_populates="version", order_by="VersionFile.name", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    @property
    def has_quiz(self) -> bool:
        return self.assessment_type in ("quiz", "quiz_and_assignment")


class ModuleOutcome(db.Model):
    __tablename__ = "module_outcomes"
    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        CheckConstraint("from_level >= 0 AND to_level > from_level", name="levels"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    competence_key: Mapped[str] = mapped_column(String(64), index=True)  # "digcomp:1.1"
    from_level: Mapped[int]
    to_level: Mapped[int]
    text: Mapped[I18n] = mapped_column(JSON, default=dict)

    version: Mapped[ModuleVersion] = relationship(back_populates="outcomes")


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        UniqueConstraint("version_id", "slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1, 2, 3 ... (the NN of the file name)
    slug: Mapped[str] = mapped_column(String(80))

    version: Mapped[ModuleVersion] = relationship(back_populates="lessons")
    texts: Mapped[list[LessonText]] = relationship(
        back_populates="lesson", order_by="LessonText.lang", cascade="all, delete-orphan"
    )

    def text_in(self, lang: str) -> LessonText | None:
        return next((t for t in self.texts if t.lang == lang), None)

    @property
    def title(self) -> I18n:
        return {t.lang: t.title for t in self.texts}


class LessonText(db.Model):
    __tablename__ = "lesson_texts"
    __table_args__ = (UniqueConstraint("lesson_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")

    lesson: Mapped[Lesson] = relationship(back_populates="texts")


class ModuleFile(db.Model):
    """An uploaded image: bytes in the database, checked by content, addressed by SHA-256."""

    __tablename__ = "module_files"
    __table_args__ = (UniqueConstraint("module_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(back_populates="files")


class VersionFile(db.Model):
    """The name a version's Markdown uses for an image (``![alt](map.png)``)."""

    __tablename__ = "module_version_files"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("module_files.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    version: Mapped[ModuleVersion] = relationship(back_populates="files")
    file: Mapped[ModuleFile] = relationship()


class Question(db.Model):
    """A quiz question. Which choices are correct does not depend on the language."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        UniqueConstraint("version_id", "position"),
        CheckConstraint("kind IN ('single', 'multiple', 'truefalse')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(40))  # "q1", stable across languages and versions
    kind: Mapped[str] = mapped_column(String(20))
    correct: Mapped[list[bool]] = mapped_column(JSON, default=list)  # one flag per choice

    version: Mapped[ModuleVersion] = relationship(back_populates="questions")
    texts: Mapped[list[QuestionText]] = relationship(
        back_populates="question", order_by="QuestionText.lang", cascade="all, delete-orphan"
    )

    def text_in(self, lang: str) -> QuestionText | None:
        return next((t for t in self.texts if t.lang == lang), None)


class QuestionText(db.Model):
    __tablename__ = "question_texts"
    __table_args__ = (UniqueConstraint("question_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)  # same order as Question.correct
    feedback: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="texts")
