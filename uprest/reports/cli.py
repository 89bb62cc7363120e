"""The reports' part of ``flask seed-demo``: a synthetic population of assessed people over the demo
territories, so that the demo staff account (Kvarner) sees a real skills-gap map, and what some of them went on
to do (enrolled in a module, completed it and so earned its certificate), for the participation funnel; the
demo staff member has published the last ended quarter of Kvarner and Rijeka as open data.

Clearly demo data: addresses demo+reports-N@demo.uprest.eu, names "Demo person N", businesses "Demo business N";
they cannot log in. Made once (idempotent): people who already have a submitted assessment are left as they are.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from flask import current_app

from uprest.accounts import services as accounts
from uprest.accounts.cli import demo_people
from uprest.accounts.models import DEMO_DOMAIN
from uprest.assessments.cli import submit_demo_assessment
from uprest.catalog import services as catalog
from uprest.learning import quizzes
from uprest.learning import services as learning

#: People per demo territory (by short name): the demo staff account's region, Kvarner, gets the most, over its
#: municipalities (Mali Lošinj is small on purpose, so that its map shows hidden cells) and a few people who have
#: not said their municipality (they count in the region only).
DEMO_POPULATION = {
    "rijeka": 50,
    "opatija": 35,
    "crikvenica": 25,
    "krk": 20,
    "mali-losinj": 12,
    "kvarner": 8,
    "vanersborg": 20,
    "trollhattan": 20,
    "cervia": 20,
    "ravenna": 20,
    "pori": 20,
}
#: Sub-sectors of their businesses, weighted (accommodation and food the most common, as in the partners' regions).
DEMO_SUBSECTORS = ["accommodation"] * 5 + ["food_beverage"] * 3 + ["tour_operator"] * 2 + ["beach"] * 2
#: Each demo person owns their business; most take the owner's assessment (people of a sub-sector are then assessed
#: on the same competences, so that most cells are large enough to be shown), one in four the assessment of the
#: role they mostly work in, so that the map split by role has more than one column.
DEMO_ROLE = "owner"
DEMO_WORK_ROLES = {
    "accommodation": "reception",
    "food_beverage": "kitchen",
    "tour_operator": "guide",
    "beach": "reception",
}
#: The sizes of their businesses, weighted (most tourism businesses are micro businesses).
DEMO_SIZES = ["solo"] * 2 + ["micro"] * 5 + ["small"] * 2 + ["medium"]
SEED = 14
#: What the demo people go on to do: the share who enrol in a demo module, and the share of those who complete it
#: (completing issues its certificate). Online modules, so that no session is needed.
DEMO_ENROLLED, DEMO_COMPLETED = 0.6, 0.55
DEMO_MODULES = ("digital-tools", "cybersecurity-gdpr")
#: The demo people were assessed over this many quarters, up to today.
DEMO_QUARTERS = 5


def seed_demo() -> None:
    """Add the demo people with a business each and a submitted assessment each (idempotent; flushes)."""
    rng, traits = random.Random(SEED), random.Random(SEED + 1)
    spec = []
    for territory, size in DEMO_POPULATION.items():
        for _ in range(size):
            n = len(spec) + 1
            spec.append((f"demo+reports-{n}@{DEMO_DOMAIN}", f"Demo person {n}", territory))
    people = demo_people(spec)
    now = datetime.now(UTC)
    for n, person in enumerate(people, start=1):
        subsector = rng.choice(DEMO_SUBSECTORS)
        size, works = traits.choice(DEMO_SIZES), traits.random() < 0.25
        person_rng = random.Random(SEED * 100_000 + n)
        if person.organisation_id is None:
            accounts.create_organisation(
                person,
                name=f"Demo business {n}",
                subsector=subsector,
                size=size,
                territory_id=person.territory_id,
            )
        role = DEMO_WORK_ROLES[subsector] if works else DEMO_ROLE
        submit_demo_assessment(
            person, subsector=subsector, job_role=role, rng=person_rng, submitted_at=_demo_date(n, now)
        )
    _learning(people)
    _publish()


def _publish() -> None:
    """The demo staff member has published the last ended quarter of Kvarner and of Rijeka as open data (once:
    a period published already is left as it is), so that /open-data and the public API have a dataset."""
    from uprest.accounts import territories
    from uprest.extensions import db, utcnow
    from uprest.reports import publication
    from uprest.reports.models import Publication

    staff = accounts.user_by_email(f"staff@{DEMO_DOMAIN}")
    if staff is None:
        return
    period = publication.publishable_periods(utcnow())[0]
    with current_app.test_request_context():
        for code in ("kvarner", "rijeka"):
            territory = territories.by_code(code)
            if territory is None:
                continue
            done = publication.publications(territory).where(
                Publication.territory_id == territory.id, Publication.period == period
            )
            if db.session.scalar(done) is None:  # published, or published and withdrawn: left as it is
                publication.publish(territory, period, staff)


def _demo_date(n: int, now: datetime) -> datetime:
    """When demo person `n` was assessed: spread over the last DEMO_QUARTERS quarters (more recently more people,
    as a programme that grows), never in the future."""
    quarters_back = [0, 0, 0, 1, 1, 1, 2, 2, 3, 4][n % 10] % DEMO_QUARTERS
    start = datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1, tzinfo=UTC)
    for _ in range(quarters_back):
        start = datetime(start.year - (start.month == 1), (start.month - 4) % 12 + 1, 1, tzinfo=UTC)
    moment = start + timedelta(days=(n * 7) % 80, hours=9 + n % 8)
    return min(moment, now - timedelta(minutes=n % 50 + 1))


def _learning(people) -> None:
    """Some demo people enrol in a demo module and some of them complete it (every lesson read, the quiz passed),
    once: a person who has an enrolment already is left as they are."""
    rng = random.Random(SEED + 1)
    modules = [m for m in (catalog.public_module(code) for code in DEMO_MODULES) if m is not None]
    if not modules:
        return
    with current_app.test_request_context():  # completion records and certificates make links
        for person in people:
            enrol, complete, module = rng.random() < DEMO_ENROLLED, rng.random() < DEMO_COMPLETED, rng.choice(modules)
            if not enrol or learning.enrolments_of(person, limit=1):
                continue
            enrolment, _created = learning.enrol(person, module)
            lessons = list(enrolment.version.lessons)
            for lesson in lessons if complete else lessons[:1]:
                learning.open_lesson(enrolment, lesson)
                learning.mark_read(enrolment, lesson)
            if complete and quizzes.can_start(enrolment) is None:
                attempt, _created = quizzes.start_attempt(enrolment)
                right = {q.key: [i for i, ok in enumerate(q.correct) if ok] for q in quizzes.quiz_questions(enrolment)}
                quizzes.submit(enrolment, attempt.number, right)
            learning.complete_if_done(enrolment)
