"""catalog: at most one draft per module, enforced by a partial unique index

A version is a draft while published_at is NULL. Parallel first edits of a published module could each make
a draft (issue 9, item 5); the index makes the database refuse the second one.

A database that already holds modules with several drafts cannot take the index: the upgrade stops and
names them, since only a person can tell which edits to keep.

Revision ID: 95c880859aa1
Revises: 3e9c4d1a7b20
Create Date: 2026-12-01 13:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "95c880859aa1"
down_revision = "3e9c4d1a7b20"
branch_labels = None
depends_on = None

DRAFT_WHERE = sa.text("published_at IS NULL")


def upgrade():
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT m.code, v.id, v.version FROM module_versions v JOIN modules m ON m.id = v.module_id "
                "WHERE v.published_at IS NULL AND v.module_id IN ("
                "  SELECT module_id FROM module_versions WHERE published_at IS NULL "
                "  GROUP BY module_id HAVING COUNT(*) > 1) "
                "ORDER BY m.code, v.version"
            )
        )
        .all()
    )
    if duplicates:
        listed = "; ".join(f"module {code}: version {number} (id {id_})" for code, id_, number in duplicates)
        raise RuntimeError(
            "These modules have more than one draft, made by parallel edits: "
            f"{listed}. Keep the edits you need in one draft of each module, delete the others "
            "(DELETE FROM module_versions WHERE id = ...), then run the upgrade again."
        )
    op.create_index(
        "uq_module_versions_draft",
        "module_versions",
        ["module_id"],
        unique=True,
        sqlite_where=DRAFT_WHERE,
        postgresql_where=DRAFT_WHERE,
    )


def downgrade():
    op.drop_index("uq_module_versions_draft", table_name="module_versions")
