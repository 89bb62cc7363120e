"""Accounts: registration, login, logout, profile, password change and reset, businesses, invitations."""

from __future__ import annotations

import re
import threading

import pytest

from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import reset_link
from uprest.accounts.models import Invitation, PasswordResetToken, User
from uprest.mail import OutboxMessage


def register(client, **overrides):
    data = {
        "name": "Anna Andersson",
        "email": "anna@example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
        "locale": "sv",
        "municipality_id": "",
        "accept_privacy": "y",
    }
    data.update(overrides)
    data["csrf_token"] = csrf_token(client, "/register")
    return client.post("/register", data=data)


def test_register_creates_learner_and_logs_in(client, db, municipality):
    """Registration stores a learner with an argon2id hash, the chosen language and municipality."""
    resp = register(client, municipality_id=str(municipality("pori").id), email="Anna@Example.ORG")
    assert resp.status_code == 302
    user = db.session.scalar(db.select(User))
    assert user.email == "anna@example.org"
    assert user.role == "learner" and user.locale == "sv"
    assert user.municipality.code == "pori"
    assert user.password_hash.startswith("$argon2id$")
    assert user.privacy_accepted_at is not None
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Please enter your name."),
        ({"email": "not-an-email"}, "Please enter a valid e-mail address."),
        ({"password": "short", "confirm": "short"}, "between 8 and 128 characters"),
        ({"password": "x" * 129, "confirm": "x" * 129}, "between 8 and 128 characters"),
        ({"confirm": "something else"}, "The two passwords do not match."),
        ({"accept_privacy": ""}, "You must accept the privacy notice"),
        ({"locale": "de"}, "Not a valid choice"),
        ({"municipality_id": "99999"}, "Not a valid choice"),
        ({"municipality_id": "abc"}, "Invalid Choice"),
    ],
)
def test_register_rejects_bad_input(client, db, overrides, message):
    """Each invalid field gives a clear message on the form (200), and no account is created."""
    resp = register(client, **overrides)
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_any_unicode_password_of_8_to_128_characters(client, db):
    """Passwords are any Unicode text of 8–128 characters, including emoji and combining marks."""
    pw = "🌍ünïcødé пароль ß"
    assert register(client, password=pw, confirm=pw).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert login(client, "anna@example.org", pw).status_code == 302


def test_duplicate_email_refused(client, create_user, db):
    """An address can hold only one account (case-insensitive)."""
    create_user(email="anna@example.org")
    resp = register(client, email="ANNA@example.org")
    assert "already exists" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_parallel_registrations_create_one_account(app, db):
    """Two simultaneous registrations of the same address leave exactly one account."""
    results = []

    def worker():
        c = app.test_client()
        results.append(register(c).status_code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1
    assert results.count(302) == 1


def test_login_wrong_password_and_unknown_email_same_answer(client, create_user):
    """Unknown e-mail and wrong password give the same message and status."""
    create_user(email="known@example.org")
    a = login(client, "known@example.org", "wrong password!")
    b = login(client, "unknown@example.org", "wrong password!")
    assert a.status_code == b.status_code == 200
    msg = "The e-mail address or password is not correct."
    assert msg in a.get_data(as_text=True) and msg in b.get_data(as_text=True)


def test_unknown_email_still_hashes(app, monkeypatch, create_user):
    """Login for an unknown address runs an argon2 verification too, so timing is similar."""
    from argon2 import PasswordHasher

    from uprest.accounts import services

    calls = []
    original = PasswordHasher.verify

    def spy(self, h, p):
        calls.append(h)
        return original(self, h, p)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    with app.test_request_context():
        assert services.authenticate("nobody@example.org", "whatever1") is None
    assert len(calls) == 1


def test_inactive_user_cannot_log_in(client, create_user, db):
    """A deactivated account cannot log in, even with the right password; it sees the wrong-password message."""
    user = create_user()
    user.is_active_account = False
    db.session.commit()
    resp = login(client, user.email)
    assert resp.status_code == 200
    assert "The e-mail address or password is not correct." in resp.get_data(as_text=True)
    resp = client.get("/account")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    db.session.refresh(user)
    assert user.last_login_at is None


def test_logout_ends_other_sessions(app, create_user):
    """Logging out in one browser ends the user's sessions everywhere."""
    user = create_user()
    a, b = app.test_client(), app.test_client()
    assert login(a, user.email).status_code == 302
    assert login(b, user.email).status_code == 302
    assert b.get("/account").status_code == 200
    a.post("/logout", data={"csrf_token": csrf_token(a, "/account")})
    resp = b.get("/account")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_logout_requires_post_with_csrf(client, login_as):
    """Logout is a POST with a CSRF token; a GET or a token-less POST does not log out."""
    login_as()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


def test_change_password_ends_other_sessions_keeps_this_one(app, create_user):
    """Changing the password keeps this session and ends the others; the old password stops working."""
    user = create_user()
    a, b = app.test_client(), app.test_client()
    login(a, user.email)
    login(b, user.email)
    resp = a.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "another good password",
            "confirm": "another good password",
            "csrf_token": csrf_token(a, "/account/password"),
        },
    )
    assert resp.status_code == 302
    assert a.get("/account").status_code == 200
    assert b.get("/account").status_code == 302
    c = app.test_client()
    assert login(c, user.email, PASSWORD).status_code == 200
    assert login(c, user.email, "another good password").status_code == 302


def test_change_password_wrong_current(client, login_as):
    """A wrong current password is refused with a message."""
    login_as()
    resp = client.post(
        "/account/password",
        data={
            "current": "not my password",
            "password": "another good password",
            "confirm": "another good password",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert resp.status_code == 200
    assert "Your current password is not correct." in resp.get_data(as_text=True)


def test_profile_update(client, login_as, db, municipality):
    """A user changes name, language and municipality."""
    user = login_as()
    resp = client.post(
        "/account",
        data={
            "name": "New Name",
            "locale": "it",
            "municipality_id": str(municipality("ravenna").id),
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert resp.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale, user.municipality.code) == ("New Name", "it", "ravenna")


def test_password_reset_single_use(client, create_user, db):
    """The e-mailed reset link sets a new password once and then no longer works."""
    user = create_user()
    client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")})
    link = reset_link(user.email)
    assert client.get(link).status_code == 200
    data = {"password": "my new password", "confirm": "my new password", "csrf_token": csrf_token(client, link)}
    assert client.post(link, data=data).status_code == 302
    assert client.get(link).status_code == 404
    assert login(client, user.email, "my new password").status_code == 302


def test_password_reset_expires(client, create_user, db):
    """An expired reset link is refused."""
    from datetime import timedelta

    from uprest.extensions import utcnow

    user = create_user()
    client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")})
    link = reset_link(user.email)
    token = db.session.scalar(db.select(PasswordResetToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(link).status_code == 404


def test_password_reset_unknown_email_same_answer(client, db):
    """Asking a reset for an unknown address answers the same and sends nothing."""
    resp = client.post(
        "/password/forgot",
        data={"email": "ghost@example.org", "csrf_token": csrf_token(client, "/password/forgot")},
        follow_redirects=True,
    )
    assert "If an account exists for that address" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


def test_reset_ends_sessions(app, create_user, db):
    """Resetting the password ends every existing session of the user."""
    user = create_user()
    other = app.test_client()
    login(other, user.email)
    c = app.test_client()
    c.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(c, "/password/forgot")})
    link = reset_link(user.email)
    c.post(link, data={"password": "my new password", "confirm": "my new password", "csrf_token": csrf_token(c, link)})
    assert other.get("/account").status_code == 302


def test_bogus_reset_token(client):
    """A made-up or malformed token is a clean 404."""
    for token in ["abc", "x" * 500, "..%2f..%2fetc"]:
        assert client.get(f"/password/reset/{token}").status_code == 404
    assert client.get("/password/reset/%00").status_code == 400  # NUL bytes are refused up front


# --- businesses and invitations ---------------------------------------------------


def _create_business(client, municipality):
    return client.post(
        "/business",
        data={
            "name": "Camping Vänern",
            "subsector": "accommodation",
            "size": "micro",
            "municipality_id": str(municipality("vanersborg").id),
            "csrf_token": csrf_token(client, "/business"),
        },
    )


def test_owner_invites_staff_by_link(app, client, login_as, create_user, db, municipality):
    """An owner creates a business and an invitation link; a colleague joins with it once."""
    owner = login_as()
    assert _create_business(client, municipality).status_code == 302
    resp = client.post(
        "/business/invitations",
        data={"email": "", "csrf_token": csrf_token(client, "/business")},
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    link = re.search(r'value="(http://[^"]+/join/[^"]+)"', html).group(1)
    path = link.split("localhost", 1)[1]

    staff = create_user(email="staff@example.org")
    other = app.test_client()
    assert "Log in" in other.get(path).get_data(as_text=True)
    login(other, staff.email)
    assert other.post(path, data={"csrf_token": csrf_token(other, path)}).status_code == 302
    db.session.refresh(staff)
    assert staff.organisation_id == owner.organisation_id
    assert staff.job_role == "staff"
    # used once: a third person cannot use it
    third = create_user(email="third@example.org")
    c3 = app.test_client()
    login(c3, third.email)
    assert c3.get(path).status_code == 404


def test_invitation_by_email_goes_to_outbox(client, login_as, db, municipality):
    """An invitation with an address is mailed through the outbox."""
    login_as()
    _create_business(client, municipality)
    client.post(
        "/business/invitations", data={"email": "new@example.org", "csrf_token": csrf_token(client, "/business")}
    )
    msg = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == "new@example.org"))
    assert msg is not None and "/join/" in msg.body_text


def test_only_owner_manages_business(app, client, login_as, create_user, db, municipality):
    """Staff cannot invite, revoke or remove; outsiders get 404 for another business's invitation."""
    owner = login_as()
    _create_business(client, municipality)
    db.session.refresh(owner)
    staff = create_user(email="s@example.org")
    staff.organisation_id = owner.organisation_id
    db.session.commit()
    inv = Invitation(
        organisation_id=owner.organisation_id, token_hash="x" * 64, expires_at=owner.created_at.replace(year=2100)
    )
    db.session.add(inv)
    db.session.commit()
    s = app.test_client()
    login(s, staff.email)
    token = csrf_token(s, "/account")
    assert s.post("/business/invitations", data={"csrf_token": token}).status_code == 403
    assert s.post(f"/business/invitations/{inv.id}/revoke", data={"csrf_token": token}).status_code == 403
    assert s.post(f"/business/members/{owner.id}/remove", data={"csrf_token": token}).status_code == 403
    outsider = create_user(email="o@example.org")
    o = app.test_client()
    login(o, outsider.email)
    token = csrf_token(o, "/account")
    assert o.post(f"/business/invitations/{inv.id}/revoke", data={"csrf_token": token}).status_code == 404


def test_owner_removes_member_and_member_leaves(app, client, login_as, create_user, db, municipality):
    """The owner removes a member; a member may leave; the owner cannot be removed."""
    owner = login_as()
    _create_business(client, municipality)
    db.session.refresh(owner)
    a = create_user(email="a@example.org")
    b = create_user(email="b@example.org")
    for u in (a, b):
        u.organisation_id = owner.organisation_id
    db.session.commit()
    token = csrf_token(client, "/business")
    assert client.post(f"/business/members/{a.id}/remove", data={"csrf_token": token}).status_code == 302
    resp = client.post(f"/business/members/{owner.id}/remove", data={"csrf_token": token}, follow_redirects=True)
    assert "The owner cannot be removed" in resp.get_data(as_text=True)
    cb = app.test_client()
    login(cb, b.email)
    assert cb.post("/business/leave", data={"csrf_token": csrf_token(cb, "/account")}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, a.id).organisation_id is None
    assert db.session.get(User, b.id).organisation_id is None


def test_sharing_choice(client, login_as, db):
    """A member chooses whether to share results with the owner."""
    user = login_as()
    client.post("/account/sharing", data={"share": "y", "csrf_token": csrf_token(client, "/account")})
    db.session.refresh(user)
    assert user.shares_with_organisation is False  # no business: nothing to share with


def test_export_my_data(client, login_as):
    """A user downloads their own data as JSON."""
    user = login_as(name="Exporter")
    resp = client.get("/account/export.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.json["profile"]["email"] == user.email


def test_delete_account(app, client, login_as, db):
    """Deleting an account needs the password, anonymises the person, ends sessions and frees the address."""
    user = login_as(email="gone@example.org")
    path = "/account/delete"
    resp = client.post(
        path, data={"password": "wrong password", "confirm": "y", "csrf_token": csrf_token(client, path)}
    )
    assert "Your current password is not correct." in resp.get_data(as_text=True)
    resp = client.post(path, data={"password": PASSWORD, "confirm": "y", "csrf_token": csrf_token(client, path)})
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.email != "gone@example.org" and not user.is_active_account and "gone" not in user.name
    assert client.get("/account").status_code == 302
    assert register(app.test_client(), email="gone@example.org").status_code == 302


def test_owner_with_members_cannot_delete(client, login_as, create_user, db, municipality):
    """An owner whose business still has members must remove them first."""
    owner = login_as()
    _create_business(client, municipality)
    db.session.refresh(owner)
    member = create_user(email="m@example.org")
    member.organisation_id = owner.organisation_id
    db.session.commit()
    path = "/account/delete"
    resp = client.post(path, data={"password": PASSWORD, "confirm": "y", "csrf_token": csrf_token(client, path)})
    assert "still has members" in resp.get_data(as_text=True)


def test_owner_page_links_to_combined_profile(client, login_as, municipality):
    """The owner's business page leads to the combined skills profile."""
    login_as()
    _create_business(client, municipality)
    assert 'href="/assessment/business"' in client.get("/business").get_data(as_text=True)
