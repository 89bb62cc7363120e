"""frameworks: statements tied to a band of the scale, knowledge questions to a level; target profiles say why

Calibrated assessment levels (issue 11): the level reached is the highest band whose statements a person
affirms, checked by knowledge questions at their levels. Items of revisions imported before stay without
band and level (old results keep pointing at those revisions). Target profiles and their targets get a
reason per language.

Revision ID: 6d1f0a2b3c4e
Revises: 4a5ce302503f
Create Date: 2026-12-01 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "6d1f0a2b3c4e"
down_revision = "4a5ce302503f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("band", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("level", sa.Integer(), nullable=True))
    with op.batch_alter_table("target_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("why", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("profile_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("why", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("profile_targets", schema=None) as batch_op:
        batch_op.drop_column("why")
    with op.batch_alter_table("target_profiles", schema=None) as batch_op:
        batch_op.drop_column("why")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("level")
        batch_op.drop_column("band")
