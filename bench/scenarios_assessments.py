"""Bench scenarios of the assessment: the result page of a full assessment (all profile competences)."""

SCENARIOS = [
    ("assessment result page", "/assessment/{result_run_id}/result", True),
]


def seed(app, db):
    """Load the real frameworks and profiles; give the bench user a submitted assessment."""
    from pathlib import Path

    from uprest.accounts.models import User
    from uprest.assessments import services
    from uprest.assessments.models import AssessmentRun
    from uprest.frameworks.loader import import_frameworks, import_profiles

    root = Path(app.root_path).parent / "courses"
    import_frameworks(root / "frameworks")
    db.session.commit()
    import_profiles(root / "profiles")
    db.session.commit()
    user = db.session.scalar(db.select(User).where(User.email == "bench0@bench.example"))
    run = db.session.scalar(
        db.select(AssessmentRun).where(AssessmentRun.user_id == user.id, AssessmentRun.submitted_at.is_not(None))
    )
    if run is None:
        run, _ = services.start_run(user, subsector="destination", job_role="owner")
        pages = services.run_pages(run)
        answers = {}
        for n, page in enumerate(pages):
            for item in page.items:
                if item.kind == "knowledge":
                    answers[item.id] = (item.id + n) % len(item.choices)
                else:
                    answers[item.id] = 1 + (item.id + n) % 5
        services.save_answers(run, answers, go_to_page=len(pages))
        assert services.submit_run(run)
        db.session.commit()
    return {"result_run_id": run.id}
