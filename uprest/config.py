"""Configuration defaults.

Every setting can be overridden by an environment variable of the same name
prefixed with ``UPREST_`` (``UPREST_DATABASE_URL``, ``UPREST_SMTP_URL`` ...). The
variable is read as the setting's declared type: booleans from true/false, 1/0,
yes/no, on/off; whole numbers; JSON for dicts and lists; "none" or empty for an
optional setting. An unknown ``UPREST_*`` name stops the start with an error,
so that a typo never passes silently (and ``UPREST_DEBUG`` cannot switch
debugging on in production).
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import get_args, get_type_hints
from urllib.parse import urlsplit, urlunsplit

KNOWN_WEAK_SECRETS = {"", "dev", "secret", "change-me", "changeme", "development", "test"}
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_DISTINCT = 10
SECRET_KEY_MIN_BITS = 128
#: Where the development server answers (``make run``, ``flask run``): the public address unless one is set.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
#: Hosts a development server also answers for, beside the public address's host. (Werkzeug 3.1 matches no
#: IPv6 literal in its host check, so http://[::1]:5000 is still refused; use http://localhost:5000.)
DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1", "::1")

LANGUAGES = {
    "en": "English",
    "sv": "Svenska",
    "it": "Italiano",
    "fi": "Suomi",
    "hr": "Hrvatski",
}


class Config:
    """Every setting, with its type. Only these names may be set with UPREST_* variables."""

    ENV: str = "development"  # "production" refuses weak secret keys
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SMTP_URL: str | None = None  # smtp://user:pass@host:587?starttls=1 or smtps://...
    MAIL_FROM: str = "UPREST <no-reply@uprest.local>"
    OUTBOX_RETENTION_DAYS: int = 90  # sent mail (and mail that gave up) is deleted this many days later
    RATELIMIT_STORAGE_URI: str = "database://"  # shared by every worker and server (uprest.ratelimit)
    RATELIMIT_LOGIN_PER_ADDRESS: str = "20 per 5 minutes"
    RATELIMIT_LOGIN_PER_ACCOUNT: str = "5 per 5 minutes"
    RATELIMIT_RESET_PER_ADDRESS: str = "10 per hour"
    RATELIMIT_REGISTER_PER_ADDRESS: str = "20 per hour"
    RATELIMIT_VERIFY_PER_ADDRESS: str = "60 per minute"  # public certificate verification (pages, JSON, uploads)
    RATELIMIT_HEADERS_ENABLED: bool = True
    PASSWORD_RESET_HOURS: int = 1
    INVITATION_DAYS: int = 14
    REGISTRATION_HOURS: int = 24  # the link that confirms a new account's e-mail address works this long
    BABEL_DEFAULT_LOCALE: str = "en"
    BABEL_DEFAULT_TIMEZONE: str = "Europe/Stockholm"
    LANGUAGES: dict = LANGUAGES
    WTF_CSRF_TIME_LIMIT: int | None = None  # the token lives as long as the session: never expires mid-form
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = False  # also set automatically for every request served over HTTPS
    PERMANENT_SESSION_LIFETIME: int = 60 * 60 * 12
    MAX_CONTENT_LENGTH: int = 8 * 1024 * 1024
    CLIENT_TIMEOUT: int = 30  # seconds a client has to send a request's body (uprest.serving)
    PROXY_FIX: bool = False  # trust X-Forwarded-* from one reverse proxy
    ARGON2_TIME_COST: int = 3
    ARGON2_MEMORY_COST: int = 65536
    ARGON2_PARALLELISM: int = 2
    # The address people use, e.g. https://learn.example.org: every link in a mail is built from it, never from
    # the request. Required in production; in development DEVELOPMENT_BASE_URL.
    PUBLIC_BASE_URL: str | None = None
    # The Host headers served (Flask refuses others with 400); a leading dot allows subdomains; [] turns the
    # check off. None: the host of PUBLIC_BASE_URL, plus DEVELOPMENT_HOSTS outside production.
    TRUSTED_HOSTS: list | None = None
    HEALTHZ_TOKEN: str | None = None  # monitoring sends it as a Bearer token to see the database detail
    # `flask backup` (docs/backup.md): where backups go (a relative path is under the instance folder) and which
    # are kept after each one: the newest of each of the last N days, ISO weeks and months (UTC) that have one.
    BACKUP_DIR: str | None = None  # default: instance/backups
    BACKUP_KEEP_DAILY: int = 7
    BACKUP_KEEP_WEEKLY: int = 4
    BACKUP_KEEP_MONTHLY: int = 6
    BACKUP_COMPRESS: bool = False  # gzip SQLite backups (pg_dump's archive is compressed anyway)
    # xAPI statements sent on to an external LRS by the worker (docs/xapi.md): the LRS's endpoint (".../statements"
    # is added) and its HTTP Basic credentials. No URL: nothing is forwarded.
    XAPI_FORWARD_URL: str | None = None
    XAPI_FORWARD_USERNAME: str | None = None
    XAPI_FORWARD_PASSWORD: str | None = None
    # The RSA private key (2048+ bits) that signs the Open Badges credentials: PEM text or the path of a PEM file
    # (relative: under the instance folder); the same on every server. None: generated once into
    # instance/credential_key.pem. Retired keys (JSON list of PEM texts or paths) stay published so that the
    # credentials they signed still verify (uprest/certificates/keys.py).
    CREDENTIAL_KEY: str | None = None
    CREDENTIAL_OLD_KEYS: list = []
    # The awarding body of certificates no single provider awards (a learning plan's, a module without a provider):
    # the organisation that runs this platform. Country: ISO 3166-1 alpha-2.
    ISSUER_NAME: str = "UPREST Learning Ecosystem"
    ISSUER_COUNTRY: str = "SE"
    ISSUER_REGION: str = "Västra Götaland"
    ISSUER_WEBSITE: str = ""
    # Certificates in another language than English carry every label in English too (readable across the EU).
    CERTIFICATE_BILINGUAL: bool = True
    #: How many hours before a session its participants get the reminder mail (with the .ics file).
    SESSION_REMINDER_HOURS: int = 24
    # The municipality reports (docs/reports-privacy.md): every figure shown counts at least this many people (k);
    # smaller groups, and the figures that would let them be worked out, are hidden. Never below 3.
    REPORTS_MIN_GROUP: int = 5


#: UPREST_* variables that are read by the tools around the app (tests, bench), not by the app.
NOT_SETTINGS = frozenset({"TEST_DATABASE_URL", "BENCH_DATABASE_URL"})

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_NONE = {"", "none", "null"}


class ConfigError(RuntimeError):
    """A UPREST_* variable that is unknown or cannot be read as its setting's type."""


def settings() -> dict[str, type]:
    """Setting name -> declared type (``str | None`` and the like are kept as they are)."""
    return dict(get_type_hints(Config))


def parse_setting(name: str, kind, raw: str):
    """Read the text of an environment variable as the declared type of setting `name`."""
    variable = f"UPREST_{name}"
    optional = type(None) in get_args(kind)
    base = next((a for a in get_args(kind) if a is not type(None)), kind)
    text = raw.strip()
    if optional and text.lower() in _NONE:
        return None
    if base is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ConfigError(f"{variable}={raw!r}: expected one of true/false, 1/0, yes/no, on/off")
    if base is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{variable}={raw!r}: expected a whole number") from None
    if base in (dict, list):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{variable}: expected a JSON {base.__name__}: {exc}") from None
        if not isinstance(value, base):
            raise ConfigError(f"{variable}: expected a JSON {base.__name__}, got {type(value).__name__}")
        return value
    return raw


def from_environment(environ: Mapping[str, str]) -> dict:
    """The settings given as UPREST_* variables, each parsed by its declared type; unknown names refused."""
    known = settings()
    values, unknown = {}, []
    for key, raw in environ.items():
        if not key.startswith("UPREST_"):
            continue
        name = key.removeprefix("UPREST_")
        if name in NOT_SETTINGS:
            continue
        if name not in known:
            unknown.append(key)
            continue
        values[name] = parse_setting(name, known[name], raw)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) {', '.join(sorted(unknown))}; the UPREST_* settings are: "
            + ", ".join(f"UPREST_{n}" for n in sorted(known))
        )
    return values


def load_config(app, overrides: dict | None = None) -> None:
    """Defaults, then UPREST_* environment variables, then explicit overrides."""
    app.config.from_object(Config)
    app.config.update(from_environment(os.environ))
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

    production = app.config["ENV"] == "production"
    if production:
        problem = secret_key_problem(app.config.get("SECRET_KEY"))
        if problem:
            raise RuntimeError(problem)
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)

    app.config["PUBLIC_BASE_URL"] = public_base_url(app.config.get("PUBLIC_BASE_URL"), production=production)
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = default_trusted_hosts(app.config["PUBLIC_BASE_URL"], production=production)


def key_entropy_bits(key: str) -> float:
    """An estimate of the key's entropy: its length times the Shannon entropy of its characters."""
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values()) if key else 0.0
    return per_char * len(key)


def secret_key_problem(key: str | None) -> str | None:
    """Why `key` is not good enough for production (a sentence naming the variable), or None."""
    advice = "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    if not key:
        return f"UPREST_SECRET_KEY must be set in production. {advice}"
    if key.strip().lower() in KNOWN_WEAK_SECRETS:
        return f"UPREST_SECRET_KEY is a known default. {advice}"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"UPREST_SECRET_KEY is shorter than {SECRET_KEY_MIN_LENGTH} characters. {advice}"
    distinct, bits = len(set(key)), key_entropy_bits(key)
    if distinct < SECRET_KEY_MIN_DISTINCT or bits < SECRET_KEY_MIN_BITS:
        return (
            f"UPREST_SECRET_KEY is too predictable: {distinct} different characters and about {bits:.0f} bits of "
            f"entropy; at least {SECRET_KEY_MIN_DISTINCT} different characters and {SECRET_KEY_MIN_BITS} bits "
            f"are needed. {advice}"
        )
    return None


def public_base_url(value: str | None, *, production: bool) -> str:
    """The checked PUBLIC_BASE_URL without a trailing slash; DEVELOPMENT_BASE_URL outside production."""
    if not value:
        if production:
            raise RuntimeError(
                "UPREST_PUBLIC_BASE_URL must be set in production: the address people use, for example "
                "https://learn.example.org (every link in a mail is built from it)"
            )
        return DEVELOPMENT_BASE_URL
    parts = urlsplit(value.strip())
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query or parts.fragment:
        raise RuntimeError(
            f"UPREST_PUBLIC_BASE_URL={value!r}: expected http(s)://host[:port][/path], without user, query or fragment"
        )
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def default_trusted_hosts(base_url: str, *, production: bool) -> list[str]:
    """The host of the public address; outside production also the local development hosts."""
    hosts = [urlsplit(base_url).hostname]
    if not production:
        hosts += [h for h in DEVELOPMENT_HOSTS if h not in hosts]
    return hosts


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
