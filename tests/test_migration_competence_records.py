"""The revision that moves competence records to generic evidence keeps existing rows, both ways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.test_migrations import empty_app  # noqa: F401  (the fixture: an app on an empty database)
from uprest import ROOT
from uprest.extensions import db

BEFORE = "7fb40ffa31bd"  # the last revision with competence_records.run_id
REVISION = "8927b897ced0"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _insert(conn, table: str, **values) -> int:
    """Insert a row, filling required columns the test does not care about; returns its id."""
    meta = sa.MetaData()
    t = sa.Table(table, meta, autoload_with=conn)
    for col in t.columns:
        if col.name in values or col.nullable or col.primary_key:
            continue
        kind = col.type.__class__.__name__.upper()
        values[col.name] = (
            NOW
            if "DATE" in kind or "TIME" in kind
            else True
            if "BOOL" in kind
            else {}
            if "JSON" in kind
            else 1
            if "INT" in kind
            else "x"
        )
    return conn.execute(t.insert().values(**values).returning(t.c.id)).scalar_one()


def _records(conn) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM competence_records ORDER BY id"))]


def test_run_ids_become_evidence_and_back(empty_app):  # noqa: F811
    """Upgrading turns run_id into evidence ("assessment_run", run id); downgrading gives run ids back to
    records of runs that exist and keeps every other record without a run."""
    directory = str(ROOT / "migrations")
    with empty_app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        with db.engine.begin() as conn:
            territory = _insert(conn, "municipalities", code="pori")
            user = _insert(conn, "users", email="a@example.org", municipality_id=territory, organisation_id=None)
            fw = _insert(conn, "frameworks", code="digcomp")
            area = _insert(conn, "areas", framework_id=fw, code="1")
            c1 = _insert(conn, "competences", framework_id=fw, area_id=area, code="1.1", key="digcomp:1.1")
            c2 = _insert(conn, "competences", framework_id=fw, area_id=area, code="1.2", key="digcomp:1.2")
            run = _insert(conn, "assessment_runs", user_id=user, profile_id=None, open_key=None)
            for comp, run_id in [(c1, run), (c2, run), (c1, None)]:
                _insert(
                    conn,
                    "competence_records",
                    user_id=user,
                    competence_id=comp,
                    level=3,
                    source="self",
                    run_id=run_id,
                    recorded_at=NOW,
                )

        upgrade(directory=directory, revision=REVISION)
        with db.engine.begin() as conn:
            rows = _records(conn)
            assert [(r["competence_id"], r["evidence_type"], r["evidence_id"]) for r in rows] == [
                (c1, "assessment_run", run),
                (c2, "assessment_run", run),
                (c1, None, None),
            ]
            assert "run_id" not in rows[0]
            # a module's evidence, and the record of a run that no longer exists
            _insert(
                conn,
                "competence_records",
                user_id=user,
                competence_id=c2,
                level=4,
                source="module",
                evidence_type="module",
                evidence_id=5,
                recorded_at=NOW,
            )
            _insert(
                conn,
                "competence_records",
                user_id=user,
                competence_id=c2,
                level=2,
                source="self",
                evidence_type="assessment_run",
                evidence_id=run + 99,
                recorded_at=NOW,
            )

        downgrade(directory=directory, revision=BEFORE)
        with db.engine.begin() as conn:
            rows = _records(conn)
            assert [(r["competence_id"], r["level"], r["run_id"]) for r in rows] == [
                (c1, 3, run),
                (c2, 3, run),
                (c1, 3, None),
                (c2, 4, None),
                (c2, 2, None),
            ]
            assert "evidence_type" not in rows[0]
            fks = sa.inspect(conn).get_foreign_keys("competence_records")
            assert any(fk["referred_table"] == "assessment_runs" for fk in fks)
        upgrade(directory=directory)


def test_evidence_must_be_whole_after_the_upgrade(empty_app):  # noqa: F811
    """After the upgrade the database itself refuses an evidence type without an id and a second record of
    one competence from one piece of evidence."""
    directory = str(ROOT / "migrations")
    with empty_app.app_context():
        upgrade(directory=directory)
        with db.engine.begin() as conn:
            territory = conn.execute(sa.text("SELECT id FROM territories WHERE slug = 'pori'")).scalar_one()
            user = _insert(conn, "users", email="a@example.org", territory_id=territory, organisation_id=None)
            fw = _insert(conn, "frameworks", code="digcomp")
            area = _insert(conn, "areas", framework_id=fw, code="1")
            comp = _insert(conn, "competences", framework_id=fw, area_id=area, code="1.1", key="digcomp:1.1")
            _insert(
                conn,
                "competence_records",
                user_id=user,
                competence_id=comp,
                level=3,
                source="self",
                evidence_type="module",
                evidence_id=1,
                recorded_at=NOW,
            )
        for evidence in [
            {"evidence_type": "module"},
            {"evidence_id": 2},
            {"evidence_type": "module", "evidence_id": 1},
        ]:
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
                _insert(
                    conn,
                    "competence_records",
                    user_id=user,
                    competence_id=comp,
                    level=3,
                    source="self",
                    recorded_at=NOW,
                    **evidence,
                )
