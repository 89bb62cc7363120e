"""Every page renders for the roles that may see it."""

from tests.conftest import login


def test_public_pages_render(client):
    """Anonymous visitors get the public pages with status 200."""
    for path in ["/", "/login", "/register", "/password/forgot", "/privacy", "/accessibility"]:
        resp = client.get(path)
        assert resp.status_code == 200, path


def test_admin_pages_render(client, create_user):
    """An administrator sees every admin page."""
    admin = create_user(role="admin")
    assert login(client, admin.email).status_code == 302
    for path in [
        "/",
        "/account",
        "/account/password",
        "/business",
        "/admin/users",
        "/admin/territories",
        "/admin/outbox",
        f"/admin/users/{admin.id}",
    ]:
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.get_data(as_text=True)[:2000])
