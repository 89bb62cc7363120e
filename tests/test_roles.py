"""Role checks on every route: anonymous, learner, trainer, municipality staff and admin."""

from __future__ import annotations

import pytest

from tests.conftest import login

ROLES = ["anonymous", "learner", "trainer", "staff", "admin"]

# path -> roles that get 200; anonymous users who may not see a page are sent to the login page.
PAGES = {
    "/": ROLES,
    "/privacy": ROLES,
    "/accessibility": ROLES,
    "/login": ["anonymous"],  # logged-in users are redirected home
    "/register": ["anonymous"],  # logged-in users are redirected home
    "/password/forgot": ROLES,
    "/account": ROLES[1:],
    "/account/password": ROLES[1:],
    "/account/delete": ROLES[1:],
    "/business": ROLES[1:],
    "/admin/users": ["admin"],
    "/admin/municipalities": ["admin"],
    "/admin/outbox": ["admin"],
}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, create_user, role):
    """Each role gets exactly the pages it may see; the others answer login-redirect or 403."""
    client = app.test_client()
    if role != "anonymous":
        user = create_user(role=role, municipality_code="cervia")
        assert login(client, user.email).status_code == 302
    for path, allowed in PAGES.items():
        resp = client.get(path)
        if role in allowed:
            assert resp.status_code == 200, (role, path, resp.status_code)
        elif role == "anonymous":
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], (role, path)
        elif path in ("/register", "/login"):
            assert resp.status_code == 302
        else:
            assert resp.status_code == 403, (role, path, resp.status_code)


def test_admin_changes_role_and_ends_sessions(app, create_user, db, municipality):
    """An admin makes a learner municipality staff; staff need a municipality; the user's sessions end."""
    from tests.conftest import csrf_token

    admin = create_user(role="admin")
    learner = create_user()
    lc = app.test_client()
    login(lc, learner.email)
    ac = app.test_client()
    login(ac, admin.email)
    path = f"/admin/users/{learner.id}"
    resp = ac.post(path, data={"role": "staff", "municipality_id": "", "is_active": "y",
                               "csrf_token": csrf_token(ac, path)})
    assert "must be bound to a municipality" in resp.get_data(as_text=True)
    resp = ac.post(path, data={"role": "staff", "municipality_id": str(municipality("ravenna").id),
                               "is_active": "y", "csrf_token": csrf_token(ac, path)})
    assert resp.status_code == 302
    db.session.refresh(learner)
    assert learner.role == "staff" and learner.municipality.code == "ravenna"
    assert lc.get("/account").status_code == 302


def test_admin_cannot_demote_self(app, create_user, db):
    """An admin cannot remove their own admin rights (there is always an admin left)."""
    from tests.conftest import csrf_token

    admin = create_user(role="admin")
    ac = app.test_client()
    login(ac, admin.email)
    path = f"/admin/users/{admin.id}"
    resp = ac.post(path, data={"role": "learner", "is_active": "y", "csrf_token": csrf_token(ac, path)})
    assert "cannot remove your own administrator rights" in resp.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_admin_manages_municipalities(app, create_user, db):
    """An admin adds a municipality; a duplicate code is refused with a message."""
    from tests.conftest import csrf_token
    from uprest.accounts.models import Municipality

    admin = create_user(role="admin")
    ac = app.test_client()
    login(ac, admin.email)
    data = {"code": "rijeka", "name": "Rijeka", "country": "HR"}
    resp = ac.post("/admin/municipalities", data={**data, "csrf_token": csrf_token(ac, "/admin/municipalities")})
    assert resp.status_code == 302
    resp = ac.post("/admin/municipalities", data={**data, "csrf_token": csrf_token(ac, "/admin/municipalities")})
    assert "already exists" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).where(Municipality.code == "rijeka")) == 1


def test_admin_reads_outbox(app, client, create_user):
    """Admins read every outbox message; the message text is shown."""
    from tests.conftest import csrf_token

    user = create_user(email="reset@example.org")
    client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")})
    admin = create_user(role="admin")
    ac = app.test_client()
    login(ac, admin.email)
    html = ac.get("/admin/outbox").get_data(as_text=True)
    assert "reset@example.org" in html
    assert "/admin/outbox/1" in html
    assert "/password/reset/" in ac.get("/admin/outbox/1").get_data(as_text=True)


def test_seeded_municipalities(app, db):
    """The six project municipalities exist."""
    from uprest.accounts.models import Municipality

    codes = set(db.session.scalars(db.select(Municipality.code)))
    assert {"vanersborg", "trollhattan", "cervia", "ravenna", "pori", "kvarner"} <= codes
