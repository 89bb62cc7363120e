"""certificates: issued micro-credentials (one per completion), their PDF and credential; certificate validity

Revision ID: a9c1e3f5b7d4
Revises: f3b5d7e9a1c2
Create Date: 2026-12-01 21:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "a9c1e3f5b7d4"
down_revision = "f3b5d7e9a1c2"
branch_labels = None
depends_on = None


def upgrade():
    # Adding a column only: SQLite adds it in place (no rebuild of module_versions).
    op.add_column("module_versions", sa.Column("certificate_valid_months", sa.Integer(), nullable=True))
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("issued_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("rendered_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('module', 'plan')", name=op.f("ck_certificates_kind")),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_certificates_module_id_modules"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_certificates_revoked_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint("subject", name=op.f("uq_certificates_subject")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_user_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_module_id"))
    op.drop_table("certificates")
    # Plain DROP COLUMN (SQLite 3.35+ does it in place): a batch rebuild of module_versions would cascade.
    op.drop_column("module_versions", "certificate_valid_months")
