"""learning: enrolments, lesson progress, quiz attempts and answers; the module's completion rule

Revision ID: e8b3f1a2c4d6
Revises: d5a1e7c3b9f2
Create Date: 2026-12-01 17:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "e8b3f1a2c4d6"
down_revision = "d5a1e7c3b9f2"
branch_labels = None
depends_on = None

OPEN = sa.text("submitted_at IS NULL")


def upgrade():
    op.add_column("module_versions", sa.Column("required_lessons", sa.JSON(), nullable=True))
    op.add_column(
        "module_versions", sa.Column("requires_attendance", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # The rule's default: modules taught partly in person need attendance at a session.
    # (Adding columns only: SQLite adds them in place. Dropping the server default would rebuild the table,
    # whose drop cascades into its lessons and outcomes.)
    op.execute("UPDATE module_versions SET requires_attendance = (participation <> 'online')")

    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("module_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_lesson", sa.Integer(), nullable=True),
        sa.Column("last_active_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attended_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attendance_marked_by_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('active', 'completed')", name=op.f("ck_enrolments_status")),
        sa.ForeignKeyConstraint(
            ["attendance_marked_by_id"],
            ["users.id"],
            name=op.f("fk_enrolments_attendance_marked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_enrolments_module_id_modules"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["module_version_id"],
            ["module_versions.id"],
            name=op.f("fk_enrolments_module_version_id_module_versions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrolments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("registration", name=op.f("uq_enrolments_registration")),
        sa.UniqueConstraint("user_id", "module_id", name=op.f("uq_enrolments_user_id_module_id")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_module_version_id"), ["module_version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "lesson_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("read_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_lesson_progress_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_lesson_progress_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_progress")),
        sa.UniqueConstraint("enrolment_id", "lesson_id", name=op.f("uq_lesson_progress_enrolment_id_lesson_id")),
    )
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_progress_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lesson_progress_lesson_id"), ["lesson_id"], unique=False)

    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question_order", sa.JSON(), nullable=False),
        sa.Column("choice_order", sa.JSON(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("started_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("saved_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("is_passed", sa.Boolean(), nullable=True),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name=op.f("ck_quiz_attempts_score")),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_quiz_attempts_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
        sa.UniqueConstraint("enrolment_id", "number", name=op.f("uq_quiz_attempts_enrolment_id_number")),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempts_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_index(
            "uq_quiz_attempts_open", ["enrolment_id"], unique=True, sqlite_where=OPEN, postgresql_where=OPEN
        )

    op.create_table(
        "attempt_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.Column("is_correct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_attempt_answers_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_attempt_answers_question_id_questions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_answers")),
        sa.UniqueConstraint("attempt_id", "question_id", name=op.f("uq_attempt_answers_attempt_id_question_id")),
    )
    with op.batch_alter_table("attempt_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_answers_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_answers_question_id"), ["question_id"], unique=False)


def downgrade():
    op.drop_table("attempt_answers")
    op.drop_table("quiz_attempts")
    op.drop_table("lesson_progress")
    op.drop_table("enrolments")
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.drop_column("requires_attendance")
        batch_op.drop_column("required_lessons")
