"""The assessment part of ``flask seed-demo``."""

from __future__ import annotations

from uprest.accounts.cli import DEMO_LEARNER
from uprest.accounts.services import user_by_email
from uprest.assessments import scoring, services
from uprest.extensions import db


def seed_demo() -> None:
    """A submitted assessment for the demo learner, so that the result page has something to show."""
    user = user_by_email(DEMO_LEARNER)
    if user is not None:
        submit_demo_assessment(user)


def submit_demo_assessment(
    user, *, subsector: str = "accommodation", job_role: str = "reception", rng=None, submitted_at=None
) -> None:
    """Take and submit the reception assessment of accommodation (or of `subsector` and `job_role`) for `user`,
    once (flushes): confident in the lower bands, less so higher up, stronger in some competences than in
    others, and one knowledge question in four answered wrongly, so the result shows targets met, gaps and a
    tempered level. With `rng` (a random.Random) each competence's strength is drawn from it instead (varied
    demo people for the reports); with `submitted_at` (a UTC datetime in the past) the run is dated then (demo
    people assessed over the past quarters, for the reports' trend)."""
    if services.latest_submitted_run(user) is not None or services.open_run(user):
        return
    try:
        with db.session.begin_nested():
            run, _created = services.start_run(user, subsector=subsector, job_role=job_role)
    except services.AssessmentError:  # frameworks or profiles not loaded
        return
    pages = services.run_pages(run)
    answers = {}
    for page in pages:
        for c, pc in enumerate(page.competences):
            bands = [b for b, _lo, _hi in scoring.band_ranges((lv.level, lv.band) for lv in page.framework.levels)]
            strength = (1, 0, -1)[(pc.competence.id + c) % 3]  # some strong, some middling, some weak
            if rng is not None:
                strength = rng.choice((2, 1, 0, 0, -1, -2))
            for item in pc.statements:
                step = bands.index(item.band) if item.band in bands else 1
                answers[item.id] = max(1, min(5, 4 - step + strength))
            for n, item in enumerate(pc.knowledge):
                right = next(i for i, c in enumerate(item.choices) if c.get("correct"))
                answers[item.id] = right if (item.id + n) % 4 else (right + 1) % len(item.choices)
    services.save_answers(run, answers, go_to_page=len(pages))
    services.submit_run(run)
    if submitted_at is not None:
        run.started_at = run.submitted_at = submitted_at
        db.session.flush()
