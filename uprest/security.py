"""Security in one place: password hashing, tokens, links for mail, safe redirects, role checks, headers."""

from __future__ import annotations

import hashlib
import secrets
from functools import wraps
from urllib.parse import unquote, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, abort, current_app, request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.routing import MapAdapter

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# --- passwords ---------------------------------------------------------------


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(  # argon2id is the default type
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (pass None for unknown users)."""
    hasher = _hasher()
    if password_hash is None:
        # Same cost as a real verification, so unknown e-mails take as long as known ones.
        try:
            hasher.verify(_dummy_hash(), password + "\x00unknown")
        except VerificationError:
            pass
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def _dummy_hash() -> str:
    key = "_uprest_dummy_hash"
    cached = current_app.extensions.get(key)
    if cached is None:
        cached = _hasher().hash(secrets.token_urlsafe(16))
        current_app.extensions[key] = cached
    return cached


# --- tokens --------------------------------------------------------------------


def new_token() -> tuple[str, str]:
    """A random URL-safe token and the SHA-256 hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# --- links in mail ----------------------------------------------------------------


def public_url_adapter(app: Flask | None = None) -> MapAdapter:
    """A URL adapter bound to PUBLIC_BASE_URL (scheme, host and port, path prefix): inside a request, from
    the CLI or in a signal receiver alike, and whatever Host header a request carried."""
    app = app or current_app._get_current_object()
    parts = urlsplit(app.config["PUBLIC_BASE_URL"])
    return app.url_map.bind(parts.netloc, url_scheme=parts.scheme, script_name=parts.path or "/")


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` at the configured public address. Every link that leaves the site
    (mail, documents) is built here: never from the request's Host header, which the sender controls."""
    app = current_app._get_current_object()
    app.inject_url_defaults(endpoint, values)
    return public_url_adapter(app).build(endpoint, values, force_external=True)


def ensure_url_adapter() -> None:
    """A request refused for its Host header (not in TRUSTED_HOSTS) has no URL adapter; give it one bound to
    the public address, so that its error page can still link to our pages."""
    if request_ctx and request_ctx.url_adapter is None:
        request_ctx.url_adapter = public_url_adapter()


# --- redirects -----------------------------------------------------------------


def is_safe_next(target: str | None) -> bool:
    """Only local absolute paths: '/x'. Refuses '//host', '/\\host', schemes and encodings of them."""
    if not target or not isinstance(target, str):
        return False
    if any(ord(ch) < 32 or ch == "\x7f" for ch in target):
        return False
    decoded = target
    for _ in range(3):  # catch double-encoded forms such as %252F%252F
        decoded = unquote(decoded)
    for candidate in (target, decoded):
        if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
            return False
        if "\\" in candidate:
            return False
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return False
    return True


def safe_next(target: str | None, fallback: str) -> str:
    return target if is_safe_next(target) else fallback


# --- authorisation ---------------------------------------------------------------


def roles_required(*roles: str):
    """The view needs a logged-in user with one of the roles (admins pass every check)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles and not current_user.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- request input ---------------------------------------------------------------

#: What an HTML form sends; the pages' forms read nothing else (the JSON API under /api/ has its own rules).
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def require_form_posts():
    """The pages take form posts only: any other body (JSON, text, XML, no type at all) is refused with 415 up
    front, so that the forms never see values that are not strings (Flask-WTF would read a JSON body as form
    data). A post without a body is let through (its form is simply empty); routing errors keep their answer."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.routing_exception is not None:
        return
    if request.blueprint == "api" or request.mimetype in FORM_MIMETYPES:
        return
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if request.mimetype or has_body:
        abort(415)


def install_form_input_rules() -> None:
    """Every FlaskForm reads a post as strings only: the posted form, plus uploaded files for its file fields.
    Flask-WTF would hand a form the JSON body's values (numbers, lists, objects) and files posted in any field
    (an upload named like a text field); validators written for strings fail on those with a server error."""
    from flask import has_request_context
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
    from wtforms import FileField

    original = FlaskForm.Meta.wrap_formdata
    if getattr(original, "uprest_strings_only", False):
        return

    def wrap_formdata(self, form, formdata):
        if formdata is None or hasattr(formdata, "getlist"):  # chosen by the view: request.form, request.args
            return original(self, form, formdata)
        if not has_request_context() or request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        file_fields = {f.name for f in form if isinstance(f, FileField)}
        files = [(name, file) for name, file in request.files.items(multi=True) if name in file_fields]
        if files:
            return CombinedMultiDict((ImmutableMultiDict(files), request.form))
        return request.form or None

    wrap_formdata.uprest_strings_only = True
    FlaskForm.Meta.wrap_formdata = wrap_formdata


def reject_nul_bytes():
    """NUL characters are never valid input (PostgreSQL refuses them in text): answer 400 up front."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value
        for source in (request.args, request.form)
        for key, values in source.lists()
        for value in values
    ):
        abort(400)


# --- response headers and cookies -----------------------------------------------


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        if app.config["SESSION_COOKIE_SECURE"]:
            return True
        try:
            return request.is_secure
        except RuntimeError:  # outside a request
            return False
