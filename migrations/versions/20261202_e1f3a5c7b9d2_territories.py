"""accounts: territories as a tree (country, NUTS 3 region, LAU municipality) replace municipalities

Revision ID: e1f3a5c7b9d2
Revises: dd256aef2db7
Create Date: 2026-12-02 04:30:00.000000

Every municipality becomes a territory with the same id, so that users, businesses, pending registrations, venues
and session requests keep their place (their `municipality_id` becomes `territory_id`). The partner
municipalities get their official codes (LAU 2021, prefixed by the country) and their place in the tree; the old
"kvarner" municipality becomes the region it always was (Primorje-Gorski Kotar County, NUTS 2021 HR031), with
its people in it until they say their municipality. Any other municipality keeps its code as its short name and
gets the code "<country>_<CODE>" with no code list (an administrator sets the official one).

The seed is a copy of `uprest.accounts.territories.SEED` as it was when this migration was written: a migration
must not import application code that later changes.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "e1f3a5c7b9d2"
down_revision = "dd256aef2db7"
branch_labels = None
depends_on = None

NUTS, LAU, ISO = "NUTS 2021", "LAU 2021", "ISO 3166-1"


def _names(en, sv, it, fi, hr):
    return {"en": en, "sv": sv, "it": it, "fi": fi, "hr": hr}


def _same(name):
    return _names(name, name, name, name, name)


# code, slug, kind, parent code, national name, names, country, code list
SEED = [
    ("SE", "sweden", "country", None, "Sverige", _names("Sweden", "Sverige", "Svezia", "Ruotsi", "Švedska"), "SE", ISO),
    ("IT", "italy", "country", None, "Italia", _names("Italy", "Italien", "Italia", "Italia", "Italija"), "IT", ISO),
    ("FI", "finland", "country", None, "Suomi", _names("Finland", "Finland", "Finlandia", "Suomi", "Finska"), "FI", ISO),
    ("HR", "croatia", "country", None, "Hrvatska", _names("Croatia", "Kroatien", "Croazia", "Kroatia", "Hrvatska"), "HR", ISO),
    ("SE232", "vastra-gotaland", "region", "SE", "Västra Götalands län",
     _names("Västra Götaland County", "Västra Götalands län", "Contea di Västra Götaland", "Länsi-Götanmaan lääni",
            "Županija Västra Götaland"), "SE", NUTS),
    ("ITH57", "provincia-ravenna", "region", "IT", "Ravenna",
     _names("Province of Ravenna", "Provinsen Ravenna", "Provincia di Ravenna", "Ravennan maakunta",
            "Pokrajina Ravenna"), "IT", NUTS),
    ("FI196", "satakunta", "region", "FI", "Satakunta", _same("Satakunta"), "FI", NUTS),
    ("HR031", "kvarner", "region", "HR", "Primorsko-goranska županija",
     _names("Primorje-Gorski Kotar County (Kvarner)", "Primorje-Gorski Kotar län (Kvarner)",
            "Regione litoraneo-montana (Quarnaro)", "Primorje-Gorski Kotarin lääni (Kvarner)",
            "Primorsko-goranska županija (Kvarner)"), "HR", NUTS),
    ("SE_1487", "vanersborg", "municipality", "SE232", "Vänersborg", _same("Vänersborg"), "SE", LAU),
    ("SE_1488", "trollhattan", "municipality", "SE232", "Trollhättan", _same("Trollhättan"), "SE", LAU),
    ("IT_039007", "cervia", "municipality", "ITH57", "Cervia", _same("Cervia"), "IT", LAU),
    ("IT_039014", "ravenna", "municipality", "ITH57", "Ravenna", _same("Ravenna"), "IT", LAU),
    ("FI_609", "pori", "municipality", "FI196", "Pori", _names("Pori", "Björneborg", "Pori", "Pori", "Pori"), "FI", LAU),
    ("HR_RIJEKA", "rijeka", "municipality", "HR031", "Rijeka",
     _names("Rijeka", "Rijeka", "Fiume (Rijeka)", "Rijeka", "Rijeka"), "HR", ""),
    ("HR_OPATIJA", "opatija", "municipality", "HR031", "Opatija",
     _names("Opatija", "Opatija", "Abbazia (Opatija)", "Opatija", "Opatija"), "HR", ""),
    ("HR_CRIKVENICA", "crikvenica", "municipality", "HR031", "Crikvenica",
     _names("Crikvenica", "Crikvenica", "Cirquenizza (Crikvenica)", "Crikvenica", "Crikvenica"), "HR", ""),
    ("HR_KRK", "krk", "municipality", "HR031", "Krk", _names("Krk", "Krk", "Veglia (Krk)", "Krk", "Krk"), "HR", ""),
    ("HR_MALI_LOSINJ", "mali-losinj", "municipality", "HR031", "Mali Lošinj",
     _names("Mali Lošinj", "Mali Lošinj", "Lussinpiccolo (Mali Lošinj)", "Mali Lošinj", "Mali Lošinj"), "HR", ""),
]  # fmt: skip

#: The seeded municipalities' old codes (their slugs now).
OLD_CODES = {"vanersborg", "trollhattan", "cervia", "ravenna", "pori", "kvarner"}

#: table, nullable, ondelete, indexed
REFERENCES = [
    ("users", True, None, True),
    ("organisations", False, None, True),
    ("pending_registrations", True, "SET NULL", False),
    ("session_venues", True, "SET NULL", True),
    ("session_requests", True, "SET NULL", True),
]


def _territories_table():
    return op.create_table(
        "territories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("code_list", sa.String(length=20), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["territories.id"], name=op.f("fk_territories_parent_id_territories")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territories")),
        sa.UniqueConstraint("code", name=op.f("uq_territories_code")),
        sa.UniqueConstraint("slug", name=op.f("uq_territories_slug")),
    )


def _columns(table, *names):
    """Typed columns of `table` (so that timestamps read back as datetimes on SQLite too)."""
    types = {"id": sa.Integer(), "created_at": uprest.extensions.UTCDateTime(timezone=True)}
    lightweight = sa.table(table, *(sa.column(name, types.get(name, sa.String())) for name in names))
    return [lightweight.c[name] for name in names]


def _reset_sequence(table):
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def _repoint(table, nullable, ondelete, indexed, *, old, old_table, new, new_table):
    """Move `table`'s reference from old_table (column `old`) to new_table (column `new`), same ids."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(new, sa.Integer(), nullable=True))
    op.execute(f"UPDATE {table} SET {new} = {old}")
    with op.batch_alter_table(table) as batch:
        if indexed:
            batch.drop_index(f"ix_{table}_{old}")
        batch.drop_constraint(f"fk_{table}_{old}_{old_table}", type_="foreignkey")
        batch.drop_column(old)
        if not nullable:
            batch.alter_column(new, existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(f"fk_{table}_{new}_{new_table}", new_table, [new], ["id"], ondelete=ondelete)
        if indexed:
            batch.create_index(f"ix_{table}_{new}", [new], unique=False)


def upgrade():
    bind = op.get_bind()
    territories = _territories_table()
    now = datetime.now(UTC)
    old = bind.execute(
        sa.select(*_columns("municipalities", "id", "code", "name", "country", "created_at")).order_by(sa.text("id"))
    ).all()
    seed = {row[0]: row for row in SEED}
    by_slug = {row[1]: row for row in SEED}
    rows, taken_codes, taken_slugs = [], set(), set()
    for mid, code, name, country, created_at in old:
        if code in OLD_CODES:
            new_code, slug, kind, _parent, national, names, country, code_list = by_slug[code]
        else:
            new_code, slug, kind, national, names, code_list = (
                f"{country}_{code.upper()}"[:40],
                code,
                "municipality",
                name,
                {},
                "",
            )
        rows.append(dict(id=mid, code=new_code, slug=slug, kind=kind, parent_id=None, name=national, names=names,
                         country=country, code_list=code_list, created_at=created_at or now))  # fmt: skip
        taken_codes.add(new_code)
        taken_slugs.add(slug)
    next_id = max((r["id"] for r in rows), default=0) + 1
    for code, slug, kind, _parent, national, names, country, code_list in SEED:
        if code in taken_codes or slug in taken_slugs:
            continue
        rows.append(dict(id=next_id, code=code, slug=slug, kind=kind, parent_id=None, name=national, names=names,
                         country=country, code_list=code_list, created_at=now))  # fmt: skip
        next_id += 1
    if rows:
        op.bulk_insert(territories, rows)
    ids = {r["code"]: r["id"] for r in rows}
    for r in rows:
        parent = seed[r["code"]][3] if r["code"] in seed else (r["country"] if r["country"] in ids else None)
        if parent and parent in ids and ids[parent] != r["id"]:
            bind.execute(
                sa.text("UPDATE territories SET parent_id = :p WHERE id = :i"), {"p": ids[parent], "i": r["id"]}
            )
    _reset_sequence("territories")
    with op.batch_alter_table("territories") as batch:
        batch.create_index(batch.f("ix_territories_parent_id"), ["parent_id"], unique=False)
    for table, nullable, ondelete, indexed in REFERENCES:
        _repoint(table, nullable, ondelete, indexed, old="municipality_id", old_table="municipalities",
                 new="territory_id", new_table="territories")  # fmt: skip
    op.drop_table("municipalities")


def downgrade():
    bind = op.get_bind()
    municipalities = op.create_table(
        "municipalities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("code", name=op.f("uq_municipalities_code")),
    )
    rows = bind.execute(
        sa.select(*_columns("territories", "id", "slug", "name", "country", "created_at")).order_by(sa.text("id"))
    ).all()
    if rows:
        op.bulk_insert(
            municipalities,
            [
                dict(id=i, code=slug, name=name, country=country, created_at=created)
                for i, slug, name, country, created in rows
            ],
        )
    _reset_sequence("municipalities")
    for table, nullable, ondelete, indexed in REFERENCES:
        _repoint(table, nullable, ondelete, indexed, old="territory_id", old_table="territories",
                 new="municipality_id", new_table="municipalities")  # fmt: skip
    with op.batch_alter_table("territories") as batch:
        batch.drop_index(batch.f("ix_territories_parent_id"))
    op.drop_table("territories")
