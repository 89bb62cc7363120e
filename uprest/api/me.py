"""The logged-in learner's own data: /api/v1/me/..."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from uprest.api.views import OPENAPI, bp
from uprest.assessments import presentation
from uprest.assessments import services as assessments


def _error(status: int, name: str, message: str):
    return jsonify({"error": name, "message": message, "status": status}), status


@bp.route("/me/gaps")
def me_gaps():
    if not current_user.is_authenticated:
        return _error(401, "Unauthorized", "Log in to see your own data.")
    run = assessments.latest_submitted_run(current_user)
    if run is None:
        return _error(404, "Not Found", "You have not submitted an assessment yet.")
    return jsonify(presentation.gap_profile_data(run))


_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"}},
}

OPENAPI["components"]["schemas"]["GapProfile"] = {
    "type": "object",
    "properties": {
        "run_id": {"type": "integer"},
        "started_at": {"type": "string", "format": "date-time"},
        "submitted_at": {"type": "string", "format": "date-time"},
        "subsector": {
            "type": "string",
            "enum": ["accommodation", "food_beverage", "tour_operator", "attraction", "destination"],
        },
        "job_role": {"type": "string", "enum": ["owner", "staff"]},
        "competences": {
            "type": "array",
            "description": "Ranked by priority, highest first.",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"type": "string", "examples": ["digcomp:1.1"]},
                    "framework": {"type": "string"},
                    "code": {"type": "string"},
                    "name": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "The name by language code.",
                    },
                    "rank": {"type": "integer", "minimum": 1},
                    "level": {"type": "integer", "minimum": 1},
                    "self_level": {"type": "integer", "minimum": 1},
                    "max_level": {"type": "integer", "minimum": 1},
                    "knowledge_check": {"type": ["string", "null"], "enum": ["confirmed", "tempered", None]},
                    "source": {"type": "string", "enum": ["self", "quiz"]},
                    "target": {
                        "type": "object",
                        "properties": {"min": {"type": "integer"}, "max": {"type": ["integer", "null"]}},
                    },
                    "importance": {"type": "integer", "minimum": 1, "maximum": 3},
                    "gap": {"type": "integer", "minimum": 0},
                    "status": {"type": "string", "enum": ["below", "within", "above"]},
                    "priority": {"type": "integer", "minimum": 0, "maximum": 100},
                },
            },
        },
    },
}
OPENAPI["components"]["schemas"].setdefault("Error", _ERROR)
OPENAPI["paths"]["/me/gaps"] = {
    "get": {
        "summary": "The logged-in learner's latest submitted skills-gap profile",
        "tags": ["me"],
        "responses": {
            "200": {
                "description": "The gap profile",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GapProfile"}}},
            },
            "401": {
                "description": "Not logged in",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "404": {
                "description": "No submitted assessment yet",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    }
}
