"""Import ``courses/providers.yaml``: the providers of the built-in course modules (format: docs/providers.md).

One unit of the content-import pipeline (:mod:`uprest.content`): the file is validated whole (every error
with its line; a file with any error imports nothing), then each provider is created or updated by its short
name (slug), so that importing again changes nothing. Providers that administrators added in the browser, and
whether a provider is active, are left as they are.

The course-module import (:mod:`uprest.catalog.loader`) runs this first, and checks module.yaml's
``provider:`` with :func:`check_reference`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from uprest import content
from uprest.content import Checker, ContentKind, FileResult, ImportReport
from uprest.providers import rules

FILE_NAME = "providers.yaml"
FIELDS = ["slug", "name", "kind", "country"]
OPTIONAL_FIELDS = ["region", "website", "email", "description"]
LIMITS = {"name": 200, "region": 120, "email": 254}


# --- validation (pure) --------------------------------------------------------------------------------------


def validate_file(path: Path) -> tuple[list[dict] | None, list[content.LoadError]]:
    """(the providers, []) or (None, every error)."""
    return content.validate_yaml(path.read_bytes(), path.name, _document)


def _document(ck: Checker, data: Any) -> list[dict]:
    doc = ck.mapping(data, (), ["providers"])
    if doc is None:
        return []
    seen: set[str] = set()
    out = []
    for i, raw in enumerate(ck.seq(doc.get("providers"), ("providers",), min_items=1)):
        spec = _provider(ck, raw, ("providers", i))
        if spec is not None:
            ck.once(spec["slug"], seen, ("providers", i, "slug"), f"{spec['slug']} is listed twice")
            out.append(spec)
    return out


def _provider(ck: Checker, raw: Any, path: tuple) -> dict | None:
    p = ck.mapping(raw, path, FIELDS, OPTIONAL_FIELDS)
    if p is None:
        return None
    spec: dict[str, Any] = {"slug": ck.text(p.get("slug"), (*path, "slug"), max_len=rules.SLUG_MAX)}
    if spec["slug"] and rules.slug_problem(spec["slug"]):
        ck.error((*path, "slug"), rules.PROBLEMS["slug"])
    spec["name"] = ck.text(p.get("name"), (*path, "name"), max_len=LIMITS["name"])
    if "kind" in p and p["kind"] not in rules.KINDS:
        ck.error((*path, "kind"), f"must be one of: {', '.join(rules.KINDS)}")
    spec["kind"] = p.get("kind")
    spec["country"] = p.get("country")
    if isinstance(p.get("country"), bool):  # YAML reads NO (Norway) as false
        ck.error((*path, "country"), 'must be a country code in quotes, e.g. "NO"')
    elif "country" in p and rules.country_problem(p["country"]):
        ck.error((*path, "country"), rules.PROBLEMS["country"])
    for name in ("region", "email"):
        value = p.get(name) or ""
        if value and ck.text(value, (*path, name), max_len=LIMITS[name]) is None:
            value = ""
        spec[name] = value
    spec["website"] = p.get("website") or ""
    if rules.website_problem(spec["website"]):
        ck.error((*path, "website"), rules.PROBLEMS["website"])
    spec["description"] = ck.i18n(p.get("description"), (*path, "description"), required=False)
    return spec


def check_reference(ck: Checker, value: Any, path: tuple, known: set[str] | None) -> str | None:
    """A provider named by its short name in another document (module.yaml's ``provider:``): its form, and
    that it exists when `known` (the short names in the database and in the import) is given."""
    slug = ck.text(value, path, max_len=rules.SLUG_MAX)
    if slug is None:
        return None
    if rules.slug_problem(slug):
        ck.error(path, "must be the short name of a provider (lower-case letters, digits and hyphens)")
        return None
    if known is not None and slug not in known:
        ck.error(path, f"unknown provider {slug!r} (add it to courses/{FILE_NAME} or in the administration)")
        return None
    return slug


# --- import (database) --------------------------------------------------------------------------------------


def providers_file(path: Path) -> Path | None:
    """The providers.yaml that goes with a courses path: in courses/ itself, or next to courses/modules/ when
    the path is that folder or one module folder in it."""
    path = Path(path)
    candidates = [path / FILE_NAME]
    if path.name == "modules":
        candidates.append(path.parent / FILE_NAME)
    elif path.parent.name == "modules":
        candidates.append(path.parent.parent / FILE_NAME)
    return next((c for c in candidates if c.is_file()), None)


def import_providers(path: str | Path) -> ImportReport:
    """Import a providers.yaml file (or the one of a courses folder). Flushes; the caller commits."""
    path = Path(path)
    found = path if path.is_file() else providers_file(path)
    if found is None:
        return content.missing(path, f"no {FILE_NAME} here")
    return content.import_units([found], ContentKind("provider list", validate=validate_file, store=_store))


def _store(specs: list[dict], name: str) -> FileResult:
    from uprest.providers import services

    done: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    for spec in specs:
        values = {key: value for key, value in spec.items() if key != "slug"}
        provider = services.by_slug(spec["slug"])
        if provider is None:
            services.add(spec["slug"], **values)  # a race: IntegrityError, the pipeline refuses the file
            done["created"].append(spec["slug"])
        elif services.update(provider, **values):
            done["updated"].append(spec["slug"])
        else:
            done["unchanged"].append(spec["slug"])
    status = next((s for s in ("created", "updated") if done[s]), "unchanged")
    detail = "; ".join(f"{s}: {', '.join(slugs)}" for s, slugs in done.items() if slugs)
    return FileResult(name, status, detail)
