"""Provider records: lookups, create and update, and the Open Badges issuer profile.

They flush, never commit: the view or the CLI commits. Other features (the catalogue, certificates, later
sessions) call these functions; they never query the providers table themselves.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from uprest.extensions import db, utcnow
from uprest.forms import select_choices
from uprest.i18n import pick
from uprest.providers import rules
from uprest.providers.models import Provider

#: What create() and update() take besides the slug.
FIELDS = ("name", "kind", "country", "region", "website", "email", "description", "is_active")


class ProviderError(Exception):
    """A rule was broken; the message is translated and safe to show."""


def slug_taken(slug: str):
    return _l("A provider with the short name %(slug)s already exists.", slug=slug)


# --- lookups ------------------------------------------------------------------------------------


def by_slug(slug: str | None) -> Provider | None:
    if not slug:
        return None
    return db.session.scalar(db.select(Provider).where(Provider.slug == slug))


def by_id(provider_id: int | None) -> Provider | None:
    return db.session.get(Provider, provider_id) if provider_id else None


def active_providers():
    """The active providers by name (a select)."""
    return db.select(Provider).where(Provider.is_active.is_(True)).order_by(Provider.name, Provider.slug)


def all_providers():
    """Every provider, active or not, by name (a select): the administrators' list."""
    return db.select(Provider).order_by(Provider.name, Provider.slug)


def slugs() -> set[str]:
    """The short names of every provider (what module.yaml's ``provider:`` may name)."""
    return set(db.session.scalars(db.select(Provider.slug)))


def choices(blank, include: int | None = None) -> list:
    """Choices of a select field: `blank` ('' = none), then the active providers by name, and the provider
    `include` (the one a record points to now) even when it is no longer active."""
    rows = db.session.execute(
        db.select(Provider.id, Provider.name)
        .where((Provider.is_active.is_(True)) | (Provider.id == include))
        .order_by(Provider.name, Provider.slug)
    ).all()
    return select_choices([("", blank), *((str(pid), name) for pid, name in rows)])


# --- changes ---------------------------------------------------------------------------------------


def add(slug: str, **values: Any) -> Provider:
    """A new provider, flushed. A short name that is taken raises IntegrityError: for callers that run in a
    savepoint of their own (the courses/ import)."""
    provider = Provider(slug=slug, **_checked(values))
    db.session.add(provider)
    db.session.flush()
    return provider


def create(slug: str, **values: Any) -> Provider:
    """A new provider. A short name that is taken (also by a request at the same moment: the unique
    constraint, in a savepoint) raises ProviderError."""
    if by_slug(slug) is not None:
        raise ProviderError(slug_taken(slug))
    try:
        with db.session.begin_nested():
            provider = add(slug, **values)
    except IntegrityError:
        raise ProviderError(slug_taken(slug)) from None
    return provider


def update(provider: Provider, **values: Any) -> bool:
    """Change the given fields; True when anything changed."""
    changed = False
    for name, value in _checked(values).items():
        if getattr(provider, name) != value:
            setattr(provider, name, value)
            changed = True
    if changed:
        provider.updated_at = utcnow()
        db.session.flush()
    return changed


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """The known fields, tidied: texts stripped, empty translations dropped. Forms and the loader validate
    the values first; a value that breaks a rule here is a programming error."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    out = dict(values)
    for name in ("name", "region", "website", "email", "country"):
        if name in out:
            out[name] = (out[name] or "").strip()
    if "description" in out:
        out["description"] = {lang: text.strip() for lang, text in (out["description"] or {}).items() if text.strip()}
    if out.get("kind", "other") not in rules.KINDS:
        raise ValueError(f"unknown kind {out['kind']!r}")
    return out


# --- the Open Badges 3.0 issuer profile -------------------------------------------------------------------


def profile_url(provider: Provider, base_url: str) -> str:
    """The absolute address of the provider's profile (the issuer's id in credentials)."""
    return f"{base_url.rstrip('/')}/providers/{provider.slug}.json"


def profile(provider: Provider, base_url: str) -> dict:
    """The provider as an Open Badges 3.0 ``Profile`` (the issuer of a credential); `base_url` is the site's
    public address. Fields without a value are left out."""
    document: dict[str, Any] = {"id": profile_url(provider, base_url), "type": ["Profile"], "name": provider.name}
    if provider.website:
        document["url"] = provider.website
    if provider.email:
        document["email"] = provider.email
    if description := pick(provider.description, "en"):
        document["description"] = description
    address: dict[str, Any] = {"type": ["Address"]}
    if provider.country:
        address["addressCountryCode"] = provider.country
        address["addressCountry"] = rules.country_name(provider.country, "en")
    if provider.region:
        address["addressRegion"] = provider.region
    if len(address) > 1:
        document["address"] = address
    return document
