"""Public API: the current competence frameworks.

Knowledge questions are part of the assessment: their text and choices (and above
all which choice is correct) are never published here; only their number is.
"""

from __future__ import annotations

from flask import abort, jsonify, url_for

from uprest.api.views import OPENAPI, bp
from uprest.frameworks import services
from uprest.frameworks.models import Framework


def _links(fw: Framework) -> dict:
    return {
        "self": url_for("api.framework", code=fw.code, _external=True),
        "html": url_for("frameworks.detail", code=fw.code, _external=True),
    }


def _summary(fw: Framework, counts: dict) -> dict:
    return {
        "code": fw.code,
        "edition": fw.edition,
        "revision": fw.revision,
        "name": fw.name,
        "description": fw.description or {},
        "source_url": fw.source_url,
        "imported_at": fw.imported_at.isoformat(),
        "counts": {"levels": len(fw.levels), "bands": len(fw.bands), **counts},
        "links": _links(fw),
    }


@bp.route("/frameworks")
def frameworks():
    items = services.current_frameworks()
    counts = services.framework_counts([f.id for f in items])
    return jsonify({"frameworks": [_summary(fw, counts[fw.id]) for fw in items]})


@bp.route("/frameworks/<code>")
def framework(code: str):
    fw = services.framework_detail(code) or abort(404)
    data = _summary(fw, services.framework_counts([fw.id])[fw.id])
    data["scale"] = {
        "levels": [
            {
                "level": lvl.level,
                "band": lvl.band,
                "name": lvl.name,
                "description": lvl.description or {},
            }
            for lvl in fw.levels
        ],
        "bands": [{"code": b.code, "name": b.name} for b in fw.bands],
    }
    data["areas"] = [
        {
            "code": area.code,
            "name": area.name,
            "competences": [
                {
                    "key": comp.key,
                    "code": comp.code,
                    "name": comp.name,
                    "description": comp.description or {},
                    "esco_uri": comp.esco_uri,
                    "level_descriptors": comp.level_descriptors or {},
                    "statements": [{"id": it.key, "text": it.text} for it in comp.items if it.kind == "statement"],
                    "knowledge_questions": sum(1 for it in comp.items if it.kind == "knowledge"),
                }
                for comp in area.competences
            ],
        }
        for area in fw.areas
    ]
    return jsonify(data)


# --- OpenAPI -------------------------------------------------------------------------


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _list(item: dict) -> dict:
    return {"type": "array", "items": item}


_INT, _STR = {"type": "integer"}, {"type": "string"}
_I18N = _ref("I18nText")
_I18N_OPTIONAL = {
    "type": "object",
    "description": "Text per language code; may be empty.",
    "additionalProperties": _STR,
}
_COUNTS = ("levels", "bands", "areas", "competences", "statements", "knowledge")

OPENAPI["components"]["schemas"].update(
    {
        "I18nText": {
            "type": "object",
            "description": "Text per language code; en is always present and is the fallback.",
            "properties": {lang: _STR for lang in ("en", "sv", "it", "fi", "hr")},
            "required": ["en"],
        },
        "Error": _obj({"error": _STR, "status": _INT}, ["error", "status"]),
        "FrameworkSummary": _obj(
            {
                "code": {"type": "string", "examples": ["digcomp"]},
                "edition": {"type": "string", "description": "The publisher's version, e.g. 2.2"},
                "revision": {
                    "type": "integer",
                    "description": "Our stored revision; a changed source file adds one",
                },
                "name": _I18N,
                "description": _I18N_OPTIONAL,
                "source_url": {"type": ["string", "null"], "format": "uri"},
                "imported_at": {"type": "string", "format": "date-time"},
                "counts": _obj({k: _INT for k in _COUNTS}, list(_COUNTS)),
                "links": _obj(
                    {
                        "self": {"type": "string", "format": "uri"},
                        "html": {"type": "string", "format": "uri"},
                    }
                ),
            },
            ["code", "edition", "revision", "name", "counts", "links"],
        ),
        "ProficiencyLevel": _obj(
            {"level": _INT, "band": _STR, "name": _I18N, "description": _I18N_OPTIONAL},
            ["level", "band", "name"],
        ),
        "ProficiencyBand": _obj({"code": _STR, "name": _I18N}, ["code", "name"]),
        "Statement": _obj({"id": _STR, "text": _I18N}, ["id", "text"]),
        "Competence": _obj(
            {
                "key": {"type": "string", "examples": ["digcomp:1.1"]},
                "code": _STR,
                "name": _I18N,
                "description": _I18N_OPTIONAL,
                "esco_uri": {"type": ["string", "null"]},
                "level_descriptors": {
                    "type": "object",
                    "description": "Level number (as text) -> text per language",
                    "additionalProperties": _I18N,
                },
                "statements": _list(_ref("Statement")),
                "knowledge_questions": {
                    "type": "integer",
                    "description": "How many knowledge questions the assessment asks (their content is not published).",
                },
            },
            ["key", "code", "name", "statements"],
        ),
        "Area": _obj(
            {"code": _STR, "name": _I18N, "competences": _list(_ref("Competence"))},
            ["code", "name", "competences"],
        ),
        "Framework": {
            "allOf": [
                _ref("FrameworkSummary"),
                _obj(
                    {
                        "scale": _obj(
                            {
                                "levels": _list(_ref("ProficiencyLevel")),
                                "bands": _list(_ref("ProficiencyBand")),
                            },
                            ["levels", "bands"],
                        ),
                        "areas": _list(_ref("Area")),
                    },
                    ["scale", "areas"],
                ),
            ]
        },
    }
)

OPENAPI["paths"]["/frameworks"] = {
    "get": {
        "summary": "The current competence frameworks",
        "tags": ["frameworks"],
        "responses": {
            "200": {
                "description": "Every framework in its current revision.",
                "content": {
                    "application/json": {
                        "schema": _obj({"frameworks": _list(_ref("FrameworkSummary"))}, ["frameworks"])
                    }
                },
            }
        },
    },
}
OPENAPI["paths"]["/frameworks/{code}"] = {
    "get": {
        "summary": "One framework in full: scale, areas, competences, self-assessment statements",
        "tags": ["frameworks"],
        "parameters": [
            {
                "name": "code",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "example": "digcomp",
            },
        ],
        "responses": {
            "200": {
                "description": "The current revision of the framework.",
                "content": {"application/json": {"schema": _ref("Framework")}},
            },
            "404": {
                "description": "No current framework with this code.",
                "content": {"application/json": {"schema": _ref("Error")}},
            },
        },
    },
}
