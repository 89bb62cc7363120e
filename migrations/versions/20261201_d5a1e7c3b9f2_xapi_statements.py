"""xapi: statements, learners' pseudonyms, LRS clients and the forwarding outbox

Revision ID: d5a1e7c3b9f2
Revises: c41d8e2f6a90
Create Date: 2026-12-01 17:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "d5a1e7c3b9f2"
down_revision = "c41d8e2f6a90"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "xapi_actors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=36), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_xapi_actors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_actors")),
        sa.UniqueConstraint("name", name=op.f("uq_xapi_actors_name")),
        sa.UniqueConstraint("user_id", name=op.f("uq_xapi_actors_user_id")),
    )
    op.create_table(
        "xapi_lrs_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("deactivated_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_lrs_clients")),
        sa.UniqueConstraint("key", name=op.f("uq_xapi_lrs_clients_key")),
    )
    op.create_table(
        "xapi_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_home", sa.String(length=255), nullable=False),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("verb", sa.String(length=255), nullable=False),
        sa.Column("activity_id", sa.String(length=1000), nullable=False),
        sa.Column("registration", sa.String(length=36), nullable=True),
        sa.Column("stored", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("timestamp", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_xapi_statements_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_statements")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_xapi_statements_statement_id")),
    )
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_xapi_statements_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_statements_actor_name"), ["actor_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_statements_registration"), ["registration"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_statements_stored"), ["stored"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_statements_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_statements_verb"), ["verb"], unique=False)
    op.create_table(
        "xapi_forward_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("claimed_until", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_pk"],
            ["xapi_statements.id"],
            name=op.f("fk_xapi_forward_items_statement_pk_xapi_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_forward_items")),
        sa.UniqueConstraint("statement_pk", name=op.f("uq_xapi_forward_items_statement_pk")),
    )
    with op.batch_alter_table("xapi_forward_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_xapi_forward_items_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_forward_items_sent_at"), ["sent_at"], unique=False)


def downgrade():
    with op.batch_alter_table("xapi_forward_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_forward_items_sent_at"))
        batch_op.drop_index(batch_op.f("ix_xapi_forward_items_next_attempt_at"))
    op.drop_table("xapi_forward_items")
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_statements_verb"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_user_id"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_stored"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_registration"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_actor_name"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_activity_id"))
    op.drop_table("xapi_statements")
    op.drop_table("xapi_lrs_clients")
    op.drop_table("xapi_actors")
