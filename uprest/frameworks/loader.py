"""Competence frameworks and target profiles from the YAML files in ``courses/`` (format: docs/content-format.md).

Both go through the content-import pipeline of :mod:`uprest.content` (read, validate whole with file and line
in every error, store in a savepoint, report). This module holds only their rules and their storage:

* a framework is idempotent by content hash: an unchanged file does nothing; a changed one adds a new
  revision and makes it the current one, keeping the old revisions (old assessment results point at
  their competences);
* a target profile is updated in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from uprest import content
from uprest.content import Checker, ContentKind, FileResult, ImportReport, LoadError, Path_, content_hash
from uprest.extensions import db, utcnow

LANGS = content.LANGS
SUBSECTORS = (
    "accommodation",
    "food_beverage",
    "tour_operator",
    "attraction",
    "destination",
    "transport",  # visitor transport and rentals
    "beach",  # beach and bathing establishments
    "events",  # events and conferences
)
# Owner or manager; front office and reception; housekeeping; kitchen and service; guide or activity leader;
# marketing and sales. "staff" is the one role of staff before roles per sub-sector (kept for old answers).
JOB_ROLES = ("owner", "reception", "housekeeping", "kitchen", "guide", "marketing", "staff")
IMPORTANCE = (1, 2, 3)
# The content format requires per-competence level descriptors for these frameworks.
LEVEL_DESCRIPTORS_REQUIRED = frozenset({"tourism"})

CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}\Z")
COMPETENCE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}\Z")
ITEM_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}\Z")
KEY_RE = re.compile(r"^([a-z][a-z0-9_-]{0,39}):([A-Za-z0-9][A-Za-z0-9._-]{0,19})\Z")
URL_RE = re.compile(r"^https?://\S+\Z")

__all__ = [
    "FileResult",
    "ImportReport",
    "LoadError",
    "current_scales",
    "import_frameworks",
    "import_profiles",
    "store_profile_rows",
    "target_problems",
    "validate_framework",
    "validate_profile",
]


# --- frameworks: validation (pure) ------------------------------------------------------------------------


def validate_framework(raw: bytes, file: str, expected_code: str | None = None) -> tuple[dict | None, list[LoadError]]:
    """Check a framework file. Returns (spec, []) or (None, errors)."""
    return content.validate_yaml(raw, file, lambda ck, data: _framework_spec(ck, data, expected_code))


def _framework_spec(ck: Checker, data: Any, expected_code: str | None) -> dict:
    doc = ck.mapping(data, (), ["code", "version", "name", "scale", "areas"], ["description", "source_url"])
    if doc is None:
        return {}
    code = _framework_code(ck, doc.get("code"), expected_code)
    spec: dict[str, Any] = {
        "code": code,
        "edition": ck.text(doc.get("version"), ("version",), max_len=20, allow_int=True) if "version" in doc else None,
        "source_url": _url(ck, doc.get("source_url"), ("source_url",)),
        "name": ck.i18n(doc.get("name"), ("name",)) if "name" in doc else {},
        "description": ck.i18n(doc.get("description"), ("description",), required=False),
    }
    spec["levels"], spec["bands"] = _scale_spec(ck, doc.get("scale")) if "scale" in doc else ([], [])
    scale = {lvl["level"]: lvl["band"] for lvl in spec["levels"] if lvl.get("level") is not None}
    require_levels = code in LEVEL_DESCRIPTORS_REQUIRED
    spec["areas"] = _areas_spec(ck, doc.get("areas"), scale, require_levels) if "areas" in doc else []
    return spec


def _framework_code(ck: Checker, value: Any, expected_code: str | None) -> str | None:
    hint = "lower-case letters, digits, '-' and '_', at most 40 characters"
    code = ck.text(value, ("code",), pattern=CODE_RE, hint=hint)
    if code and expected_code and code != expected_code:
        ck.error(("code",), f"must match the file name ({expected_code}.yaml)")
    return code


def _url(ck: Checker, value: Any, path: Path_) -> str | None:
    """An optional http(s) address."""
    if value is None:
        return None
    return ck.text(value, path, max_len=500, pattern=URL_RE, hint="an http(s) address")


def _scale_spec(ck: Checker, value: Any) -> tuple[list[dict], list[dict]]:
    scale = ck.mapping(value, ("scale",), ["levels", "bands"])
    if scale is None:
        return [], []
    bands = _bands_spec(ck, scale.get("bands"))
    return _levels_spec(ck, scale.get("levels"), bands), bands


def _bands_spec(ck: Checker, value: Any) -> list[dict]:
    bands: list[dict] = []
    codes: set[str] = set()
    for i, raw in enumerate(ck.seq(value, ("scale", "bands"), min_items=1)):
        path = ("scale", "bands", i)
        band = ck.mapping(raw, path, ["code", "name"])
        if band is None:
            continue
        code = ck.text(band.get("code"), (*path, "code"), max_len=40)
        ck.once(code, codes, (*path, "code"), f"band {code!r} is defined twice")
        bands.append({"code": code, "name": ck.i18n(band.get("name"), (*path, "name"))})
    return bands


def _levels_spec(ck: Checker, value: Any, bands: list[dict]) -> list[dict]:
    band_codes = {b["code"] for b in bands if b["code"]}
    levels: list[dict] = []
    for i, raw in enumerate(ck.seq(value, ("scale", "levels"), min_items=1)):
        path = ("scale", "levels", i)
        lvl = ck.mapping(raw, path, ["level", "band", "name"], ["description"])
        if lvl is None:
            continue
        number = ck.integer(lvl.get("level"), (*path, "level"), lo=1, hi=100)
        if number is not None and number != i + 1:
            ck.error((*path, "level"), f"levels must be numbered 1, 2, 3 ... in order (expected {i + 1})")
        band = ck.text(lvl.get("band"), (*path, "band"))
        if band and bands and band not in band_codes:
            ck.error((*path, "band"), f"unknown band {band!r} (defined: {', '.join(sorted(band_codes))})")
        levels.append(
            {
                "level": number,
                "band": band,
                "name": ck.i18n(lvl.get("name"), (*path, "name")),
                "description": ck.i18n(lvl.get("description"), (*path, "description"), required=False),
            }
        )
    return levels


def _areas_spec(ck: Checker, value: Any, scale: dict[int, str], require_levels: bool) -> list[dict]:
    """`scale`: level number -> its band."""
    areas: list[dict] = []
    area_codes: set[str] = set()
    competence_codes: set[str] = set()  # unique in the whole framework, not only in their area
    for a, raw_area in enumerate(ck.seq(value, ("areas",), min_items=1)):
        apath: Path_ = ("areas", a)
        area = ck.mapping(raw_area, apath, ["code", "name", "competences"])
        if area is None:
            continue
        acode = ck.text(area.get("code"), (*apath, "code"), max_len=20, allow_int=True)
        ck.once(acode, area_codes, (*apath, "code"), f"area {acode!r} is defined twice")
        competences = []
        for c, raw_comp in enumerate(ck.seq(area.get("competences"), (*apath, "competences"), min_items=1)):
            cpath: Path_ = (*apath, "competences", c)
            comp = _competence_spec(ck, raw_comp, cpath, scale, require_levels)
            if comp is None:
                continue
            message = f"competence {comp['code']!r} is defined twice in this framework"
            ck.once(comp["code"], competence_codes, (*cpath, "code"), message)
            competences.append(comp)
        areas.append({"code": acode, "name": ck.i18n(area.get("name"), (*apath, "name")), "competences": competences})
    return areas


def _competence_spec(ck: Checker, raw: Any, cpath: Path_, scale: dict[int, str], require_levels: bool) -> dict | None:
    comp = ck.mapping(raw, cpath, ["code", "name", "statements"], ["description", "esco_uri", "levels", "knowledge"])
    if comp is None:
        return None
    hint = "letters, digits, '.', '-' and '_', at most 20 characters"
    code = ck.text(comp.get("code"), (*cpath, "code"), pattern=COMPETENCE_CODE_RE, allow_int=True, hint=hint)
    esco = _url(ck, comp.get("esco_uri"), (*cpath, "esco_uri"))
    descriptors = _level_descriptors(ck, comp.get("levels"), (*cpath, "levels"), set(scale), require_levels)
    items = _items_spec(ck, comp, cpath, scale)
    return {
        "code": code,
        "name": ck.i18n(comp.get("name"), (*cpath, "name")),
        "description": ck.i18n(comp.get("description"), (*cpath, "description"), required=False),
        "esco_uri": esco,
        "levels": descriptors,
        "items": items,
    }


def _level_descriptors(
    ck: Checker, value: Any, path: Path_, level_numbers: set[int], required: bool
) -> dict[str, dict[str, str]]:
    """What a person at each level of the scale can do in this competence: {"1": {en: ...}, ...}."""
    descriptors: dict[str, dict[str, str]] = {}
    if value is not None and not isinstance(value, dict):
        ck.error(path, "must be a mapping of level number to text")
    elif value is not None:
        for lvl, texts in value.items():
            lpath = (*path, str(lvl))
            if not content.is_int(lvl) or (level_numbers and lvl not in level_numbers):
                ck.error(lpath, f"is not a level of the scale ({_range(level_numbers)})")
                continue
            descriptors[str(lvl)] = ck.i18n(texts, lpath)
    if required and level_numbers and set(descriptors) != {str(n) for n in level_numbers}:
        ck.error(path, f"this framework needs a descriptor for every level ({_range(level_numbers)})")
    return descriptors


def _items_spec(ck: Checker, comp: dict, cpath: Path_, scale: dict[int, str]) -> list[dict]:
    """The behaviour statements, then the knowledge questions; their ids are unique in the competence.
    `scale`: level -> band of the framework's scale (a statement's band and a question's level are on it)."""
    ids: set[str] = set()
    items = []
    for s, raw in enumerate(ck.seq(comp.get("statements"), (*cpath, "statements"), min_items=1)):
        items.append(_statement_spec(ck, raw, (*cpath, "statements", s), ids, scale))
    for k, raw in enumerate(ck.seq(comp.get("knowledge"), (*cpath, "knowledge"))):
        items.append(_knowledge_spec(ck, raw, (*cpath, "knowledge", k), ids, scale))
    return [item for item in items if item is not None]


def _item_id(ck: Checker, value: Any, path: Path_, ids: set[str]) -> str | None:
    key = ck.text(value, path, pattern=ITEM_ID_RE, hint="letters, digits, '-' and '_', at most 20 characters")
    ck.once(key, ids, path, f"item id {key!r} is used twice in this competence")
    return key


def _statement_spec(ck: Checker, raw: Any, path: Path_, ids: set[str], scale: dict[int, str]) -> dict | None:
    st = ck.mapping(raw, path, ["id", "text"], ["band"])
    if st is None:
        return None
    key = _item_id(ck, st.get("id"), (*path, "id"), ids)
    band = st.get("band")
    bands = sorted(set(scale.values()), key=lambda b: min(lv for lv, name in scale.items() if name == b))
    if band is not None and band not in bands:
        ck.error((*path, "band"), f"is not a band of the scale (use one of: {', '.join(bands)})")
        band = None
    text = ck.i18n(st.get("text"), (*path, "text"))
    return {"key": key, "kind": "statement", "text": text, "choices": [], "band": band, "level": None}


def _knowledge_spec(ck: Checker, raw: Any, path: Path_, ids: set[str], scale: dict[int, str]) -> dict | None:
    q = ck.mapping(raw, path, ["id", "text", "choices"], ["level"])
    if q is None:
        return None
    level = q.get("level")
    if level is not None and (not content.is_int(level) or level not in scale):
        ck.error((*path, "level"), f"is not a level of the scale ({_range(set(scale))})")
        level = None
    choices = []
    for n, raw_choice in enumerate(ck.seq(q.get("choices"), (*path, "choices"), min_items=2)):
        chpath = (*path, "choices", n)
        choice = ck.mapping(raw_choice, chpath, ["text"], ["correct"])
        if choice is not None:
            correct = ck.flag(choice.get("correct", False), (*chpath, "correct"))
            choices.append({"text": ck.i18n(choice.get("text"), (*chpath, "text")), "correct": correct})
    if len(choices) >= 2 and sum(ch["correct"] for ch in choices) != 1:
        ck.error((*path, "choices"), "exactly one choice must be marked correct: true")
    key = _item_id(ck, q.get("id"), (*path, "id"), ids)
    text = ck.i18n(q.get("text"), (*path, "text"))
    band = scale.get(level) if level is not None else None
    return {"key": key, "kind": "knowledge", "text": text, "choices": choices, "band": band, "level": level}


def _range(numbers: set[int]) -> str:
    return f"{min(numbers)}-{max(numbers)}" if numbers else "no levels defined"


# --- frameworks: import (database) ------------------------------------------------------------------------


def import_frameworks(path: str | Path) -> ImportReport:
    """Import every framework file in a folder (or one file). Flushes; the caller commits."""
    return content.import_files(path, FRAMEWORKS)


def _read_framework(file: Path) -> tuple[dict | None, list[LoadError]]:
    return validate_framework(file.read_bytes(), file.name, expected_code=file.stem)


def _store_framework(spec: dict, name: str) -> FileResult:
    """Unchanged (same content hash as the current revision) or a new current revision."""
    from uprest.frameworks.models import Framework

    digest = content_hash(spec)
    code = spec["code"]
    current = db.session.scalar(
        db.select(Framework)
        .where(Framework.code == code, Framework.is_current.is_(True))
        .order_by(Framework.revision.desc())
        .limit(1)
    )
    if current is not None and current.content_hash == digest:
        return FileResult(name, "unchanged", f"{code} revision {current.revision}")
    fw = _new_revision(spec, digest)
    status = "created" if current is None else "updated"
    return FileResult(name, status, f"{code} revision {fw.revision}, {len(fw.competences)} competences")


def _new_revision(spec: dict, digest: str):
    """Add the next revision of the framework, with its scale, areas, competences and items; make it current."""
    from uprest.frameworks.models import Framework, ProficiencyBand, ProficiencyLevel

    code = spec["code"]
    last = db.session.scalar(db.select(db.func.max(Framework.revision)).where(Framework.code == code)) or 0
    db.session.execute(
        db.update(Framework).where(Framework.code == code, Framework.is_current.is_(True)).values(is_current=False)
    )
    fw = Framework(
        code=code,
        edition=spec["edition"],
        revision=last + 1,
        content_hash=digest,
        is_current=True,
        name=spec["name"],
        description=spec["description"],
        source_url=spec["source_url"],
        imported_at=utcnow(),
    )
    fw.bands = [ProficiencyBand(code=b["code"], name=b["name"], position=i) for i, b in enumerate(spec["bands"])]
    fw.levels = [
        ProficiencyLevel(level=lv["level"], band=lv["band"], name=lv["name"], description=lv["description"])
        for lv in spec["levels"]
    ]
    _add_areas(fw, spec["areas"])
    db.session.add(fw)
    db.session.flush()
    return fw


def _add_areas(fw, areas: list[dict]) -> None:
    from uprest.frameworks.models import Area, Competence, Item

    for a_pos, a in enumerate(areas):
        area = Area(code=a["code"], name=a["name"], position=a_pos)
        fw.areas.append(area)
        for c in a["competences"]:
            comp = Competence(
                code=c["code"],
                key=f"{fw.code}:{c['code']}",
                name=c["name"],
                description=c["description"],
                esco_uri=c["esco_uri"],
                level_descriptors=c["levels"],
                position=len(fw.competences),
                area=area,
            )
            comp.items = [
                Item(
                    key=it["key"],
                    kind=it["kind"],
                    text=it["text"],
                    choices=it["choices"],
                    band=it["band"],
                    level=it["level"],
                    position=i,
                )
                for i, it in enumerate(c["items"])
            ]
            fw.competences.append(comp)


FRAMEWORKS: ContentKind[dict] = ContentKind("framework", validate=_read_framework, store=_store_framework)


# --- target profiles: validation (pure) -------------------------------------------------------------------


def target_problems(min_level: int | None, max_level: int | None, importance: int | None, scale_max: int) -> list[str]:
    """Problems of one target as codes: min_range, max_range, max_order, importance."""
    problems = []
    if min_level is None or not 1 <= min_level <= scale_max:
        problems.append("min_range")
    if max_level is not None:
        if not 1 <= max_level <= scale_max:
            problems.append("max_range")
        elif min_level is not None and max_level < min_level:
            problems.append("max_order")
    if importance not in IMPORTANCE:
        problems.append("importance")
    return problems


def validate_profile(
    raw: bytes, file: str, scales: Mapping[str, int], expected_subsector: str | None = None
) -> tuple[dict | None, list[LoadError]]:
    """Check a profile file against the current frameworks (`scales`: competence key -> top level)."""
    return content.validate_yaml(raw, file, lambda ck, data: _profile_spec(ck, data, scales, expected_subsector))


def _profile_spec(ck: Checker, data: Any, scales: Mapping[str, int], expected: str | None) -> dict:
    doc = ck.mapping(data, (), ["subsector", "roles"])
    if doc is None:
        return {}
    subsector = doc.get("subsector")
    if "subsector" in doc and subsector not in SUBSECTORS:
        ck.error(("subsector",), f"unknown sub-sector (use one of: {', '.join(SUBSECTORS)})")
    elif expected and subsector != expected:
        ck.error(("subsector",), f"must match the file name ({expected}.yaml)")
    roles = _roles_spec(ck, doc.get("roles"), scales) if "roles" in doc else {}
    return {"subsector": subsector, "roles": roles}


def _roles_spec(ck: Checker, value: Any, scales: Mapping[str, int]) -> dict[str, dict]:
    """Each role: ``why`` it needs these targets (text per language) and its ``targets``."""
    if not isinstance(value, dict) or not value:
        ck.error(("roles",), f"must be a mapping with job roles among {', '.join(JOB_ROLES)}")
        return {}
    roles: dict[str, dict] = {}
    for role, body in value.items():
        path: Path_ = ("roles", str(role))
        if role not in JOB_ROLES:
            ck.error(path, f"unknown job role (use one of: {', '.join(JOB_ROLES)})")
            continue
        spec = ck.mapping(body, path, ["why", "targets"])
        if spec is None:
            continue
        why, targets = ck.i18n(spec.get("why"), (*path, "why")), spec.get("targets")
        path = (*path, "targets")
        seen: set[str] = set()
        rows = [_target_spec(ck, raw, (*path, i), scales, seen) for i, raw in enumerate(ck.seq(targets, path))]
        roles[role] = {"why": why, "targets": [row for row in rows if row is not None]}
    return roles


def _target_spec(ck: Checker, raw: Any, path: Path_, scales: Mapping[str, int], seen: set[str]) -> dict | None:
    """One target of a role: a competence of the current frameworks, once, with levels on its scale."""
    t = ck.mapping(raw, path, ["competence", "min"], ["max", "importance", "why"])
    if t is None:
        return None
    key = _target_key(ck, t.get("competence"), (*path, "competence"), scales, seen)
    if key is None:
        return None
    lo, hi, importance = t.get("min"), t.get("max"), t.get("importance", 2)
    wrong_types = [
        name
        for name, v in (("min", lo), ("max", hi), ("importance", importance))
        if v is not None and not content.is_int(v)
    ]
    for name in wrong_types:
        ck.error((*path, name), "must be a whole number")
    if wrong_types:
        return None
    problems = target_problems(lo, hi, importance, scales[key])
    for problem in problems:
        field_name, message = _target_message(problem, key, scales[key])
        ck.error((*path, field_name), message)
    if problems:
        return None
    why = ck.i18n(t.get("why"), (*path, "why")) if "why" in t else {}
    return {"competence_key": key, "min_level": lo, "max_level": hi, "importance": importance, "why": why}


def _target_key(ck: Checker, key: Any, path: Path_, scales: Mapping[str, int], seen: set[str]) -> str | None:
    if not isinstance(key, str) or not KEY_RE.match(key):
        ck.error(path, "must be a competence key such as digcomp:1.1")
    elif key not in scales:
        ck.error(path, f"unknown competence {key!r} (not in the current frameworks)")
    elif key in seen:
        ck.error(path, f"{key} is listed twice for this role")
    else:
        seen.add(key)
        return key
    return None


def _target_message(problem: str, key: str, top: int) -> tuple[str, str]:
    """The field and the message for a problem code of `target_problems`."""
    on_scale = f"must be between 1 and {top} (the scale of {key.split(':')[0]})"
    return {
        "min_range": ("min", on_scale),
        "max_range": ("max", on_scale),
        "max_order": ("max", "must not be lower than min"),
        "importance": ("importance", "must be 1 (useful), 2 or 3 (essential)"),
    }[problem]


# --- target profiles: import (database) -------------------------------------------------------------------


def current_scales() -> dict[str, int]:
    """Competence key -> the top level of its framework's scale, for the current revisions."""
    from uprest.frameworks.models import Competence, Framework, ProficiencyLevel

    top = (
        db.select(ProficiencyLevel.framework_id, db.func.max(ProficiencyLevel.level).label("top"))
        .group_by(ProficiencyLevel.framework_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(Competence.key, top.c.top)
        .join(Framework, Competence.framework_id == Framework.id)
        .join(top, top.c.framework_id == Framework.id)
        .where(Framework.is_current.is_(True))
    ).all()
    return {key: level for key, level in rows}


def import_profiles(path: str | Path) -> ImportReport:
    """Import every target profile file in a folder (or one file). Flushes; the caller commits."""
    path = Path(path)
    if not path.exists():
        return content.missing(path, "no such file or folder")
    scales = current_scales()  # once for all the files

    def read(file: Path) -> tuple[dict | None, list[LoadError]]:
        return validate_profile(file.read_bytes(), file.name, scales, expected_subsector=file.stem)

    return content.import_units(content.yaml_files(path), ContentKind("profile", validate=read, store=_store_profile))


def _store_profile(spec: dict, name: str) -> FileResult:
    """Each role's targets made exactly those of the file; unchanged when no role changed."""
    outcome = {
        role: store_profile_rows(spec["subsector"], role, body["targets"], actor_id=None, why=body["why"])
        for role, body in spec["roles"].items()
    }
    detail = f"{spec['subsector']}: " + ", ".join(f"{role} {status}" for role, status in sorted(outcome.items()))
    statuses = set(outcome.values())
    if statuses == {"unchanged"}:
        return FileResult(name, "unchanged", detail)
    return FileResult(name, "created" if statuses == {"created"} else "updated", detail)


def store_profile_rows(
    subsector: str, job_role: str, rows: list[dict], actor_id: int | None, profile: Any = None, why: dict | None = None
) -> str:
    """Make the profile's targets exactly `rows` (and its reason `why`, when given), in place: "created",
    "updated" or "unchanged"."""
    from uprest.frameworks.models import TargetProfile

    if profile is None:
        profile = db.session.scalar(
            db.select(TargetProfile).where(TargetProfile.subsector == subsector, TargetProfile.job_role == job_role)
        )
    created = profile is None
    if created:
        profile = TargetProfile(subsector=subsector, job_role=job_role)
        db.session.add(profile)
    changed = _sync_targets(profile, rows) or created
    if why is not None and (profile.why or {}) != why:
        profile.why = why
        changed = True
    if changed:
        profile.updated_at = utcnow()
        profile.updated_by_id = actor_id
    db.session.flush()
    return "created" if created else "updated" if changed else "unchanged"


def _sync_targets(profile, rows: list[dict]) -> bool:
    """Remove, add and change the profile's targets to match `rows`; whether anything changed."""
    from uprest.frameworks.models import ProfileTarget

    existing = {t.competence_key: t for t in profile.targets}
    wanted = {r["competence_key"]: r for r in rows}
    changed = False
    for key, target in existing.items():
        if key not in wanted:
            profile.targets.remove(target)
            changed = True
    for key, row in wanted.items():
        target = existing.get(key)
        values = (row["min_level"], row["max_level"], row["importance"], row.get("why") or {})
        if target is None:
            profile.targets.append(
                ProfileTarget(
                    competence_key=key,
                    min_level=values[0],
                    max_level=values[1],
                    importance=values[2],
                    why=values[3],
                )
            )
            changed = True
        elif (target.min_level, target.max_level, target.importance, target.why or {}) != values:
            target.min_level, target.max_level, target.importance, target.why = values
            changed = True
    return changed
