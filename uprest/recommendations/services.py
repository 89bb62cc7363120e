"""The learner's recommended learning path and their learning plan, built from the database.

The recommender itself is pure (rules.py, recommender.py); this module gathers its inputs (the gaps of the
learner's latest submitted assessment, the published catalogue, the languages they read, their weekly time
budget), runs it, and explains each recommendation in the current locale (explain.py). The plan services
flush, never commit: the view commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from uprest import cache
from uprest.accounts.models import User
from uprest.assessments import services as assessments
from uprest.catalog import services as catalog
from uprest.catalog.catalogue import Filters, catalogue_stmt
from uprest.catalog.models import Module, ModuleVersion
from uprest.extensions import db, insert_once, utcnow
from uprest.frameworks import services as frameworks
from uprest.i18n import pick
from uprest.learning import services as learning
from uprest.recommendations.explain import explain, hours_text
from uprest.recommendations.models import LearningPlan, PlanItem
from uprest.recommendations.recommender import recommend
from uprest.recommendations.rules import (
    CatalogueModule,
    Gap,
    Learner,
    Outcome,
    Raise,
    Recommendation,
    title_in,
    week_of,
)
from uprest.registry import Card, cached_cards

DEFAULT_WEEKLY_HOURS = 3
MIN_WEEKLY_HOURS = 1
MAX_WEEKLY_HOURS = 40
NOT_AVAILABLE = _l("This module is no longer in the catalogue.")
COMPLETED = _l("You have completed this module.")


# --- the recommender's inputs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """The gaps of a learner's latest submitted assessment, and the names of its competences."""

    run_id: int
    gaps: tuple[Gap, ...]
    competences: dict[str, str]  # key -> "2.1 Interacting through digital technologies" (current locale)
    has_gaps: bool


def profile_of(user: User) -> Profile | None:
    """The gap profile of the learner's latest submitted run; None before their first submitted assessment."""
    run = assessments.latest_submitted_run(user)
    if run is None:
        return None
    results = assessments.results_of(run)
    # Levels recorded since the assessment (a completed module) count: the gaps are recomputed from them.
    since = {
        key: cur.level
        for key, cur in frameworks.current_levels(user).items()
        if run.submitted_at is not None and cur.recorded_at > run.submitted_at
    }
    gaps = tuple(
        Gap(
            key=r.competence_key,
            level=max(r.level, since.get(r.competence_key, 0)),
            target_min=r.target_min,
            target_max=r.target_max,
            importance=r.importance,
            scale_max=r.max_level,
        )
        for r in results
    )
    names = {r.competence_key: f"{r.competence.code} {pick(r.competence.name)}".strip() for r in results}
    return Profile(run.id, gaps, names, any(g.weighted > 0 for g in gaps))


def _load_catalogue() -> tuple[CatalogueModule, ...]:
    stmt = catalogue_stmt(Filters(), "en").options(
        contains_eager(Module.published_version).selectinload(ModuleVersion.outcomes)
    )
    modules = []
    for module in db.session.scalars(stmt).unique():
        v = module.published_version
        modules.append(
            CatalogueModule(
                code=module.code,
                title=dict(v.title or {}),
                hours=float(v.workload_hours or 0),
                languages=tuple(v.languages or ()),
                prerequisites=tuple(v.prerequisites or ()),
                outcomes=tuple(Outcome(o.competence_key, o.from_level, o.to_level) for o in v.outcomes),
            )
        )
    return tuple(modules)


def published_catalogue() -> tuple[CatalogueModule, ...]:
    """Every published module as the recommender sees it, cached per worker and catalogue content generation."""
    key = ("recommendations:catalogue", catalog.content_generation())
    return cache.pages().get_or_make(key, _load_catalogue)


def languages_of(user: User) -> tuple[str, ...]:
    """The languages the learner reads, preferred first: their account's language, then English."""
    return tuple(dict.fromkeys([user.locale or "en", "en"]))


def plan_of(user: User) -> LearningPlan | None:
    return db.session.scalar(db.select(LearningPlan).where(LearningPlan.user_id == user.id))


# --- the path as the pages and the API show it ---------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One module of a path or a plan, explained in the current locale."""

    code: str
    title: str
    hours: float
    week: int
    explanation: str
    raises: tuple[Raise, ...] = ()
    is_available: bool = True  # still published
    is_completed: bool = False  # the learner completed it (a plan's module stays in the plan, marked done)


@dataclass
class PathView:
    profile: Profile
    weekly_hours: int
    entries: list[Entry] = field(default_factory=list)
    unreachable: tuple[str, ...] = ()

    @property
    def hours(self) -> float:
        """The hours still to learn."""
        return sum(e.hours for e in self.entries if not e.is_completed)

    @property
    def weeks(self) -> int:
        """The weeks still to go at the weekly budget."""
        return max((e.week for e in self.entries if not e.is_completed), default=0)

    @property
    def completed(self) -> int:
        return sum(e.is_completed for e in self.entries)

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.entries]


def _titles(catalogue: Iterable[CatalogueModule], languages: tuple[str, ...]) -> dict[str, str]:
    return {m.code: title_in(m, languages) for m in catalogue}


def _entry(rec: Recommendation, titles: dict[str, str], competences: dict[str, str], week: int) -> Entry:
    return Entry(
        code=rec.code,
        title=titles.get(rec.code, rec.code),
        hours=rec.hours,
        week=week,
        explanation=explain(rec, competences=competences, titles=titles),
        raises=rec.raises,
    )


def recommended_path(
    user: User, *, completed: Iterable[str] | None = None, weekly_hours: int | None = None
) -> PathView | None:
    """The learner's recommended path, explained in the current locale; None without a submitted assessment.
    `completed`: the codes of the modules they completed (by default: read from their enrolments)."""
    profile = profile_of(user)
    if profile is None:
        return None
    if completed is None:
        completed = learning.completed_codes(user)
    if weekly_hours is None:
        plan = plan_of(user)
        weekly_hours = plan.weekly_hours if plan is not None else DEFAULT_WEEKLY_HOURS
    catalogue = published_catalogue()
    ui = str(get_locale() or "en")
    languages = languages_of(user)
    learner = Learner(gaps=profile.gaps, completed=frozenset(completed), languages=languages, weekly_hours=weekly_hours)
    path = recommend(learner, catalogue)
    titles = _titles(catalogue, (ui, *languages))
    view = PathView(profile, weekly_hours, unreachable=path.unreachable)
    view.entries = [_entry(rec, titles, profile.competences, rec.week) for rec in path.items]
    return view


def plan_view(user: User, plan: LearningPlan, path: PathView, *, completed: Iterable[str] | None = None) -> PathView:
    """The plan's modules in the plan's order, each explained as in the path (a module the path no longer
    recommends says its hours), with the weeks at the plan's budget."""
    by_code = {e.code: e for e in path.entries}
    done = set(learning.completed_codes(user) if completed is None else completed)
    catalogue = {m.code: m for m in published_catalogue()}
    titles = _titles(catalogue.values(), (str(get_locale() or "en"), *languages_of(user)))
    view = PathView(path.profile, plan.weekly_hours, unreachable=path.unreachable)
    hours = 0.0
    for item in plan.items:
        module = catalogue.get(item.module_code)
        known = by_code.get(item.module_code)
        module_hours = module.hours if module is not None else 0.0
        if item.module_code in done:
            title = titles.get(item.module_code, item.module_code)
            view.entries.append(Entry(item.module_code, title, module_hours, 0, str(COMPLETED), is_completed=True))
            continue
        hours += max(module_hours, 0.0)
        week = week_of(hours, plan.weekly_hours)
        if known is not None:
            entry = Entry(known.code, known.title, known.hours, week, known.explanation, known.raises)
        else:
            text = hours_text(module_hours) + "." if module is not None else str(NOT_AVAILABLE)
            entry = Entry(
                item.module_code,
                titles.get(item.module_code, item.module_code),
                module_hours,
                week,
                text,
                is_available=module is not None,
            )
        view.entries.append(entry)
    return view


# --- changing the plan ---------------------------------------------------------------------------------


def _replace_items(plan: LearningPlan, codes: Iterable[str]) -> None:
    """Make `codes` the plan's modules. A parallel replace of the same plan that comes first wins (its
    modules are the same path)."""
    # One rebuild of a plan at a time (PostgreSQL: a row lock; SQLite has one writer anyway), so that parallel
    # rebuilds do not deadlock on each other's modules.
    db.session.execute(db.select(LearningPlan.id).where(LearningPlan.id == plan.id).with_for_update())
    try:
        with db.session.begin_nested():
            db.session.execute(db.delete(PlanItem).where(PlanItem.plan_id == plan.id))
            db.session.add_all(
                PlanItem(plan_id=plan.id, module_code=code, position=i) for i, code in enumerate(dict.fromkeys(codes))
            )
            plan.updated_at = utcnow()
            db.session.flush()
    except IntegrityError:
        pass
    db.session.expire(plan, ["items"])


def accept(user: User, codes: list[str], weekly_hours: int = DEFAULT_WEEKLY_HOURS) -> tuple[LearningPlan, bool]:
    """Make the recommended path `codes` the learner's plan: a new plan, or the modules of the plan they have
    (a rebuild). A parallel accept that makes the plan first wins. Returns (plan, created)."""
    existing = plan_of(user)
    if existing is not None:
        _replace_items(existing, codes)
        return existing, False
    plan = LearningPlan(user_id=user.id, weekly_hours=weekly_hours)
    plan.items = [PlanItem(module_code=code, position=i) for i, code in enumerate(dict.fromkeys(codes))]
    return insert_once(plan, lambda: plan_of(user))  # a parallel accept that made the plan first wins


def set_budget(plan: LearningPlan, weekly_hours: int) -> None:
    if not MIN_WEEKLY_HOURS <= weekly_hours <= MAX_WEEKLY_HOURS:
        raise ValueError(weekly_hours)
    plan.weekly_hours = weekly_hours
    db.session.flush()


def remove(plan: LearningPlan, code: str) -> bool:
    """Take the module out of the plan; False when it was not in it (also when a parallel request took it out
    first). The positions of the others stay in order."""
    result = db.session.execute(
        db.delete(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.module_code == code),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(plan, ["items"])
    return bool(result.rowcount)


def add(plan: LearningPlan, code: str) -> bool:
    """Add the module at the end of the plan; False when it is in it already (also when a parallel request
    added it first)."""
    if any(i.module_code == code for i in plan.items):
        return False
    position = max((i.position for i in plan.items), default=-1) + 1
    try:
        with db.session.begin_nested():
            db.session.add(PlanItem(plan_id=plan.id, module_code=code, position=position))
            db.session.flush()
    except IntegrityError:
        db.session.expire(plan, ["items"])
        return False
    db.session.expire(plan, ["items"])
    return True


# --- the home page and the user's data -----------------------------------------------------------------


def dashboard_cards(user: User) -> list[Card]:
    """The learning plan card, made again only when what it shows may have changed: the plan, the learner's
    learning, their assessments, their recorded levels or the catalogue."""
    plan = db.session.execute(
        db.select(LearningPlan.id, LearningPlan.weekly_hours, LearningPlan.updated_at).where(
            LearningPlan.user_id == user.id
        )
    ).one_or_none()
    items = (
        tuple(
            db.session.scalars(
                db.select(PlanItem.module_code).where(PlanItem.plan_id == plan.id).order_by(PlanItem.position)
            )
        )
        if plan is not None
        else ()
    )
    state = (
        tuple(plan) if plan is not None else None,
        items,
        assessments.latest_submitted_run_id(user),
        learning.state_of_learner(user),
        frameworks.latest_record_id(user),
        catalog.content_generation(),
    )
    return cached_cards("plan", user, state, lambda: _plan_cards(user))


def _plan_cards(user: User) -> list[Card]:
    """The learning plan with its weeks left and the gap summary, or a card leading to the learning path once
    the learner has submitted an assessment."""
    from flask import url_for
    from flask_babel import ngettext

    plan = plan_of(user)
    if plan is None and assessments.latest_submitted_run(user) is None:
        return []
    completed = learning.completed_codes(user)
    budget = plan.weekly_hours if plan is not None else DEFAULT_WEEKLY_HOURS
    path = recommended_path(user, completed=completed, weekly_hours=budget)
    below = sum(1 for g in path.profile.gaps if g.weighted > 0) if path is not None else 0
    gaps = ngettext("%(num)s competence is below your target.", "%(num)s competences are below your target.", below)
    if plan is None or path is None:
        return [
            Card(
                _l("Your learning path"),
                _l("The modules that close your largest skills gaps first, with the hours and weeks they take."),
                url_for("recommendations.plan"),
                _l("See your learning path"),
                details=(gaps,) if path is not None else (),
            )
        ]
    view = plan_view(user, plan, path, completed=completed)
    total = len(view.entries)
    done = ngettext(
        "%(done)s of %(num)s module of your plan completed.",
        "%(done)s of %(num)s modules of your plan completed.",
        total,
        done=view.completed,
    )
    left = ngettext("About %(num)s week left at your budget.", "About %(num)s weeks left at your budget.", view.weeks)
    return [
        Card(
            _l("Your learning plan"),
            done,
            url_for("recommendations.plan"),
            _l("See your learning plan"),
            progress=view.completed / total if total else None,
            details=(left, gaps),
        )
    ]


def on_module_completed(sender, user: User, module, enrolment) -> None:
    """A completed module is done in the plan: the plan's weeks are counted again from what is left."""
    plan = plan_of(user)
    if plan is not None:
        plan.updated_at = utcnow()
        db.session.flush()


def export_user_data(user: User) -> dict:
    plan = plan_of(user)
    if plan is None:
        return {"learning_plan": None}
    return {
        "learning_plan": {
            "weekly_hours": plan.weekly_hours,
            "created_at": plan.created_at.isoformat(),
            "updated_at": plan.updated_at.isoformat(),
            "modules": [i.module_code for i in plan.items],
        }
    }


def erase_user_data(user: User) -> None:
    plan_ids = db.select(LearningPlan.id).where(LearningPlan.user_id == user.id)
    db.session.execute(db.delete(PlanItem).where(PlanItem.plan_id.in_(plan_ids)))
    db.session.execute(db.delete(LearningPlan).where(LearningPlan.user_id == user.id))
    db.session.flush()
