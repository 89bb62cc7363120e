"""kernel: content generations, the database-checked keys of the per-process page caches

One row per kind of content ("catalog"); its token is replaced in the same transaction as every change of
that content (import, publish, archive), so every worker sees the change at once.

Revision ID: a7daaf2df85d
Revises: 8927b897ced0
Create Date: 2026-12-01 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a7daaf2df85d"
down_revision = "8927b897ced0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_generations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_content_generations")),
    )


def downgrade():
    op.drop_table("content_generations")
