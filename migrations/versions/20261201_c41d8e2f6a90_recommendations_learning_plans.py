"""recommendations: learning plans (one per learner) and their modules

Revision ID: c41d8e2f6a90
Revises: 7e2a4c6b8d10
Create Date: 2026-12-01 16:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "c41d8e2f6a90"
down_revision = "7e2a4c6b8d10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "learning_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("weekly_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_learning_plans_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_plans")),
        sa.UniqueConstraint("user_id", name=op.f("uq_learning_plans_user_id")),
    )
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("module_code", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["learning_plans.id"], name=op.f("fk_plan_items_plan_id_learning_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
        sa.UniqueConstraint("plan_id", "module_code", name=op.f("uq_plan_items_plan_id_module_code")),
    )
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_items_plan_id"), ["plan_id"], unique=False)


def downgrade():
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_items_plan_id"))
    op.drop_table("plan_items")
    op.drop_table("learning_plans")
