"""Assessment domain rules: runs, answers, submitting, results and the business's combined profile.

They flush, never commit: the caller commits. What the pages say about results (labels, sentences, the
chart, the dashboard cards, the data download) is in ``presentation.py``; the pure rules are in
``scoring.py`` (one learner's scores) and ``rules.py`` (a group's levels). Target profiles, competences and
the learner's competence history belong to the kernel (``uprest.frameworks.services``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from uprest.accounts.models import Organisation, Subsector, User
from uprest.assessments import scoring
from uprest.assessments.models import AssessmentResponse, AssessmentResult, AssessmentRun, RunCompetence
from uprest.assessments.plan import (
    answered_item_ids,
    draw_questions,
    knowledge_of,
    plan_pages,
    statements_of,
)
from uprest.extensions import db, insert_once, utcnow
from uprest.frameworks import rules
from uprest.frameworks import services as frameworks
from uprest.frameworks.models import Area, Competence, Framework, Item
from uprest.signals import assessment_submitted

JOB_ROLES = frameworks.JOB_ROLES
#: The evidence type of the competence records a submitted run adds (with the run's id).
EVIDENCE = "assessment_run"


class AssessmentError(Exception):
    """A rule was broken; the message is translated and safe to show."""


# --- starting a run -------------------------------------------------------------------------------


def open_run(user: User) -> AssessmentRun | None:
    return db.session.scalar(
        db.select(AssessmentRun).where(AssessmentRun.user_id == user.id, AssessmentRun.submitted_at.is_(None))
    )


def start_run(user: User, *, subsector: str, job_role: str) -> tuple[AssessmentRun, bool]:
    """Start a run for the profile of (subsector, job_role); the open run instead if there is one.

    Returns (run, created). The database allows one open run per user; a parallel start loses the
    race on the unique ``open_key`` and gets the other request's run.
    """
    existing = open_run(user)
    if existing is not None:
        return existing, False
    if subsector not in {s.value for s in Subsector} or job_role not in JOB_ROLES:
        raise AssessmentError(_l("Please choose a sub-sector and a role."))
    profile = frameworks.profile_for(subsector, job_role)
    if profile is None:
        raise AssessmentError(
            _l(
                "There is no target profile for this sub-sector and role yet. "
                "Please choose another one or try again later."
            )
        )
    comps = frameworks.competences_by_key([t.competence_key for t in profile.targets], with_items=True)
    planned = [
        (comps[t.competence_key], t)
        for t in profile.targets
        if t.competence_key in comps and statements_of(comps[t.competence_key])
    ]
    if not planned:
        raise AssessmentError(_l("The target profile for this sub-sector and role has no questions yet."))
    pages = plan_pages(planned)
    seen = answered_item_ids(user)
    run = AssessmentRun(
        user_id=user.id,
        open_key=user.id,
        profile_id=profile.id,
        subsector=subsector,
        job_role=job_role,
        page_count=len(pages),
        current_page=1,
    )
    for page_no, page in enumerate(pages, start=1):
        for position, (comp, target) in enumerate(page):
            run.competences.append(
                RunCompetence(
                    competence_id=comp.id,
                    page=page_no,
                    position=position,
                    target_min=target.min_level,
                    target_max=target.max_level,
                    importance=target.importance,
                    question_ids=[q.id for q in draw_questions(knowledge_of(comp), target.min_level, seen)],
                )
            )
    return insert_once(run, lambda: open_run(user))  # or the run a parallel request opened first


# --- the questionnaire ------------------------------------------------------------------------


@dataclass
class PageCompetence:
    target: RunCompetence
    competence: Competence
    statements: list[Item]
    knowledge: list[Item]

    @property
    def items(self) -> list[Item]:
        return self.statements + self.knowledge


@dataclass
class Page:
    number: int
    framework: Framework
    area: Area
    competences: list[PageCompetence] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return [i for c in self.competences for i in c.items]


def run_pages(run: AssessmentRun) -> list[Page]:
    """The pages of the run with their competences and items, in order (one query for all)."""
    targets = (
        db.session.scalars(
            db.select(RunCompetence)
            .where(RunCompetence.run_id == run.id)
            .order_by(RunCompetence.page, RunCompetence.position)
            .options(
                joinedload(RunCompetence.competence).joinedload(Competence.framework).selectinload(Framework.levels),
                joinedload(RunCompetence.competence).joinedload(Competence.area),
                joinedload(RunCompetence.competence).selectinload(Competence.items),
            )
        )
        .unique()
        .all()
    )
    pages: dict[int, Page] = {}
    for t in targets:
        comp = t.competence
        page = pages.get(t.page)
        if page is None:
            page = pages[t.page] = Page(number=t.page, framework=comp.framework, area=comp.area)
        pool = knowledge_of(comp)
        asked = pool if t.question_ids is None else [q for q in pool if q.id in set(t.question_ids)]
        page.competences.append(PageCompetence(t, comp, statements_of(comp), asked))
    return [pages[n] for n in sorted(pages)]


def answers_of(run: AssessmentRun) -> dict[int, int]:
    rows = db.session.execute(
        db.select(AssessmentResponse.item_id, AssessmentResponse.value).where(AssessmentResponse.run_id == run.id)
    ).all()
    return {item_id: value for item_id, value in rows}


@dataclass
class Progress:
    page: int
    pages: int
    answered: int
    total: int
    missing_pages: list[int]

    @property
    def percent(self) -> int:
        return 100 * self.answered // self.total if self.total else 0

    @property
    def complete(self) -> bool:
        return not self.missing_pages


def progress(pages: list[Page], answers: dict[int, int], page: int = 1) -> Progress:
    total = answered = 0
    missing = []
    for p in pages:
        ids = [i.id for i in p.items]
        done = sum(1 for i in ids if i in answers)
        total += len(ids)
        answered += done
        if done < len(ids):
            missing.append(p.number)
    return Progress(page=page, pages=len(pages), answered=answered, total=total, missing_pages=missing)


def _upsert_stmt(rows: list[dict]):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - we run on SQLite and PostgreSQL only
        return None
    stmt = insert(AssessmentResponse).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=["run_id", "item_id"],
        set_={"value": stmt.excluded.value, "answered_at": stmt.excluded.answered_at},
    )


def save_answers(run: AssessmentRun, answers: dict[int, int], *, go_to_page: int) -> None:
    """Store the answers of one page (insert or update per item) and remember where the learner is.

    The caller has checked that the run is open and that every item belongs to the page.
    """
    now = utcnow()
    # Claim the run first, in the database: a run submitted meanwhile (another tab) is not changed, and on
    # PostgreSQL the row lock orders this save and a parallel submit one after the other.
    claimed = (
        db.session.execute(
            update(AssessmentRun)
            .where(AssessmentRun.id == run.id, AssessmentRun.submitted_at.is_(None))
            .values(current_page=max(1, min(run.page_count, go_to_page)), updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not claimed:
        raise AssessmentError(_l("This assessment has been submitted and can no longer be changed."))
    rows = [
        {"run_id": run.id, "item_id": item_id, "value": value, "answered_at": now}
        for item_id, value in sorted(answers.items())
    ]
    if rows:
        stmt = _upsert_stmt(rows)
        if stmt is not None:
            db.session.execute(stmt)
        else:  # pragma: no cover
            existing = {
                r.item_id: r
                for r in db.session.scalars(db.select(AssessmentResponse).where(AssessmentResponse.run_id == run.id))
            }
            for row in rows:
                if row["item_id"] in existing:
                    existing[row["item_id"]].value = row["value"]
                else:
                    db.session.add(AssessmentResponse(**row))
    db.session.flush()
    db.session.refresh(run)


# --- submitting and scoring ---------------------------------------------------------------------


def scoring_inputs(pages: list[Page], answers: dict[int, int]) -> list[scoring.CompetenceInput]:
    inputs = []
    for page in pages:
        for pc in page.competences:
            ratings = tuple(answers[i.id] for i in pc.statements if i.id in answers)
            answered = correct = 0
            for k in pc.knowledge:
                chosen = answers.get(k.id)
                if chosen is None or not 0 <= chosen < len(k.choices):
                    continue
                answered += 1
                correct += bool(k.choices[chosen].get("correct"))
            calibrated = all(i.band for i in pc.statements) and all(k.level for k in pc.knowledge)
            framework = pc.competence.framework
            inputs.append(
                scoring.CompetenceInput(
                    key=pc.competence.key,
                    max_level=framework.max_level,
                    ratings=ratings,
                    target_min=pc.target.target_min,
                    target_max=pc.target.target_max,
                    importance=pc.target.importance,
                    knowledge_correct=correct,
                    knowledge_answered=answered,
                    bands=scoring.band_ranges((lv.level, lv.band) for lv in framework.levels) if calibrated else (),
                    statements=tuple((i.band, answers[i.id]) for i in pc.statements if i.id in answers),
                    questions=tuple(
                        (k.level, bool(k.choices[answers[k.id]].get("correct")))
                        for k in pc.knowledge
                        if 0 <= answers.get(k.id, -1) < len(k.choices)
                    ),
                )
            )
    return inputs


def run_of(user: User, run_id: int) -> AssessmentRun | None:
    """The user's own run `run_id`; None for a run of anybody else."""
    return db.session.scalar(
        db.select(AssessmentRun).where(AssessmentRun.id == run_id, AssessmentRun.user_id == user.id)
    )


def submit_run(run: AssessmentRun) -> bool:
    """Submit the run once: score it, keep the results, add the levels to the learner's competence history
    and send ``assessment_submitted`` (its receivers run in this transaction).

    Returns False when the run had already been submitted (a double click or a parallel request):
    the conditional update ``... WHERE submitted_at IS NULL`` lets exactly one request through, and only
    that one sends the signal. Raises AssessmentError when questions are unanswered.
    """
    open_run_filter = (AssessmentRun.id == run.id, AssessmentRun.submitted_at.is_(None))
    now = utcnow()
    # 1. Lock the open run (a no-op update): parallel submits and page saves wait here for each other.
    if (
        db.session.execute(
            update(AssessmentRun)
            .where(*open_run_filter)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        != 1
    ):
        db.session.refresh(run)
        return False
    # 2. Read the answers as they are now, under the lock.
    pages = run_pages(run)
    answers = answers_of(run)
    if not progress(pages, answers).complete:
        raise AssessmentError(_l("Please answer every question before you submit."))
    # 3. Close the run; the conditional update is the once-only guard.
    won = (
        db.session.execute(
            update(AssessmentRun)
            .where(*open_run_filter)
            .values(submitted_at=now, open_key=None, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    db.session.refresh(run)
    if not won:
        return False
    by_key = {pc.competence.key: pc.competence for p in pages for pc in p.competences}
    scores = scoring.score_run(scoring_inputs(pages, answers))
    try:
        with db.session.begin_nested():
            for rank, s in enumerate(scores, start=1):
                comp = by_key[s.key]
                db.session.add(
                    AssessmentResult(
                        run_id=run.id,
                        competence_id=comp.id,
                        competence_key=s.key,
                        rank=rank,
                        self_level=s.self_level,
                        level=s.level,
                        max_level=s.max_level,
                        knowledge=s.knowledge,
                        source=s.source,
                        target_min=s.target_min,
                        target_max=s.target_max,
                        importance=s.importance,
                        gap=s.gap,
                        status=s.status,
                        priority=s.priority,
                    )
                )
                frameworks.record_competence(
                    run.user_id, comp.id, s.level, s.source, evidence=(EVIDENCE, run.id), recorded_at=now
                )
    except IntegrityError:  # the results were written by a parallel request
        return False
    assessment_submitted.send(current_app._get_current_object(), user=run.user, run=run)
    return True


# --- results ------------------------------------------------------------------------------------


def results_of(run: AssessmentRun) -> list[AssessmentResult]:
    return list(
        db.session.scalars(
            db.select(AssessmentResult)
            .where(AssessmentResult.run_id == run.id)
            .order_by(AssessmentResult.rank)
            .options(joinedload(AssessmentResult.competence).joinedload(Competence.framework))
        )
    )


def runs_of(user: User) -> list[AssessmentRun]:
    """Every run of the learner, open or submitted, oldest first."""
    return list(
        db.session.scalars(db.select(AssessmentRun).where(AssessmentRun.user_id == user.id).order_by(AssessmentRun.id))
    )


def submitted_runs(user: User) -> list[AssessmentRun]:
    return list(
        db.session.scalars(
            db.select(AssessmentRun)
            .where(AssessmentRun.user_id == user.id, AssessmentRun.submitted_at.is_not(None))
            .order_by(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc())
        )
    )


def current_or_latest_run(user: User) -> AssessmentRun | None:
    """The user's open run if there is one, else the latest submitted one (one query, for the home page)."""
    return db.session.scalar(
        db.select(AssessmentRun)
        .where(AssessmentRun.user_id == user.id)
        .order_by(
            AssessmentRun.submitted_at.is_(None).desc(), AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc()
        )
        .limit(1)
    )


def latest_submitted_run(user: User) -> AssessmentRun | None:
    return db.session.scalar(
        db.select(AssessmentRun)
        .where(AssessmentRun.user_id == user.id, AssessmentRun.submitted_at.is_not(None))
        .order_by(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc())
        .limit(1)
    )


def latest_submitted_run_id(user: User) -> int | None:
    """The id of the learner's latest submitted run (one column: for cache keys)."""
    return db.session.scalar(
        db.select(AssessmentRun.id)
        .where(AssessmentRun.user_id == user.id, AssessmentRun.submitted_at.is_not(None))
        .order_by(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc())
        .limit(1)
    )


def previous_run(run: AssessmentRun) -> AssessmentRun | None:
    """The learner's submitted run before this one, if any."""
    if run.submitted_at is None:
        return None
    return db.session.scalar(
        db.select(AssessmentRun)
        .where(
            AssessmentRun.user_id == run.user_id,
            AssessmentRun.id != run.id,
            AssessmentRun.submitted_at.is_not(None),
            db.or_(
                AssessmentRun.submitted_at < run.submitted_at,
                db.and_(AssessmentRun.submitted_at == run.submitted_at, AssessmentRun.id < run.id),
            ),
        )
        .order_by(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc())
        .limit(1)
    )


def previous_levels(run: AssessmentRun | None) -> dict[str, int]:
    """Competence key -> level in that run (keys are stable across framework revisions)."""
    if run is None:
        return {}
    rows = db.session.execute(
        db.select(AssessmentResult.competence_key, AssessmentResult.level).where(AssessmentResult.run_id == run.id)
    ).all()
    return dict(rows)


def framework_revisions(run: AssessmentRun | None) -> dict[str, tuple[int, dict]]:
    """Framework code -> (revision, name) of the frameworks whose competences the run's results point at."""
    if run is None:
        return {}
    used = (
        db.select(Competence.framework_id)
        .join(AssessmentResult, AssessmentResult.competence_id == Competence.id)
        .where(AssessmentResult.run_id == run.id)
    )
    frameworks_used = db.session.scalars(db.select(Framework).where(Framework.id.in_(used))).all()
    return {fw.code: (fw.revision, fw.name) for fw in frameworks_used}


def revision_changes(before: AssessmentRun | None, after: AssessmentRun) -> list[tuple[dict, int, int]]:
    """(framework name, revision before, revision after) of each framework the two runs used in different
    revisions: their levels come from different statements and questions."""
    old, new = framework_revisions(before), framework_revisions(after)
    return [(new[c][1], old[c][0], new[c][0]) for c in sorted(old.keys() & new.keys()) if old[c][0] != new[c][0]]


# --- the business view ---------------------------------------------------------------------------


@dataclass
class RoleGroup:
    """The sharing members whose latest assessment was for one job role, against that role's targets."""

    job_role: str
    levels: rules.GroupLevels


@dataclass
class BusinessProfile:
    """The combined levels of a business's sharing members, each group of a job role against the target
    profile of that role in the business's sub-sector."""

    organisation: Organisation
    levels: rules.GroupLevels  # everyone: the counts of members, sharing and assessed
    groups: list[RoleGroup] = field(default_factory=list)
    names: dict[str, dict] = field(default_factory=dict)  # competence key -> its name by language


def business_profile(org: Organisation) -> BusinessProfile:
    """Per job role and competence: how many sharing members have a submitted run for that role, and their
    mean level (latest run each), against the role's target profile in the business's sub-sector
    (``rules.group_levels``). Members who do not share are left out."""
    members = db.session.scalars(db.select(User).where(User.organisation_id == org.id)).all()
    sharing_ids = [m.id for m in members if m.shares_with_organisation]
    latest: dict[int, tuple[int, str]] = {}  # user id -> (their latest submitted run, its job role)
    if sharing_ids:
        for user_id, run_id, job_role in db.session.execute(
            db.select(AssessmentRun.user_id, AssessmentRun.id, AssessmentRun.job_role)
            .where(AssessmentRun.user_id.in_(sharing_ids), AssessmentRun.submitted_at.is_not(None))
            .order_by(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc())
        ):
            latest.setdefault(user_id, (run_id, job_role))
    run_user = {run_id: user_id for user_id, (run_id, _role) in latest.items()}
    observed: dict[int, list[rules.Observation]] = {}
    names: dict[str, dict] = {}
    if latest:
        for run_id, key, level, max_level, name in db.session.execute(
            db.select(
                AssessmentResult.run_id,
                AssessmentResult.competence_key,
                AssessmentResult.level,
                AssessmentResult.max_level,
                Competence.name,
            )
            .join(Competence, AssessmentResult.competence_id == Competence.id)
            .where(AssessmentResult.run_id.in_([run_id for run_id, _role in latest.values()]))
        ):
            observed.setdefault(run_user[run_id], []).append(rules.Observation(key, level, max_level))
            names.setdefault(key, name)
    everyone = rules.group_levels(
        [rules.Member(m.id, m.shares_with_organisation, tuple(observed.get(m.id, ()))) for m in members]
    )
    roles = sorted({role for _run, role in latest.values()}, key=lambda r: JOB_ROLES.index(r) if r in JOB_ROLES else 99)
    groups = []
    for role in roles:
        profile = frameworks.profile_for(org.subsector, role)
        targets = [
            rules.Target(t.competence_key, t.min_level, t.max_level, t.importance)
            for t in (profile.targets if profile else [])
        ]
        scales = {}
        for key, comp in frameworks.competences_by_key(t.key for t in targets if t.key not in names).items():
            names[key] = comp.name
            scales[key] = comp.framework.max_level
        in_role = [m for m in members if latest.get(m.id, (None, None))[1] == role]
        group = rules.group_levels(
            [rules.Member(m.id, True, tuple(observed.get(m.id, ()))) for m in in_role], targets, scales
        )
        groups.append(RoleGroup(role, group))
    return BusinessProfile(organisation=org, levels=everyone, groups=groups, names=names)


# --- the learner's own data (the account's deletion; the download is in presentation.py) ----------


def responses_of(run: AssessmentRun) -> list[AssessmentResponse]:
    """Every answer of the run with its item and competence, in the order of the questionnaire."""
    return list(
        db.session.scalars(
            db.select(AssessmentResponse)
            .join(Item, AssessmentResponse.item_id == Item.id)
            .outerjoin(
                RunCompetence, (RunCompetence.run_id == run.id) & (RunCompetence.competence_id == Item.competence_id)
            )
            .where(AssessmentResponse.run_id == run.id)
            .order_by(RunCompetence.page, RunCompetence.position, Item.position, Item.id)
            .options(joinedload(AssessmentResponse.item).joinedload(Item.competence))
        )
    )


def erase_user_data(user: User) -> None:
    """Delete the learner's runs with their answers and results (their competence records are the
    kernel's: ``uprest.frameworks.services.erase_user_data``)."""
    run_ids = db.select(AssessmentRun.id).where(AssessmentRun.user_id == user.id)
    for model in (AssessmentResponse, AssessmentResult, RunCompetence):
        db.session.execute(db.delete(model).where(model.run_id.in_(run_ids)))
    db.session.execute(db.delete(AssessmentRun).where(AssessmentRun.user_id == user.id))
    db.session.flush()
