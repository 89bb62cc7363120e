"""HTTP rules of the JSON API: open data is cacheable (ETag, 304, Cache-Control: public) and readable from any
origin (CORS); the learner's own data (/me) is never cached, never tagged, never shared with another origin."""

from __future__ import annotations

import pytest

from tests.factories import install_frameworks, make_assessment_frameworks, make_assessment_run, make_module

PUBLIC = ["/api/v1/frameworks", "/api/v1/frameworks/digcomp", "/api/v1/modules", "/api/v1/modules/pub-mod"]
PUBLIC_ALL = [*PUBLIC, "/api/v1/openapi.json"]
ME = "/api/v1/me/gaps"


@pytest.fixture()
def data(app, db, tmp_path, create_user):
    install_frameworks(tmp_path)
    make_module(create_user(role="trainer", email="trainer@example.org"), "pub-mod", publish=True)


@pytest.fixture()
def learner(client, login_as):
    """The client, logged in as a learner with a submitted assessment."""
    make_assessment_frameworks()
    user = login_as("learner")
    make_assessment_run(user, submitted=True)
    return client


@pytest.mark.parametrize("url", PUBLIC_ALL)
def test_open_data_round_trip_with_etag(client, data, url):
    """A public GET has an ETag and a short public cache; the same tag in If-None-Match gets 304 without a body,
    with the tag again; another tag gets the whole answer."""
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.get_data()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=300"
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()


def test_open_data_sets_no_cookie(client, data, login_as):
    """Open data answers carry no Set-Cookie, also for a logged-in user: a shared cache may keep and replay them."""
    login_as("learner")
    for url in PUBLIC_ALL:
        resp = client.get(url)
        assert resp.status_code == 200 and "Set-Cookie" not in resp.headers, url


def test_etag_follows_the_content(client, data, db):
    """A change of the content gives a new ETag: an old tag gets the new answer, not 304."""
    from uprest.catalog.models import Module

    old = client.get("/api/v1/modules/pub-mod").headers["ETag"]
    version = db.session.scalar(db.select(Module).where(Module.code == "pub-mod")).published_version
    version.title = {**version.title, "en": "A new title"}
    db.session.commit()
    resp = client.get("/api/v1/modules/pub-mod", headers={"If-None-Match": old})
    assert resp.status_code == 200 and resp.json["title"]["en"] == "A new title" and resp.headers["ETag"] != old


def test_etag_follows_the_page(client, data):
    """Pages of the list are tagged apart (their bodies differ)."""
    tags = {client.get(f"/api/v1/modules?per_page={n}").headers["ETag"] for n in (1, 2)}
    assert len(tags) == 2


@pytest.mark.parametrize("url", PUBLIC_ALL)
def test_open_data_allows_any_origin(client, data, url):
    """Public answers allow any origin and expose the headers a script needs; the preflight allows GET with
    If-None-Match."""
    resp = client.get(url, headers={"Origin": "https://example.org"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert {"ETag", "Link", "X-Total-Count"} <= {
        h.strip() for h in resp.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert "Access-Control-Allow-Credentials" not in resp.headers
    preflight = client.options(
        url,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_public_errors_allow_any_origin_and_are_not_cached(client, data):
    """A 404 of a public resource is JSON a script of another origin may read, and is not cached."""
    resp = client.get("/api/v1/modules/nope", headers={"Origin": "https://example.org"})
    assert resp.status_code == 404 and resp.json == {"error": "Not Found", "status": 404}
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Cache-Control"] == "no-store" and "ETag" not in resp.headers


def test_me_is_never_cached_tagged_or_shared(app, learner):
    """/me answers (200, and 401 without a session) are no-store, have no ETag and no CORS headers; the preflight
    of another origin is not allowed either."""
    resp = learner.get(ME, headers={"Origin": "https://example.org"})
    assert resp.status_code == 200 and resp.json["competences"]
    assert resp.headers["Cache-Control"] == "no-store" and "ETag" not in resp.headers
    assert not [h for h in resp.headers.keys() if h.lower().startswith("access-control-")]
    # an If-None-Match never turns /me into a 304
    assert learner.get(ME, headers={"If-None-Match": "*"}).status_code == 200
    preflight = learner.options(ME, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    anonymous = app.test_client().get(ME, headers={"Origin": "https://example.org"})
    assert anonymous.status_code == 401 and "Access-Control-Allow-Origin" not in anonymous.headers
    assert anonymous.headers["Cache-Control"] == "no-store"


def test_me_errors_carry_a_message(client, login_as):
    """/me errors are the Error shape with a message saying what to do."""
    resp = client.get(ME)
    assert resp.status_code == 401 and set(resp.json) == {"error", "status", "message"}
    assert resp.json["error"] == "Unauthorized" and resp.json["status"] == 401 and resp.json["message"]
    login_as("learner")
    resp = client.get(ME)
    assert resp.status_code == 404 and resp.json["error"] == "Not Found" and resp.json["message"]


def test_error_bodies_fit_the_error_schema(client, data):
    """Errors of every kind (404 of a resource and of an unknown path, 405, 400, 401) load with the Error schema."""
    from uprest.api.schemas import ErrorSchema

    answers = [
        client.get("/api/v1/frameworks/nope"),
        client.get("/api/v1/no-such-thing"),
        client.delete("/api/v1/modules"),
        client.get("/api/v1/modules?a%00b=1"),
        client.get(ME),
    ]
    assert [r.status_code for r in answers] == [404, 404, 405, 400, 401]
    for resp in answers:
        assert resp.mimetype == "application/json"
        assert ErrorSchema().load(resp.json) == resp.json


def test_one_error_handler(app):
    """The app's handler answers HTTP errors; flask-smorest adds none of its own (nor does the API blueprint)."""
    from werkzeug.exceptions import HTTPException

    from uprest import render_error

    assert app.error_handler_spec[None][None][HTTPException] is render_error
    assert not any(app.error_handler_spec.get("api", {}).values())  # lookups leave empty dicts
