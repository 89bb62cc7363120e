"""What other features aggregate over: the results of each person's latest submitted assessment, as a subquery.

A query that the municipality reports (``uprest.reports``) group and count in SQL; they never read the
assessment tables themselves. (In a module of its own because ``services.py`` is at the size limit.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, case, func

from uprest import cache
from uprest.assessments.models import AssessmentResult, AssessmentRun
from uprest.extensions import db

#: The generation of the assessments' data (uprest.cache): replaced by every change of a run or a result, so that
#: what other features compute from them (the municipality reports) can be kept until the next change.
RESULTS = "assessment-results"
cache.watch(RESULTS, AssessmentRun, AssessmentResult)


def results_generation() -> str:
    """The current generation token of the assessments' data (one small query)."""
    return cache.generation(RESULTS)


def latest_results(
    people,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    periods: Sequence[tuple[datetime, datetime]] | None = None,
):
    """A subquery with one row per person and competence of each person's latest submitted run (submitted in
    [since, until) when given): ``user_id``, ``subsector`` (the one `people` gives, else the sub-sector the run
    was taken for), ``job_role`` (the role the run was taken for), ``competence_key``, ``gap`` (levels missing to
    the target, 0 when met) and ``below`` (1 when below the target, else 0). `people` is a select of (user_id,
    subsector, ...): its other columns (e.g. where the person is) are carried through. With `periods` ([start,
    end) pairs), the latest run of each person *in each period* instead, with the period's index in a column
    ``period`` (every period in one pass)."""
    who = people.subquery("people")
    submitted = AssessmentRun.submitted_at
    period = None
    if periods:
        period = case(
            *((and_(submitted >= start, submitted < end), index) for index, (start, end) in enumerate(periods)),
            else_=None,
        ).label("period")
    extra = [column for column in who.c if column.key not in ("user_id", "subsector")]
    runs = db.select(
        AssessmentRun.id.label("run_id"),
        AssessmentRun.user_id.label("user_id"),
        func.coalesce(who.c.subsector, AssessmentRun.subsector).label("subsector"),
        AssessmentRun.job_role.label("job_role"),
        *extra,
        *([period] if period is not None else []),
        func.row_number()
        .over(
            partition_by=(AssessmentRun.user_id, period) if period is not None else AssessmentRun.user_id,
            order_by=(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc()),
        )
        .label("latest"),
    ).join(who, who.c.user_id == AssessmentRun.user_id)
    runs = runs.where(AssessmentRun.submitted_at.is_not(None))
    if since is not None:
        runs = runs.where(AssessmentRun.submitted_at >= since)
    if until is not None:
        runs = runs.where(AssessmentRun.submitted_at < until)
    if period is not None:
        runs = runs.where(period.is_not(None))
    latest = runs.subquery("latest_runs")
    return (
        db.select(
            latest.c.user_id,
            latest.c.subsector,
            latest.c.job_role,
            *(latest.c[column.key] for column in extra),
            *([latest.c.period] if period is not None else []),
            AssessmentResult.competence_key,
            AssessmentResult.gap,
            case((AssessmentResult.gap > 0, 1), else_=0).label("below"),
        )
        .join(AssessmentResult, AssessmentResult.run_id == latest.c.run_id)
        .where(latest.c.latest == 1)
        .subquery("latest_results")
    )


def run_totals(people):
    """A subquery with one row per submitted run of the people of `people` (a select with ``user_id``): ``user_id``,
    ``submitted_at``, ``total_gap`` (the levels missing to the targets, summed over the run's competences),
    ``first`` and ``latest`` (1 for the person's first and for their latest submitted run). Like `latest_results`,
    it counts only runs with results (every submitted run has them)."""
    who = people.subquery("people")
    gaps = (
        db.select(AssessmentResult.run_id, func.sum(AssessmentResult.gap).label("total_gap"))
        .group_by(AssessmentResult.run_id)
        .subquery("run_gaps")
    )
    person = AssessmentRun.user_id
    return (
        db.select(
            person.label("user_id"),
            AssessmentRun.submitted_at,
            gaps.c.total_gap,
            func.row_number()
            .over(partition_by=person, order_by=(AssessmentRun.submitted_at.asc(), AssessmentRun.id.asc()))
            .label("first"),
            func.row_number()
            .over(partition_by=person, order_by=(AssessmentRun.submitted_at.desc(), AssessmentRun.id.desc()))
            .label("latest"),
        )
        .join(who, who.c.user_id == person)
        .join(gaps, gaps.c.run_id == AssessmentRun.id)
        .where(AssessmentRun.submitted_at.is_not(None))
        .subquery("run_totals")
    )


def run_span(people) -> tuple[datetime | None, datetime | None]:
    """When the first and the latest submitted run of the people of `people` (a select with ``user_id``) were
    submitted: (None, None) when none was."""
    who = people.subquery("people")
    submitted = AssessmentRun.submitted_at
    return tuple(
        db.session.execute(
            db.select(func.min(submitted), func.max(submitted))
            .join(who, who.c.user_id == AssessmentRun.user_id)
            .where(submitted.is_not(None))
        ).one()
    )
