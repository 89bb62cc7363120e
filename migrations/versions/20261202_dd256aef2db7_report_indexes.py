"""assessments: an index on assessment results (run_id, competence_key, gap) for the municipality reports

Revision ID: dd256aef2db7
Revises: c3d5e7f9a1b3
Create Date: 2026-12-02 01:00:00.000000

The skills-gap map joins each person's latest run to its results and reads only competence_key and gap: with this
index PostgreSQL answers that join by an index-only scan instead of a heap fetch per result (docs/performance.md,
"Municipality reports (issue 14)"). A new index only: on SQLite no table is rebuilt.
"""

from alembic import op

revision = "dd256aef2db7"
down_revision = "c3d5e7f9a1b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_assessment_results_run_id_competence_key_gap",
        "assessment_results",
        ["run_id", "competence_key", "gap"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_assessment_results_run_id_competence_key_gap", table_name="assessment_results")
