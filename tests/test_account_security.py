"""Account security (issue 9): links in mail never come from the request's Host, refused hosts, reset links
that end each other, the same work for known and unknown addresses, staff bound to their municipality, no
address in URLs, a fresh session at registration, invitations bound to their address."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import confirm_link, count_rows, make_business, make_invitation, reset_link
from uprest.accounts import services
from uprest.accounts.models import Invitation, PasswordResetToken, User
from uprest.mail import OutboxMessage

EVIL = "evil.example"


def post_form(client, path, data, base_url="http://localhost", form_path=None):
    """GET the form (on `form_path`, default `path`) and POST it, as a browser at `base_url` does."""
    html = client.get(form_path or path, base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return client.post(path, data={**data, "csrf_token": token.group(1) if token else "none"}, base_url=base_url)


def forgot(client, email, base_url="http://localhost"):
    return post_form(client, "/password/forgot", {"email": email}, base_url)


def mails_to(db, email) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == email)))


# --- 1. links in mail and the Host header ------------------------------------------------------------


def test_forgot_password_for_an_untrusted_host_is_refused(client, create_user, db):
    """POST /password/forgot with `Host: evil.example` is a 400 (our error page) and sends no mail."""
    user = create_user()
    resp = forgot(client, user.email, base_url=f"http://{EVIL}")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "The request could not be understood" in html and EVIL not in html
    assert mails_to(db, user.email) == []


def test_any_page_for_an_untrusted_host_is_our_400_page(client):
    """Every request for a host that is not configured gets our 400 page (never a 500), HTML and API alike."""
    resp = client.get("/", headers={"Host": EVIL})
    assert resp.status_code == 400 and 'href="/"' in resp.get_data(as_text=True)
    resp = client.get("/api/v1/frameworks", headers={"Host": f"{EVIL}:8080"})
    assert resp.status_code == 400 and resp.json == {"error": "Bad Request", "status": 400}


def test_reset_link_uses_the_public_address(app, client, create_user, db, monkeypatch):
    """With a trusted host, the reset link starts with PUBLIC_BASE_URL (its scheme, host and path prefix)."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://learn.example.org/uprest")
    user = create_user()
    assert forgot(client, user.email).status_code == 302
    (mail,) = mails_to(db, user.email)
    assert re.search(r"https://learn\.example\.org/uprest/password/reset/\S+", mail.body_text)
    assert "localhost" not in mail.body_text


def test_links_never_come_from_the_host_header(app, client, create_user, db, monkeypatch):
    """Even with the host check turned off (TRUSTED_HOSTS = []), reset and invitation links are built from
    PUBLIC_BASE_URL, not from the Host header the sender chose."""
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", [])
    base = app.config["PUBLIC_BASE_URL"]
    user = create_user()
    assert forgot(client, user.email, base_url=f"http://{EVIL}").status_code == 302
    (mail,) = mails_to(db, user.email)
    assert EVIL not in mail.body_text and f"{base}/password/reset/" in mail.body_text

    owner = create_user(email="owner@example.org")
    make_business(owner)
    evil = f"http://{EVIL}"
    assert post_form(client, "/login", {"email": owner.email, "password": PASSWORD}, evil).status_code == 302
    resp = post_form(client, "/business/invitations", {"email": "new@example.org"}, evil, form_path="/business")
    assert resp.status_code == 302
    (invite,) = mails_to(db, "new@example.org")
    assert EVIL not in invite.body_text and f"{base}/join/" in invite.body_text


def test_external_url_works_outside_a_request(app, monkeypatch):
    """external_url builds from the configured address in the CLI or a signal receiver (no request)."""
    from flask import has_request_context

    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://learn.example.org/uprest")
    assert not has_request_context()
    assert services.external_url("accounts.login") == "https://learn.example.org/uprest/login"
    assert services.external_url("accounts.reset_password", token="abc") == (
        "https://learn.example.org/uprest/password/reset/abc"
    )


def test_production_requires_the_public_address(tmp_path):
    """In production the start stops with a clear error without UPREST_PUBLIC_BASE_URL; with it, only its host
    is trusted."""
    from tests.test_security import STRONG_KEY
    from uprest import create_app

    base = {"ENV": "production", "SECRET_KEY": STRONG_KEY, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"}
    with pytest.raises(RuntimeError, match="UPREST_PUBLIC_BASE_URL must be set in production"):
        create_app(base)
    app = create_app({**base, "PUBLIC_BASE_URL": "https://Learn.Example.org/"})
    assert app.config["PUBLIC_BASE_URL"] == "https://learn.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["learn.example.org"]
    c = app.test_client()
    assert c.get("/healthz", headers={"Host": "localhost"}).status_code == 400
    assert c.get("/healthz", headers={"Host": "learn.example.org"}).status_code == 200


@pytest.mark.parametrize(
    "value", ["learn.example.org", "ftp://learn.example.org", "https://", "https://x.org/?a=1", "https://u@x.org"]
)
def test_public_address_must_be_a_plain_http_url(tmp_path, value):
    """A PUBLIC_BASE_URL that is not http(s)://host[:port][/path] stops the start, naming the variable."""
    from uprest import create_app

    with pytest.raises(RuntimeError, match="UPREST_PUBLIC_BASE_URL="):
        create_app(
            {"SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'u.sqlite'}", "PUBLIC_BASE_URL": value}
        )


def test_development_defaults(app):
    """In development the public address is http://127.0.0.1:5000 and local hosts are trusted."""
    from uprest.config import default_trusted_hosts

    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert {"127.0.0.1", "localhost"} <= set(app.config["TRUSTED_HOSTS"])
    assert default_trusted_hosts("https://learn.example.org", production=True) == ["learn.example.org"]


def test_trusted_hosts_from_the_environment(monkeypatch, tmp_path):
    """UPREST_TRUSTED_HOSTS is a JSON list that replaces the derived default."""
    from uprest import create_app

    monkeypatch.setenv("UPREST_TRUSTED_HOSTS", '["learn.example.org", ".example.net"]')
    app = create_app({"SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 't.sqlite'}"})
    assert app.config["TRUSTED_HOSTS"] == ["learn.example.org", ".example.net"]
    c = app.test_client()
    assert c.get("/healthz", headers={"Host": "a.example.net"}).status_code == 200
    assert c.get("/healthz", headers={"Host": "localhost"}).status_code == 400


# --- 2. reset links end each other -----------------------------------------------------------------


def test_a_new_reset_link_ends_the_older_ones(client, create_user, db):
    """Asking for a second link ends the first: only the newest one works."""
    user = create_user()
    forgot(client, user.email)
    first = reset_link(user.email)
    forgot(client, user.email)
    second = reset_link(user.email)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert count_rows(PasswordResetToken, PasswordResetToken.user_id == user.id) == 1


def test_using_a_reset_link_ends_the_others(app, client, create_user, db):
    """Setting a password with one link ends every other open link of the account (two links issued at once)."""
    from datetime import timedelta

    from uprest.extensions import utcnow
    from uprest.security import new_token

    user = create_user()
    tokens = []
    for _ in range(2):
        token, digest = new_token()
        db.session.add(PasswordResetToken(user_id=user.id, token_hash=digest, expires_at=utcnow() + timedelta(hours=1)))
        tokens.append(token)
    db.session.commit()
    first, second = (f"/password/reset/{t}" for t in tokens)
    data = {"password": "my new password", "confirm": "my new password", "csrf_token": csrf_token(client, first)}
    assert client.post(first, data=data).status_code == 302
    assert client.get(second).status_code == 404
    assert count_rows(PasswordResetToken, PasswordResetToken.user_id == user.id) == 0


def test_two_reset_links_used_at_once_set_one_password(app, create_user, db):
    """Two open links of one account used at the same moment: one sets the password, the other is refused
    (404), never a 500, and no link is left."""
    import threading
    from datetime import timedelta

    from uprest.extensions import utcnow
    from uprest.security import new_token

    user = create_user()
    paths = []
    for _ in range(2):
        token, digest = new_token()
        db.session.add(PasswordResetToken(user_id=user.id, token_hash=digest, expires_at=utcnow() + timedelta(hours=1)))
        paths.append(f"/password/reset/{token}")
    db.session.commit()
    jobs = []
    for n, path in enumerate(paths):
        c = app.test_client()
        data = {"password": f"new password {n}", "confirm": f"new password {n}", "csrf_token": csrf_token(c, path)}
        jobs.append((c, path, data))
    barrier, codes = threading.Barrier(len(jobs)), []

    def use(c, path, data):
        barrier.wait()
        codes.append(c.post(path, data=data).status_code)

    threads = [threading.Thread(target=use, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [302, 404]
    assert count_rows(PasswordResetToken, PasswordResetToken.user_id == user.id) == 0


def test_changing_the_password_ends_reset_links(client, create_user, db):
    """A password changed on the account page ends the reset links asked for before."""
    user = create_user()
    forgot(client, user.email)
    link = reset_link(user.email)
    login(client, user.email)
    data = {
        "current": PASSWORD,
        "password": "another good password",
        "confirm": "another good password",
        "csrf_token": csrf_token(client, "/account/password"),
    }
    assert client.post("/account/password", data=data).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert client.get(link).status_code == 404


def test_reset_link_of_a_deactivated_account_is_refused(client, create_user, db):
    """A link asked for before an administrator deactivated the account no longer works."""
    user = create_user()
    forgot(client, user.email)
    link = reset_link(user.email)
    user.is_active_account = False
    db.session.commit()
    assert client.get(link).status_code == 404


# --- 3. the same work for known and unknown addresses ------------------------------------------------


def test_forgot_password_does_the_same_work_for_unknown_addresses(client, create_user, monkeypatch):
    """Known and unknown addresses both make and hash a token, render the mail and write it to the outbox;
    for an unknown one the write is undone, so nothing is stored (the timing is measured in
    bench/forgot_timing.py, not asserted here)."""
    from sqlalchemy import event

    from uprest.extensions import db as _db

    calls = {"token": 0, "render": 0, "outbox insert": 0}
    real_token, real_render = services.new_token, services.render_template

    def token():
        calls["token"] += 1
        return real_token()

    def render(*args, **kwargs):
        calls["render"] += 1
        return real_render(*args, **kwargs)

    def statement(_conn, _cursor, sql, *_args):
        calls["outbox insert"] += sql.lstrip().upper().startswith("INSERT INTO OUTBOX_MESSAGES")

    monkeypatch.setattr(services, "new_token", token)
    monkeypatch.setattr(services, "render_template", render)
    monkeypatch.setattr("uprest.mail.render_template", render)
    user = create_user()
    work = {}
    event.listen(_db.engine, "before_cursor_execute", statement)
    try:
        for label, email in (("unknown", "nobody@example.org"), ("known", user.email)):
            calls.update({k: 0 for k in calls})
            assert forgot(client, email).status_code == 302
            work[label] = {**calls, "stored": count_rows(OutboxMessage, OutboxMessage.to_address == email)}
    finally:
        event.remove(_db.engine, "before_cursor_execute", statement)
    same = {"token": 1, "render": 1, "outbox insert": 1}
    assert work == {"unknown": {**same, "stored": 0}, "known": {**same, "stored": 1}}


# --- 8. smaller ones -------------------------------------------------------------------------------


def test_staff_cannot_change_or_clear_their_municipality(app, client, login_as, db, territory):
    """Municipality staff see their municipality read-only; a posted change or an empty value is ignored, and
    the service refuses a change outright. Learners still choose theirs."""
    staff = login_as(role="staff", territory_code="pori")
    html = client.get("/account").get_data(as_text=True)
    assert 'name="territory_id"' not in html and "Pori" in html
    assert "bound to your municipality by an administrator" in html
    for value in (str(territory("ravenna").id), ""):
        data = {"name": "Staff Person", "locale": "en", "territory_id": value}
        data["csrf_token"] = csrf_token(client, "/account")
        assert client.post("/account", data=data).status_code == 302
        db.session.refresh(staff)
        assert staff.territory.slug == "pori" and staff.name == "Staff Person"
    with pytest.raises(services.AccountError) as refused:
        services.update_profile(staff, name="x", locale="en", territory_id=None)
    with app.test_request_context():
        assert "Only an administrator" in str(refused.value)


def test_no_address_in_the_url_after_a_reset(client, create_user, db):
    """After a password reset the browser goes to the login page without the e-mail address in the URL."""
    user = create_user()
    forgot(client, user.email)
    link = reset_link(user.email)
    data = {"password": "my new password", "confirm": "my new password", "csrf_token": csrf_token(client, link)}
    resp = client.post(link, data=data)
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"


def test_registration_starts_a_fresh_session(client, db):
    """Confirming a registration logs in on a new session: nothing of the visitor's session is kept but the
    language."""
    from tests.test_accounts import register

    with client.session_transaction() as sess:
        sess["lang"] = "fi"
        sess["planted"] = "by someone else"
    register(client)
    link = confirm_link("anna@example.org")
    with client.session_transaction() as sess:
        before = dict(sess)
    assert before["planted"] and before["csrf_token"]
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    with client.session_transaction() as sess:
        after = dict(sess)
    assert "planted" not in after and "registration_sent_to" not in after
    assert after["lang"] == "fi" and after["_user_id"]
    assert after.get("csrf_token") != before["csrf_token"]


def test_invitation_to_an_address_is_for_that_account_only(app, create_user, db):
    """An invitation sent to an address can be accepted only by the account with that address (any case);
    another account sees a clear message and stays outside; the owner's page says links are for anyone."""
    owner = create_user(email="owner@example.org")
    org = make_business(owner)
    inv, token = make_invitation(org, "Invited@Example.org")
    path = f"/join/{token}"
    anonymous = app.test_client()
    assert "only the account with that address can accept it" in anonymous.get(path).get_data(as_text=True)

    intruder = create_user(email="intruder@example.org")
    c = app.test_client()
    login(c, intruder.email)
    resp = c.get(path)
    assert resp.status_code == 403
    assert "This invitation was sent to another e-mail address" in resp.get_data(as_text=True)
    resp = c.post(path, data={"csrf_token": csrf_token(c, "/account")}, follow_redirects=True)
    assert "This invitation was sent to another e-mail address" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, intruder.id).organisation_id is None
    assert db.session.get(Invitation, inv.id).used_at is None

    invited = create_user(email="invited@example.org")
    i = app.test_client()
    login(i, invited.email)
    assert i.post(path, data={"csrf_token": csrf_token(i, path)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, invited.id).organisation_id == org.id

    o = app.test_client()
    login(o, owner.email)
    assert "anyone who has that link can join, once" in o.get("/business").get_data(as_text=True)
