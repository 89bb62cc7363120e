"""module versions remember which English text each translation was made from (translations needing review)

Revision ID: b7c9d1e3f5a7
Revises: a9c1e3f5b7d4
Create Date: 2026-12-02 00:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b7c9d1e3f5a7"
down_revision = "a9c1e3f5b7d4"
branch_labels = None
depends_on = None


def upgrade():
    # Adding a column only: SQLite adds it in place (no rebuild of module_versions). NULL: nothing recorded,
    # which the catalogue reads as "up to date" (translations made before this revision were not tracked).
    op.add_column("module_versions", sa.Column("translated_from", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("module_versions", "translated_from")
