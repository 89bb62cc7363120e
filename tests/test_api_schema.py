"""The JSON API keeps to its OpenAPI document: schemathesis reads /api/v1/openapi.json from the app (through
WSGI) and sends up to MAX_EXAMPLES generated requests to every operation of this test's app and database, as
a visitor who is not logged in and as a logged-in learner; every answer is no server error and conforms to the
document (status code, content type, headers, body schema).

The document is read once, when the module is collected, from an app on an empty in-memory database (it does
not depend on data); the requests go to the test's own app (`app=` of each call). Schemathesis's lazy
`from_fixture` loader would read it per test, but does not work with this pytest version."""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import login
from tests.factories import make_assessment_frameworks, make_assessment_run, make_module
from uprest import create_app

MAX_EXAMPLES = 30
DOCUMENT = "/api/v1/openapi.json"
# The API normalises its documented query parameters instead of refusing them (?per_page=1000 gives 100 a page,
# ?page=junk the first page; tests/test_catalog_pagination.py), so the check that out-of-schema requests are
# refused does not apply. Every other check of schemathesis runs, on requests in and out of the schema.
LENIENT = [schemathesis.checks.negative_data_rejection]


def _document_app():
    return create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://", "SERVER_NAME": None})


schema = schemathesis.openapi.from_wsgi(DOCUMENT, _document_app())


def isolated(app):
    """The app as a WSGI callable whose every request runs in an empty context (its own app context, `g` and
    database session), as in production and as the suite's test client does."""

    def wsgi(environ, start_response):
        return contextvars.Context().run(app, environ, start_response)

    return wsgi


@pytest.fixture()
def api(app, create_user):
    """Frameworks, a published and a draft module, and a learner with a submitted assessment; the app to call
    and the learner's session cookie."""
    make_assessment_frameworks()
    trainer = create_user(role="trainer", email="trainer@example.org")
    make_module(trainer, "pub-mod", publish=True)
    make_module(trainer, "draft-mod")
    learner = create_user(role="learner", email="learner@example.org")
    make_assessment_run(learner, submitted=True)
    client = app.test_client()
    assert login(client, learner.email).status_code == 302
    LearnerSession.cookie = client.get_cookie("session").value
    return {"app": isolated(app)}


class LearnerSession:
    """The learner's session cookie as schemathesis's explicit auth (the document's `sessionCookie` scheme): its
    check that authentication is enforced then also sends each /me request without it and with a wrong one."""

    cookie = ""

    def get(self, case, context):
        return LearnerSession.cookie

    def set(self, case, data, context):
        case.cookies = {**(case.cookies or {}), "session": data}


def test_document_is_the_one_served(client, app):
    """The document the tests below are generated from is the one the app serves (built from the schemas)."""
    from uprest.api.views import document

    resp = client.get(DOCUMENT)
    assert resp.status_code == 200
    assert resp.get_json() == schema.raw_schema == document(app)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
def test_anonymous_answers_conform_to_the_document(case, api):
    """Every generated request of a visitor who is not logged in gets no 5xx and an answer the document describes."""
    case.call_and_validate(app=api["app"], excluded_checks=LENIENT)


@schema.auth(LearnerSession, refresh_interval=None)
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
def test_learner_answers_conform_to_the_document(case, api):
    """Every generated request of a logged-in learner gets no 5xx and an answer the document describes."""
    case.call_and_validate(app=api["app"], excluded_checks=LENIENT)


def test_nul_byte_in_any_parameter_is_a_documented_400(client):
    """A NUL byte in a query parameter's name is refused with 400, which every operation documents."""
    resp = client.get("/api/v1/modules?a%00b=1")
    assert resp.status_code == 400 and resp.json == {"error": "Bad Request", "status": 400}
    document = client.get("/api/v1/openapi.json").json
    for path, method, operation in operations(document):
        assert "400" in operation["responses"], (method, path)


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def operations(document: dict):
    """(path, method, operation) of every operation of the document (not the path items' shared `parameters`)."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_every_operation_has_a_unique_operation_id(app):
    """Every operation has an operationId, and no two share one."""
    ids = [operation.get("operationId") for _path, _method, operation in operations(document_of(app))]
    assert all(ids) and len(set(ids)) == len(ids) >= 5, ids


def test_every_error_answer_is_the_shared_error_schema(app):
    """Every 4xx answer of every operation is described by the one Error schema, which has error and status."""
    document = document_of(app)
    components = document["components"]
    error_ref = {"$ref": "#/components/schemas/Error"}
    seen = 0
    for path, method, operation in operations(document):
        for status, answer in operation["responses"].items():
            if "$ref" in answer:
                answer = components["responses"][answer["$ref"].rsplit("/", 1)[1]]
            if status.startswith("4"):
                assert answer["content"]["application/json"]["schema"] == error_ref, (method, path, status)
                seen += 1
    assert seen >= 8
    error = components["schemas"]["Error"]
    assert set(error["required"]) == {"error", "status"} and "message" in error["properties"]
    assert [name for name in components["schemas"] if "error" in name.lower()] == ["Error"]


def test_security_is_declared_per_operation(app):
    """/me operations need the session cookie (an apiKey in the cookie the app names); the others need nothing."""
    document = document_of(app)
    scheme = document["components"]["securitySchemes"]["sessionCookie"]
    assert scheme == {**scheme, "type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]}
    for path, _method, operation in operations(document):
        if path.startswith("/me/"):
            assert operation["security"] == [{"sessionCookie": []}], path
            assert "401" in operation["responses"] and "304" not in operation["responses"], path
        else:
            assert operation["security"] == [], path
            assert "304" in operation["responses"], path
            assert {"ETag", "Cache-Control"} <= set(operation["responses"]["200"]["headers"]), path


def test_required_fields_are_in_the_document(app):
    """The schemas list the keys every answer always has as required (from the marshmallow fields)."""
    schemas = document_of(app)["components"]["schemas"]
    assert schemas["I18nText"]["required"] == ["en"]
    assert {"code", "version", "title", "published_at", "outcomes", "links"} <= set(
        schemas["ModuleSummary"]["required"]
    )
    assert {"lessons", "quiz"} <= set(schemas["Module"]["required"])
    assert {"modules", "total", "page", "per_page", "pages"} == set(schemas["ModuleList"]["required"])
    assert {"code", "edition", "revision", "name", "counts", "links"} <= set(schemas["FrameworkSummary"]["required"])
    assert {"scale", "areas"} <= set(schemas["Framework"]["required"])
    assert {"run_id", "submitted_at", "competences"} <= set(schemas["GapProfile"]["required"])
    for name, component in schemas.items():
        assert component.get("required"), name
        assert set(component["required"]) <= set(component["properties"]), name
    assert schemas["ModuleSummary"]["properties"]["ects"]["type"] == ["number", "null"]  # OpenAPI 3.1 nullable


def test_an_operation_without_access_or_id_stops_the_app(app):
    """Building the document refuses an operation that says neither who may call it nor its operationId."""
    from flask_smorest import Blueprint

    from uprest.api.views import ApiBlueprint

    loose = ApiBlueprint("loose", __name__)

    @loose.route("/loose")
    @loose.response(200)
    def undeclared():
        return {}

    api = app.extensions["uprest.api"]
    with pytest.raises(RuntimeError, match="operationId"):
        Blueprint.register_views_in_doc(loose, api, app, api.spec, name="api", parameters=None)


def document_of(app) -> dict:
    from uprest.api.views import document

    return document(app)
