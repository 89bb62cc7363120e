"""Assessment business rules. They flush, never commit: the caller commits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from uprest import charts
from uprest.accounts.models import Organisation, Subsector, User
from uprest.assessments import scoring
from uprest.assessments.models import (
    AssessmentResponse,
    AssessmentResult,
    AssessmentRun,
    CompetenceRecord,
    RunCompetence,
)
from uprest.extensions import db, utcnow
from uprest.frameworks.models import Area, Competence, Framework, Item, ProfileTarget, TargetProfile
from uprest.i18n import pick

JOB_ROLES = ("owner", "staff")
COMPETENCES_PER_PAGE = 5
STATEMENT = "statement"
KNOWLEDGE = "knowledge"


class AssessmentError(Exception):
    """A rule was broken; the message is translated and safe to show."""


# --- target profiles and the run plan ------------------------------------------------------------

def profile_for(subsector: str, job_role: str) -> TargetProfile | None:
    return db.session.scalar(
        db.select(TargetProfile)
        .where(TargetProfile.subsector == subsector, TargetProfile.job_role == job_role)
        .options(selectinload(TargetProfile.targets))
    )


def current_competences(keys: list[str]) -> dict[str, Competence]:
    """The competences of the *current* framework revisions with these stable keys."""
    if not keys:
        return {}
    rows = db.session.scalars(
        db.select(Competence)
        .join(Framework, Competence.framework_id == Framework.id)
        .where(Framework.is_current.is_(True), Competence.key.in_(keys))
        .options(joinedload(Competence.framework), joinedload(Competence.area), selectinload(Competence.items))
    ).unique()
    return {c.key: c for c in rows}


def statements_of(competence: Competence) -> list[Item]:
    return [i for i in competence.items if i.kind == STATEMENT]


def knowledge_of(competence: Competence) -> list[Item]:
    return [i for i in competence.items if i.kind == KNOWLEDGE and len(i.choices or []) >= 2]


def plan_pages(planned: list[tuple[Competence, ProfileTarget]]) -> list[list[tuple[Competence, ProfileTarget]]]:
    """Group the competences by framework area, in framework order, at most COMPETENCES_PER_PAGE per page."""
    ordered = sorted(
        planned,
        key=lambda ct: (ct[0].framework.code, ct[0].area.position, ct[0].area.code, ct[0].position, ct[0].code),
    )
    pages: list[list[tuple[Competence, ProfileTarget]]] = []
    last_area = None
    for comp, target in ordered:
        if comp.area_id != last_area or len(pages[-1]) >= COMPETENCES_PER_PAGE:
            pages.append([])
            last_area = comp.area_id
        pages[-1].append((comp, target))
    return pages


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
    profile = profile_for(subsector, job_role)
    if profile is None:
        raise AssessmentError(_l("There is no target profile for this sub-sector and role yet. "
                                 "Please choose another one or try again later."))
    comps = current_competences([t.competence_key for t in profile.targets])
    planned = [(comps[t.competence_key], t) for t in profile.targets
               if t.competence_key in comps and statements_of(comps[t.competence_key])]
    if not planned:
        raise AssessmentError(_l("The target profile for this sub-sector and role has no questions yet."))
    pages = plan_pages(planned)
    run = AssessmentRun(user_id=user.id, open_key=user.id, profile_id=profile.id, subsector=subsector,
                        job_role=job_role, page_count=len(pages), current_page=1)
    for page_no, page in enumerate(pages, start=1):
        for position, (comp, target) in enumerate(page):
            run.competences.append(RunCompetence(
                competence_id=comp.id, page=page_no, position=position, target_min=target.min_level,
                target_max=target.max_level, importance=target.importance,
            ))
    try:
        with db.session.begin_nested():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:  # a parallel request opened a run first
        existing = open_run(user)
        if existing is None:
            raise
        return existing, False
    return run, True


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
    targets = db.session.scalars(
        db.select(RunCompetence)
        .where(RunCompetence.run_id == run.id)
        .order_by(RunCompetence.page, RunCompetence.position)
        .options(
            joinedload(RunCompetence.competence).joinedload(Competence.framework).selectinload(Framework.levels),
            joinedload(RunCompetence.competence).joinedload(Competence.area),
            joinedload(RunCompetence.competence).selectinload(Competence.items),
        )
    ).unique().all()
    pages: dict[int, Page] = {}
    for t in targets:
        comp = t.competence
        page = pages.get(t.page)
        if page is None:
            page = pages[t.page] = Page(number=t.page, framework=comp.framework, area=comp.area)
        page.competences.append(PageCompetence(t, comp, statements_of(comp), knowledge_of(comp)))
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
    claimed = db.session.execute(
        update(AssessmentRun)
        .where(AssessmentRun.id == run.id, AssessmentRun.submitted_at.is_(None))
        .values(current_page=max(1, min(run.page_count, go_to_page)), updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        raise AssessmentError(_l("This assessment has been submitted and can no longer be changed."))
    rows = [{"run_id": run.id, "item_id": item_id, "value": value, "answered_at": now}
            for item_id, value in sorted(answers.items())]
    if rows:
        stmt = _upsert_stmt(rows)
        if stmt is not None:
            db.session.execute(stmt)
        else:  # pragma: no cover
            existing = {r.item_id: r for r in db.session.scalars(
                db.select(AssessmentResponse).where(AssessmentResponse.run_id == run.id))}
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
            inputs.append(scoring.CompetenceInput(
                key=pc.competence.key, max_level=pc.competence.framework.max_level, ratings=ratings,
                target_min=pc.target.target_min, target_max=pc.target.target_max,
                importance=pc.target.importance, knowledge_correct=correct, knowledge_answered=answered,
            ))
    return inputs


def submit_run(run: AssessmentRun) -> bool:
    """Submit the run once: score it, keep the results and add the competence records.

    Returns False when the run had already been submitted (a double click or a parallel request):
    the conditional update ``... WHERE submitted_at IS NULL`` lets exactly one request through.
    Raises AssessmentError when questions are unanswered.
    """
    open_run_filter = (AssessmentRun.id == run.id, AssessmentRun.submitted_at.is_(None))
    now = utcnow()
    # 1. Lock the open run (a no-op update): parallel submits and page saves wait here for each other.
    if db.session.execute(
        update(AssessmentRun).where(*open_run_filter).values(updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount != 1:
        db.session.refresh(run)
        return False
    # 2. Read the answers as they are now, under the lock.
    pages = run_pages(run)
    answers = answers_of(run)
    if not progress(pages, answers).complete:
        raise AssessmentError(_l("Please answer every question before you submit."))
    # 3. Close the run; the conditional update is the once-only guard.
    won = db.session.execute(
        update(AssessmentRun).where(*open_run_filter).values(submitted_at=now, open_key=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(run)
    if not won:
        return False
    by_key = {pc.competence.key: pc.competence for p in pages for pc in p.competences}
    scores = scoring.score_run(scoring_inputs(pages, answers))
    try:
        with db.session.begin_nested():
            for rank, s in enumerate(scores, start=1):
                comp = by_key[s.key]
                db.session.add(AssessmentResult(
                    run_id=run.id, competence_id=comp.id, competence_key=s.key, rank=rank,
                    self_level=s.self_level, level=s.level, max_level=s.max_level, knowledge=s.knowledge,
                    source=s.source, target_min=s.target_min, target_max=s.target_max,
                    importance=s.importance, gap=s.gap, status=s.status, priority=s.priority,
                ))
                db.session.add(CompetenceRecord(user_id=run.user_id, competence_id=comp.id, level=s.level,
                                                source=s.source, run_id=run.id, recorded_at=now))
            db.session.flush()
    except IntegrityError:  # the results were written by a parallel request
        return False
    return True


# --- results ------------------------------------------------------------------------------------

def results_of(run: AssessmentRun) -> list[AssessmentResult]:
    return list(db.session.scalars(
        db.select(AssessmentResult)
        .where(AssessmentResult.run_id == run.id)
        .order_by(AssessmentResult.rank)
        .options(joinedload(AssessmentResult.competence).joinedload(Competence.framework))
    ))


def submitted_runs(user: User) -> list[AssessmentRun]:
    return list(db.session.scalars(
        db.select(AssessmentRun)
        .where(AssessmentRun.user_id == user.id, AssessmentRun.submitted_at.is_not(None))
        .order_by(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc())
    ))


def latest_submitted_run(user: User) -> AssessmentRun | None:
    return db.session.scalar(
        db.select(AssessmentRun)
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
            db.or_(AssessmentRun.submitted_at < run.submitted_at,
                   db.and_(AssessmentRun.submitted_at == run.submitted_at, AssessmentRun.id < run.id)),
        )
        .order_by(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc())
        .limit(1)
    )


IMPORTANCE_TEXT = {1: _l("useful for your role"), 2: _l("important for your role"),
                   3: _l("essential for your role")}
IMPORTANCE_LABEL = {1: _l("Useful"), 2: _l("Important"), 3: _l("Essential")}
STATUS_LABEL = {scoring.BELOW: _l("Below the target range"), scoring.WITHIN: _l("Within the target range"),
                scoring.ABOVE: _l("Above the target range")}
KNOWLEDGE_LABEL = {scoring.CONFIRMED: _l("Confirmed by the knowledge check"),
                   scoring.TEMPERED: _l("Lowered by one level by the knowledge check")}


# Labels are looked up lazily: only the one shown is translated (a result page shows dozens).
def importance_text(importance: int) -> str:
    return str(IMPORTANCE_TEXT.get(importance, IMPORTANCE_TEXT[2]))


def importance_label(importance: int) -> str:
    return str(IMPORTANCE_LABEL.get(importance, IMPORTANCE_LABEL[2]))


def status_label(status: str) -> str:
    label = STATUS_LABEL.get(status)
    return str(label) if label is not None else status


def target_text(target_min: int, target_max: int | None) -> str:
    if target_max is None:
        return _("%(min)s or higher", min=target_min)
    if target_max == target_min:
        return str(target_min)
    return _("%(min)s–%(max)s", min=target_min, max=target_max)


def priority_sentence(result: AssessmentResult) -> str:
    """A top priority in plain words."""
    return _("%(name)s: you are at level %(level)s, your target is %(target)s — a gap of %(gap)s, %(importance)s.",
             name=pick(result.competence.name), level=result.level, target=result.target_min,
             gap=result.gap, importance=importance_text(result.importance))


def gap_chart(results: list[AssessmentResult], *, chart_id: str = "gap-chart") -> Markup:
    bars = [charts.RangeBar(
        label=pick(r.competence.name), value=r.level, scale_max=r.max_level, target_min=r.target_min,
        target_max=r.target_max,
        value_text=_("Level %(level)s of %(max)s · target %(target)s", level=r.level, max=r.max_level,
                     target=target_text(r.target_min, r.target_max)),
    ) for r in results]
    below = sum(1 for r in results if r.gap > 0)
    return charts.range_bar_chart(
        bars,
        title=_("Your level and your target range per competence"),
        desc=_("%(count)s competences; %(below)s below the target range. Each bar shows your level on the "
               "competence's own scale; the hatched band under it shows the target range. The table below "
               "gives the same data.", count=len(results), below=below),
        value_legend=_("Your level"),
        target_legend=_("Target range"),
        chart_id=chart_id,
    )


def previous_levels(run: AssessmentRun | None) -> dict[str, int]:
    """Competence key -> level in that run (keys are stable across framework revisions)."""
    if run is None:
        return {}
    rows = db.session.execute(
        db.select(AssessmentResult.competence_key, AssessmentResult.level).where(AssessmentResult.run_id == run.id)
    ).all()
    return dict(rows)


@dataclass
class ResultRow:
    """One competence of a result, with the words the page and the PDF show."""

    result: AssessmentResult
    name: str
    framework: str
    target: str
    status: str
    importance: str
    knowledge: str
    previous_level: int | None
    sentence: str

    @property
    def change(self) -> int | None:
        return None if self.previous_level is None else self.result.level - self.previous_level


def knowledge_label(outcome: str | None) -> str:
    return str(KNOWLEDGE_LABEL.get(outcome or "", _l("Self-rating only")))


def result_summary(run: AssessmentRun, *, chart_id: str = "gap-chart") -> dict:
    """Everything the result page and the PDF show: results in rank order, top priorities, the chart and
    the comparison with the previous submitted run (by stable competence key)."""
    results = results_of(run)
    previous = previous_run(run)
    before = previous_levels(previous)
    rows = [ResultRow(
        result=r, name=pick(r.competence.name), framework=pick(r.competence.framework.name),
        target=target_text(r.target_min, r.target_max), status=status_label(r.status),
        importance=importance_label(r.importance), knowledge=knowledge_label(r.knowledge),
        previous_level=before.get(r.competence_key), sentence=priority_sentence(r),
    ) for r in results]
    return {
        "run": run,
        "rows": rows,
        "top": [row for row in rows if row.result.gap > 0][:5],
        "previous": previous,
        "chart": gap_chart(results, chart_id=chart_id),
    }


def gap_profile_data(run: AssessmentRun) -> dict:
    """The run's gap profile as plain JSON-ready data (the API)."""
    return {
        "run_id": run.id,
        "started_at": run.started_at.isoformat(),
        "submitted_at": run.submitted_at.isoformat() if run.submitted_at else None,
        "subsector": run.subsector,
        "job_role": run.job_role,
        "competences": [
            {
                "key": r.competence_key,
                "framework": r.competence.framework.code,
                "code": r.competence.code,
                "name": dict(r.competence.name or {}),
                "rank": r.rank,
                "level": r.level,
                "self_level": r.self_level,
                "max_level": r.max_level,
                "knowledge_check": r.knowledge,
                "source": r.source,
                "target": {"min": r.target_min, "max": r.target_max},
                "importance": r.importance,
                "gap": r.gap,
                "status": r.status,
                "priority": r.priority,
            }
            for r in results_of(run)
        ],
    }


# --- the business view ---------------------------------------------------------------------------

@dataclass
class BusinessRow:
    key: str
    name: dict
    members: int
    mean_level: Decimal | None
    max_level: int | None
    target_min: int | None
    target_max: int | None
    importance: int | None

    @property
    def gap(self) -> Decimal | None:
        if self.mean_level is None or self.target_min is None:
            return None
        return max(Decimal(0), Decimal(self.target_min) - self.mean_level)


@dataclass
class BusinessProfile:
    organisation: Organisation
    members: int
    sharing: int
    assessed: int
    rows: list[BusinessRow]


def business_profile(org: Organisation) -> BusinessProfile:
    """Per competence: how many sharing members have a submitted run, and their mean level (latest run each),
    against the owner target profile of the business's sub-sector. Members who do not share are left out."""
    members = db.session.scalars(db.select(User).where(User.organisation_id == org.id)).all()
    sharing_ids = [m.id for m in members if m.shares_with_organisation]
    latest: dict[int, int] = {}
    if sharing_ids:
        for user_id, run_id in db.session.execute(
            db.select(AssessmentRun.user_id, AssessmentRun.id)
            .where(AssessmentRun.user_id.in_(sharing_ids), AssessmentRun.submitted_at.is_not(None))
            .order_by(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc())
        ):
            latest.setdefault(user_id, run_id)
    levels: dict[str, list[int]] = defaultdict(list)
    names: dict[str, dict] = {}
    max_levels: dict[str, int] = {}
    if latest:
        for r in db.session.scalars(
            db.select(AssessmentResult).where(AssessmentResult.run_id.in_(list(latest.values())))
            .options(joinedload(AssessmentResult.competence))
        ):
            levels[r.competence_key].append(r.level)
            names.setdefault(r.competence_key, r.competence.name)
            max_levels[r.competence_key] = r.max_level
    profile = profile_for(org.subsector, "owner")
    targets = {t.competence_key: t for t in (profile.targets if profile else [])}
    missing_names = [k for k in targets if k not in names]
    for key, comp in current_competences(missing_names).items():
        names[key] = comp.name
        max_levels[key] = comp.framework.max_level
    rows = []
    for key in sorted(set(levels) | set(targets)):
        vals = levels.get(key, [])
        mean = (Decimal(sum(vals)) / len(vals)).quantize(Decimal("0.1"), ROUND_HALF_UP) if vals else None
        t = targets.get(key)
        rows.append(BusinessRow(key=key, name=names.get(key, {"en": key}), members=len(vals), mean_level=mean,
                                max_level=max_levels.get(key), target_min=t.min_level if t else None,
                                target_max=t.max_level if t else None, importance=t.importance if t else None))
    rows.sort(key=lambda r: (-(r.gap or 0) * (r.importance or 0), r.key))
    return BusinessProfile(organisation=org, members=len(members), sharing=len(sharing_ids),
                           assessed=len(latest), rows=rows)


# --- the home page ---------------------------------------------------------------------------------

def dashboard_cards(user: User) -> list:
    """A card to start or continue the assessment, or to see the latest result; owners also get the
    business profile."""
    from uprest.main.services import Card

    cards = []
    current = open_run(user)
    latest = latest_submitted_run(user)
    if current is not None:
        cards.append(Card(_l("Your skills assessment"),
                          _l("You have an assessment in progress. Your answers are saved: "
                             "continue where you left off."),
                          url_for("assessments.page", run_id=current.id, page=current.current_page),
                          _l("Continue the assessment")))
    elif latest is not None:
        cards.append(Card(_l("Your skills assessment"),
                          _l("See your skills-gap profile and your top priorities, or take the assessment again."),
                          url_for("assessments.result", run_id=latest.id), _l("See your latest result")))
    else:
        cards.append(Card(_l("Your skills assessment"),
                          _l("Find out in about 15 minutes which digital and green skills your role needs most."),
                          url_for("assessments.index"), _l("Start the assessment")))
    if user.is_owner:
        cards.append(Card(_l("Skills in your business"),
                          _l("The combined profile of the members who share their results with you."),
                          url_for("assessments.business"), _l("See the business profile")))
    return cards


# --- the learner's own data (used by the account export and deletion) -----------

def export_user_data(user: User) -> dict:
    """The learner's assessments and competence records, as plain data."""
    runs = db.session.scalars(
        db.select(AssessmentRun).where(AssessmentRun.user_id == user.id).order_by(AssessmentRun.id)
    ).all()
    records = db.session.scalars(
        db.select(CompetenceRecord).where(CompetenceRecord.user_id == user.id).order_by(CompetenceRecord.id)
    ).all()
    return {
        "assessments": [
            {**gap_profile_data(run)} if run.submitted_at else
            {"run_id": run.id, "started_at": run.started_at.isoformat(), "submitted_at": None}
            for run in runs
        ],
        "competence_records": [
            {"competence": r.competence.key, "level": r.level, "source": r.source,
             "recorded_at": r.recorded_at.isoformat()}
            for r in records
        ],
    }


def erase_user_data(user: User) -> None:
    """Delete the learner's runs (with answers and results) and competence records."""
    db.session.execute(db.delete(CompetenceRecord).where(CompetenceRecord.user_id == user.id))
    run_ids = db.select(AssessmentRun.id).where(AssessmentRun.user_id == user.id)
    for model in (AssessmentResponse, AssessmentResult, RunCompetence):
        db.session.execute(db.delete(model).where(model.run_id.in_(run_ids)))
    db.session.execute(db.delete(AssessmentRun).where(AssessmentRun.user_id == user.id))
    db.session.flush()
