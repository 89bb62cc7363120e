"""reports: publications of a territory's figures (frozen, public) and the staff's API tokens

Revision ID: f2a4b6c8d0e1
Revises: e1f3a5c7b9d2
Create Date: 2026-12-02 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "f2a4b6c8d0e1"
down_revision = "e1f3a5c7b9d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("published_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_report_publications_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_report_publications_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_publications")),
        sa.UniqueConstraint("territory_id", "period", name=op.f("uq_report_publications_territory_id_period")),
    )
    op.create_index(op.f("ix_report_publications_territory_id"), "report_publications", ["territory_id"], unique=False)
    op.create_table(
        "report_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("request_key", sa.String(length=32), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_report_api_tokens_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_report_api_tokens_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_api_tokens")),
        sa.UniqueConstraint("request_key", name=op.f("uq_report_api_tokens_request_key")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_report_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_report_api_tokens_territory_id"), "report_api_tokens", ["territory_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_report_api_tokens_territory_id"), table_name="report_api_tokens")
    op.drop_table("report_api_tokens")
    op.drop_index(op.f("ix_report_publications_territory_id"), table_name="report_publications")
    op.drop_table("report_publications")
