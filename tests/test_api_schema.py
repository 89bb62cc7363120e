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
    return {"app": isolated(app), "cookies": {"session": client.get_cookie("session").value}}


def test_document_is_the_one_served(client):
    """The document the tests below are generated from is the one the app serves."""
    from uprest.api.views import OPENAPI

    resp = client.get(DOCUMENT)
    assert resp.status_code == 200
    assert resp.get_json() == schema.raw_schema == OPENAPI


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
def test_anonymous_answers_conform_to_the_document(case, api):
    """Every generated request of a visitor who is not logged in gets no 5xx and an answer the document describes."""
    case.call_and_validate(app=api["app"], excluded_checks=LENIENT)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
def test_learner_answers_conform_to_the_document(case, api):
    """Every generated request of a logged-in learner gets no 5xx and an answer the document describes."""
    case.call_and_validate(app=api["app"], cookies=api["cookies"], excluded_checks=LENIENT)


def test_nul_byte_in_any_parameter_is_a_documented_400(client):
    """A NUL byte in a query parameter's name is refused with 400, which every operation documents."""
    resp = client.get("/api/v1/modules?a%00b=1")
    assert resp.status_code == 400 and resp.json == {"error": "Bad Request", "status": 400}
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "400" in operation["responses"], (method, path)
