"""Public API: the published course modules with every micro-credential field.

Only published versions of modules in the catalogue are listed. The quiz is described
by its settings and number of questions: questions, choices and above all which choice
is correct are never published here.
"""

from __future__ import annotations

from flask import abort, jsonify, url_for
from sqlalchemy.orm import selectinload

from uprest.api.views import OPENAPI, bp
from uprest.catalog import services
from uprest.catalog.models import Lesson, Module, ModuleVersion
from uprest.extensions import db


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


def _published_stmt():
    return (
        db.select(Module)
        .join(ModuleVersion, Module.published_version_id == ModuleVersion.id)
        .where(Module.status == "published")
        .options(selectinload(Module.published_version).selectinload(ModuleVersion.outcomes))
        .order_by(Module.code)
    )


@bp.route("/modules")
def modules():
    items = db.session.scalars(_published_stmt()).all()
    return jsonify({"modules": [_summary(m, m.published_version) for m in items]})


@bp.route("/modules/<code>")
def module(code: str):
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
    return jsonify(data)


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
        "summary": "The published course modules (micro-credentials)",
        "tags": ["modules"],
        "responses": {
            "200": {
                "description": "Every module in the catalogue, in its current published version.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "modules": {"type": "array", "items": _ref("ModuleSummary")}
                            },
                            "required": ["modules"],
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
