"""Framework and target-profile rules. They flush, never commit: the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from uprest import cache
from uprest.accounts.models import Role, User
from uprest.extensions import db, insert_once, utcnow
from uprest.frameworks import loader
from uprest.frameworks.models import (
    Area,
    Competence,
    CompetenceRecord,
    Framework,
    Item,
    ProficiencyBand,
    ProficiencyLevel,
    TargetProfile,
)

SUBSECTORS = loader.SUBSECTORS
JOB_ROLES = loader.JOB_ROLES
LEGACY_ROLE = "staff"  # the one role of staff before roles per sub-sector: shown only where a profile has it

#: The generation of the frameworks' texts (names, levels, items): pages that show competences and are
#: cached (an assessment result) are keyed by it, so a framework import shows at once (see uprest.cache).
CONTENT = "frameworks"
cache.watch(CONTENT, Framework, Area, Competence, Item, ProficiencyLevel, ProficiencyBand)


class ProfileError(Exception):
    """A target-profile rule was broken; the message is translated and safe to show."""


@dataclass(frozen=True)
class TargetRow:
    competence_key: str
    min_level: int
    max_level: int | None
    importance: int


# --- frameworks ----------------------------------------------------------------------


def current_frameworks_stmt():
    return db.select(Framework).where(Framework.is_current.is_(True)).order_by(Framework.code)


def current_frameworks() -> list[Framework]:
    return list(
        db.session.scalars(
            current_frameworks_stmt().options(selectinload(Framework.levels), selectinload(Framework.bands))
        )
    )


def current_framework(code: str) -> Framework | None:
    if not loader.CODE_RE.match(code or ""):  # also keeps NUL bytes and junk away from the database
        return None
    return db.session.scalar(
        db.select(Framework)
        .where(Framework.code == code, Framework.is_current.is_(True))
        .order_by(Framework.revision.desc())
        .limit(1)
    )


def framework_detail(code: str) -> Framework | None:
    """The current framework with everything its public page shows, loaded in a few queries."""
    if not loader.CODE_RE.match(code or ""):
        return None
    return db.session.scalar(
        db.select(Framework)
        .where(Framework.code == code, Framework.is_current.is_(True))
        .options(
            selectinload(Framework.levels),
            selectinload(Framework.bands),
            selectinload(Framework.areas).selectinload(Area.competences).selectinload(Competence.items),
        )
        .order_by(Framework.revision.desc())
        .limit(1)
    )


def framework_counts(framework_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per framework id: the number of areas, competences, statements and knowledge questions."""
    counts = {fid: {"areas": 0, "competences": 0, "statements": 0, "knowledge": 0} for fid in framework_ids}
    if not framework_ids:
        return counts
    for fid, n in db.session.execute(
        db.select(Area.framework_id, db.func.count(Area.id))
        .where(Area.framework_id.in_(framework_ids))
        .group_by(Area.framework_id)
    ):
        counts[fid]["areas"] = n
    for fid, n in db.session.execute(
        db.select(Competence.framework_id, db.func.count(Competence.id))
        .where(Competence.framework_id.in_(framework_ids))
        .group_by(Competence.framework_id)
    ):
        counts[fid]["competences"] = n
    for fid, kind, n in db.session.execute(
        db.select(Competence.framework_id, Item.kind, db.func.count(Item.id))
        .join(Item, Item.competence_id == Competence.id)
        .where(Competence.framework_id.in_(framework_ids))
        .group_by(Competence.framework_id, Item.kind)
    ):
        if kind in ("statement", "knowledge"):
            counts[fid]["statements" if kind == "statement" else "knowledge"] = n
    return counts


def current_competences_stmt():
    """Competences of the *current* framework revisions (the one query the helpers below refine)."""
    return (
        db.select(Competence)
        .join(Framework, Competence.framework_id == Framework.id)
        .where(Framework.is_current.is_(True))
    )


def competence_by_key(key: str) -> Competence | None:
    """The competence with this stable key ("digcomp:1.1") in its current framework revision."""
    if not loader.KEY_RE.match(key or ""):
        return None
    return db.session.scalar(
        current_competences_stmt().where(Competence.key == key).order_by(Framework.revision.desc()).limit(1)
    )


def competences_by_key(keys, *, with_items: bool = False) -> dict[str, Competence]:
    """Stable key -> competence of the current framework revision, with its framework and area loaded
    (and its items with ``with_items``). Keys that are not well-formed or not known are left out."""
    keys = [k for k in set(keys) if isinstance(k, str) and loader.KEY_RE.match(k)]
    if not keys:
        return {}
    options = [joinedload(Competence.framework), joinedload(Competence.area)]
    if with_items:
        options.append(selectinload(Competence.items))
    rows = db.session.scalars(current_competences_stmt().where(Competence.key.in_(keys)).options(*options))
    return {c.key: c for c in rows.unique()}


def current_competences() -> list[Competence]:
    """Every competence of the current frameworks, in framework and framework order."""
    return list(
        db.session.scalars(
            current_competences_stmt()
            .options(selectinload(Competence.framework), selectinload(Competence.area))
            .order_by(Framework.code, Competence.position)
        )
    )


def current_revision_key() -> tuple[int, ...]:
    """The ids of the current framework revisions: changes whenever a framework is re-imported, so it
    keys caches of data derived from the current frameworks."""
    return tuple(
        db.session.scalars(db.select(Framework.id).where(Framework.is_current.is_(True)).order_by(Framework.id))
    )


def competence_scales() -> dict[str, int]:
    """Competence key -> the top level of its framework's scale (current revisions)."""
    return loader.current_scales()


def framework_languages(framework: Framework) -> list[str]:
    """The languages in which every text of the framework's public page is available."""
    texts: list[dict] = [
        framework.name,
        *(lvl.name for lvl in framework.levels),
        *(b.name for b in framework.bands),
    ]
    texts += [lvl.description for lvl in framework.levels if lvl.description]
    for area in framework.areas:
        texts.append(area.name)
        for comp in area.competences:
            texts.append(comp.name)
            if comp.description:
                texts.append(comp.description)
            texts.extend(comp.level_descriptors.values())
    langs = set(texts[0]) if texts else set()
    for t in texts[1:]:
        langs &= set(t)
    return [code for code in loader.LANGS if code in langs]


# --- target profiles --------------------------------------------------------------------


def profile_for(subsector: str, job_role: str, create: bool = False) -> TargetProfile | None:
    """The target profile of a sub-sector and job role, with its targets; with create=True it is made
    when missing."""
    stmt = (
        db.select(TargetProfile)
        .where(TargetProfile.subsector == subsector, TargetProfile.job_role == job_role)
        .options(selectinload(TargetProfile.targets))
    )
    profile = db.session.scalar(stmt)
    if profile is None and create:
        if subsector not in SUBSECTORS or job_role not in JOB_ROLES:
            raise ValueError(f"unknown profile {subsector}/{job_role}")
        new = TargetProfile(subsector=subsector, job_role=job_role)
        profile, _created = insert_once(new, lambda: db.session.scalar(stmt))  # or a concurrent request's
    return profile


def profiles_of(subsector: str) -> list[TargetProfile]:
    """The target profiles of a sub-sector with their targets, in the order of JOB_ROLES."""
    profiles = db.session.scalars(
        db.select(TargetProfile)
        .where(TargetProfile.subsector == subsector)
        .options(selectinload(TargetProfile.targets))
    ).all()
    order = {role: n for n, role in enumerate(JOB_ROLES)}
    return sorted(profiles, key=lambda p: order.get(p.job_role, len(order)))


def profiles_overview() -> dict[tuple[str, str], tuple[TargetProfile | None, int]]:
    """(subsector, job_role) -> (profile or None, number of targets), for every combination."""
    profiles = {
        (p.subsector, p.job_role): p
        for p in db.session.scalars(db.select(TargetProfile).options(selectinload(TargetProfile.targets)))
    }
    roles = [r for r in JOB_ROLES if r != LEGACY_ROLE or any(role == r for _, role in profiles)]
    return {
        (s, r): (profiles.get((s, r)), len(profiles[(s, r)].targets) if (s, r) in profiles else 0)
        for s in SUBSECTORS
        for r in roles
    }


def update_profile_targets(profile: TargetProfile, rows: list[TargetRow], actor: User | None) -> bool:
    """Make the profile's targets exactly `rows`. Checks every row again (the form is a courtesy).

    Returns whether anything changed. Raises ProfileError and changes nothing when a row
    breaks a rule or a concurrent save got in first.
    """
    scales = competence_scales()
    seen: set[str] = set()
    for row in rows:
        if row.competence_key not in scales:
            raise ProfileError(_l("Unknown competence: %(key)s.", key=row.competence_key))
        if row.competence_key in seen:
            raise ProfileError(_l("%(key)s is listed twice.", key=row.competence_key))
        seen.add(row.competence_key)
        if loader.target_problems(row.min_level, row.max_level, row.importance, scales[row.competence_key]):
            raise ProfileError(_l("The levels or the importance of %(key)s are not valid.", key=row.competence_key))
    data = [
        {
            "competence_key": r.competence_key,
            "min_level": r.min_level,
            "max_level": r.max_level,
            "importance": r.importance,
        }
        for r in rows
    ]
    try:
        with db.session.begin_nested():
            status = loader.store_profile_rows(
                profile.subsector,
                profile.job_role,
                data,
                actor_id=actor.id if actor else None,
                profile=profile,
            )
    except IntegrityError:
        db.session.expire(profile)
        raise ProfileError(
            _l("Someone else saved this profile at the same moment. Please check the targets and save again.")
        ) from None
    return status != "unchanged"


def scale_levels(framework_ids) -> dict[int, list[ProficiencyLevel]]:
    ids = list(set(framework_ids))
    out: dict[int, list[ProficiencyLevel]] = {fid: [] for fid in ids}
    if ids:
        for lvl in db.session.scalars(
            db.select(ProficiencyLevel).where(ProficiencyLevel.framework_id.in_(ids)).order_by(ProficiencyLevel.level)
        ):
            out[lvl.framework_id].append(lvl)
    return out


# --- the learner's competence state (the kernel: every feature with evidence writes here) ----------


class CurrentLevel(NamedTuple):
    level: int
    source: str
    recorded_at: datetime


def record_competence(
    user_id: int,
    competence_id: int,
    level: int,
    source: str,
    *,
    evidence: tuple[str, int] | None = None,
    recorded_at: datetime | None = None,
) -> CompetenceRecord:
    """Add a level to the learner's competence history (flushes, never commits).

    ``evidence`` is ``(type, id)`` of what shows the level, e.g. ``("assessment_run", run.id)``; one piece
    of evidence records a competence once: a second record raises ``IntegrityError`` (the database
    decides, so parallel requests cannot both record). Call it inside a savepoint to recover from that.
    """
    if level < 1:
        raise ValueError(f"a competence level starts at 1, not {level}")
    if not source:
        raise ValueError("a competence record needs a source")
    evidence_type, evidence_id = evidence if evidence is not None else (None, None)
    if evidence is not None and (not evidence_type or evidence_id is None):
        raise ValueError(f"evidence must be (type, id), not {evidence!r}")
    record = CompetenceRecord(
        user_id=user_id,
        competence_id=competence_id,
        level=level,
        source=source,
        evidence_type=evidence_type,
        evidence_id=evidence_id,
        recorded_at=recorded_at or utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    return record


def competence_history(user: User) -> list[CompetenceRecord]:
    """Every record of the learner, oldest first, with its competence and framework loaded."""
    return list(
        db.session.scalars(
            db.select(CompetenceRecord)
            .where(CompetenceRecord.user_id == user.id)
            .order_by(CompetenceRecord.recorded_at, CompetenceRecord.id)
            .options(joinedload(CompetenceRecord.competence).joinedload(Competence.framework))
        )
    )


def latest_record_id(user: User) -> int | None:
    """The id of the learner's latest competence record (a new record means a level changed)."""
    return db.session.scalar(db.select(db.func.max(CompetenceRecord.id)).where(CompetenceRecord.user_id == user.id))


def current_levels(user: User) -> dict[str, CurrentLevel]:
    """Competence key -> (level, source, recorded_at) of the learner's latest record of it. Keys are
    stable across framework revisions, so a record of an older revision counts for the current one."""
    rows = db.session.execute(
        db.select(Competence.key, CompetenceRecord.level, CompetenceRecord.source, CompetenceRecord.recorded_at)
        .join(Competence, CompetenceRecord.competence_id == Competence.id)
        .where(CompetenceRecord.user_id == user.id)
        .order_by(CompetenceRecord.recorded_at.desc(), CompetenceRecord.id.desc())
    )
    latest: dict[str, CurrentLevel] = {}
    for key, level, source, recorded_at in rows:
        latest.setdefault(key, CurrentLevel(level, source, recorded_at))
    return latest


def export_user_data(user: User) -> dict:
    """The learner's competence records with their evidence, and the target profiles they changed last, as
    plain data (part of the account's data download)."""
    return {
        "competence_records": [
            {
                "competence": r.competence.key,
                "level": r.level,
                "source": r.source,
                "evidence": {"type": r.evidence_type, "id": r.evidence_id} if r.evidence else None,
                "recorded_at": r.recorded_at.isoformat(),
            }
            for r in competence_history(user)
        ],
        "target_profiles_changed": [
            {"subsector": p.subsector, "job_role": p.job_role, "updated_at": p.updated_at.isoformat()}
            for p in db.session.scalars(
                db.select(TargetProfile)
                .where(TargetProfile.updated_by_id == user.id)
                .order_by(TargetProfile.subsector, TargetProfile.job_role)
            )
        ],
    }


def erase_user_data(user: User) -> None:
    """Delete the learner's competence records; the target profiles they changed last no longer name them
    (flushes, never commits)."""
    db.session.execute(db.delete(CompetenceRecord).where(CompetenceRecord.user_id == user.id))
    db.session.execute(
        db.update(TargetProfile)
        .where(TargetProfile.updated_by_id == user.id)
        .values(updated_by_id=None, updated_at=TargetProfile.updated_at)  # keep the date: only the name goes
    )
    db.session.flush()


# --- home page ------------------------------------------------------------------------------


def dashboard_cards(user: User) -> list:
    from uprest.registry import Card

    if user.role not in (Role.TRAINER, Role.ADMIN):
        return []
    return [
        Card(
            _l("Target profiles"),
            _l("Set the competence levels each tourism sub-sector and job role needs."),
            url_for("frameworks.profiles"),
            _l("Open target profiles"),
        )
    ]
