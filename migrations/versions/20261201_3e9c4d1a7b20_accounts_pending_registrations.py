"""accounts: pending registrations, waiting for the e-mail address to be confirmed

A registration creates the account only when the link mailed to the address is followed; until then its
details (and the password's argon2id hash) wait here, for REGISTRATION_HOURS.

Revision ID: 3e9c4d1a7b20
Revises: 5c1d2e3f4a5b
Create Date: 2026-12-01 13:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "3e9c4d1a7b20"
down_revision = "5c1d2e3f4a5b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("next_path", sa.String(length=500), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_pending_registrations_municipality_id_municipalities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_registrations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_pending_registrations_token_hash")),
    )
    with op.batch_alter_table("pending_registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_registrations_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_pending_registrations_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("pending_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_registrations_expires_at"))
        batch_op.drop_index(batch_op.f("ix_pending_registrations_email"))
    op.drop_table("pending_registrations")
