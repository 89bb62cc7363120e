"""catalog: full-text search with the database's own engine

The catalogue's search looked for the typed letters with LIKE: no match for "sostenibilita" (sostenibilità),
"hallbar" (hållbar) or "tourisms", no lesson text, no ranking (issue 8). This adds:

- module_search_documents: the searched text of each module's published version, one row per language
  (title, summary, outcomes, lessons as plain text);
- SQLite: the FTS5 table module_search_fts over it (porter stemmer, unicode61 without diacritics), kept in
  step by triggers;
- PostgreSQL: the unaccent extension (trusted since PostgreSQL 13), a text search configuration per
  language (unaccent, then the language's stemmer; 'simple' for Croatian) and the document's weighted
  tsvector under a GIN index. The tsvector is written with the configuration when a version is published
  (unaccent() is not IMMUTABLE, so it cannot be a generated column).

The upgrade fills the table from the modules' published versions. The downgrade leaves the unaccent
extension in place (other objects of the database may use it).

Revision ID: 4a5ce302503f
Revises: 4b7e2c9d1f30
Create Date: 2026-12-01 15:00:00.000000
"""

import unicodedata

import sqlalchemy as sa
from alembic import op
from markdown_it import MarkdownIt
from sqlalchemy.dialects import postgresql

revision = "4a5ce302503f"
down_revision = "4b7e2c9d1f30"
branch_labels = None
depends_on = None

DOCS = "module_search_documents"
FTS = "module_search_fts"
COLUMNS = ("title", "summary", "outcomes", "lessons")
CONFIGS = {"en": "english", "sv": "swedish", "it": "italian", "fi": "finnish"}  # other languages: simple
MAX_FIELD_CHARS = 200_000


def upgrade():
    op.create_table(
        DOCS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("document", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_module_search_documents_version_id_module_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_search_documents")),
        sa.UniqueConstraint("version_id", "lang", name=op.f("uq_module_search_documents_version_id_lang")),
    )
    op.create_index("ix_module_search_documents_document", DOCS, ["document"], unique=False, postgresql_using="gin")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _create_fts5()
    elif bind.dialect.name == "postgresql":
        _create_configurations()
    _backfill()


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    op.drop_index("ix_module_search_documents_document", table_name=DOCS)
    op.drop_table(DOCS)
    if bind.dialect.name == "postgresql":
        for base in (*CONFIGS.values(), "simple"):
            op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS uprest_{base}")


def _create_fts5():
    cols = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    delete = f"INSERT INTO {FTS}({FTS}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {FTS}(rowid, {cols}) VALUES (new.id, {new});"
    op.execute(
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({cols}, content='{DOCS}', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(f"CREATE TRIGGER {DOCS}_ai AFTER INSERT ON {DOCS} BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER {DOCS}_ad AFTER DELETE ON {DOCS} BEGIN {delete} END")
    op.execute(f"CREATE TRIGGER {DOCS}_au AFTER UPDATE ON {DOCS} BEGIN {delete} {insert} END")


def _create_configurations():
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'unaccent'"
            )
        )
        .scalar_one()
    )
    for base in (*CONFIGS.values(), "simple"):
        name = f"uprest_{base}"
        dictionary = "simple" if base == "simple" else f"{base}_stem"
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base})")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f'WITH "{schema}".unaccent, {dictionary}'
        )


# --- filling the table from the published versions (as uprest.catalog.search does at publish time) ------

_md = MarkdownIt("commonmark", {"html": False}).enable("table")


def _plain_text(md):
    blocks = []
    for token in _md.parse(md or ""):
        if token.type == "inline":
            parts = []
            for child in token.children or ():
                if child.type in ("text", "code_inline", "image"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            blocks.append("".join(parts))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content)
    return "\n".join(b.strip() for b in blocks if b.strip())


def _clean(text):
    text = unicodedata.normalize("NFC", text or "")
    return text.replace("\x00", " ").replace("\ue000", " ").replace("\ue001", " ").strip()[:MAX_FIELD_CHARS]


def _backfill():
    bind = op.get_bind()
    versions = sa.table("module_versions", sa.column("id"), sa.column("title", sa.JSON), sa.column("summary", sa.JSON))
    modules = sa.table("modules", sa.column("published_version_id"))
    outcomes = sa.table("module_outcomes", sa.column("version_id"), sa.column("position"), sa.column("text", sa.JSON))
    lessons = sa.table("lessons", sa.column("id"), sa.column("version_id"), sa.column("position"))
    texts = sa.table(
        "lesson_texts", sa.column("lesson_id"), sa.column("lang"), sa.column("title"), sa.column("body_md")
    )
    docs = sa.table(DOCS, *(sa.column(c) for c in ("version_id", "lang", *COLUMNS)))
    published = bind.execute(
        sa.select(versions.c.id, versions.c.title, versions.c.summary).where(
            versions.c.id.in_(sa.select(modules.c.published_version_id))
        )
    ).all()
    for version_id, title, summary in published:
        texts_of = [
            t or {}
            for (t,) in bind.execute(
                sa.select(outcomes.c.text).where(outcomes.c.version_id == version_id).order_by(outcomes.c.position)
            )
        ]
        lesson_rows = bind.execute(
            sa.select(texts.c.lang, texts.c.title, texts.c.body_md)
            .join(lessons, lessons.c.id == texts.c.lesson_id)
            .where(lessons.c.version_id == version_id)
            .order_by(lessons.c.position)
        ).all()
        title, summary = title or {}, summary or {}
        langs = dict.fromkeys(
            [lang for d in (title, summary, *texts_of) for lang, v in d.items() if v] + [r[0] for r in lesson_rows]
        )
        rows = []
        for lang in langs:
            rows.append(
                {
                    "version_id": version_id,
                    "lang": lang,
                    "title": _clean(title.get(lang, "")),
                    "summary": _clean(summary.get(lang, "")),
                    "outcomes": _clean("\n".join(o.get(lang, "") for o in texts_of)),
                    "lessons": _clean(
                        "\n\n".join(f"{t}\n{_plain_text(body)}" for lg, t, body in lesson_rows if lg == lang)
                    ),
                }
            )
        if rows:
            bind.execute(docs.insert(), rows)
    if bind.dialect.name == "postgresql":
        config = "CASE lang " + " ".join(f"WHEN '{lang}' THEN 'uprest_{base}'" for lang, base in CONFIGS.items())
        config += " ELSE 'uprest_simple' END::regconfig"
        vector = " || ".join(
            f"setweight(to_tsvector({config}, {column}), '{weight}')"
            for column, weight in zip(COLUMNS, "ABCD", strict=True)
        )
        op.execute(f"UPDATE {DOCS} SET document = {vector}")
