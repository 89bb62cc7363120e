"""Public API: the published course modules with every micro-credential field.

Only published versions of modules in the catalogue are listed. The quiz is described
by its settings and number of questions: questions, choices and above all which choice
is correct are never published here.

The list is paginated (``?page=`` from 1, ``?per_page=`` from 1 to 100, default 20) in a
stable order (by module code). The body says ``total``, ``page``, ``per_page`` and
``pages``; the ``Link`` header (RFC 8288) gives the ``first``, ``prev``, ``next`` and
``last`` pages, and ``X-Total-Count`` the total. A page past the last one is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, request, url_for
from sqlalchemy.orm import contains_eager, selectinload

from uprest import cache
from uprest.api.views import OPENAPI, bp
from uprest.catalog import catalogue, services
from uprest.catalog.models import Lesson, Module, ModuleVersion
from uprest.extensions import MAX_PAGE, db

PER_PAGE = catalogue.CATALOGUE_PER_PAGE
MAX_PER_PAGE = 100


def _summary(module: Module, v: ModuleVersion) -> dict:
    return {
        "code": module.code,
        "version": v.version,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "title": v.title,
        "summary": v.summary or {},
        "provider": v.provider,
        "workload_hours": v.workload_hours,
        "ects": v.ects,
        "eqf_level": v.eqf_level,
        "participation": v.participation,
        "assessment_type": v.assessment_type,
        "quality_assurance": v.quality_assurance or {},
        "languages": list(v.languages or []),
        "prerequisites": list(v.prerequisites or []),
        "outcomes": [
            {
                "competence": o.competence_key,
                "from_level": o.from_level,
                "to_level": o.to_level,
                "text": o.text or {},
            }
            for o in v.outcomes
        ],
        "links": {
            "self": url_for("api.module", code=module.code, _external=True),
            "html": url_for("catalog.module", code=module.code, _external=True),
        },
    }


def _bounded_arg(name: str, default: int, highest: int) -> int:
    """An integer query argument kept within 1..highest; junk means the default."""
    value = request.args.get(name, default, type=int)
    return min(max(value, 1), highest)


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


@dataclass(frozen=True)
class _CachedList:
    body: bytes
    total: int
    pages: int


def _cached(*key, make):
    """The answer for `key`, made once per content generation and host (the links are absolute)."""
    full_key = ("api", services.content_generation(), request.host_url, *key)
    return cache.pages().get_or_make(full_key, make)


def _json(data) -> bytes:
    return current_app.json.dumps(data).encode() + b"\n"


def _modules_page(page_number: int, per_page: int) -> _CachedList:
    stmt = catalogue.catalogue_stmt(catalogue.Filters()).options(
        contains_eager(Module.published_version).selectinload(ModuleVersion.outcomes)
    )
    page = db.paginate(stmt, page=page_number, per_page=per_page, error_out=False)
    data = {
        "modules": [_summary(m, m.published_version) for m in page.items],
        "total": page.total,
        "page": page_number,
        "per_page": per_page,
        "pages": page.pages,
    }
    return _CachedList(_json(data), page.total, page.pages)


@bp.route("/modules")
def modules():
    page_number = _bounded_arg("page", 1, MAX_PAGE)
    per_page = _bounded_arg("per_page", PER_PAGE, MAX_PER_PAGE)
    page = _cached("modules", page_number, per_page, make=lambda: _modules_page(page_number, per_page))
    response = current_app.response_class(page.body, mimetype="application/json")
    response.headers["Link"] = link_header("api.modules", page_number, page.pages, per_page=per_page)
    response.headers["X-Total-Count"] = str(page.total)
    return response


def _module(code: str) -> bytes:
    mod = services.public_module(code)
    if mod is None or mod.status != "published":
        abort(404)
    v = mod.published_version
    data = _summary(mod, v)
    data["lessons"] = [
        {
            "position": le.position,
            "slug": le.slug,
            "title": le.title,
            "url": url_for("catalog.lesson", code=mod.code, n=le.position, _external=True),
        }
        for le in db.session.scalars(
            db.select(Lesson)
            .where(Lesson.version_id == v.id)
            .options(selectinload(Lesson.texts))
            .order_by(Lesson.position)
        )
    ]
    data["quiz"] = {
        "pass_mark": v.pass_mark,
        "max_attempts": v.max_attempts,
        "shuffle": v.shuffle,
        "questions": len(v.questions),
    }
    return _json(data)


@bp.route("/modules/<code>")
def module(code: str):
    body = _cached("module", code, make=lambda: _module(code))
    return current_app.response_class(body, mimetype="application/json")


# --- OpenAPI -----------------------------------------------------------------------------

_INT, _STR, _NUM = {"type": "integer"}, {"type": "string"}, {"type": "number"}
_I18N = {"$ref": "#/components/schemas/I18nText"}
_I18N_OPTIONAL = {
    "type": "object",
    "description": "Text per language code; may be empty.",
    "additionalProperties": _STR,
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


OPENAPI["components"]["schemas"].setdefault(
    "I18nText",
    {
        "type": "object",
        "description": "Text per language code; en is always present and is the fallback.",
        "properties": {lang: _STR for lang in ("en", "sv", "it", "fi", "hr")},
        "required": ["en"],
    },
)
OPENAPI["components"]["schemas"].setdefault(
    "Error",
    {
        "type": "object",
        "properties": {"error": _STR, "status": _INT},
        "required": ["error", "status"],
    },
)
OPENAPI["components"]["schemas"].update(
    {
        "ModuleOutcome": {
            "type": "object",
            "properties": {
                "competence": {
                    "type": "string",
                    "examples": ["digcomp:1.1"],
                    "description": "Stable competence key (see /frameworks)",
                },
                "from_level": _INT,
                "to_level": _INT,
                "text": _I18N,
            },
            "required": ["competence", "from_level", "to_level", "text"],
        },
        "ModuleSummary": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "examples": ["sustainable-tourism"]},
                "version": {
                    "type": "integer",
                    "description": "Published version; learners keep the one they enrolled in",
                },
                "published_at": {"type": ["string", "null"], "format": "date-time"},
                "title": _I18N,
                "summary": _I18N_OPTIONAL,
                "provider": {"type": "string", "description": "The awarding body"},
                "workload_hours": _NUM,
                "ects": {"type": ["number", "null"]},
                "eqf_level": {"type": ["integer", "null"], "minimum": 1, "maximum": 8},
                "participation": {"type": "string", "enum": ["online", "blended", "on-site"]},
                "assessment_type": {
                    "type": "string",
                    "enum": ["quiz", "assignment", "quiz_and_assignment"],
                },
                "quality_assurance": _I18N_OPTIONAL,
                "languages": {
                    "type": "array",
                    "items": _STR,
                    "description": "Languages in which every text of the module is available",
                },
                "prerequisites": {"type": "array", "items": _STR, "description": "Module codes"},
                "outcomes": {"type": "array", "items": _ref("ModuleOutcome")},
                "links": {
                    "type": "object",
                    "properties": {
                        "self": {"type": "string", "format": "uri"},
                        "html": {"type": "string", "format": "uri"},
                    },
                },
            },
            "required": [
                "code",
                "version",
                "title",
                "workload_hours",
                "participation",
                "assessment_type",
                "languages",
                "outcomes",
            ],
        },
        "Module": {
            "allOf": [
                _ref("ModuleSummary"),
                {
                    "type": "object",
                    "properties": {
                        "lessons": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "position": _INT,
                                    "slug": _STR,
                                    "title": _I18N,
                                    "url": {"type": "string", "format": "uri"},
                                },
                            },
                        },
                        "quiz": {
                            "type": "object",
                            "properties": {
                                "pass_mark": {"type": "integer", "description": "Percent"},
                                "max_attempts": {"type": "integer", "description": "0 = unlimited"},
                                "shuffle": {"type": "boolean"},
                                "questions": {
                                    "type": "integer",
                                    "description": "How many (their content is not published)",
                                },
                            },
                        },
                    },
                    "required": ["lessons", "quiz"],
                },
            ]
        },
    }
)

OPENAPI["paths"]["/modules"] = {
    "get": {
        "summary": "The published course modules (micro-credentials), a page at a time",
        "tags": ["modules"],
        "parameters": [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1. A page past the last one is empty.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": f"Modules per page; larger values are reduced to {MAX_PER_PAGE}.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": PER_PAGE,
                },
            },
        ],
        "responses": {
            "200": {
                "description": "The modules of the catalogue in their current published version, ordered by code.",
                "headers": {
                    "Link": {
                        "description": "RFC 8288 links to the first, prev, next and last pages.",
                        "schema": _STR,
                    },
                    "X-Total-Count": {
                        "description": "How many modules there are in all.",
                        "schema": _INT,
                    },
                },
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "modules": {"type": "array", "items": _ref("ModuleSummary")},
                                "total": _INT,
                                "page": _INT,
                                "per_page": _INT,
                                "pages": _INT,
                            },
                            "required": ["modules", "total", "page", "per_page", "pages"],
                        }
                    }
                },
            }
        },
    },
}
OPENAPI["paths"]["/modules/{code}"] = {
    "get": {
        "summary": "One published module: credential fields, outcomes, lessons, quiz settings",
        "tags": ["modules"],
        "parameters": [
            {
                "name": "code",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "example": "sustainable-tourism",
            }
        ],
        "responses": {
            "200": {
                "description": "The current published version.",
                "content": {"application/json": {"schema": _ref("Module")}},
            },
            "404": {
                "description": "No published module with this code.",
                "content": {"application/json": {"schema": _ref("Error")}},
            },
        },
    },
}
