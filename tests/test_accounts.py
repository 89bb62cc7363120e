"""Accounts: registration, login, logout, profile, password change and reset, businesses, invitations."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import confirm_link, count_rows, reset_link
from uprest.accounts.models import Invitation, PasswordResetToken, PendingRegistration, User
from uprest.mail import OutboxMessage


def register(client, environ_base=None, **overrides):
    """Fill in and send the registration form (the mail goes to the outbox)."""
    data = {
        "name": "Anna Andersson",
        "email": "anna@example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
        "locale": "sv",
        "territory_id": "",
        "accept_privacy": "y",
    }
    data.update(overrides)
    data["csrf_token"] = csrf_token(client, "/register")
    return client.post("/register", data=data, environ_base=environ_base or {})


def confirm(client, email="anna@example.org"):
    """Follow the confirmation link mailed to `email` and press its button, as the person does."""
    link = confirm_link(email)
    return client.post(link, data={"csrf_token": csrf_token(client, link)})


def test_register_creates_learner_once_the_address_is_confirmed(client, db, territory):
    """Registration mails a link and creates nothing; the link creates a learner with an argon2id hash, the
    chosen language and municipality, and logs them in."""
    resp = register(client, territory_id=str(territory("pori").id), email="Anna@Example.ORG")
    assert resp.status_code == 302 and resp.headers["Location"] == "/register/sent"
    assert count_rows(User) == 0
    assert client.get("/account").status_code == 302  # not logged in yet
    page = client.get("/register/sent").get_data(as_text=True)
    assert "We have sent a message to anna@example.org." in page

    resp = confirm(client)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    user = db.session.scalar(db.select(User))
    assert user.email == "anna@example.org"
    assert user.role == "learner" and user.locale == "sv"
    assert user.territory.slug == "pori"
    assert user.password_hash.startswith("$argon2id$")
    assert user.privacy_accepted_at is not None
    assert count_rows(PendingRegistration) == 0
    assert client.get("/account").status_code == 200


def test_registration_mail_is_in_the_chosen_language(client, db):
    """The confirmation mail speaks the language chosen in the form (Swedish here), not the browser's."""
    register(client, locale="sv")
    mail = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == "anna@example.org")).one()
    assert mail.subject == "Bekräfta din e-postadress för UPREST"
    assert "Välkommen till UPREST" in mail.body_text
    assert mail.secrets and mail.secrets[0] in mail.body_text  # the link is masked for admins, removed once sent


def test_confirmation_link_works_once(app, client, db):
    """The confirmation link creates the account once; afterwards it is a 404 page that offers to log in."""
    register(client)
    link = confirm_link("anna@example.org")
    assert confirm(client).status_code == 302
    other = app.test_client()
    resp = other.get(link)
    assert resp.status_code == 404 and "This link is not valid" in resp.get_data(as_text=True)
    assert count_rows(User) == 1


def test_confirmation_link_expires(client, db):
    """An expired confirmation link creates nothing, and expired registrations are deleted by the next one."""
    from datetime import timedelta

    from uprest.extensions import utcnow

    register(client)
    link = confirm_link("anna@example.org")
    row = db.session.scalar(db.select(PendingRegistration))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(link).status_code == 404
    register(client, email="bert@example.org")
    assert [r.email for r in db.session.scalars(db.select(PendingRegistration))] == ["bert@example.org"]
    assert count_rows(User) == 0


def test_expired_registrations_purged_from_the_cli(app, client, db):
    """`flask users purge-registrations` deletes registrations whose link has expired, and only those."""
    from datetime import timedelta

    from uprest.extensions import utcnow

    register(client)
    register(client, email="bert@example.org")
    row = db.session.scalar(db.select(PendingRegistration).where(PendingRegistration.email == "anna@example.org"))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "purge-registrations"])
    assert result.exit_code == 0 and "deleted 1 expired registrations" in result.output
    assert [r.email for r in db.session.scalars(db.select(PendingRegistration))] == ["bert@example.org"]


def test_registration_from_an_invitation_comes_back_to_it(app, client, login_as, db, territory):
    """A newcomer who registers from an invitation page is brought back to it after confirming."""
    from tests.factories import make_business, make_invitation

    owner = login_as()
    org = make_business(owner)
    _inv, token = make_invitation(org, "anna@example.org")
    visitor = app.test_client()
    assert "Create an account" in visitor.get(f"/join/{token}").get_data(as_text=True)
    data = {
        "name": "Anna Andersson",
        "email": "anna@example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
        "locale": "en",
        "territory_id": "",
        "accept_privacy": "y",
        "csrf_token": csrf_token(visitor, f"/register?next=/join/{token}"),
    }
    assert visitor.post(f"/register?next=/join/{token}", data=data).status_code == 302
    resp = confirm(visitor)
    assert resp.headers["Location"] == f"/join/{token}"
    assert visitor.post(f"/join/{token}", data={"csrf_token": csrf_token(visitor, f"/join/{token}")}).status_code == 302
    assert db.session.scalar(db.select(User).where(User.email == "anna@example.org")).organisation_id == org.id


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
        ({"territory_id": "99999"}, "Not a valid choice"),
        ({"territory_id": "abc"}, "Invalid Choice"),
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
    assert confirm(client).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert login(client, "anna@example.org", pw).status_code == 302


def _sent_page(client, email):
    """The page after registering `email`, with the address itself replaced (it is the one expected difference)
    and the CSRF tokens of its forms too (they carry the second they were signed in)."""
    resp = register(client, email=email)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    page = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1TOKEN", page)
    return resp.status_code, resp.headers["Location"], page.replace(email.lower(), "ADDRESS")


def test_taken_address_gets_the_same_answer_and_the_owner_a_mail(app, create_user, db):
    """Registering a taken address (any case) answers exactly as for a new one; the owner is told by mail with
    links to log in and to reset the password; no account, registration or session is made."""
    owner = create_user(email="anna@example.org")
    client = app.test_client()
    new = _sent_page(client, "new.person@example.org")
    taken = _sent_page(client, "ANNA@example.org")
    assert new == taken
    assert taken[:2] == (302, "/register/sent")
    assert count_rows(User) == 1  # only the owner
    assert [r.email for r in db.session.scalars(db.select(PendingRegistration))] == ["new.person@example.org"]
    assert client.get("/account").status_code == 302
    mail = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == owner.email)).one()
    base = app.config["PUBLIC_BASE_URL"]
    assert "tried to create" in mail.subject
    assert f"{base}/login" in mail.body_text and f"{base}/password/forgot" in mail.body_text
    assert "/register/confirm/" not in mail.body_text


def test_registration_is_rate_limited_per_address(app, client, monkeypatch, db):
    """Registrations from one network address are limited (each costs an argon2id hash and a mail): 429."""
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER_PER_ADDRESS", "3 per hour")
    codes = [register(client, email=f"p{i}@example.org").status_code for i in range(4)]
    assert codes == [302, 302, 302, 429]
    assert count_rows(PendingRegistration) == 3
    other = app.test_client()
    resp = register(other, email="q@example.org", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert resp.status_code == 302  # another address is not affected


def test_parallel_confirmations_create_one_account(app, db):
    """Two links for one address (registered twice), each followed twice at once, create exactly one account."""
    first, second = app.test_client(), app.test_client()
    register(first)
    link_a = confirm_link("anna@example.org")
    register(second)
    link_b = confirm_link("anna@example.org")
    assert link_a != link_b
    clients = []
    for link in (link_a, link_a, link_b, link_b):
        c = app.test_client()
        clients.append((c, link, csrf_token(c, link)))
    barrier = threading.Barrier(len(clients))
    results = []

    def worker(c, link, token):
        barrier.wait()
        results.append(c.post(link, data={"csrf_token": token}))

    threads = [threading.Thread(target=worker, args=item) for item in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert count_rows(User) == 1
        assert count_rows(PendingRegistration) == 0
    assert sorted(r.headers.get("Location", str(r.status_code)) for r in results).count("/") == 1


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


def test_profile_update(client, login_as, db, territory):
    """A user changes name, language and municipality."""
    user = login_as()
    resp = client.post(
        "/account",
        data={
            "name": "New Name",
            "locale": "it",
            "territory_id": str(territory("ravenna").id),
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert resp.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale, user.territory.slug) == ("New Name", "it", "ravenna")


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


def _create_business(client, territory):
    return client.post(
        "/business",
        data={
            "name": "Camping Vänern",
            "subsector": "accommodation",
            "size": "micro",
            "territory_id": str(territory("vanersborg").id),
            "csrf_token": csrf_token(client, "/business"),
        },
    )


def test_owner_invites_staff_by_link(app, client, login_as, create_user, db, territory):
    """An owner creates a business and an invitation link; a colleague joins with it once."""
    owner = login_as()
    assert _create_business(client, territory).status_code == 302
    resp = client.post(
        "/business/invitations",
        data={"email": "", "csrf_token": csrf_token(client, "/business")},
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    link = re.search(r'value="(http://[^"]+/join/[^"]+)"', html).group(1)
    assert link.startswith(app.config["PUBLIC_BASE_URL"] + "/join/")
    assert "Anyone who has this link can use it" in html
    path = urlsplit(link).path

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


def test_invitation_by_email_goes_to_outbox(client, login_as, db, territory):
    """An invitation with an address is mailed through the outbox."""
    login_as()
    _create_business(client, territory)
    client.post(
        "/business/invitations", data={"email": "new@example.org", "csrf_token": csrf_token(client, "/business")}
    )
    msg = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == "new@example.org"))
    assert msg is not None and "/join/" in msg.body_text


def test_only_owner_manages_business(app, client, login_as, create_user, db, territory):
    """Staff cannot invite, revoke or remove; outsiders get 404 for another business's invitation."""
    owner = login_as()
    _create_business(client, territory)
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


def test_owner_removes_member_and_member_leaves(app, client, login_as, create_user, db, territory):
    """The owner removes a member; a member may leave; the owner cannot be removed."""
    owner = login_as()
    _create_business(client, territory)
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
    assert confirm_link("gone@example.org")  # a new registration for the freed address, not an "exists" mail


def test_owner_with_members_cannot_delete(client, login_as, create_user, db, territory):
    """An owner whose business still has members must remove them first."""
    owner = login_as()
    _create_business(client, territory)
    db.session.refresh(owner)
    member = create_user(email="m@example.org")
    member.organisation_id = owner.organisation_id
    db.session.commit()
    path = "/account/delete"
    resp = client.post(path, data={"password": PASSWORD, "confirm": "y", "csrf_token": csrf_token(client, path)})
    assert "still has members" in resp.get_data(as_text=True)


def test_owner_page_links_to_combined_profile(client, login_as, territory):
    """The owner's business page leads to the combined skills profile."""
    login_as()
    _create_business(client, territory)
    assert 'href="/assessment/business"' in client.get("/business").get_data(as_text=True)
