"""Security: headers, CSRF, safe redirects, rate limits, secret keys, cookies, role checks, no 500s."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD, csrf_token
from uprest.security import is_safe_next


def test_security_headers_on_every_response(client):
    """Every response carries a CSP without inline script, frame-ancestors 'none', nosniff and a referrer policy."""
    for path in ["/", "/login", "/healthz", "/does-not-exist", "/static/css/site.css"]:
        resp = client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_pages(client, login_as):
    """Pages contain no inline <script> and no inline event handlers (the CSP would block them)."""
    import re

    login_as(role="admin")
    for path in ["/", "/account", "/admin/users", "/admin/outbox", "/business"]:
        html = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "style=" not in html, path


def test_secure_cookie_over_https(client):
    """Over HTTPS the session cookie is Secure, HttpOnly and SameSite=Lax; HSTS is sent."""
    resp = client.get("/login", base_url="https://localhost")
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in resp.headers
    plain = client.get("/login")
    assert "Secure" not in plain.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "path",
    [
        "/register",
        "/login",
        "/password/forgot",
        "/language",
        "/logout",
        "/account",
        "/account/password",
        "/business",
        "/business/invitations",
        "/business/leave",
        "/account/sharing",
    ],
)
def test_csrf_required_on_every_post(client, login_as, path):
    """A POST without a valid CSRF token is refused with 400 (and nothing happens)."""
    login_as()
    resp = client.post(path, data={"email": "a@b.org", "password": "whatever", "csrf_token": "forged"})
    assert resp.status_code == 400


def test_csrf_token_does_not_expire(app):
    """The CSRF token has no time limit, so a long form is still accepted."""
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "/%2F%2Fevil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%252F%252Fevil.example",
        "javascript:alert(1)",
        "/\tevil",
        " //evil.example",
        "///evil.example",
        "",
    ],
)
def test_unsafe_next_refused(target):
    """External, protocol-relative, backslash and encoded redirect targets are refused."""
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/account", "/courses?q=a%20b", "/join/abc"])
def test_safe_next_allowed(target):
    """Local paths are allowed as redirect targets."""
    assert is_safe_next(target)


@given(st.text(max_size=60))
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_safe_next_never_leaves_the_site(target):
    """Whatever the input, an accepted target is a path on this host."""
    from urllib.parse import urljoin, urlsplit

    if is_safe_next(target):
        joined = urlsplit(urljoin("https://uprest.example/page", target))
        assert joined.netloc == "uprest.example"


def test_login_redirects_only_to_local_next(client, create_user):
    """After login, a local `next` is followed and an external one is ignored."""
    user = create_user()
    token = csrf_token(client, "/login?next=//evil.example")
    resp = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "//evil.example"}
    )
    assert resp.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    token = csrf_token(client, "/login")
    resp = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "/account"}
    )
    assert resp.headers["Location"] == "/account"


def test_login_rate_limited_per_account(app, create_user):
    """Repeated wrong passwords for one account are stopped with 429, even from different addresses."""
    user = create_user()
    codes = []
    for i in range(7):
        c = app.test_client()
        token = csrf_token(c, "/login")
        resp = c.post(
            "/login",
            data={"email": user.email, "password": "wrong password", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        )
        codes.append(resp.status_code)
    assert codes[:5] == [200] * 5
    assert codes[-1] == 429
    assert "Too many attempts" in resp.get_data(as_text=True)


def test_login_rate_limited_per_address(app):
    """Many attempts from one address against different accounts are stopped with 429."""
    c = app.test_client()
    codes = []
    for i in range(22):
        token = csrf_token(c, "/login")
        codes.append(
            c.post(
                "/login", data={"email": f"x{i}@example.org", "password": "wrong password", "csrf_token": token}
            ).status_code
        )
    assert 429 in codes and codes[0] == 200


STRONG_KEY = "q7Vd2-LmX9pRt_Zc4NwYb8KsHf3JgAeU6oTi1yBn5vQ"  # what secrets.token_urlsafe(32) gives


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        (None, "must be set"),
        ("dev", "known default"),
        ("change-me", "known default"),
        ("short-key", "shorter than 32"),
        ("k" * 40, "too predictable: 1 different characters"),
        ("a" * 32, "too predictable"),
        ("abcdefgh" * 5, "8 different characters"),  # 40 characters but only 8 of them: 120 bits
        ("0123456789abcdef" + "0" * 16, "about 91 bits"),  # 16 different characters, but mostly zeros
    ],
)
def test_production_refuses_weak_secret(tmp_path, secret, why):
    """In production a missing, known-default, short or low-entropy secret key stops start-up with a clear error."""
    from uprest import create_app

    base = {
        "ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
        "PUBLIC_BASE_URL": "https://learn.example.org",
    }
    with pytest.raises(RuntimeError, match="UPREST_SECRET_KEY") as err:
        create_app({**base, "SECRET_KEY": secret})
    assert why in str(err.value) and "token_urlsafe" in str(err.value)


def test_production_accepts_a_random_secret(tmp_path):
    """Keys made by secrets.token_urlsafe or token_hex (32 bytes) pass the production check."""
    import secrets

    from uprest import create_app
    from uprest.config import secret_key_problem

    assert secret_key_problem(STRONG_KEY) is None
    for _ in range(20):
        assert secret_key_problem(secrets.token_urlsafe(32)) is None
        assert secret_key_problem(secrets.token_hex(32)) is None
    base = {"ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    app = create_app({**base, "SECRET_KEY": STRONG_KEY, "PUBLIC_BASE_URL": "https://learn.example.org"})
    assert app.config["SECRET_KEY"] == STRONG_KEY


def test_secret_generated_once_into_instance(tmp_path, monkeypatch):
    """Without a configured key, one is generated into instance/secret_key and reused."""
    from uprest.config import _instance_secret

    first = _instance_secret(tmp_path)
    assert len(first) >= 40
    assert _instance_secret(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides(monkeypatch, tmp_path):
    """UPREST_* environment variables override the defaults."""
    from uprest import create_app

    monkeypatch.setenv("UPREST_PASSWORD_RESET_HOURS", "3")
    monkeypatch.setenv("UPREST_MAIL_FROM", "x@example.org")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "k" * 40})
    assert app.config["PASSWORD_RESET_HOURS"] == 3
    assert app.config["MAIL_FROM"] == "x@example.org"


def test_healthz_hides_database_from_strangers(client, app, monkeypatch):
    """/healthz tells anyone only that it is up; the database detail needs the monitoring token."""
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json == {"status": "ok"}
    monkeypatch.setitem(app.config, "HEALTHZ_TOKEN", "monitor-token-123")
    assert client.get("/healthz", headers={"Authorization": "Bearer wrong"}).json == {"status": "ok"}
    detail = client.get("/healthz", headers={"Authorization": "Bearer monitor-token-123"}).json
    assert detail["database"] == "ok" and detail["dialect"] in ("sqlite", "postgresql")


def test_healthz_database_down(tmp_path):
    """When the database cannot be reached /healthz answers 503 with the status."""
    from uprest import create_app

    app = create_app(
        {
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "k" * 40,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
        }
    )
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.json == {"status": "error"}


NASTY = [
    "",
    "'",
    '"><script>alert(1)</script>',
    "%00",
    "\x00",
    "../../etc/passwd",
    "9" * 40,
    "-1",
    "😀",
    "a" * 5000,
    "1e309",
    "null",
]


@pytest.mark.parametrize("value", NASTY)
def test_no_500_from_form_input(client, login_as, value):
    """Hostile values in any field of the account forms are refused: a NUL byte or an unknown language
    with 400, anything else by showing the form again (200); never 500."""
    login_as(role="admin")
    for path, fields in [
        ("/account", ["name", "locale", "territory_id"]),
        ("/account/password", ["current", "password", "confirm"]),
        ("/business", ["name", "subsector", "size", "territory_id"]),
        ("/admin/territories", ["code", "slug", "kind", "parent_id", "name", "name_en", "country", "code_list"]),
        ("/password/forgot", ["email"]),
        ("/language", ["lang", "next"]),
    ]:
        token = csrf_token(client, "/account")
        data = {f: value for f in fields}
        data["csrf_token"] = token
        resp = client.post(path, data=data)
        expected = 400 if value == "\x00" or path == "/language" else 200
        assert resp.status_code == expected, (path, value)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/admin/users/abc", 404),  # not a number: no route
        ("/admin/users/99999999999999999999", 404),  # beyond what an id column holds: no route
        ("/join/%00", 400),  # NUL bytes are refused up front
        ("/password/reset/%ff", 404),  # an unknown token
        ("/admin/outbox/0", 404),
        ("/admin/territories/999", 404),
        ("/admin/users?page=-5", 200),  # junk or huge page numbers are not an error
        ("/admin/users?page=abc&q=%00", 400),
        ("/admin/users?page=99999999999999999999", 200),
        ("/admin/outbox?page=999999999999", 200),
    ],
)
def test_no_500_from_urls(client, login_as, path, expected):
    """Odd URLs give a 404 (no such page), a 400 (NUL bytes) or the page itself, never 500."""
    login_as(role="admin")
    assert client.get(path).status_code == expected


def test_404_page_is_translated(client):
    """Error pages follow the visitor's language."""
    resp = client.get("/nope", headers={"Accept-Language": "sv"})
    assert resp.status_code == 404
    assert 'lang="sv"' in resp.get_data(as_text=True)


REDIS_SCRIPT = r"""
import re, sys, uuid
from uprest import create_app
from uprest.extensions import db
import uprest.models  # noqa: F401

config = {"DATABASE_URL": "sqlite:///" + sys.argv[1], "SECRET_KEY": "k" * 40,
          "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "RATELIMIT_KEY_PREFIX": "uprest-test-" + uuid.uuid4().hex,
          "RATELIMIT_LOGIN_PER_ADDRESS": "3 per minute"}
apps = [create_app(config), create_app(config)]  # two app servers sharing one Redis
with apps[0].app_context():
    db.create_all()
codes = []
for i in range(4):
    c = apps[i % 2].test_client()
    html = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    codes.append(c.post("/login", data={"email": f"r{i}@example.org", "password": "wrong password",
                                        "csrf_token": token}).status_code)
print(codes)
"""


def test_rate_limits_shared_through_redis(tmp_path):
    """With UPREST_RATELIMIT_STORAGE_URI=redis://..., two app servers share one login limit."""
    import socket
    import subprocess
    import sys

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    # A separate process: the limiter is one object per process and must not leak into other tests.
    out = subprocess.run(
        [sys.executable, "-c", REDIS_SCRIPT, str(tmp_path / "r.sqlite")], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[200, 200, 200, 429]"
