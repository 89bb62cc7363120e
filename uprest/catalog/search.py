"""Full-text search of the catalogue, with each database's own engine.

What is searched: the published version of each module, one ``SearchDocument`` per language holding its
title, summary, outcomes and lessons (the Markdown as plain text). ``index_published`` writes them when a
version is published (by an author or the courses/ importer); published versions never change, drafts are
not searched, archived modules are left out by the catalogue's own status condition.

How a query is read (``words``): at most MAX_WORDS words, punctuation dropped, each one a prefix ("touris"
finds "tourism", "hallbar" finds "hållbarhet"), all of them required. The words never reach the engine as
syntax: on SQLite each becomes a quoted FTS5 string, on PostgreSQL a tsquery operand made of letters and
digits only.

- SQLite: FTS5 with the porter stemmer over unicode61 without diacritics; ranked by bm25() with the title
  weighing most, then summary, outcomes, lessons; snippet() marks the matches.
- PostgreSQL: the document's tsvector, made with the language's text search configuration (unaccent, then
  the language's stemmer; see ``uprest.catalog.models.pg_config``) and weighted A-D in the same order;
  ranked by ts_rank; ts_headline marks the matches.

A search looks in the reader's language and in English (every module has English, the fallback), and in the
course language the catalogue is filtered by; a module matching in several is listed once, by its best
match. Snippets come back with private sentinel characters around the matches; ``highlight`` escapes the
text and only then turns the sentinels into <mark> tags.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from sqlalchemy.dialects.postgresql import REGCONFIG, distinct_on
from sqlalchemy.orm import aliased

from uprest.catalog.models import (
    FTS_TABLE,
    PG_CONFIG_BASES,
    Module,
    ModuleVersion,
    SearchDocument,
    pg_config,
)
from uprest.extensions import db

MAX_WORDS = 8
MAX_WORD_CHARS = 60  # a longer "word" is cut: still a prefix of what it was
MAX_FIELD_CHARS = 200_000  # of one column of a document (PostgreSQL's tsvector holds at most 1 MB)
START, STOP = "\ue000", "\ue001"  # private-use characters: around a match in a snippet, never in the text
SNIPPET_TOKENS = 24  # FTS5 snippet() length
HEADLINE_OPTIONS = (
    f'StartSel="{START}", StopSel="{STOP}", MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "'
)
BM25_WEIGHTS = (10.0, 5.0, 3.0, 1.0)  # title, summary, outcomes, lessons (models.FTS_COLUMNS)

_WORD = re.compile(r"[^\W_]+")
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
_md = MarkdownIt("commonmark", {"html": False}).enable("table")


# --- pure: words, documents, snippets ------------------------------------------------------------------


def _clean(text: str) -> str:
    """NFC (so "å" is one character however it was typed), without NUL and the snippet sentinels."""
    text = unicodedata.normalize("NFC", text or "")
    return text.replace("\x00", " ").replace(START, " ").replace(STOP, " ")


def words(query: str) -> list[str]:
    """The words of a search: letters and digits only, lower-cased, each once, at most MAX_WORDS."""
    found: list[str] = []
    for word in _WORD.findall(_clean(query or "")):
        word = word.lower()[:MAX_WORD_CHARS]
        if word not in found:
            found.append(word)
        if len(found) == MAX_WORDS:
            break
    return found


def fts5_query(found: list[str]) -> str:
    """An FTS5 query requiring each word as a prefix: "word"* ... (quoted, so NEAR/AND/OR are words)."""
    return " ".join(f'"{w}"*' for w in found)


def tsquery_text(found: list[str]) -> str:
    """to_tsquery() input requiring each word as a prefix: word:* & ... (words are letters and digits)."""
    return " & ".join(f"{w}:*" for w in found)


def plain_text(md: str) -> str:
    """The text of a lesson's Markdown without its markup (image alt texts and code kept)."""
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


def documents(version) -> dict[str, dict[str, str]]:
    """lang -> the text columns of the version's SearchDocument in that language (languages with any text)."""
    langs: dict[str, None] = {}
    for texts in (version.title or {}, version.summary or {}, *((o.text or {}) for o in version.outcomes)):
        langs.update(dict.fromkeys(lang for lang, value in texts.items() if value))
    for lesson in version.lessons:
        langs.update(dict.fromkeys(t.lang for t in lesson.texts))
    docs = {}
    for lang in langs:
        lessons = [f"{t.title}\n{plain_text(t.body_md)}" for le in version.lessons for t in le.texts if t.lang == lang]
        fields = {
            "title": (version.title or {}).get(lang, ""),
            "summary": (version.summary or {}).get(lang, ""),
            "outcomes": "\n".join((o.text or {}).get(lang, "") for o in version.outcomes),
            "lessons": "\n\n".join(lessons),
        }
        docs[lang] = {name: _clean(value).strip()[:MAX_FIELD_CHARS] for name, value in fields.items()}
    return docs


def highlight(raw: str | None) -> Markup:
    """A snippet as safe HTML: the text escaped, the matches (between the sentinels) in <mark>."""
    text = str(escape(raw or ""))
    text = _MARKED.sub(r"<mark>\1</mark>", text)
    return Markup(text.replace(START, "").replace(STOP, ""))


# --- the index -----------------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def index_version(version: ModuleVersion) -> None:
    """Make the index hold `version`'s text in each of its languages, replacing what it held for it."""
    db.session.execute(sa.delete(SearchDocument).where(SearchDocument.version_id == version.id))
    for lang, fields in documents(version).items():
        db.session.add(SearchDocument(version_id=version.id, lang=lang, **fields))
    db.session.flush()
    if _dialect() == "postgresql":
        db.session.execute(
            sa.update(SearchDocument)
            .where(SearchDocument.version_id == version.id)
            .values(document=tsvector_of(SearchDocument.__table__.c))
            .execution_options(synchronize_session=False)
        )


def index_published(module: Module) -> None:
    """After a publish: the index holds the module's published version, and no other version of it."""
    version = module.published_version
    if version is None:
        return
    others = sa.select(ModuleVersion.id).where(ModuleVersion.module_id == module.id, ModuleVersion.id != version.id)
    db.session.execute(
        sa.delete(SearchDocument)
        .where(SearchDocument.version_id.in_(others))
        .execution_options(synchronize_session=False)
    )
    index_version(version)


def _regconfig(name: str):
    return sa.cast(sa.literal(name), REGCONFIG)


def _config_of(lang_column):
    """The text search configuration of a document's language, in SQL."""
    return sa.case(
        {lang: _regconfig(pg_config(lang)) for lang in PG_CONFIG_BASES},
        value=lang_column,
        else_=_regconfig(pg_config("")),
    )


def tsvector_of(c):
    """PostgreSQL: the weighted tsvector of a document row (columns `c`)."""
    config = _config_of(c.lang)
    parts = [
        sa.func.setweight(sa.func.to_tsvector(config, column), sa.literal_column(f"'{weight}'"))
        for column, weight in ((c.title, "A"), (c.summary, "B"), (c.outcomes, "C"), (c.lessons, "D"))
    ]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector.op("||")(part)
    return vector


# --- queries -------------------------------------------------------------------------------------------


def search(stmt, query: str, langs: list[str]):
    """`stmt` (a select of Module joined to its published ModuleVersion) narrowed to the modules whose text
    in one of `langs` has every word of `query`, best match first (then by code); None when the query has
    no words (the caller keeps its own order)."""
    found = words(query)
    if not found:
        return None
    if _dialect() == "postgresql":
        hits = _pg_matches(found, langs, group=True)
        best = hits.c.rank.desc()
    else:
        hits = _sqlite_matches(found, langs)
        best = hits.c.rank  # bm25: lower is better
    return stmt.join(hits, hits.c.version_id == ModuleVersion.id).order_by(best, Module.code)


def snippets(version_ids, query: str, langs: list[str]) -> dict[int, Markup]:
    """version id -> where `query` matched its text (its best match in `langs`), as highlighted safe HTML.
    One query, for the versions of a page of results."""
    found, ids = words(query), list(version_ids)
    if not found or not ids:
        return {}
    if _dialect() == "postgresql":
        hits = _pg_matches(found, langs, only=ids)
        doc = aliased(SearchDocument, name="search_doc")
        body = sa.func.concat_ws("\n", doc.title, doc.summary, doc.outcomes, doc.lessons)
        query_of = sa.case(*((hits.c.lang == lang, q) for lang, q in _tsqueries(found, langs).items()))
        headline = sa.func.ts_headline(_config_of(hits.c.lang), body, query_of, HEADLINE_OPTIONS)
        stmt = sa.select(hits.c.version_id, headline).join(doc, doc.id == hits.c.doc_id)
    else:
        hits = _sqlite_matches(found, langs, only=ids)
        stmt = sa.select(hits.c.version_id, hits.c.snippet)
    return {version_id: highlight(raw) for version_id, raw in db.session.execute(stmt)}


def _sqlite_matches(found: list[str], langs: list[str], only: list[int] | None = None):
    """Per matching version: its best (lowest) bm25 rank and the snippet of that match."""
    fts = sa.literal_column(FTS_TABLE)
    fts_rows = sa.table(FTS_TABLE, sa.column("rowid"))
    docs = SearchDocument.__table__
    rows = (
        sa.select(
            docs.c.version_id,
            sa.func.bm25(fts, *BM25_WEIGHTS).label("rank"),
            sa.func.snippet(fts, -1, START, STOP, "…", SNIPPET_TOKENS).label("snippet"),
        )
        .select_from(fts_rows.join(docs, docs.c.id == fts_rows.c.rowid))
        .where(fts.op("MATCH")(fts5_query(found)), docs.c.lang.in_(langs))
    )
    if only is not None:
        rows = rows.where(docs.c.version_id.in_(only))
    # bm25() and snippet() work only in the full-text query itself, not under the GROUP BY: a CTE made first
    rows = rows.cte("search_rows").prefix_with("MATERIALIZED")
    # SQLite: with min(), the bare column (the snippet) comes from the row holding the minimum
    return (
        sa.select(rows.c.version_id, sa.func.min(rows.c.rank).label("rank"), rows.c.snippet)
        .group_by(rows.c.version_id)
        .subquery("search_hits")
    )


def _tsqueries(found: list[str], langs: list[str]) -> dict:
    text = tsquery_text(found)
    return {lang: sa.func.to_tsquery(_regconfig(pg_config(lang)), text) for lang in langs}


def _pg_matches(found: list[str], langs: list[str], only: list[int] | None = None, group: bool = False):
    """Per matching version: its best ts_rank (group=True), or its best document's id and language."""
    docs = SearchDocument.__table__
    queries = _tsqueries(found, langs)
    rank = sa.case(
        *((docs.c.lang == lang, sa.func.ts_rank(docs.c.document, q)) for lang, q in queries.items()), else_=0.0
    )
    match = sa.or_(*(sa.and_(docs.c.lang == lang, docs.c.document.op("@@")(q)) for lang, q in queries.items()))
    if group:
        stmt = sa.select(docs.c.version_id, sa.func.max(rank).label("rank")).group_by(docs.c.version_id)
    else:
        stmt = (
            sa.select(docs.c.version_id, docs.c.id.label("doc_id"), docs.c.lang)
            .ext(distinct_on(docs.c.version_id))
            .order_by(docs.c.version_id, rank.desc())
        )
    stmt = stmt.where(match)
    if only is not None:
        stmt = stmt.where(docs.c.version_id.in_(only))
    return stmt.subquery("search_hits")
