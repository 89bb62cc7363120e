"""The revision that adds provider records turns the free-text providers of module versions into records, and
its downgrade removes them again."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.test_migration_competence_records import _insert
from tests.test_migrations import empty_app  # noqa: F401  (the fixture: an app on an empty database)
from uprest import ROOT
from uprest.extensions import db

BEFORE = "e8b3f1a2c4d6"  # the last revision with the free-text provider only
REVISION = "f3b5d7e9a1c2"


def test_free_text_providers_become_records(empty_app):  # noqa: F811
    """Each distinct non-empty provider text becomes one provider (short name from the text, kind "other", no
    country) that its versions point to; versions without a provider point to none. Downgrading drops them."""
    directory = str(ROOT / "migrations")
    with empty_app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        with db.engine.begin() as conn:
            texts = ["UPREST consortium", "UPREST consortium", "Università di Bologna", "", "Uprest Consortium"]
            for i, text in enumerate(texts, 1):
                module = _insert(conn, "modules", code=f"m{i}", status="published", published_version_id=None)
                _insert(
                    conn,
                    "module_versions",
                    module_id=module,
                    version=1,
                    provider=text,
                    workload_hours=1.0,
                    participation="online",
                    pass_mark=70,
                )

        upgrade(directory=directory, revision=REVISION)
        with db.engine.begin() as conn:
            providers = conn.execute(sa.text("SELECT id, slug, name, kind, country FROM providers ORDER BY slug")).all()
            assert [tuple(p[1:]) for p in providers] == [
                ("universita-di-bologna", "Università di Bologna", "other", ""),
                ("uprest-consortium", "UPREST consortium", "other", ""),
                ("uprest-consortium-2", "Uprest Consortium", "other", ""),
            ]
            by_name = {p.name: p.id for p in providers}
            versions = conn.execute(sa.text("SELECT provider, provider_id FROM module_versions ORDER BY id")).all()
            assert [v.provider_id for v in versions] == [by_name.get(t) for t in texts]
            first = providers[1].id
            try:
                with conn.begin_nested():
                    conn.execute(sa.text("DELETE FROM providers WHERE id = :id"), {"id": first})
                deleted = True
            except sa.exc.IntegrityError:
                deleted = False
            assert not deleted  # ON DELETE RESTRICT: a provider that versions point to stays

        downgrade(directory=directory, revision=BEFORE)
        with db.engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "providers" not in inspector.get_table_names()
            assert "provider_id" not in {c["name"] for c in inspector.get_columns("module_versions")}
            assert conn.execute(sa.text("SELECT COUNT(*) FROM module_versions")).scalar() == len(texts)
