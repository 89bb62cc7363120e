"""assessments: runs, responses, results, competence records

Revision ID: bd54744281ac
Revises: 4f78b56ca79c
Create Date: 2026-11-23 20:01:53.421276
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "bd54744281ac"
down_revision = "4f78b56ca79c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assessment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("open_key", sa.Integer(), nullable=True),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("subsector", sa.String(length=30), nullable=False),
        sa.Column("job_role", sa.String(length=20), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("current_page", sa.Integer(), nullable=False),
        sa.Column("started_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["target_profiles.id"],
            name=op.f("fk_assessment_runs_profile_id_target_profiles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assessment_runs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_runs")),
        sa.UniqueConstraint("open_key", name=op.f("uq_assessment_runs_open_key")),
    )
    with op.batch_alter_table("assessment_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_runs_submitted_at"), ["submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_runs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "assessment_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("answered_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_assessment_responses_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_runs.id"],
            name=op.f("fk_assessment_responses_run_id_assessment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_responses")),
        sa.UniqueConstraint("run_id", "item_id", name=op.f("uq_assessment_responses_run_id_item_id")),
    )
    with op.batch_alter_table("assessment_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_responses_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_responses_run_id"), ["run_id"], unique=False)

    op.create_table(
        "assessment_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("competence_key", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("self_level", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("max_level", sa.Integer(), nullable=False),
        sa.Column("knowledge", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("target_min", sa.Integer(), nullable=False),
        sa.Column("target_max", sa.Integer(), nullable=True),
        sa.Column("importance", sa.Integer(), nullable=False),
        sa.Column("gap", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competences.id"],
            name=op.f("fk_assessment_results_competence_id_competences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_runs.id"],
            name=op.f("fk_assessment_results_run_id_assessment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_results")),
        sa.UniqueConstraint("run_id", "competence_id", name=op.f("uq_assessment_results_run_id_competence_id")),
    )
    with op.batch_alter_table("assessment_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_results_competence_id"), ["competence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_results_competence_key"), ["competence_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_results_run_id"), ["run_id"], unique=False)

    op.create_table(
        "assessment_run_competences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target_min", sa.Integer(), nullable=False),
        sa.Column("target_max", sa.Integer(), nullable=True),
        sa.Column("importance", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competences.id"],
            name=op.f("fk_assessment_run_competences_competence_id_competences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_runs.id"],
            name=op.f("fk_assessment_run_competences_run_id_assessment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_run_competences")),
        sa.UniqueConstraint("run_id", "competence_id", name=op.f("uq_assessment_run_competences_run_id_competence_id")),
    )
    with op.batch_alter_table("assessment_run_competences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_run_competences_competence_id"), ["competence_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assessment_run_competences_run_id"), ["run_id"], unique=False)

    op.create_table(
        "competence_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competences.id"],
            name=op.f("fk_competence_records_competence_id_competences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_runs.id"],
            name=op.f("fk_competence_records_run_id_assessment_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_competence_records_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_records")),
        sa.UniqueConstraint("run_id", "competence_id", name=op.f("uq_competence_records_run_id_competence_id")),
    )
    with op.batch_alter_table("competence_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_competence_records_competence_id"), ["competence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_competence_records_recorded_at"), ["recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_competence_records_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_competence_records_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("competence_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competence_records_user_id"))
        batch_op.drop_index(batch_op.f("ix_competence_records_run_id"))
        batch_op.drop_index(batch_op.f("ix_competence_records_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_competence_records_competence_id"))

    op.drop_table("competence_records")
    with op.batch_alter_table("assessment_run_competences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_run_competences_run_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_run_competences_competence_id"))

    op.drop_table("assessment_run_competences")
    with op.batch_alter_table("assessment_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_results_run_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_results_competence_key"))
        batch_op.drop_index(batch_op.f("ix_assessment_results_competence_id"))

    op.drop_table("assessment_results")
    with op.batch_alter_table("assessment_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_responses_run_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_responses_item_id"))

    op.drop_table("assessment_responses")
    with op.batch_alter_table("assessment_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_runs_user_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_runs_submitted_at"))

    op.drop_table("assessment_runs")
