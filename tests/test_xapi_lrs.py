"""The read-only LRS over HTTP (xAPI 1.0.3 Communication), its administration, and what we record."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import csrf_token
from tests.factories import complete_assessment, count_rows, make_assessment_frameworks
from uprest.extensions import db
from uprest.xapi import services
from uprest.xapi.models import Actor, LrsClient, Statement
from uprest.xapi.statements import VERBS, Activity, Result, validate

V = {"X-Experience-API-Version": "1.0.3"}
LESSON = Activity(path="/courses/web-basics/lessons/1", type="lesson", name={"en": "First lesson"})
COURSE = Activity(path="/courses/web-basics", type="course", name={"en": "Web basics"})


@pytest.fixture()
def lrs(app):
    """An active LRS client's credentials (key, secret)."""
    client, secret = services.create_client("Regional LRS")
    db.session.commit()
    return client.key, secret


@pytest.fixture()
def get(client, lrs):
    """GET under /xapi with the client's credentials and the version header (both can be replaced)."""

    def go(path, *, auth=lrs, headers=V, **params):
        return client.get(path, query_string=params, auth=auth, headers=headers)

    return go


def record_many(user, n: int, verb: str = "progressed", **kwargs) -> list[Statement]:
    rows = [services.record(user, verb, LESSON, result=Result(progress=i / n), **kwargs) for i in range(n)]
    db.session.commit()
    return rows


def set_stored(rows, when: datetime) -> None:
    for row in rows:
        row.stored = when
    db.session.commit()


# --- about, authentication, version ---------------------------------------------------------------


def test_about_needs_no_credentials(client):
    """GET /xapi/about answers the supported version without credentials or version header."""
    resp = client.get("/xapi/about")
    assert resp.status_code == 200
    assert resp.get_json() == {"version": ["1.0.3"]}
    assert resp.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("auth", [None, ("no-such-key", "x"), "wrong secret", "empty"])
def test_statements_need_valid_credentials(get, lrs, auth):
    """Without, with unknown or with wrong Basic credentials the answer is 401 with a Basic challenge."""
    credentials = {"wrong secret": (lrs[0], "not-the-secret"), "empty": ("", "")}.get(auth, auth)
    resp = get("/xapi/statements", auth=credentials)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith('Basic realm="UPREST LRS"')
    assert "statements" not in resp.get_json()


def test_logged_in_admin_without_credentials_gets_401(client, login_as):
    """The LRS ignores the browser session: an administrator's cookie is no credential."""
    login_as("admin")
    assert client.get("/xapi/statements", headers=V).status_code == 401


def test_failed_logins_are_rate_limited(get, lrs):
    """After 30 failed Basic logins a minute from one address the LRS answers 429; correct logins do not count."""
    for _ in range(31):
        assert get("/xapi/statements").status_code == 200
    for _ in range(30):
        assert get("/xapi/statements", auth=(lrs[0], "guess")).status_code == 401
    resp = get("/xapi/statements")
    assert resp.status_code == 429 and resp.get_json()["status"] == 429
    assert resp.headers["X-Experience-API-Version"] == "1.0.3"


def test_deactivated_client_is_refused(get, lrs):
    """A deactivated client's correct credentials no longer work."""
    assert get("/xapi/statements").status_code == 200
    client = db.session.scalar(db.select(LrsClient).where(LrsClient.key == lrs[0]))
    services.deactivate_client(client)
    db.session.commit()
    assert get("/xapi/statements").status_code == 401


@pytest.mark.parametrize("version, status", [(None, 400), ("0.95", 400), ("1.1.0", 400), ("2.0.0", 400), ("1.0", 200)])
def test_version_header_is_required(get, version, status):
    """Statements need X-Experience-API-Version 1.0 or 1.0.x; missing, older or newer versions are a 400."""
    resp = get("/xapi/statements", headers={"X-Experience-API-Version": version} if version else {})
    assert resp.status_code == status
    if status == 400:
        assert "ersion" in resp.get_json()["message"]


def test_every_answer_has_the_xapi_headers(get, client):
    """200, 400, 401 and 404 answers all carry the version and a Consistent-Through timestamp in the past."""
    answers = [
        get("/xapi/statements"),
        get("/xapi/statements", headers={}),
        get("/xapi/statements", auth=None),
        get("/xapi/statements", statementId=str(uuid.uuid4())),
        client.get("/xapi/no-such-resource"),
    ]
    assert [r.status_code for r in answers] == [200, 400, 401, 404, 404]
    assert all("Set-Cookie" not in r.headers for r in answers[:4])  # API clients get no session
    for resp in answers:
        assert resp.headers["X-Experience-API-Version"] == "1.0.3"
        through = datetime.fromisoformat(resp.headers["X-Experience-API-Consistent-Through"])
        assert through.tzinfo is not None and through <= datetime.now(UTC)


# --- reading statements ---------------------------------------------------------------------------


def test_statements_are_returned_as_stored(get, create_user):
    """The answer is a StatementResult with the documents as stored (stored, authority, version included)."""
    user = create_user()
    row = services.record(user, "launched", LESSON, parent=COURSE, language="en")
    db.session.commit()
    body = get("/xapi/statements").get_json()
    assert body["more"] == ""
    (doc,) = body["statements"]
    assert doc == row.document and validate(doc) == []
    assert doc["version"] == "1.0.0" and doc["authority"]["account"]["name"] == "uprest-lrs"
    assert doc["object"]["id"] == "http://127.0.0.1:5000/courses/web-basics/lessons/1"


def test_single_statement_by_id(get, create_user):
    """statementId returns the statement itself with Last-Modified; an unknown one is a 404."""
    row = record_many(create_user(), 2)[0]
    resp = get("/xapi/statements", statementId=row.statement_id.upper())
    assert resp.status_code == 200
    assert resp.get_json() == row.document
    assert resp.headers["Last-Modified"]
    assert get("/xapi/statements", statementId=str(uuid.uuid4())).status_code == 404
    assert get("/xapi/statements", voidedStatementId=row.statement_id).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"statementId": "not-a-uuid"},
        {"statementId": "0b3e7a52-4c1d-4f7e-9a55-8d2b6c1e0f11", "verb": VERBS["completed"]},
        {
            "statementId": "0b3e7a52-4c1d-4f7e-9a55-8d2b6c1e0f11",
            "voidedStatementId": "0b3e7a52-4c1d-4f7e-9a55-8d2b6c1e0f12",
        },
        {"verb": "completed"},
        {"activity": "/courses/web-basics"},
        {"registration": "12345"},
        {"agent": "{not json"},
        {"agent": json.dumps({"name": "Anna"})},
        {"since": "yesterday"},
        {"until": "2026-13-01T00:00:00Z"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"ascending": "yes"},
        {"format": "full"},
        {"attachments": "true"},
        {"related_activities": "true"},
        {"cursor": "x"},
        {"Verb": VERBS["completed"]},
        {"color": "blue"},
    ],
)
def test_bad_parameters_are_400(get, params):
    """A parameter with a malformed value, an unknown parameter or a forbidden combination is a 400."""
    resp = get("/xapi/statements", **params)
    assert resp.status_code == 400, params
    assert resp.get_json()["message"]


def test_filters(get, create_user):
    """verb, activity, agent (account) and registration each narrow the answer to the matching statements."""
    anna, ben = create_user(), create_user()
    registration = uuid.uuid4()
    a1 = services.record(anna, "completed", LESSON, registration=registration)
    a2 = services.record(anna, "launched", COURSE)
    b1 = services.record(ben, "completed", COURSE)
    db.session.commit()

    def ids(**params):
        return {s["id"] for s in get("/xapi/statements", **params).get_json()["statements"]}

    assert ids() == {a1.statement_id, a2.statement_id, b1.statement_id}
    assert ids(verb=VERBS["completed"]) == {a1.statement_id, b1.statement_id}
    assert ids(activity=a2.activity_id) == {a2.statement_id, b1.statement_id}
    assert ids(registration=str(registration)) == {a1.statement_id}
    anna_agent = a1.document["actor"]
    assert ids(agent=json.dumps(anna_agent)) == {a1.statement_id, a2.statement_id}
    assert ids(agent=json.dumps(anna_agent), verb=VERBS["launched"]) == {a2.statement_id}
    other_home = {"account": {"homePage": "https://elsewhere.example", "name": anna_agent["account"]["name"]}}
    assert ids(agent=json.dumps(other_home)) == set()
    assert ids(agent=json.dumps({"mbox": f"mailto:{anna.email}"})) == set()


def test_ids_format_reduces_activities_and_verbs(get, create_user):
    """format=ids answers the verb and the activities by their ids only."""
    services.record(create_user(), "launched", LESSON, parent=COURSE)
    db.session.commit()
    (doc,) = get("/xapi/statements", format="ids").get_json()["statements"]
    assert doc["verb"] == {"id": VERBS["launched"]}
    assert doc["object"] == {"objectType": "Activity", "id": "http://127.0.0.1:5000" + LESSON.path}
    assert doc["context"]["contextActivities"]["parent"] == [
        {"objectType": "Activity", "id": "http://127.0.0.1:5000" + COURSE.path}
    ]


def _follow(get, first_params) -> list[list[str]]:
    """The ids of every page, following "more" links until it is empty."""
    pages, resp = [], get("/xapi/statements", **first_params)
    while True:
        body = resp.get_json()
        pages.append([s["id"] for s in body["statements"]])
        if not body["more"]:
            return pages
        assert len(pages) < 10
        url = urlsplit(body["more"])
        assert not url.scheme and not url.netloc and url.path == "/xapi/statements"
        resp = get(url.path, **{k: v[0] for k, v in parse_qs(url.query).items()})


@pytest.mark.parametrize("ascending", [False, True])
def test_paging_with_more(get, create_user, ascending):
    """Seven statements with limit 3 come in pages of 3, 3 and 1 in stored order, each exactly once, even when
    several share the same stored time."""
    rows = record_many(create_user(), 7)
    base = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for i, row in enumerate(rows):
        row.stored = base + timedelta(minutes=min(i, 3))  # rows 3..6 share one stored time
    db.session.commit()
    params = {"limit": "3"} | ({"ascending": "true"} if ascending else {})
    pages = _follow(get, params)
    expected = [r.statement_id for r in rows]
    if not ascending:
        expected.reverse()
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == expected


def test_more_link_is_stable_when_statements_arrive(get, create_user):
    """A statement stored while a client pages (newest first) does not shift the later pages."""
    user = create_user()
    rows = record_many(user, 7)
    first = get("/xapi/statements", limit="3").get_json()
    record_many(user, 1)  # newer than everything: belongs before the first page
    url = urlsplit(first["more"])
    second = get(url.path, **{k: v[0] for k, v in parse_qs(url.query).items()}).get_json()
    newest_first = [r.statement_id for r in reversed(rows)]
    assert [s["id"] for s in first["statements"]] == newest_first[:3]
    assert [s["id"] for s in second["statements"]] == newest_first[3:6]


def test_limit_zero_means_the_maximum(get, create_user):
    """limit=0 returns everything up to the server's maximum; the default limit is 100."""
    record_many(create_user(), 4)
    assert len(get("/xapi/statements", limit="0").get_json()["statements"]) == 4


def test_since_and_until_filter_on_stored(get, create_user):
    """since is exclusive and until inclusive, both on stored; an offset's unencoded '+' is understood."""
    rows = record_many(create_user(), 3)
    times = [datetime(2026, 12, 1, h, 0, tzinfo=UTC) for h in (8, 9, 10)]
    for row, when in zip(rows, times, strict=True):
        row.stored = when
    db.session.commit()

    def ids(**params):
        return [s["id"] for s in get("/xapi/statements", ascending="true", **params).get_json()["statements"]]

    first, second, third = (r.statement_id for r in rows)
    assert ids(since="2026-12-01T08:00:00Z") == [second, third]
    assert ids(until="2026-12-01T09:00:00Z") == [first, second]
    assert ids(since="2026-12-01T08:00:00Z", until="2026-12-01T09:00:00Z") == [second]
    assert ids(since="2026-12-01T10:30:00 01:00") == [third]  # "+01:00" sent without encoding the "+"
    assert ids(since="2026-12-01T10:00:00+00:00") == []


# --- recording ------------------------------------------------------------------------------------


def test_record_refuses_an_invalid_statement(create_user):
    """record raises ValueError and stores nothing when the statement would not be valid (raw above max)."""
    user = create_user()
    with pytest.raises(ValueError, match=r"result\.score\.raw"):
        services.record(user, "passed", LESSON, result=Result(score_raw=5, score_min=0, score_max=4))
    db.session.commit()
    assert count_rows(Statement) == 0


def test_actor_is_a_stable_pseudonym(create_user):
    """Every statement of a user carries the same random account name; another user gets another one."""
    anna, ben = create_user(name="Anna Berg"), create_user()
    a1, a2 = record_many(anna, 2)
    (b1,) = record_many(ben, 1)
    assert a1.document["actor"] == a2.document["actor"] != b1.document["actor"]
    account = a1.document["actor"]["account"]
    assert set(a1.document["actor"]) == {"objectType", "account"}
    assert str(uuid.UUID(account["name"])) == account["name"]
    assert anna.email not in json.dumps(a1.document) and "Anna" not in json.dumps(a1.document)


def test_assessment_submission_records_a_statement_without_email(client, login_as, get):
    """Submitting the skills assessment records "completed" of the assessment; the actor holds no e-mail or name."""
    make_assessment_frameworks()
    user = login_as("learner", name="Anna Berg")
    run = complete_assessment(client, user)
    (doc,) = get("/xapi/statements", verb=VERBS["completed"]).get_json()["statements"]
    assert doc["object"]["id"] == f"http://127.0.0.1:5000/assessment/{run.id}/result"
    assert doc["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    assert doc["result"]["completion"] is True and doc["result"]["duration"].startswith("PT")
    text = json.dumps(doc)
    assert user.email not in text and "@" not in text and "Anna" not in text
    assert doc["actor"]["account"]["name"] == db.session.scalar(db.select(Actor.name).where(Actor.user_id == user.id))


def test_export_and_erase(create_user):
    """A user's data download holds their statements; erasing them deletes statements and pseudonym."""
    from uprest.accounts.userdata import export_user_data

    user, other = create_user(), create_user()
    rows = record_many(user, 2)
    record_many(other, 1)
    exported = export_user_data(user)["xapi"]
    assert [s["id"] for s in exported["statements"]] == [r.statement_id for r in rows]
    services.erase_user_data(user)
    db.session.commit()
    assert count_rows(Statement, Statement.user_id == user.id) == 0
    assert count_rows(Actor, Actor.user_id == user.id) == 0
    assert count_rows(Statement) == 1


# --- administration of LRS clients -----------------------------------------------------------------


def test_admin_creates_a_client_and_its_secret_works_once_shown(client, login_as, get):
    """An admin creates a client: the page shows key and secret once, only a hash is stored, and the
    credentials read statements; deactivating it (a POST with a CSRF token) locks it out."""
    login_as("admin")
    token = csrf_token(client, "/admin/lrs-clients")
    resp = client.post("/admin/lrs-clients", data={"name": "Region LRS", "csrf_token": token})
    assert resp.status_code == 200
    created = db.session.scalar(db.select(LrsClient).where(LrsClient.name == "Region LRS"))
    html = resp.get_data(as_text=True)
    secret = html.split("<dt>Secret</dt><dd><code>")[1].split("</code>")[0]
    assert created.key in html and secret and secret not in created.secret_hash
    assert created.secret_hash.startswith("$argon2")
    assert get("/xapi/statements", auth=(created.key, secret)).status_code == 200
    assert secret not in client.get("/admin/lrs-clients").get_data(as_text=True)

    resp = client.post(f"/admin/lrs-clients/{created.id}/deactivate", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/lrs-clients")
    assert get("/xapi/statements", auth=(created.key, secret)).status_code == 401


def test_deactivating_an_unknown_client_is_404(client, login_as):
    """Deactivating a client that does not exist answers 404."""
    login_as("admin")
    token = csrf_token(client, "/admin/lrs-clients")
    assert client.post("/admin/lrs-clients/999999/deactivate", data={"csrf_token": token}).status_code == 404


def test_admin_client_name_is_required(client, login_as):
    """A client without a name is refused with the form again; nothing is created."""
    login_as("admin")
    token = csrf_token(client, "/admin/lrs-clients")
    resp = client.post("/admin/lrs-clients", data={"name": "  ", "csrf_token": token})
    assert resp.status_code == 200 and "Please enter a name." in resp.get_data(as_text=True)
    assert count_rows(LrsClient) == 0


def test_learner_gets_403_on_admin_pages(client, login_as, lrs):
    """Learners cannot see, create or deactivate LRS clients."""
    login_as("learner")
    token = csrf_token(client, "/account")
    created = db.session.scalar(db.select(LrsClient))
    assert client.get("/admin/lrs-clients").status_code == 403
    assert client.post("/admin/lrs-clients", data={"name": "Mine", "csrf_token": token}).status_code == 403
    resp = client.post(f"/admin/lrs-clients/{created.id}/deactivate", data={"csrf_token": token})
    assert resp.status_code == 403
    db.session.expire_all()
    assert created.is_active and count_rows(LrsClient) == 1
