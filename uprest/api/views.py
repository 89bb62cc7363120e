"""The JSON API blueprint. Each resource module adds its routes to `bp` and its paths to OPENAPI."""

from __future__ import annotations

from importlib import import_module

from flask import Blueprint, jsonify

from uprest.extensions import csrf
from uprest.registry import api_modules

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only JSON; no cookie-authenticated state changes are offered here

OPENAPI: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "UPREST API",
        "version": "1.0.0",
        "description": "Competence frameworks, course modules and the learner's own data. Public "
        "resources need no authentication; /me resources use the logged-in session.",
        "license": {"name": "CC BY 4.0 (data)", "url": "https://creativecommons.org/licenses/by/4.0/"},
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {},
    "components": {"schemas": {}},
}


@bp.route("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@bp.after_request
def _api_headers(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# Resource modules register their routes on import; each feature declares its own (Feature.api).
for _name in api_modules():
    import_module(_name)

# Every operation may answer 400: a request holding a NUL byte (which no database stores) or a malformed
# query is refused before any resource sees it (uprest.security.reject_nul_bytes).
OPENAPI["components"]["schemas"].setdefault(
    "Error",
    {
        "type": "object",
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
        "required": ["error", "status"],
    },
)
for _operations in OPENAPI["paths"].values():
    for _operation in _operations.values():
        _operation.setdefault("responses", {}).setdefault(
            "400",
            {
                "description": "The request is malformed (for example, it holds a NUL byte).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )
