"""The JSON API: one flask-smorest blueprint, its OpenAPI document (/api/v1/openapi.json) and the rules of its answers.

Each resource module, declared by its feature (``Feature.api``), adds its routes to `bp` with the marshmallow
schemas of its answers; the OpenAPI document is generated from the same schemas when the blueprint is registered
on an app. A view's docstring is its operation's summary (first line) and description.

Every operation says who may call it, and that decides its headers and what the document says of it:

- ``@bp.public``: open data. No authentication (``security: []``). A successful GET carries an ``ETag`` (one with
  a matching ``If-None-Match`` gets 304) and ``Cache-Control: public, max-age=300``; every answer (and the CORS
  preflight) allows any origin: ``Access-Control-Allow-Origin: *``.
- ``@bp.logged_in``: the learner's own data, through the session cookie (401 without it). ``Cache-Control:
  no-store``, no ETag, no CORS headers: no other site reads these answers.

An operation with neither, or without an ``operationId``, stops the app at start. Every operation documents the
400 of a malformed request: one holding a NUL byte is refused before any resource sees it
(uprest.security.reject_nul_bytes). Errors are written by the app's one handler (uprest.render_error) in the
shape of ErrorSchema.
"""

from __future__ import annotations

from copy import deepcopy
from functools import wraps
from importlib import import_module

import flask
import flask_smorest
from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest.spec.plugins import FlaskPlugin

from uprest.api.schemas import ErrorSchema
from uprest.extensions import csrf
from uprest.registry import api_modules

OPENAPI_VERSION = "3.1.0"
INFO = {
    "description": "Competence frameworks, course modules, local sessions and events, and the learner's own data. "
    "Public resources need no "
    "authentication and may be read from any web origin; /me resources use the logged-in session.",
    "license": {"name": "CC BY 4.0 (data)", "url": "https://creativecommons.org/licenses/by/4.0/"},
}
#: The security scheme of the /me resources (its cookie's name is the app's SESSION_COOKIE_NAME).
SESSION = "sessionCookie"
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "no-store"
#: What a cross-origin script may read beyond the CORS-safelisted headers, and may send in a preflighted request.
CORS_EXPOSE = "ETag, Link, X-Total-Count"
CORS_ALLOW_HEADERS = "If-None-Match"

_ACCESS = "uprest_access"  # key of the view's flask-smorest doc info: "public" or "session"


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the two kinds of access of this API (see the module's docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_access_doc)

    @staticmethod
    def public(view):
        """Open data: anyone, from any origin; cacheable by anyone (ETag, Cache-Control: public)."""
        view._apidoc = {**deepcopy(getattr(view, "_apidoc", {})), _ACCESS: "public"}
        view.uprest_public = True
        return view

    @staticmethod
    def logged_in(view):
        """The logged-in user's own data: 401 without a session, never cached, never shared with other origins."""

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                flask_smorest.abort(401, message=_("Log in to see your own data."))
            return view(*args, **kwargs)

        wrapper._apidoc = {**deepcopy(getattr(view, "_apidoc", {})), _ACCESS: "session"}
        return wrapper

    @staticmethod
    def _prepare_access_doc(doc, doc_info, *, api, spec, method, **kwargs):
        """Security, the 400 of every operation, and the headers and answers that the kind of access brings."""
        access = doc_info.get(_ACCESS)
        operation_id = doc_info.get("manual_doc", {}).get("operationId")
        if access not in ("public", "session") or not operation_id:
            name = operation_id or doc_info["docstring"].get("summary") or "an operation"
            raise RuntimeError(f"API {name}: needs an operationId (@bp.doc) and @bp.public or @bp.logged_in")
        responses = doc.setdefault("responses", {})
        responses.pop("400", None)
        responses[400] = "MalformedRequest"
        if access == "public":
            doc["security"] = []
            doc.setdefault("parameters", []).append("IF_NONE_MATCH")
            responses[304] = "NOT_MODIFIED"
            headers = {"ETag": "ETAG", "Cache-Control": "PublicCacheControl"}
        else:
            doc["security"] = [{SESSION: []}]
            responses[401] = "NotLoggedIn"
            headers = {"Cache-Control": "PrivateCacheControl"}
        for code in doc_info.get("success_status_codes", []):
            responses[code].setdefault("headers", {}).update(headers)
        return doc


class Api(flask_smorest.Api):
    """flask-smorest's Api, documenting errors with our ErrorSchema and leaving error handling to the app."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists the answers it gives; no catch-all "default"

    def _register_error_handlers(self):
        """None: the app's one handler (uprest.render_error) answers every HTTP error, as JSON under /api/."""

    def _register_pagination_header(self):
        """None: the module list pages with Link and X-Total-Count headers, not flask-smorest's X-Pagination."""


class RelativePaths(FlaskPlugin):
    """Paths relative to the document's server URL (/api/v1), as clients and the old document have them."""

    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def path_helper(self, rule, operations, parameters, **kwargs):
        return super().path_helper(rule, operations, parameters, **kwargs).removeprefix(self.prefix)


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only JSON; no cookie-authenticated state changes are offered here


def document(app: flask.Flask | None = None) -> dict:
    """The app's OpenAPI document."""
    return (app or current_app).extensions["uprest.api"].spec.to_dict()


def openapi():
    """The OpenAPI document (served, not described in itself). Made once per app: it does not change."""
    body = current_app.extensions.get("uprest.api.document")
    if body is None:
        body = current_app.extensions["uprest.api.document"] = current_app.json.dumps(document()).encode()
    return current_app.response_class(body, mimetype="application/json")


openapi.uprest_public = True
flask.Blueprint.add_url_rule(bp, "/openapi.json", view_func=openapi)  # Flask's own: no entry in the document


@bp.after_request
def _answer_headers(response):
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "uprest_public", False):
        _open_data_headers(response)
    response.headers.setdefault("Cache-Control", PRIVATE_CACHE)
    return response


def _open_data_headers(response) -> None:
    """CORS for any origin; on a successful GET an ETag, a short public cache and the 304 of a matching tag."""
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":  # the preflight of a cross-origin GET that sends If-None-Match
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
        headers["Access-Control-Max-Age"] = "86400"
        return
    headers["Access-Control-Expose-Headers"] = CORS_EXPOSE
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        headers["Cache-Control"] = PUBLIC_CACHE
        response.add_etag(overwrite=False)  # views with a cached body set the tag they cached with it
        response.make_conditional(request)  # 304 for a matching If-None-Match


# Resource modules add their routes on import; each feature declares its own (Feature.api).
for _name in api_modules():
    import_module(_name)


def _make_document(state) -> None:
    """Build the app's OpenAPI document from the routes and schemas (after every route is added: this is the
    blueprint's last deferred step)."""
    app = state.app
    api = Api(
        spec_kwargs={
            "title": "UPREST API",
            "version": "1.0.0",
            "openapi_version": OPENAPI_VERSION,
            "info": INFO,
            "servers": [{"url": bp.url_prefix}],
            "flask_plugin": RelativePaths(bp.url_prefix),
        }
    )
    api.init_app(app)
    components = api.spec.components
    components.security_scheme(
        SESSION,
        {
            "type": "apiKey",
            "in": "cookie",
            "name": app.config["SESSION_COOKIE_NAME"],
            "description": "The session of a user logged in on the site.",
        },
    )
    error = {"application/json": {"schema": ErrorSchema}}
    components.response(
        "MalformedRequest",
        {"description": "The request is malformed (for example, it holds a NUL byte).", "content": error},
    )
    components.response("NotLoggedIn", {"description": "Not logged in.", "content": error})
    components.header(
        "PublicCacheControl",
        {"description": f"Open data: `{PUBLIC_CACHE}`.", "schema": {"type": "string", "examples": [PUBLIC_CACHE]}},
    )
    components.header(
        "PrivateCacheControl",
        {
            "description": f"Your own data: `{PRIVATE_CACHE}`.",
            "schema": {"type": "string", "examples": [PRIVATE_CACHE]},
        },
    )
    bp.register_views_in_doc(api, app, api.spec, name=bp.name, parameters=None)
    app.extensions["uprest.api"] = api


bp.record_once(_make_document)
