"""providers: provider records (awarding bodies); module versions point to theirs

Creates ``providers`` and ``module_versions.provider_id`` (a foreign key, ON DELETE RESTRICT, indexed). Every
distinct non-empty free-text ``module_versions.provider`` becomes a provider (short name made from the text,
kind "other", no country yet: an administrator completes it, or courses/providers.yaml does on the next
``flask courses import`` for the providers it lists) and the versions point to it. The text column stays.

Revision ID: f3b5d7e9a1c2
Revises: e8b3f1a2c4d6
Create Date: 2026-12-01 21:00:00.000000
"""

import re
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "f3b5d7e9a1c2"
down_revision = "e8b3f1a2c4d6"
branch_labels = None
depends_on = None

KINDS = (
    "adult_education",
    "university",
    "tourism_board",
    "municipality",
    "business_association",
    "consortium",
    "other",
)
FK = "fk_module_versions_provider_id_providers"
SLUG_MAX = 60


def upgrade():
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=120), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name=op.f("ck_providers_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("slug", name=op.f("uq_providers_slug")),
    )
    if op.get_context().dialect.name == "sqlite":
        # SQLite cannot add a constraint to a table (ALTER TABLE ... ADD CONSTRAINT), and Alembic's batch mode
        # would rebuild module_versions: dropping the old table deletes, through ON DELETE CASCADE, the lessons,
        # outcomes and questions of every version. ADD COLUMN may carry the foreign key in the column's own
        # definition instead (SQLite requires the new column's default to be NULL, as it is): no rebuild.
        op.execute(
            f"ALTER TABLE module_versions ADD COLUMN provider_id INTEGER CONSTRAINT {FK} "
            "REFERENCES providers (id) ON DELETE RESTRICT"
        )
    else:
        op.add_column("module_versions", sa.Column("provider_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "module_versions", "providers", ["provider_id"], ["id"], ondelete="RESTRICT")
    op.create_index(op.f("ix_module_versions_provider_id"), "module_versions", ["provider_id"], unique=False)
    _providers_from_text()


def downgrade():
    op.drop_index(op.f("ix_module_versions_provider_id"), table_name="module_versions")
    if op.get_context().dialect.name == "sqlite":
        # SQLite (3.35 and later) drops a column whose own definition holds its foreign key in place.
        op.execute("ALTER TABLE module_versions DROP COLUMN provider_id")
    else:
        op.drop_constraint(FK, "module_versions", type_="foreignkey")
        op.drop_column("module_versions", "provider_id")
    op.drop_table("providers")


# --- data: the free-text providers become records ---------------------------------------------------------

versions = sa.table(
    "module_versions",
    sa.column("id", sa.Integer()),
    sa.column("provider", sa.String()),
    sa.column("provider_id", sa.Integer()),
)
providers = sa.table(
    "providers",
    sa.column("id", sa.Integer()),
    sa.column("slug", sa.String()),
    sa.column("name", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("country", sa.String()),
    sa.column("region", sa.String()),
    sa.column("website", sa.String()),
    sa.column("email", sa.String()),
    sa.column("description", sa.JSON()),
    sa.column("is_active", sa.Boolean()),
    sa.column("created_at", uprest.extensions.UTCDateTime()),
    sa.column("updated_at", uprest.extensions.UTCDateTime()),
)


def _providers_from_text() -> None:
    bind = op.get_bind()
    names = bind.execute(
        sa.select(versions.c.provider).where(versions.c.provider.is_not(None), versions.c.provider != "").distinct()
    ).scalars()
    now = datetime.now(UTC)
    taken: set[str] = set()
    for name in sorted(names):
        slug = _unique_slug(_slug(name), taken)
        row = {"slug": slug, "name": name[:200], "kind": "other", "country": "", "region": "", "website": ""}
        row.update(email="", description={}, is_active=True, created_at=now, updated_at=now)
        bind.execute(providers.insert().values(**row))
        provider_id = bind.execute(sa.select(providers.c.id).where(providers.c.slug == slug)).scalar_one()
        bind.execute(versions.update().where(versions.c.provider == name).values(provider_id=provider_id))


def _slug(name: str) -> str:
    """As uprest.providers.rules.slug_from_name (a migration keeps its own copy): "UPREST consortium" ->
    "uprest-consortium"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:SLUG_MAX].strip("-") or "provider"


def _unique_slug(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = slug[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    taken.add(candidate)
    return candidate
