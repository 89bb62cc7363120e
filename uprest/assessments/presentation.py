"""What the assessment pages, the PDF report, the API and the data download show of results: translated
labels and sentences, the gap chart, the rows of the business page, the home-page cards. It reads through
``services`` and decides nothing (the rules are in ``services``, ``scoring`` and ``rules``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from uprest import cache, charts
from uprest.accounts.models import Organisation, User
from uprest.assessments import plan, scoring, services
from uprest.assessments.models import AssessmentResponse, AssessmentResult, AssessmentRun
from uprest.frameworks.services import CONTENT as FRAMEWORKS_CONTENT
from uprest.i18n import get_locale, pick
from uprest.registry import Card

IMPORTANCE_TEXT = {1: _l("useful for your role"), 2: _l("important for your role"), 3: _l("essential for your role")}
IMPORTANCE_LABEL = {1: _l("Useful"), 2: _l("Important"), 3: _l("Essential")}
STATUS_LABEL = {
    scoring.BELOW: _l("Below the target range"),
    scoring.WITHIN: _l("Within the target range"),
    scoring.ABOVE: _l("Above the target range"),
}
KNOWLEDGE_LABEL = {
    scoring.CONFIRMED: _l("Confirmed by the knowledge check"),
    scoring.TEMPERED: _l("Lowered by one level by the knowledge check"),
}


# --- labels (looked up lazily: only the one shown is translated; a result page shows dozens) -------------


def importance_text(importance: int) -> str:
    return str(IMPORTANCE_TEXT.get(importance, IMPORTANCE_TEXT[2]))


def importance_label(importance: int) -> str:
    return str(IMPORTANCE_LABEL.get(importance, IMPORTANCE_LABEL[2]))


def status_label(status: str) -> str:
    label = STATUS_LABEL.get(status)
    return str(label) if label is not None else status


def knowledge_label(outcome: str | None) -> str:
    return str(KNOWLEDGE_LABEL.get(outcome or "", _l("Self-rating only")))


def target_text(target_min: int, target_max: int | None) -> str:
    if target_max is None:
        return _("%(min)s or higher", min=target_min)
    if target_max == target_min:
        return str(target_min)
    return _("%(min)s–%(max)s", min=target_min, max=target_max)


def priority_sentence(result: AssessmentResult) -> str:
    """A top priority in plain words."""
    return _(
        "%(name)s: you are at level %(level)s, your target is %(target)s — a gap of %(gap)s, %(importance)s.",
        name=pick(result.competence.name),
        level=result.level,
        target=result.target_min,
        gap=result.gap,
        importance=importance_text(result.importance),
    )


# --- the result page and the PDF report ------------------------------------------------------------


def gap_chart(results: list[AssessmentResult], *, chart_id: str = "gap-chart") -> Markup:
    bars = [
        charts.RangeBar(
            label=pick(r.competence.name),
            value=r.level,
            scale_max=r.max_level,
            target_min=r.target_min,
            target_max=r.target_max,
            value_text=_(
                "Level %(level)s of %(max)s · target %(target)s",
                level=r.level,
                max=r.max_level,
                target=target_text(r.target_min, r.target_max),
            ),
        )
        for r in results
    ]
    below = sum(1 for r in results if r.gap > 0)
    return charts.range_bar_chart(
        bars,
        title=_("Your level and your target range per competence"),
        desc=_(
            "%(count)s competences; %(below)s below the target range. Each bar shows your level on the "
            "competence's own scale; the hatched band under it shows the target range. The table below "
            "gives the same data.",
            count=len(results),
            below=below,
        ),
        value_legend=_("Your level"),
        target_legend=_("Target range"),
        chart_id=chart_id,
    )


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


def result_summary(run: AssessmentRun, *, chart_id: str = "gap-chart") -> dict:
    """Everything the result page and the PDF show: results in rank order, top priorities, the chart and
    the comparison with the previous submitted run (by stable competence key)."""
    results = services.results_of(run)
    previous = services.previous_run(run)
    before = services.previous_levels(previous)
    rows = [
        ResultRow(
            result=r,
            name=pick(r.competence.name),
            framework=pick(r.competence.framework.name),
            target=target_text(r.target_min, r.target_max),
            status=status_label(r.status),
            importance=importance_label(r.importance),
            knowledge=knowledge_label(r.knowledge),
            previous_level=before.get(r.competence_key),
            sentence=priority_sentence(r),
        )
        for r in results
    ]
    return {
        "run": run,
        "rows": rows,
        "top": [row for row in rows if row.result.gap > 0][:5],
        "previous": previous,
        "revision_changes": [(pick(name), old, new) for name, old, new in services.revision_changes(previous, run)]
        if previous
        else [],
        "chart": gap_chart(results, chart_id=chart_id),
    }


# --- the business page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessRow:
    """One competence of the business page, with its figures and the words it shows."""

    key: str
    name: dict  # by language (the template marks an English fallback)
    members: int
    mean_level: Decimal | None
    max_level: int | None
    gap: Decimal | None
    target: str | None  # "3–5", "2 or higher"; None without a target
    importance: str | None


def business_page(org: Organisation) -> dict:
    """The business's combined profile and its rows as the page shows them."""
    profile = services.business_profile(org)
    groups = [
        (
            group.job_role,
            group.levels.assessed,
            [
                BusinessRow(
                    key=r.key,
                    name=profile.names.get(r.key, {"en": r.key}),
                    members=r.members,
                    mean_level=r.mean_level,
                    max_level=r.max_level,
                    gap=r.gap,
                    target=target_text(r.target_min, r.target_max) if r.target_min is not None else None,
                    importance=importance_label(r.importance) if r.importance else None,
                )
                for r in group.levels.rows
            ],
        )
        for group in profile.groups
    ]
    return {"organisation": org, "levels": profile.levels, "groups": groups}


# --- plain data: the API and the account's data download -------------------------------------------


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
            for r in services.results_of(run)
        ],
    }


def answer_data(response: AssessmentResponse, lang: str) -> dict:
    """One raw answer as plain data: the item's text in `lang` (else English, else its key) and the value
    given (a self-rating, or the index of the chosen answer with its text)."""
    item = response.item
    data = {
        "competence": item.competence.key,
        "item": item.key,
        "kind": item.kind,
        "text": pick(item.text, lang) or item.key,
        "value": response.value,
        "answered_at": response.answered_at.isoformat(),
    }
    if item.kind == plan.KNOWLEDGE:
        choices = item.choices or []
        data["choice"] = pick(choices[response.value].get("text"), lang) if 0 <= response.value < len(choices) else None
    return data


def export_user_data(user: User) -> dict:
    """The learner's assessments, open or submitted, with their raw answers and (once submitted) results,
    as plain data (their competence records are exported by the kernel:
    ``uprest.frameworks.services.export_user_data``)."""
    runs = []
    for run in services.runs_of(user):
        data = (
            gap_profile_data(run)
            if run.submitted_at
            else {
                "run_id": run.id,
                "started_at": run.started_at.isoformat(),
                "submitted_at": None,
                "subsector": run.subsector,
                "job_role": run.job_role,
                "current_page": run.current_page,
                "page_count": run.page_count,
            }
        )
        data["answers"] = [answer_data(r, user.locale) for r in services.responses_of(run)]
        runs.append(data)
    return {"assessments": runs}


# --- the home page -----------------------------------------------------------------------------------


def dashboard_cards(user: User) -> list[Card]:
    """A card to start or continue the assessment, or to see the latest result; owners also get the
    business profile."""
    cards = []
    run = services.current_or_latest_run(user)
    current = run if run is not None and not run.is_submitted else None
    latest = run if run is not None and run.is_submitted else None
    if current is not None:
        cards.append(
            Card(
                _l("Your skills assessment"),
                _l("You have an assessment in progress. Your answers are saved: continue where you left off."),
                url_for("assessments.page", run_id=current.id, page=current.current_page),
                _l("Continue the assessment"),
            )
        )
    elif latest is not None:
        cards.append(
            Card(
                _l("Your skills assessment"),
                _l("See your skills-gap profile and your top priorities, or take the assessment again."),
                url_for("assessments.result", run_id=latest.id),
                _l("See your latest result"),
            )
        )
    else:
        cards.append(
            Card(
                _l("Your skills assessment"),
                _l("Find out in about 15 minutes which digital and green skills your role needs most."),
                url_for("assessments.index"),
                _l("Start the assessment"),
            )
        )
    if user.is_owner:
        cards.append(
            Card(
                _l("Skills in your business"),
                _l("The combined profile of the members who share their results with you."),
                url_for("assessments.business"),
                _l("See the business profile"),
            )
        )
    return cards


def result_body(run: AssessmentRun) -> Markup:
    """The rendered result of a submitted run. It never changes once submitted (its comparison is with the
    run before it), so it is kept per worker by run, language and the frameworks' generation (competence
    names); a re-imported framework shows at once. Only the run's owner reaches it (the view checks)."""
    key = ("assessment-result", run.id, str(get_locale()), cache.generation(FRAMEWORKS_CONTENT))
    return cache.pages().get_or_make(
        key,
        lambda: Markup(render_template("assessments/_result_body.html", **result_summary(run, chart_id="gap-chart"))),
    )
