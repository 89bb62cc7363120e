"""kernel: the mail outbox delivered by a worker: Message-ID, secrets, back-off, leases, attachments

Revision ID: 5c1d2e3f4a5b
Revises: a7daaf2df85d
Create Date: 2026-12-01 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "5c1d2e3f4a5b"
down_revision = "a7daaf2df85d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("secrets", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", uprest.extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_messages_next_attempt_at"), ["next_attempt_at"], unique=False)

    op.create_table(
        "outbox_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_attachments_message_id_outbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attachments")),
    )
    with op.batch_alter_table("outbox_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_attachments_message_id"), ["message_id"], unique=False)


def downgrade():
    with op.batch_alter_table("outbox_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_attachments_message_id"))
    op.drop_table("outbox_attachments")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_next_attempt_at"))
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("secrets")
        batch_op.drop_column("message_id")
