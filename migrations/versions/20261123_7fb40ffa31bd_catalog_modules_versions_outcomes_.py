"""catalog: modules, versions, outcomes, lessons, files, questions

Revision ID: 7fb40ffa31bd
Revises: bd54744281ac
Create Date: 2026-11-23 20:30:41.311401
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "7fb40ffa31bd"
down_revision = "bd54744281ac"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("published_version_id", sa.Integer(), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f("ck_modules_status")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_modules_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modules")),
        sa.UniqueConstraint("code", name=op.f("uq_modules_code")),
    )
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_modules_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_modules_status"), ["status"], unique=False)

    op.create_table(
        "module_editors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_module_editors_module_id_modules"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_module_editors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_editors")),
        sa.UniqueConstraint("module_id", "user_id", name=op.f("uq_module_editors_module_id_user_id")),
    )
    with op.batch_alter_table("module_editors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_module_editors_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_module_editors_user_id"), ["user_id"], unique=False)

    op.create_table(
        "module_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_module_files_module_id_modules"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_files")),
        sa.UniqueConstraint("module_id", "sha256", name=op.f("uq_module_files_module_id_sha256")),
    )
    with op.batch_alter_table("module_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_module_files_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_module_files_sha256"), ["sha256"], unique=False)

    op.create_table(
        "module_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("quality_assurance", sa.JSON(), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("workload_hours", sa.Double(), nullable=False),
        sa.Column("ects", sa.Double(), nullable=True),
        sa.Column("eqf_level", sa.Integer(), nullable=True),
        sa.Column("participation", sa.String(length=20), nullable=False),
        sa.Column("assessment_type", sa.String(length=30), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("prerequisites", sa.JSON(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("shuffle", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "participation IN ('online', 'blended', 'on-site')", name=op.f("ck_module_versions_participation")
        ),
        sa.CheckConstraint("max_attempts >= 0", name=op.f("ck_module_versions_max_attempts")),
        sa.CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name=op.f("ck_module_versions_pass_mark")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_module_versions_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_module_versions_module_id_modules"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_versions")),
        sa.UniqueConstraint("module_id", "version", name=op.f("uq_module_versions_module_id_version")),
    )
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_module_versions_module_id"), ["module_id"], unique=False)

    # modules.published_version_id -> module_versions.id closes a cycle: added once both tables exist
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_modules_published_version_id_module_versions"),
            "module_versions",
            ["published_version_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_lessons_version_id_module_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
        sa.UniqueConstraint("version_id", "position", name=op.f("uq_lessons_version_id_position")),
        sa.UniqueConstraint("version_id", "slug", name=op.f("uq_lessons_version_id_slug")),
    )
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lessons_version_id"), ["version_id"], unique=False)

    op.create_table(
        "module_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("competence_key", sa.String(length=64), nullable=False),
        sa.Column("from_level", sa.Integer(), nullable=False),
        sa.Column("to_level", sa.Integer(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.CheckConstraint("from_level >= 0 AND to_level > from_level", name=op.f("ck_module_outcomes_levels")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_module_outcomes_version_id_module_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_outcomes")),
        sa.UniqueConstraint("version_id", "position", name=op.f("uq_module_outcomes_version_id_position")),
    )
    with op.batch_alter_table("module_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_module_outcomes_competence_key"), ["competence_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_module_outcomes_version_id"), ["version_id"], unique=False)

    op.create_table(
        "module_version_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["module_files.id"],
            name=op.f("fk_module_version_files_file_id_module_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_module_version_files_version_id_module_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_version_files")),
        sa.UniqueConstraint("version_id", "name", name=op.f("uq_module_version_files_version_id_name")),
    )
    with op.batch_alter_table("module_version_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_module_version_files_file_id"), ["file_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_module_version_files_version_id"), ["version_id"], unique=False)

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("correct", sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('single', 'multiple', 'truefalse')", name=op.f("ck_questions_kind")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_questions_version_id_module_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("version_id", "key", name=op.f("uq_questions_version_id_key")),
        sa.UniqueConstraint("version_id", "position", name=op.f("uq_questions_version_id_position")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_version_id"), ["version_id"], unique=False)

    op.create_table(
        "lesson_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_lesson_texts_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_texts")),
        sa.UniqueConstraint("lesson_id", "lang", name=op.f("uq_lesson_texts_lesson_id_lang")),
    )
    with op.batch_alter_table("lesson_texts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_texts_lesson_id"), ["lesson_id"], unique=False)

    op.create_table(
        "question_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_question_texts_question_id_questions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_texts")),
        sa.UniqueConstraint("question_id", "lang", name=op.f("uq_question_texts_question_id_lang")),
    )
    with op.batch_alter_table("question_texts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_texts_question_id"), ["question_id"], unique=False)


def downgrade():
    with op.batch_alter_table("question_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_texts_question_id"))

    op.drop_table("question_texts")
    with op.batch_alter_table("lesson_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_texts_lesson_id"))

    op.drop_table("lesson_texts")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_version_id"))

    op.drop_table("questions")
    with op.batch_alter_table("module_version_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_version_files_version_id"))
        batch_op.drop_index(batch_op.f("ix_module_version_files_file_id"))

    op.drop_table("module_version_files")
    with op.batch_alter_table("module_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_outcomes_version_id"))
        batch_op.drop_index(batch_op.f("ix_module_outcomes_competence_key"))

    op.drop_table("module_outcomes")
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lessons_version_id"))

    op.drop_table("lessons")
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_modules_published_version_id_module_versions"), type_="foreignkey")
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_versions_module_id"))

    op.drop_table("module_versions")
    with op.batch_alter_table("module_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_files_sha256"))
        batch_op.drop_index(batch_op.f("ix_module_files_module_id"))

    op.drop_table("module_files")
    with op.batch_alter_table("module_editors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_editors_user_id"))
        batch_op.drop_index(batch_op.f("ix_module_editors_module_id"))

    op.drop_table("module_editors")
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_modules_status"))
        batch_op.drop_index(batch_op.f("ix_modules_owner_id"))

    op.drop_table("modules")
