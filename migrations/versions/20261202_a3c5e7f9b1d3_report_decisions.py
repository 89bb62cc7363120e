"""reports: the disclosure rule's decisions over a tree, made once per change of the data and shared by every worker

Revision ID: a3c5e7f9b1d3
Revises: f2a4b6c8d0e1
Create Date: 2026-12-02 07:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "a3c5e7f9b1d3"
down_revision = "f2a4b6c8d0e1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("root_id", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("data_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("made_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["root_id"], ["territories.id"], name=op.f("fk_report_decisions_root_id_territories"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_decisions")),
        sa.UniqueConstraint(
            "kind", "root_id", "k", "data_key", name=op.f("uq_report_decisions_kind_root_id_k_data_key")
        ),
    )
    with op.batch_alter_table("report_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_decisions_root_id"), ["root_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_decisions_root_id"))
    op.drop_table("report_decisions")
