"""assessments: the knowledge questions drawn for each run

A run asks one knowledge question per competence, drawn from the competence's pool (those the person has not
answered before first), so a re-assessment does not repeat the same questions. Runs started before keep asking
every question (NULL).

Revision ID: 7e2a4c6b8d10
Revises: 6d1f0a2b3c4e
Create Date: 2026-12-01 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7e2a4c6b8d10"
down_revision = "6d1f0a2b3c4e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessment_run_competences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_ids", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("assessment_run_competences", schema=None) as batch_op:
        batch_op.drop_column("question_ids")
