"""The revision that turns municipalities into territories (a tree) keeps every place people, businesses,
registrations, venues and session requests had, both ways."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.test_migration_competence_records import NOW, _insert
from tests.test_migrations import empty_app  # noqa: F401  (the fixture: an app on an empty database)
from uprest import ROOT
from uprest.extensions import db

BEFORE = "dd256aef2db7"  # the last revision with municipalities
REVISION = "e1f3a5c7b9d2"
REFERENCES = ("users", "organisations", "pending_registrations", "session_venues", "session_requests")

#: The territories the revision seeds (as they were when it was written): code -> (slug, kind, parent code).
SEEDED = {
    "SE": ("sweden", "country", None),
    "IT": ("italy", "country", None),
    "FI": ("finland", "country", None),
    "HR": ("croatia", "country", None),
    "SE232": ("vastra-gotaland", "region", "SE"),
    "ITH57": ("provincia-ravenna", "region", "IT"),
    "FI196": ("satakunta", "region", "FI"),
    "HR031": ("kvarner", "region", "HR"),
    "SE_1487": ("vanersborg", "municipality", "SE232"),
    "SE_1488": ("trollhattan", "municipality", "SE232"),
    "IT_039007": ("cervia", "municipality", "ITH57"),
    "IT_039014": ("ravenna", "municipality", "ITH57"),
    "FI_609": ("pori", "municipality", "FI196"),
    "HR_RIJEKA": ("rijeka", "municipality", "HR031"),
    "HR_OPATIJA": ("opatija", "municipality", "HR031"),
    "HR_CRIKVENICA": ("crikvenica", "municipality", "HR031"),
    "HR_KRK": ("krk", "municipality", "HR031"),
    "HR_MALI_LOSINJ": ("mali-losinj", "municipality", "HR031"),
}

#: The municipalities before the upgrade, with ids that are neither consecutive nor in the order of their codes
#: (id 1 is taken, so a PostgreSQL sequence left at its start would collide).
OLD = {
    "kvarner": (1, "Kvarner", "HR"),
    "gothenburg-test": (3, "Gothenburg (test)", "SE"),
    "vanersborg": (7, "Vänersborg", "SE"),
    "cervia": (12, "Cervia", "IT"),
}


def _references(conn, column: str) -> dict[str, list]:
    return {
        table: conn.execute(sa.text(f"SELECT {column} FROM {table} ORDER BY id")).scalars().all()
        for table in REFERENCES
    }


def _raises_integrity_error(conn, statement, params) -> bool:
    try:
        with conn.begin_nested():
            conn.execute(sa.text(statement), params)
    except sa.exc.IntegrityError:
        return True
    return False


def _fill_old_schema(conn) -> dict[str, list]:
    """Municipalities, a user in each, a business in Cervia, a pending registration, a session venue and a
    session request; returns the municipality ids each table holds."""
    ids = {}
    for code, (mid, name, country) in OLD.items():
        ids[code] = _insert(conn, "municipalities", id=mid, code=code, name=name, country=country, created_at=NOW)
    business = _insert(
        conn, "organisations", name="Hotel Cervia", municipality_id=ids["cervia"], owner_id=None, size="micro"
    )
    for n, code in enumerate(OLD, 1):
        _insert(
            conn,
            "users",
            email=f"user{n}@example.org",
            municipality_id=ids[code],
            organisation_id=business if code == "cervia" else None,
            privacy_accepted_at=None,
            last_login_at=None,
        )
    _insert(
        conn,
        "pending_registrations",
        email="new@example.org",
        token_hash="t" * 64,
        municipality_id=ids["gothenburg-test"],
        expires_at=NOW + timedelta(days=1),
    )
    provider = _insert(conn, "providers", slug="uprest", name="UPREST", kind="other", country="")
    module = _insert(conn, "modules", code="m1", status="published", published_version_id=None)
    session = _insert(
        conn,
        "sessions",
        uid="u" * 36,
        provider_id=provider,
        module_id=module,
        format="onsite",
        language="en",
        timezone="Europe/Stockholm",
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=2),
        online_taken=0,
        status="scheduled",
        sequence=0,
        checkin_token="c" * 32,
        created_by_id=None,
    )
    _insert(
        conn,
        "session_venues",
        session_id=session,
        position=1,
        municipality_id=ids["vanersborg"],
        country="SE",
        seats=10,
        seats_taken=0,
    )
    _insert(
        conn,
        "session_requests",
        module_id=module,
        staff_count=3,
        municipality_id=ids["kvarner"],
        language="hr",
        status="open",
        user_id=None,
        organisation_id=None,
        session_id=None,
    )
    before = _references(conn, "municipality_id")
    assert before == {
        "users": [1, 3, 7, 12],
        "organisations": [12],
        "pending_registrations": [3],
        "session_venues": [7],
        "session_requests": [1],
    }
    return before


def test_municipalities_become_territories_and_back(empty_app):  # noqa: F811
    """Upgrading keeps every municipality's id as a territory with its official code and its place in the tree
    (Kvarner becomes the region HR031, an unknown one gets "<country>_<CODE>"), seeds the missing territories once,
    moves every reference to territory_id with the same value and leaves the id sequence after the last id.
    Downgrading gives the references back, pointing to municipalities with their old codes."""
    directory = str(ROOT / "migrations")
    with empty_app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        with db.engine.begin() as conn:
            before = _fill_old_schema(conn)

        upgrade(directory=directory, revision=REVISION)
        with db.engine.begin() as conn:
            rows = conn.execute(
                sa.text("SELECT id, code, slug, kind, parent_id, name, names, country, code_list FROM territories")
            ).all()
            by_code = {r.code: r for r in rows}
            by_id = {r.id: r for r in rows}
            assert len(by_code) == len(rows) == len(SEEDED) + 1  # each seeded code once, plus the custom one
            assert {r.slug for r in rows} == {slug for slug, _, _ in SEEDED.values()} | {"gothenburg-test"}

            # The old municipalities keep their ids, and their old codes as slugs.
            assert {code: by_id[mid].slug for code, (mid, _, _) in OLD.items()} == {code: code for code in OLD}
            assert {code: by_id[mid].code for code, (mid, _, _) in OLD.items()} == {
                "kvarner": "HR031",
                "gothenburg-test": "SE_GOTHENBURG-TEST",
                "vanersborg": "SE_1487",
                "cervia": "IT_039007",
            }
            kvarner = by_id[OLD["kvarner"][0]]
            assert (kvarner.kind, kvarner.name, kvarner.country) == ("region", "Primorsko-goranska županija", "HR")
            assert by_id[OLD["vanersborg"][0]].code_list == "LAU 2021"

            # Every seeded territory has its kind and lies in its parent; the custom one lies in its country.
            for code, (slug, kind, parent) in SEEDED.items():
                row = by_code[code]
                assert (row.slug, row.kind) == (slug, kind), code
                assert (by_id[row.parent_id].code if row.parent_id else None) == parent, code
            custom = by_code["SE_GOTHENBURG-TEST"]
            assert (custom.kind, custom.name, custom.code_list, by_id[custom.parent_id].code) == (
                "municipality",
                "Gothenburg (test)",
                "",
                "SE",
            )
            vanersborg = by_id[OLD["vanersborg"][0]]
            chain = [by_id[vanersborg.parent_id], by_id[by_id[vanersborg.parent_id].parent_id]]
            assert [(t.code, t.kind) for t in chain] == [("SE232", "region"), ("SE", "country")]
            assert by_id[by_id[vanersborg.parent_id].parent_id].parent_id is None
            assert {by_code[c].parent_id for c in ("HR_RIJEKA", "HR_KRK")} == {OLD["kvarner"][0]}

            # Every reference moved to territory_id with the same value.
            assert _references(conn, "territory_id") == before
            inspector = sa.inspect(conn)
            assert "municipalities" not in inspector.get_table_names()
            for table in REFERENCES:
                columns = {c["name"]: c for c in inspector.get_columns(table)}
                assert "municipality_id" not in columns, table
                referred = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
                assert "territories" in referred and "municipalities" not in referred, table
            assert {c["name"]: c["nullable"] for c in inspector.get_columns("organisations")}["territory_id"] is False
            assert _raises_integrity_error(
                conn,
                "INSERT INTO organisations (name, subsector, size, created_at) VALUES ('No place', 'x', 'x', :now)",
                {"now": NOW},
            )
            assert (
                conn.execute(sa.text("SELECT email FROM users ORDER BY id")).scalars().all()[0] == "user1@example.org"
            )

            # A new territory gets a fresh id (on PostgreSQL: the sequence starts after the copied ids).
            fresh = _insert(
                conn, "territories", code="FI_TEST", slug="fi-test", kind="municipality", country="FI", code_list=""
            )
            assert fresh > max(by_id)

        downgrade(directory=directory, revision=BEFORE)
        with db.engine.begin() as conn:
            inspector = sa.inspect(conn)
            assert "territories" not in inspector.get_table_names()
            assert _references(conn, "municipality_id") == before
            for table in REFERENCES:
                referred = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
                assert "municipalities" in referred and "territories" not in referred, table
            assert {c["name"]: c["nullable"] for c in inspector.get_columns("organisations")}[
                "municipality_id"
            ] is False
            codes = dict(conn.execute(sa.text("SELECT id, code FROM municipalities")).all())
            assert {code: codes[mid] for code, (mid, _, _) in OLD.items()} == {code: code for code in OLD}
            user_places = conn.execute(
                sa.text("SELECT m.code FROM users u JOIN municipalities m ON m.id = u.municipality_id ORDER BY u.id")
            ).scalars()
            assert list(user_places) == ["kvarner", "gothenburg-test", "vanersborg", "cervia"]
            assert (
                conn.execute(
                    sa.text("SELECT m.code FROM organisations o JOIN municipalities m ON m.id = o.municipality_id")
                ).scalar_one()
                == "cervia"
            )
            fresh = _insert(conn, "municipalities", code="new-place", name="New", country="FI", created_at=NOW)
            assert fresh > max(codes)
