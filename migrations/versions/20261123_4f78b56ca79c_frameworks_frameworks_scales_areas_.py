"""frameworks: frameworks, scales, areas, competences, items, target profiles

Revision ID: 4f78b56ca79c
Revises: 32e2b0be3919
Create Date: 2026-11-23 19:40:13.176731
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "4f78b56ca79c"
down_revision = "32e2b0be3919"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("edition", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("imported_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frameworks")),
        sa.UniqueConstraint("code", "revision", name=op.f("uq_frameworks_code_revision")),
    )
    with op.batch_alter_table("frameworks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_frameworks_code"), ["code"], unique=False)

    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"], ["frameworks.id"], name=op.f("fk_areas_framework_id_frameworks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
        sa.UniqueConstraint("framework_id", "code", name=op.f("uq_areas_framework_id_code")),
    )
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_areas_framework_id"), ["framework_id"], unique=False)

    op.create_table(
        "proficiency_bands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_proficiency_bands_framework_id_frameworks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proficiency_bands")),
        sa.UniqueConstraint("framework_id", "code", name=op.f("uq_proficiency_bands_framework_id_code")),
    )
    op.create_table(
        "proficiency_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=40), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_proficiency_levels_framework_id_frameworks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proficiency_levels")),
        sa.UniqueConstraint("framework_id", "level", name=op.f("uq_proficiency_levels_framework_id_level")),
    )
    op.create_table(
        "competences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("esco_uri", sa.String(length=500), nullable=True),
        sa.Column("level_descriptors", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_competences_area_id_areas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"], ["frameworks.id"], name=op.f("fk_competences_framework_id_frameworks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competences")),
        sa.UniqueConstraint("framework_id", "code", name=op.f("uq_competences_framework_id_code")),
    )
    with op.batch_alter_table("competences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_competences_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_competences_framework_id"), ["framework_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_competences_key"), ["key"], unique=False)

    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"], ["competences.id"], name=op.f("fk_items_competence_id_competences"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("competence_id", "key", name=op.f("uq_items_competence_id_key")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_competence_id"), ["competence_id"], unique=False)

    op.create_table(
        "target_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subsector", sa.String(length=30), nullable=False),
        sa.Column("job_role", sa.String(length=20), nullable=False),
        sa.Column("updated_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_target_profiles_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_profiles")),
        sa.UniqueConstraint("subsector", "job_role", name=op.f("uq_target_profiles_subsector_job_role")),
    )
    op.create_table(
        "profile_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("competence_key", sa.String(length=64), nullable=False),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column("max_level", sa.Integer(), nullable=True),
        sa.Column("importance", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["target_profiles.id"],
            name=op.f("fk_profile_targets_profile_id_target_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_targets")),
        sa.UniqueConstraint("profile_id", "competence_key", name=op.f("uq_profile_targets_profile_id_competence_key")),
    )
    with op.batch_alter_table("profile_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_targets_profile_id"), ["profile_id"], unique=False)


def downgrade():
    with op.batch_alter_table("profile_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_targets_profile_id"))

    op.drop_table("profile_targets")
    op.drop_table("target_profiles")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_competence_id"))

    op.drop_table("items")
    with op.batch_alter_table("competences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competences_key"))
        batch_op.drop_index(batch_op.f("ix_competences_framework_id"))
        batch_op.drop_index(batch_op.f("ix_competences_area_id"))

    op.drop_table("competences")
    op.drop_table("proficiency_levels")
    op.drop_table("proficiency_bands")
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_areas_framework_id"))

    op.drop_table("areas")
    with op.batch_alter_table("frameworks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frameworks_code"))

    op.drop_table("frameworks")
