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
    event,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow
from uprest.providers.models import Provider

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
    #: The awarding body: a provider record. ``provider`` is its name as free text from before the records
    #: existed, kept for the search text and old rows; new versions set both (see uprest.catalog.awarding).
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="RESTRICT"), index=True)
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
    #: The completion rule (with pass_mark): the slugs of the lessons a learner must read (None: every lesson),
    #: and whether attendance at a session is required (blended learning).
    required_lessons: Mapped[list[str] | None] = mapped_column(JSON)
    requires_attendance: Mapped[bool] = mapped_column(default=False)
    #: How long the module's certificate stays valid, in months (None: it does not expire).
    certificate_valid_months: Mapped[int | None]
    #: Which English text each translation was made from: {lang: {item: digest}} with items "title",
    #: "summary", "quality_assurance", "outcome:<position>", "lesson:<slug>", "quiz:<key>" and digests from
    #: uprest.catalog.rules.source_digest. An item whose digest differs from its English text's now needs
    #: review; an item with none recorded is taken as up to date. Kept by services and courses/ files.
    translated_from: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
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
    awarding_body: Mapped[Provider | None] = relationship(foreign_keys=[provider_id])

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


# --- full-text search -------------------------------------------------------------------------------------


class SearchDocument(db.Model):
    """What the catalogue's full-text search looks in: a module's published version in one language, as plain
    text (lesson Markdown without its markup). Written by ``uprest.catalog.search``; the database's own engine
    indexes it: on SQLite the FTS5 table ``module_search_fts`` (kept in step by triggers), on PostgreSQL the
    ``document`` tsvector (written with the language's text search configuration) under a GIN index."""

    __tablename__ = "module_search_documents"
    __table_args__ = (
        UniqueConstraint("version_id", "lang"),
        Index("ix_module_search_documents_document", "document", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[str | None] = deferred(mapped_column(Text().with_variant(TSVECTOR(), "postgresql")))


#: SQLite: an FTS5 table over the documents' text columns. "External content": the text stays in
#: module_search_documents (snippets read it there) and triggers keep the index in step with it.
FTS_TABLE = "module_search_fts"
FTS_COLUMNS = ("title", "summary", "outcomes", "lessons")
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"


def is_search_engine_table(name: str | None) -> bool:
    """A table SQLite's FTS5 makes for the search (the virtual table and its shadow tables): made by the
    migration, not in the metadata, so Alembic's comparison must not count it."""
    return bool(name) and (name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_"))


#: PostgreSQL: a text search configuration per language, named uprest_<base>: the language's own (stemmer,
#: stop words) with unaccent before it, so that "hallbar" meets "hållbar"; 'simple' where PG has none (hr).
PG_CONFIG_BASES = {"en": "english", "sv": "swedish", "it": "italian", "fi": "finnish"}
PG_CONFIGS = ("english", "swedish", "italian", "finnish", "simple")


def pg_config(lang: str) -> str:
    return f"uprest_{PG_CONFIG_BASES.get(lang, 'simple')}"


def sqlite_search_ddl() -> list[str]:
    """The FTS5 table and its triggers (the migration writes the same statements)."""
    cols = ", ".join(FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    docs, fts = SearchDocument.__tablename__, FTS_TABLE
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{docs}', content_rowid='id', "
        f"tokenize='{FTS_TOKENIZE}')",
        f"CREATE TRIGGER {docs}_ai AFTER INSERT ON {docs} BEGIN {insert} END",
        f"CREATE TRIGGER {docs}_ad AFTER DELETE ON {docs} BEGIN {delete} END",
        f"CREATE TRIGGER {docs}_au AFTER UPDATE ON {docs} BEGIN {delete} {insert} END",
    ]


def pg_search_ddl(unaccent_schema: str) -> list[str]:
    """The text search configurations; `unaccent_schema` is where the unaccent extension lives."""
    statements = []
    for base in PG_CONFIGS:
        name = f"uprest_{base}"
        dictionary = "simple" if base == "simple" else f"{base}_stem"
        statements += [
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}",
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base})",
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f'WITH "{unaccent_schema}".unaccent, {dictionary}',
        ]
    return statements


UNACCENT_SCHEMA = (
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
)


@event.listens_for(SearchDocument.__table__, "after_create")
def _create_search_engine(table, connection, **kw) -> None:
    """create_all() (tests): what the migration makes besides the table."""
    if connection.dialect.name == "sqlite":
        for statement in sqlite_search_ddl():
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
        schema = connection.exec_driver_sql(UNACCENT_SCHEMA).scalar_one()
        for statement in pg_search_ddl(schema):
            connection.exec_driver_sql(statement)


@event.listens_for(SearchDocument.__table__, "before_drop")
def _drop_search_engine(table, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif connection.dialect.name == "postgresql":
        for base in PG_CONFIGS:
            connection.exec_driver_sql(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS uprest_{base}")
