"""Configuration defaults.

Every setting can be overridden by an environment variable of the same name
prefixed with ``UPREST_`` (``UPREST_DATABASE_URL``, ``UPREST_SMTP_URL`` ...).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KNOWN_WEAK_SECRETS = {"", "dev", "secret", "change-me", "changeme", "development", "test"}

LANGUAGES = {
    "en": "English",
    "sv": "Svenska",
    "it": "Italiano",
    "fi": "Suomi",
    "hr": "Hrvatski",
}


class Config:
    ENV = "development"  # "production" refuses weak secret keys
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SMTP_URL: str | None = None  # smtp://user:pass@host:587?starttls=1 or smtps://...
    MAIL_FROM = "UPREST <no-reply@uprest.local>"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_LOGIN_PER_ADDRESS = "20 per 5 minutes"
    RATELIMIT_LOGIN_PER_ACCOUNT = "5 per 5 minutes"
    RATELIMIT_RESET_PER_ADDRESS = "10 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    PASSWORD_RESET_HOURS = 1
    INVITATION_DAYS = 14
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = LANGUAGES
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: never expires mid-form
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # also set automatically for every request served over HTTPS
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    PROXY_FIX = False  # trust X-Forwarded-* from one reverse proxy
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 2
    PUBLIC_BASE_URL: str | None = None  # used in e-mails and certificates when set


def _coerce(current, value: str):
    if isinstance(current, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(value)
    return value


def load_config(app, overrides: dict | None = None) -> None:
    """Defaults, then UPREST_* environment variables, then explicit overrides."""
    app.config.from_object(Config)
    for key, value in os.environ.items():
        if key.startswith("UPREST_"):
            name = key.removeprefix("UPREST_")
            app.config[name] = _coerce(app.config.get(name), value)
    if overrides:
        app.config.update(overrides)

    instance = Path(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'uprest.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )

    if not app.config.get("SECRET_KEY"):
        if app.config["ENV"] == "production":
            raise RuntimeError("UPREST_SECRET_KEY must be set in production")
        app.config["SECRET_KEY"] = _instance_secret(instance)
    elif app.config["ENV"] == "production" and (
        app.config["SECRET_KEY"].strip().lower() in KNOWN_WEAK_SECRETS
        or len(app.config["SECRET_KEY"]) < 32
    ):
        raise RuntimeError("UPREST_SECRET_KEY is a known default or shorter than 32 characters")


def _instance_secret(instance: Path) -> str:
    """A random key generated once into instance/secret_key and reused afterwards."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker created it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
