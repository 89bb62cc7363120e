"""Publishing a territory's reports and the API tokens of its staff (issue 14): who publishes and reads what,
what the public API shows, and that secrets and hidden figures stay so."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import csrf_token
from tests.factories import count_rows, parallel_posts
from tests.test_reports import frameworks, people, staff_client  # noqa: F401 - fixtures and helper
from uprest.extensions import db, utcnow
from uprest.reports import publication
from uprest.reports.models import ApiToken, Publication

API = "/api/v1/territories/{code}/skills-gap"
FIGURES = ("n", "below_target", "below_target_share", "median_gap")


def last_quarter() -> str:
    return publication.publishable_periods(utcnow())[0]


def backdate(users, period: str) -> None:
    """Move the assessments of `users` into the quarter `period` (a day after it starts)."""
    from uprest.assessments.models import AssessmentRun
    from uprest.reports.services import quarter_bounds

    start, _end = quarter_bounds(period)
    ids = [u.id for u in users]
    for run in db.session.scalars(db.select(AssessmentRun).where(AssessmentRun.user_id.in_(ids))):
        run.submitted_at = start + timedelta(days=1)
    db.session.commit()


@pytest.fixture()
def assessed(monkeypatch, app, people):  # noqa: F811
    """k = 3; Vänersborg: 4 people below target and 3 at it, assessed in the last ended quarter. The quarter."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    period = last_quarter()
    backdate(people(4, rating=1) + people(3, rating=5), period)
    return period


def publish_form(client, code: str, period: str, over: dict | None = None) -> dict:
    data = {"territory": code, "period": period, "confirm": "y", "csrf_token": csrf_token(client, "/reports/publish")}
    return {**data, **(over or {})}


def create_token(client, name="Dashboard", territory="SE_1487"):
    """POST the token form; (response, the raw token it shows)."""
    token = csrf_token(client, "/reports/tokens")
    resp = client.post("/reports/tokens", data={"name": name, "territory": territory, "csrf_token": token})
    match = re.search(r'value="(upr_[A-Za-z0-9_-]+)"', resp.get_data(as_text=True))
    return resp, match.group(1) if match else None


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def assert_hidden_keys_absent(body: dict) -> None:
    items = [*body["cells"], *body["row_totals"], *body["column_totals"], body["total"]]
    for item in items:
        if item["suppressed"]:
            assert not set(FIGURES) & set(item), item
        for key in FIGURES:
            assert item.get(key, 0) is not None, item


# --- pure rules -------------------------------------------------------------------------------------------


def test_publishable_periods_are_the_ended_quarters_of_three_years():
    """Only quarters that have ended, most recent first, twelve of them; a quarter ends at its last instant."""
    periods = publication.publishable_periods(datetime(2026, 11, 15, tzinfo=UTC))
    assert periods[:3] == ["2026Q3", "2026Q2", "2026Q1"] and periods[-1] == "2023Q4" and len(periods) == 12
    assert publication.publishable_periods(datetime(2026, 10, 1, tzinfo=UTC))[0] == "2026Q3"
    assert publication.publishable_periods(datetime(2026, 9, 30, 23, 59, tzinfo=UTC))[0] == "2026Q2"
    assert "all" not in periods


# --- services ---------------------------------------------------------------------------------------------


def test_who_may_read_a_territory(app, create_user, territory):
    """Admins read every territory; staff their territory and those below it; nobody else."""
    region = create_user(role="staff", email="r@example.org", territory_code="SE232")
    town = create_user(role="staff", email="t@example.org", territory_code="vanersborg")
    admin = create_user(role="admin", email="a@example.org", territory_code=None)
    learner = create_user(email="l@example.org")
    vanersborg, trollhattan, west = territory("vanersborg"), territory("trollhattan"), territory("SE232")
    assert publication.can_read(region, vanersborg) and publication.can_read(region, west)
    assert publication.can_read(town, vanersborg) and not publication.can_read(town, trollhattan)
    assert not publication.can_read(town, west)
    assert publication.can_read(admin, territory("pori"))
    assert not publication.can_read(learner, vanersborg) and not publication.can_read(None, vanersborg)


def test_publish_twice_replaces_and_undoes_a_withdrawal(app, create_user, territory, assessed):
    """Publishing again keeps one row with a new copy; a withdrawn publication is not `published`."""
    staff = create_user(role="staff", email="s@example.org")
    place = territory("vanersborg")
    first = publication.publish(place, assessed, staff)
    db.session.commit()
    assert publication.published(place, assessed) is first and first.k == 3
    assert set(first.data) == {"skills_gap", "participation", "training"}
    assert all(q <= assessed for q in (t["quarter"] for t in first.data["participation"]["trend"]))
    publication.withdraw(first, staff)
    db.session.commit()
    assert publication.published(place, assessed) is None and first.withdrawn_at is not None
    again = publication.publish(place, assessed, staff)
    db.session.commit()
    assert again.id == first.id and again.is_public and count_rows(Publication) == 1
    with pytest.raises(publication.PublicationError):
        publication.publish(place, "2001Q1", staff)  # more than three years ago
    current = f"{utcnow().year}Q{(utcnow().month - 1) // 3 + 1}"
    with pytest.raises(publication.PublicationError):
        publication.publish(place, current, staff)  # not ended


def test_token_service_keeps_only_the_hash_and_touches_once_a_minute(app, create_user, territory):
    """The row holds the SHA-256 and the first 10 characters; a revoked or unknown token reads nothing; the
    last use is written, then not again within a minute."""
    staff = create_user(role="staff", email="s@example.org")
    raw, token = publication.create_token(staff, territory("vanersborg"), "  Open data portal ")
    db.session.commit()
    assert raw.startswith("upr_") and len(raw) > 40 and token.name == "Open data portal"
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() and token.prefix == raw[:10]
    assert publication.territory_of_token(raw).code == "SE_1487"
    db.session.commit()
    first_use = db.session.get(ApiToken, token.id).last_used_at
    assert first_use is not None
    publication.territory_of_token(raw)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == first_use
    for wrong in ("", "upr_", raw + "x", raw[:-1], "x" * 5000, None):
        assert publication.territory_of_token(wrong) is None
    publication.revoke_token(token, staff)
    db.session.commit()
    assert publication.territory_of_token(raw) is None
    for name in ("", "   ", "x" * 81):
        with pytest.raises(publication.PublicationError):
            publication.create_token(staff, territory("vanersborg"), name)


# --- pages and the API over HTTP --------------------------------------------------------------------------


def test_publish_makes_the_quarter_public_and_withdraw_hides_it(app, client, create_user, assessed):
    """Unpublished: 404 for anyone (as for a territory that does not exist); published: the API answers without
    login, cacheable, with the live answer's shape; withdrawn: 404 again."""
    url = API.format(code="vanersborg") + f"?period={assessed}"
    missing = client.get(url)
    assert missing.status_code == 404
    assert client.get(API.format(code="atlantis") + f"?period={assessed}").get_json() == missing.get_json()
    staff = staff_client(app, create_user)
    page = staff.get("/reports/publish").get_data(as_text=True)
    assert "Nothing has been published yet" in page and f'value="{assessed}"' in page
    resp = staff.post("/reports/publish", data=publish_form(staff, "SE_1487", assessed))
    assert resp.status_code == 302
    assert "are public now" in staff.get("/reports/publish").get_data(as_text=True)

    public = client.get(url)
    assert public.status_code == 200 and public.headers["Cache-Control"] == "public, max-age=300"
    assert public.headers["ETag"] and public.headers["Access-Control-Allow-Origin"] == "*"
    body = public.get_json()
    assert body["territory"] == {"code": "SE_1487", "name": "Vänersborg", "kind": "municipality"}
    assert body["period"] == assessed and body["k"] == 3 and body["published_at"]
    cell = next(r for r in body["row_totals"] if r["competence"] == "digcomp:1.1")
    assert (cell["n"], cell["below_target"], cell["suppressed"]) == (7, 4, False)
    assert client.get(url, headers={"If-None-Match": public.headers["ETag"]}).status_code == 304
    assert client.get(API.format(code="se_1487") + f"?period={assessed}").status_code == 200  # code, any case
    assert client.get(API.format(code="vanersborg")).status_code == 404  # all time is never published

    live = staff.get(url)
    assert live.status_code == 200 and live.headers["Cache-Control"] == "private, no-store"
    live_body = live.get_json()
    assert live_body["published_at"] is None and set(live_body) == set(body)
    assert live_body["cells"] == body["cells"] and live_body["total"] == body["total"]

    pub = db.session.scalar(db.select(Publication))
    withdraw = staff.post(
        f"/reports/publish/{pub.id}/withdraw", data={"csrf_token": csrf_token(staff, "/reports/publish")}
    )
    assert withdraw.status_code == 302
    html = staff.get("/reports/publish").get_data(as_text=True)
    assert "are no longer public" in html and "Withdrawn on" in html
    assert client.get(url).status_code == 404


def test_parallel_publications_leave_one_row(app, create_user, assessed):
    """The same quarter published by many requests at once: each succeeds, one row remains."""
    client = staff_client(app, create_user)
    statuses = parallel_posts(app, client, "/reports/publish", publish_form(client, "SE_1487", assessed), n=8)
    assert set(statuses) == {302}
    assert count_rows(Publication) == 1


def test_the_publish_form_refuses_bad_input(app, create_user, assessed):
    """Without the confirmation, with a quarter or territory not offered: the form's errors, nothing public."""
    staff = staff_client(app, create_user)
    bad = [
        {"confirm": ""},
        {"period": "2001Q1"},
        {"period": "junk"},
        {"territory": "trollhattan"},
        {"territory": "SE232"},  # above the staff member's territory
        {"territory": "x" * 500},
    ]
    for over in bad:
        resp = staff.post("/reports/publish", data=publish_form(staff, "SE_1487", assessed, over))
        assert resp.status_code == 200 and "error-summary" in resp.get_data(as_text=True), over
    assert count_rows(Publication) == 0


def test_staff_of_a_region_publish_below_it_and_others_are_refused(app, create_user, assessed):
    """Staff of the region publish a municipality below it; staff of another municipality get 403 on that
    publication and do not see it; a publication that does not exist is 404."""
    region = staff_client(app, create_user, territory="SE232")
    page = region.get("/reports/publish").get_data(as_text=True)
    assert "Vänersborg" in page and "Trollhättan" in page and "Pori" not in page
    assert region.post("/reports/publish", data=publish_form(region, "SE_1487", assessed)).status_code == 302
    pub = db.session.scalar(db.select(Publication))
    other = staff_client(app, create_user, territory="trollhattan")
    assert "Nothing has been published yet" in other.get("/reports/publish").get_data(as_text=True)
    token = csrf_token(other, "/reports/publish")
    assert other.post(f"/reports/publish/{pub.id}/withdraw", data={"csrf_token": token}).status_code == 403
    for missing in ("99999", "99999999999999999999"):
        assert other.post(f"/reports/publish/{missing}/withdraw", data={"csrf_token": token}).status_code == 404
    db.session.refresh(pub)
    assert pub.is_public


def test_learners_are_refused_and_anonymous_visitors_sent_to_login(app, client, login_as, assessed):
    """Learners get 403 on the pages and 404 from the API for an unpublished quarter; anonymous visitors are
    sent to log in."""
    for path in ("/reports/publish", "/reports/tokens"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login_as(email="learner@example.org")
    for path in ("/reports/publish", "/reports/tokens"):
        assert client.get(path).status_code == 403
    assert client.get(API.format(code="vanersborg") + f"?period={assessed}").status_code == 404
    assert client.get(API.format(code="vanersborg")).status_code == 404


def test_a_token_is_shown_once_and_reads_the_live_figures(app, client, create_user, assessed):
    """The new token is on the page that answers the form, never again (the list shows its prefix); the database
    holds its hash; with it the API gives the live figures, of the territory and below; revoked: 401."""
    staff = staff_client(app, create_user, territory="SE232")
    resp, raw = create_token(staff, territory="SE232")
    assert resp.status_code == 200 and raw and "shown only this once" in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    listing = staff.get("/reports/tokens").get_data(as_text=True)
    assert raw not in listing and raw[:10] + "…" in listing and "Dashboard" in listing
    row = db.session.scalar(db.select(ApiToken))
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in (row.prefix, row.token_hash)

    live = client.get(API.format(code="vanersborg"), headers=bearer(raw))  # a municipality below the region
    assert live.status_code == 200 and live.headers["Cache-Control"] == "private, no-store"
    body = live.get_json()
    assert body["published_at"] is None and body["period"] == "all"
    assert next(r for r in body["row_totals"] if r["competence"] == "digcomp:1.1")["n"] == 7
    assert client.get(API.format(code="vanersborg") + f"?period={assessed}", headers=bearer(raw)).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at is not None
    assert "Never" not in staff.get("/reports/tokens").get_data(as_text=True)

    revoke = staff.post(f"/reports/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(staff, "/reports/tokens")})
    assert revoke.status_code == 302
    assert "can no longer read" in staff.get("/reports/tokens").get_data(as_text=True)
    refused = client.get(API.format(code="vanersborg"), headers=bearer(raw))
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer upr_wrong", "Bearer ", "Basic dXNlcjpwYXNz"):
        assert client.get(API.format(code="vanersborg"), headers={"Authorization": header}).status_code == 401


def test_a_token_reads_nothing_above_or_beside_its_territory(app, client, create_user, assessed):
    """A municipality's token gets 404 for its region and for another municipality (nothing published), and the
    published copy (not the live figures) when there is one."""
    staff = staff_client(app, create_user)
    _resp, raw = create_token(staff, territory="SE_1487")
    for code in ("SE232", "trollhattan"):
        assert client.get(API.format(code=code), headers=bearer(raw)).status_code == 404
    region = staff_client(app, create_user, territory="SE232")
    assert region.post("/reports/publish", data=publish_form(region, "SE232", assessed)).status_code == 302
    resp = client.get(API.format(code="SE232") + f"?period={assessed}", headers=bearer(raw))
    assert resp.status_code == 200 and resp.get_json()["published_at"]


def test_tokens_of_another_territory_are_refused(app, create_user):
    """Staff of another municipality get 403 on revoking a token they may not read, 404 on one that does not
    exist; a territory outside theirs or a long name is a form error."""
    owner = staff_client(app, create_user)
    _resp, raw = create_token(owner)
    token = db.session.scalar(db.select(ApiToken))
    other = staff_client(app, create_user, territory="trollhattan")
    assert "Dashboard" not in other.get("/reports/tokens").get_data(as_text=True)
    csrf = csrf_token(other, "/reports/tokens")
    assert other.post(f"/reports/tokens/{token.id}/revoke", data={"csrf_token": csrf}).status_code == 403
    for missing in ("99999", "99999999999999999999"):
        assert other.post(f"/reports/tokens/{missing}/revoke", data={"csrf_token": csrf}).status_code == 404
    db.session.refresh(token)
    assert token.is_active
    for data in ({"name": "x", "territory": "SE_1487"}, {"name": "x" * 81, "territory": "SE_1488"}, {"name": ""}):
        resp = other.post("/reports/tokens", data={**data, "csrf_token": csrf})
        assert resp.status_code == 200 and "error-summary" in resp.get_data(as_text=True), data
    assert count_rows(ApiToken) == 1


def test_hidden_figures_have_no_keys_live_or_published(app, client, create_user, people):  # noqa: F811
    """With k = 5, a sub-sector of 3 people and its complement are hidden: their figures' keys are absent (never
    0 or null) in the live and in the published answer, which are the same."""
    period = last_quarter()
    backdate(people(5, "accommodation", rating=1) + people(5, "accommodation", rating=5), period)
    backdate(people(3, "food_beverage", rating=1), period)
    staff = staff_client(app, create_user)
    assert staff.post("/reports/publish", data=publish_form(staff, "SE_1487", period)).status_code == 302
    url = API.format(code="vanersborg") + f"?period={period}"
    published, live = client.get(url).get_json(), staff.get(url).get_json()
    for body in (published, live):
        assert_hidden_keys_absent(body)
        hidden = [c for c in body["cells"] if c["suppressed"]]
        assert {c["subsector"] for c in hidden} == {"accommodation", "food_beverage"}
        assert {c["competence"] for c in body["row_totals"] if not c["suppressed"]} >= {"digcomp:1.1"}
    assert published["cells"] == live["cells"] and published["column_totals"] == live["column_totals"]


def test_bad_periods_are_a_400(client):
    """A period that is not a quarter is a 400 naming the parameter, never a 500."""
    for bad in ("2026Q9", "2026q3", "1999Q4", "x" * 300, "2026Q3Q"):
        resp = client.get(API.format(code="vanersborg") + f"?period={bad}")
        assert resp.status_code == 400 and "period" in resp.get_json()["message"], bad


def test_failed_tokens_are_rate_limited(monkeypatch, app, client):
    """After as many failed tokens as failed logins allowed, an address gets 429, also without a token; answers
    that are not failures do not count."""
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN_PER_ADDRESS", "3 per 5 minutes")
    url = API.format(code="vanersborg")
    assert [client.get(url).status_code for _ in range(4)] == [404] * 4
    assert [client.get(url, headers=bearer("upr_guess")).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert client.get(url).status_code == 429


def test_the_openapi_document_has_the_path(client):
    """The document lists the operation, public in the document, with its 401 and 404."""
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/territories/{code}/skills-gap"]["get"]
    assert op["operationId"] == "getTerritorySkillsGap" and op["security"] == []
    assert {"200", "304", "400", "401", "404", "429"} <= set(op["responses"])
    assert "suppressed" in doc["components"]["schemas"]["SkillsGapCell"]["required"]


def test_the_same_token_form_sent_twice_makes_one_token(app, create_user):
    """A reload of the answer (or a double click) sends the same form again: one token, and the second answer
    says that the secret was shown once instead of showing a new one; a form of another user's is refused."""
    staff = staff_client(app, create_user, territory="SE232")
    page = staff.get("/reports/tokens").get_data(as_text=True)
    key = re.search(r'name="request_key" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    data = {
        "name": "Dashboard",
        "territory": "SE232",
        "request_key": key,
        "csrf_token": csrf_token(staff, "/reports/tokens"),
    }
    first = staff.post("/reports/tokens", data=data).get_data(as_text=True)
    again = staff.post("/reports/tokens", data=data).get_data(as_text=True)
    shown = re.compile(r'value="upr_[A-Za-z0-9_-]+"')
    assert shown.search(first) and not shown.search(again) and "shown only once" in again
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1
    other = staff_client(app, create_user, territory="vastra-gotaland")  # another staff member of the region
    data = {**data, "csrf_token": csrf_token(other, "/reports/tokens")}
    assert "This form has expired" in other.post("/reports/tokens", data=data).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1
