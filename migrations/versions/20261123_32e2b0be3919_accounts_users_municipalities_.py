"""accounts: users, municipalities, organisations, invitations, outbox

Revision ID: 32e2b0be3919
Revises:
Create Date: 2026-11-23 19:33:55.323346
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "32e2b0be3919"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "municipalities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("code", name=op.f("uq_municipalities_code")),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_messages_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_to_address"), ["to_address"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("subsector", sa.String(length=30), nullable=False),
        sa.Column("size", sa.String(length=20), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipalities.id"], name=op.f("fk_organisations_municipality_id_municipalities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_municipality_id"), ["municipality_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisations_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("job_role", sa.String(length=20), nullable=False),
        sa.Column("shares_with_organisation", sa.Boolean(), nullable=False),
        sa.Column("is_active_account", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("privacy_accepted_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipalities.id"], name=op.f("fk_users_municipality_id_municipalities")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_municipality_id"), ["municipality_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_organisation_id"), ["organisation_id"], unique=False)

    # organisations.owner_id -> users.id closes a cycle, so it is added once both tables exist
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_organisations_owner_id_users"), "users", ["owner_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_invitations_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_invitations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["users.id"], name=op.f("fk_invitations_used_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_reset_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_tokens_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_tokens_user_id"))

    op.drop_table("password_reset_tokens")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_organisation_id"))

    op.drop_table("invitations")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_organisations_owner_id_users"), type_="foreignkey")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_users_municipality_id"))

    op.drop_table("users")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_owner_id"))
        batch_op.drop_index(batch_op.f("ix_organisations_municipality_id"))

    op.drop_table("organisations")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_to_address"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_created_at"))

    op.drop_table("outbox_messages")
    op.drop_table("municipalities")
