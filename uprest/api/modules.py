"""Public API: the published course modules with every micro-credential field.

Only published versions of modules in the catalogue are listed. The quiz is described
by its settings and number of questions: questions, choices and above all which choice
is correct are never published here.

The list is paginated (``?page=`` from 1, ``?per_page=`` from 1 to 100, default 20) in a
stable order (by module code). The body says ``total``, ``page``, ``per_page`` and
``pages``; the ``Link`` header (RFC 8288) gives the ``first``, ``prev``, ``next`` and
``last`` pages, and ``X-Total-Count`` the total. A page past the last one is empty.

Both answers are dumped through their schema once per content generation and host (the
links are absolute) and kept as bytes with their ETag (uprest.cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, request, url_for
from marshmallow import fields, validate
from sqlalchemy.orm import contains_eager, selectinload
from werkzeug.http import generate_etag

from uprest import cache
from uprest.api.schemas import (
    Clamped,
    Derived,
    ErrorSchema,
    I18nOptional,
    I18nText,
    LinksSchema,
    Schema,
    Strings,
    computed,
    page_headers,
    uri,
)
from uprest.api.views import bp
from uprest.catalog import catalogue, services
from uprest.catalog.models import ASSESSMENT_TYPES, PARTICIPATION, Lesson, Module, ModuleVersion
from uprest.extensions import MAX_PAGE, db

PER_PAGE = catalogue.CATALOGUE_PER_PAGE
MAX_PER_PAGE = 100


# --- schemas -----------------------------------------------------------------------------


class ModuleOutcomeSchema(Schema):
    competence = fields.String(
        attribute="competence_key",
        required=True,
        metadata={"description": "Stable competence key (see /frameworks)", "examples": ["digcomp:1.1"]},
    )
    from_level = fields.Integer(required=True)
    to_level = fields.Integer(required=True)
    text = I18nText(required=True)


def _module_links(v: ModuleVersion) -> dict:
    return {
        "self": url_for("api.module", code=v.module.code, _external=True),
        "html": url_for("catalog.module", code=v.module.code, _external=True),
    }


class ModuleSummarySchema(Schema):
    """A published module version (dumped from a ModuleVersion)."""

    code = fields.String(attribute="module.code", required=True, metadata={"examples": ["sustainable-tourism"]})
    version = fields.Integer(
        required=True, metadata={"description": "Published version; learners keep the one they enrolled in"}
    )
    published_at = fields.DateTime(required=True, allow_none=True)
    title = I18nText(required=True)
    summary = I18nOptional(required=True)
    provider = fields.String(required=True, metadata={"description": "The awarding body"})
    workload_hours = fields.Float(required=True)
    ects = fields.Float(required=True, allow_none=True)
    eqf_level = fields.Integer(required=True, allow_none=True, validate=validate.Range(1, 8))
    participation = fields.String(required=True, validate=validate.OneOf(PARTICIPATION))
    assessment_type = fields.String(required=True, validate=validate.OneOf(ASSESSMENT_TYPES))
    quality_assurance = I18nOptional(required=True)
    languages = Strings(
        required=True, metadata={"description": "Languages in which every text of the module is available"}
    )
    prerequisites = Strings(required=True, metadata={"description": "Module codes"})
    outcomes = fields.List(fields.Nested(ModuleOutcomeSchema), required=True)
    links = Derived(LinksSchema, _module_links, required=True)


class LessonSchema(Schema):
    position = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = I18nText(required=True)
    url = computed(
        lambda le: url_for("catalog.lesson", code=le.version.module.code, n=le.position, _external=True),
        "string",
        required=True,
        metadata=uri(),
    )


class QuizSchema(Schema):
    """The quiz's settings (dumped from the module version)."""

    pass_mark = fields.Integer(required=True, metadata={"description": "Percent"})
    max_attempts = fields.Integer(required=True, metadata={"description": "0 = unlimited"})
    shuffle = fields.Boolean(required=True)
    questions = computed(
        lambda v: len(v.questions),
        "integer",
        required=True,
        metadata={"description": "How many (their content is not published)"},
    )


def _lessons(v: ModuleVersion) -> list[Lesson]:
    return list(
        db.session.scalars(
            db.select(Lesson)
            .where(Lesson.version_id == v.id)
            .options(selectinload(Lesson.texts))
            .order_by(Lesson.position)
        )
    )


class ModuleSchema(ModuleSummarySchema):
    """A published module version with its lessons and quiz settings."""

    lessons = Derived(LessonSchema, _lessons, many=True, required=True)
    quiz = Derived(QuizSchema, required=True)


class ModuleListSchema(Schema):
    modules = fields.List(fields.Nested(ModuleSummarySchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class ModulePageArgs(Schema):
    page = Clamped(
        minimum=1, maximum=MAX_PAGE, default=1, description="Page number, from 1. A page past the last one is empty."
    )
    per_page = Clamped(
        minimum=1,
        maximum=MAX_PER_PAGE,
        default=PER_PAGE,
        description=f"Modules per page; larger values are reduced to {MAX_PER_PAGE}.",
    )


# --- answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cached:
    body: bytes
    etag: str
    total: int = 0
    pages: int = 0


def _cached(*key, make) -> _Cached:
    """The answer for `key`, made once per content generation and host (the links are absolute)."""
    full_key = ("api", services.content_generation(), request.host_url, *key)
    return cache.pages().get_or_make(full_key, make)


def _answer(data: Any, schema: Schema, **counts) -> _Cached:
    """`data` dumped through `schema`, as the bytes of the answer and their ETag."""
    body = current_app.json.dumps(schema.dump(data)).encode() + b"\n"
    return _Cached(body, generate_etag(body), **counts)


def _response(cached: _Cached):
    response = current_app.response_class(cached.body, mimetype="application/json")
    response.set_etag(cached.etag)
    return response


def link_header(endpoint: str, page: int, pages: int, **args) -> str:
    """RFC 8288 links to the first, previous, next and last pages (absolute URLs, other arguments kept)."""
    last = max(pages, 1)
    rels = [("first", 1)]
    if 1 < page <= last:
        rels.append(("prev", page - 1))
    if page < last:
        rels.append(("next", page + 1))
    rels.append(("last", last))
    return ", ".join(f'<{url_for(endpoint, page=n, _external=True, **args)}>; rel="{rel}"' for rel, n in rels)


def _modules_page(page_number: int, per_page: int) -> _Cached:
    stmt = catalogue.catalogue_stmt(catalogue.Filters()).options(
        contains_eager(Module.published_version).selectinload(ModuleVersion.outcomes)
    )
    page = db.paginate(stmt, page=page_number, per_page=per_page, error_out=False)
    data = {
        "modules": [m.published_version for m in page.items],
        "total": page.total,
        "page": page_number,
        "per_page": per_page,
        "pages": page.pages,
    }
    return _answer(data, ModuleListSchema(), total=page.total, pages=page.pages)


@bp.route("/modules", tags=["modules"])
@bp.public
@bp.arguments(ModulePageArgs, location="query", as_kwargs=True, error_status_code=400)
@bp.response(
    200,
    ModuleListSchema,
    description="The modules of the catalogue in their current published version, ordered by code.",
    headers=page_headers("modules"),
)
@bp.doc(operationId="listModules")
def modules(page: int, per_page: int):
    """The published course modules (micro-credentials), a page at a time"""
    cached = _cached("modules", page, per_page, make=lambda: _modules_page(page, per_page))
    response = _response(cached)
    response.headers["Link"] = link_header("api.modules", page, cached.pages, per_page=per_page)
    response.headers["X-Total-Count"] = str(cached.total)
    return response


def _module(code: str) -> _Cached:
    mod = services.public_module(code)
    if mod is None or mod.status != "published":
        abort(404)
    return _answer(mod.published_version, ModuleSchema())


@bp.route(
    "/modules/<code>", tags=["modules"], parameters=[{"in": "path", "name": "code", "example": "sustainable-tourism"}]
)
@bp.public
@bp.response(200, ModuleSchema, description="The current published version.")
@bp.alt_response(404, schema=ErrorSchema, description="No published module with this code.")
@bp.doc(operationId="getModule")
def module(code: str):
    """One published module: credential fields, outcomes, lessons, quiz settings"""
    return _response(_cached("module", code, make=lambda: _module(code)))
