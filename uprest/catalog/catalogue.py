"""The public catalogue's queries: filters, search, the page of modules, titles and choices of modules."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast
from sqlalchemy.orm import contains_eager

from uprest.catalog import rules, search
from uprest.catalog.models import (
    Module,
    ModuleOutcome,
    ModuleVersion,
)
from uprest.extensions import db
from uprest.frameworks.models import Area, Competence, Framework

LANGS = rules.LANGS

# --- the catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    q: str = ""
    competence: str = ""  # "digcomp:1.1" or "area:digcomp:1"
    lang: str = ""
    eqf: int | None = None
    workload: str = ""
    participation: str = ""


def competence_keys_for(value: str) -> list[str] | None:
    """The competence keys a competence filter value means; None for an unknown value."""
    if value.startswith("area:"):
        _, fw_code, area_code = (value.split(":", 2) + ["", ""])[:3]
        keys = list(
            db.session.scalars(
                db.select(Competence.key)
                .join(Area, Competence.area_id == Area.id)
                .join(Framework, Competence.framework_id == Framework.id)
                .where(
                    Framework.is_current.is_(True),
                    Framework.code == fw_code,
                    Area.code == area_code,
                )
            )
        )
        return keys or None
    from uprest.frameworks.loader import KEY_RE

    return [value] if KEY_RE.match(value) else None


CATALOGUE_PER_PAGE = 20


def search_languages(ui_lang: str, course_lang: str = "") -> list[str]:
    """The languages a text search looks in: the reader's, English (every module has it, the fallback) and
    the course language the catalogue is filtered by."""
    return [lang for lang in LANGS if lang in (ui_lang, "en", course_lang)]


def _ui_lang() -> str:
    from flask import has_request_context

    from uprest.i18n import get_locale

    locale = get_locale() if has_request_context() else None
    return locale.language if locale is not None else "en"


def catalogue_stmt(filters: Filters, lang: str | None = None):
    """Published modules matching the filters, each with its published version (one query), for
    db.paginate: with a text search (in `lang`, by default the reader's language, and English) best match
    first; otherwise, and among equal matches, in a stable order by code (which is unique)."""
    stmt = (
        db.select(Module)
        .join(ModuleVersion, Module.published_version_id == ModuleVersion.id)
        .where(Module.status == "published")
        .options(contains_eager(Module.published_version).defer(ModuleVersion.search_text))
    )
    searched = search.search(stmt, filters.q, search_languages(lang or _ui_lang(), filters.lang))
    stmt = stmt.order_by(Module.code) if searched is None else searched
    if filters.competence:
        keys = competence_keys_for(filters.competence) or ["-"]
        stmt = stmt.where(
            db.select(ModuleOutcome.id)
            .where(ModuleOutcome.version_id == ModuleVersion.id, ModuleOutcome.competence_key.in_(keys))
            .exists()
        )
    if filters.lang in LANGS:
        stmt = stmt.where(cast(ModuleVersion.languages, String).like(f'%"{filters.lang}"%'))
    if filters.eqf is not None:
        stmt = stmt.where(ModuleVersion.eqf_level == filters.eqf)
    if filters.workload in rules.WORKLOAD_RANGES:
        lo, hi = rules.WORKLOAD_RANGES[filters.workload]
        stmt = stmt.where(ModuleVersion.workload_hours > lo)
        if hi is not None:
            stmt = stmt.where(ModuleVersion.workload_hours <= hi)
    if filters.participation:
        stmt = stmt.where(ModuleVersion.participation == filters.participation)
    return stmt


def catalogue_page(filters: Filters, page: int, per_page: int = CATALOGUE_PER_PAGE, lang: str | None = None):
    """One page of the catalogue (a Flask-SQLAlchemy Pagination: items, total, pages) and its ``snippets``:
    published version id -> where a text search matched (safe HTML, the words in <mark>; empty without a
    search). A page past the last one gives the last page (an old link after modules were archived still
    shows courses)."""
    lang = lang or _ui_lang()
    stmt = catalogue_stmt(filters, lang)
    result = db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)
    if result.page > 1 and not result.items and result.total:
        result = db.paginate(stmt, page=result.pages, per_page=per_page, error_out=False)
    langs = search_languages(lang, filters.lang)
    result.snippets = search.snippets([m.published_version_id for m in result.items], filters.q, langs)
    return result


def module_titles(codes) -> dict[str, dict]:
    """code -> title (i18n) of the published modules among `codes` (for prerequisite links)."""
    codes = [c for c in set(codes) if isinstance(c, str)]
    if not codes:
        return {}
    rows = db.session.execute(
        db.select(Module.code, ModuleVersion.title)
        .join(ModuleVersion, Module.published_version_id == ModuleVersion.id)
        .where(Module.code.in_(codes), Module.status != "draft")
    ).all()
    return {code: title for code, title in rows}


def module_choices(exclude: str | None = None) -> list[tuple[str, str]]:
    """Every other module with a published version, for the prerequisites select."""
    from uprest.i18n import pick

    rows = db.session.execute(
        db.select(Module.code, ModuleVersion.title)
        .join(ModuleVersion, Module.published_version_id == ModuleVersion.id)
        .order_by(Module.code)
    ).all()
    return [(code, f"{pick(title)} ({code})") for code, title in rows if code != exclude]


# --- prerequisites ----------------------------------------------------------------------------


def prerequisite_graph() -> dict[str, set[str]]:
    """Module code -> the codes it needs, over every module's published version and its draft (both count:
    a draft is published later, and the published version stays for learners until then)."""
    rows = db.session.execute(
        db.select(Module.code, ModuleVersion.prerequisites)
        .join(ModuleVersion, ModuleVersion.module_id == Module.id)
        .where((ModuleVersion.id == Module.published_version_id) | ModuleVersion.published_at.is_(None))
    ).all()
    graph: dict[str, set[str]] = {}
    for code, needs in rows:
        graph.setdefault(code, set()).update(c for c in needs or () if isinstance(c, str))
    return graph


def prerequisite_cycle(code: str, needs) -> tuple[str, ...] | None:
    """The cycle that giving module `code` these prerequisites would make with the others; None if none."""
    if not needs:
        return None  # a module that needs nothing is on no cycle
    graph = prerequisite_graph()
    graph[code] = set(needs or ())
    return rules.cycle_through(graph, code)
