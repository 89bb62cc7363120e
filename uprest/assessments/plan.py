"""The plan of an assessment run: which items a competence asks, how competences fall on pages, which
knowledge questions are drawn, and how long it takes."""

from __future__ import annotations

from uprest.accounts.models import User
from uprest.assessments.models import AssessmentResponse, AssessmentRun
from uprest.extensions import db
from uprest.frameworks import services as frameworks
from uprest.frameworks.models import Competence, Item, ProfileTarget

COMPETENCES_PER_PAGE = 5
STATEMENT = "statement"
KNOWLEDGE = "knowledge"
QUESTIONS_PER_COMPETENCE = 1  # drawn from the competence's pool for each run
# What a statement and a knowledge question take, on average (reading, thinking, answering): the estimate shown
# before an assessment starts, and the budget of a role's profile (about 15 minutes).
SECONDS_PER_STATEMENT = 10
SECONDS_PER_QUESTION = 30


def statements_of(competence: Competence) -> list[Item]:
    return [i for i in competence.items if i.kind == STATEMENT]


def knowledge_of(competence: Competence) -> list[Item]:
    return [i for i in competence.items if i.kind == KNOWLEDGE and len(i.choices or []) >= 2]


def draw_questions(pool: list[Item], target_min: int, seen: set[int]) -> list[Item]:
    """The knowledge questions a run asks of one competence: QUESTIONS_PER_COMPETENCE of its pool, those the
    person has not answered in an earlier run first, then those nearest the target's lowest level (the level
    the gap is measured against), lower before higher; deterministic."""
    ranked = sorted(
        pool,
        key=lambda q: (q.id in seen, abs((q.level or target_min) - target_min), q.level or 0, q.position, q.key),
    )
    return ranked[:QUESTIONS_PER_COMPETENCE]


def answered_item_ids(user: User) -> set[int]:
    """Every item the user has answered in any run."""
    return set(
        db.session.scalars(
            db.select(AssessmentResponse.item_id)
            .join(AssessmentRun, AssessmentResponse.run_id == AssessmentRun.id)
            .where(AssessmentRun.user_id == user.id)
        )
    )


def estimated_minutes(competences: list[Competence]) -> int:
    """About how long an assessment of these competences takes, in whole minutes (at least 1)."""
    seconds = sum(
        len(statements_of(c)) * SECONDS_PER_STATEMENT
        + min(len(knowledge_of(c)), QUESTIONS_PER_COMPETENCE) * SECONDS_PER_QUESTION
        for c in competences
    )
    return max(1, -(-seconds // 60))


def role_options(subsector: str) -> list[tuple[str, int, dict]]:
    """(job role, estimated minutes, why) of every target profile of the sub-sector that has questions."""
    options = []
    for profile in frameworks.profiles_of(subsector):
        comps = frameworks.competences_by_key([t.competence_key for t in profile.targets], with_items=True)
        planned = [c for c in comps.values() if statements_of(c)]
        if planned:
            options.append((profile.job_role, estimated_minutes(planned), profile.why or {}))
    return options


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
