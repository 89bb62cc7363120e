"""Administration of roles, municipalities and the outbox.

Who may use which route is stated once, for every route and role, in test_authz_matrix.py.
"""

from __future__ import annotations

from tests.conftest import csrf_token, login


def test_admin_changes_role_and_ends_sessions(app, create_user, db, territory):
    """An admin makes a learner municipality staff; staff need a municipality; the user's sessions end."""
    admin = create_user(role="admin")
    learner = create_user()
    lc = app.test_client()
    login(lc, learner.email)
    ac = app.test_client()
    login(ac, admin.email)
    path = f"/admin/users/{learner.id}"
    resp = ac.post(
        path, data={"role": "staff", "territory_id": "", "is_active": "y", "csrf_token": csrf_token(ac, path)}
    )
    assert "must be bound to a municipality" in resp.get_data(as_text=True)
    resp = ac.post(
        path,
        data={
            "role": "staff",
            "territory_id": str(territory("ravenna").id),
            "is_active": "y",
            "csrf_token": csrf_token(ac, path),
        },
    )
    assert resp.status_code == 302
    db.session.refresh(learner)
    assert learner.role == "staff" and learner.territory.slug == "ravenna"
    resp = lc.get("/account")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_admin_cannot_demote_self(app, create_user, db):
    """An admin cannot remove their own admin rights (there is always an admin left)."""
    admin = create_user(role="admin")
    ac = app.test_client()
    login(ac, admin.email)
    path = f"/admin/users/{admin.id}"
    resp = ac.post(path, data={"role": "learner", "is_active": "y", "csrf_token": csrf_token(ac, path)})
    assert "cannot remove your own administrator rights" in resp.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_admin_reads_outbox(app, client, create_user, db):
    """Admins read every outbox message: the list names its recipient, the message shows its text
    (the reset link in it is hidden: test_mail.py)."""
    from uprest.mail import OutboxMessage

    user = create_user(email="reset@example.org")
    client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")})
    msg_id = db.session.scalar(db.select(OutboxMessage.id).where(OutboxMessage.to_address == "reset@example.org"))
    admin = create_user(role="admin")
    ac = app.test_client()
    login(ac, admin.email)
    html = ac.get("/admin/outbox").get_data(as_text=True)
    assert "reset@example.org" in html and f"/admin/outbox/{msg_id}" in html
    page = ac.get(f"/admin/outbox/{msg_id}").get_data(as_text=True)
    assert "Reset your UPREST password" in page and "asked to reset the password" in page


def test_seeded_municipalities(app, db):
    """The project's territories exist: the partner municipalities by their short names and official codes, Kvarner
    as the region it is."""
    from uprest.accounts.models import Territory

    rows = {t.slug: t for t in db.session.scalars(db.select(Territory))}
    assert {"vanersborg", "trollhattan", "cervia", "ravenna", "pori", "kvarner"} <= set(rows)
    assert rows["vanersborg"].code == "SE_1487" and rows["pori"].code == "FI_609"
    assert rows["kvarner"].code == "HR031" and rows["kvarner"].kind == "region"
