"""frameworks: competence records refer to their evidence generically (evidence_type, evidence_id)

The learner's competence records belong to the kernel (frameworks), which must not point at a feature's
table: the foreign key ``run_id -> assessment_runs`` becomes the generic reference
``evidence_type = 'assessment_run', evidence_id = run_id``, unique per (evidence, competence).

Revision ID: 8927b897ced0
Revises: 7fb40ffa31bd
Create Date: 2026-12-01 11:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "8927b897ced0"
down_revision = "7fb40ffa31bd"
branch_labels = None
depends_on = None

RUN = "assessment_run"


def upgrade():
    with op.batch_alter_table("competence_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_type", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("evidence_id", sa.Integer(), nullable=True))

    records = sa.table(
        "competence_records",
        sa.column("run_id", sa.Integer()),
        sa.column("evidence_type", sa.String()),
        sa.column("evidence_id", sa.Integer()),
    )
    op.execute(
        records.update().where(records.c.run_id.is_not(None)).values(evidence_type=RUN, evidence_id=records.c.run_id)
    )

    with op.batch_alter_table("competence_records", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_competence_records_run_id_competence_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_competence_records_run_id_assessment_runs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_competence_records_run_id"))
        batch_op.drop_column("run_id")
        batch_op.create_unique_constraint(
            batch_op.f("uq_competence_records_evidence_type_evidence_id_competence_id"),
            ["evidence_type", "evidence_id", "competence_id"],
        )
        batch_op.create_check_constraint(
            "evidence_complete", sa.text("(evidence_type IS NULL) = (evidence_id IS NULL)")
        )


def downgrade():
    with op.batch_alter_table("competence_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.Integer(), nullable=True))

    # Runs that still exist get their foreign key back; evidence of other kinds (modules, trainers) and of
    # erased runs has no place in the old schema and is kept as a record without a run (as ON DELETE SET NULL).
    records = sa.table(
        "competence_records",
        sa.column("run_id", sa.Integer()),
        sa.column("evidence_type", sa.String()),
        sa.column("evidence_id", sa.Integer()),
    )
    runs = sa.table("assessment_runs", sa.column("id", sa.Integer()))
    op.execute(
        records.update()
        .where(records.c.evidence_type == RUN, records.c.evidence_id.in_(sa.select(runs.c.id)))
        .values(run_id=records.c.evidence_id)
    )

    with op.batch_alter_table("competence_records", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_competence_records_evidence_complete"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("uq_competence_records_evidence_type_evidence_id_competence_id"), type_="unique"
        )
        batch_op.drop_column("evidence_id")
        batch_op.drop_column("evidence_type")
        batch_op.create_foreign_key(
            batch_op.f("fk_competence_records_run_id_assessment_runs"),
            "assessment_runs",
            ["run_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_competence_records_run_id_competence_id"), ["run_id", "competence_id"]
        )
        batch_op.create_index(batch_op.f("ix_competence_records_run_id"), ["run_id"], unique=False)
