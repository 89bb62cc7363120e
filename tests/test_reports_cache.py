"""Participation and outcome are kept per worker (issue 14), yet an enrolment, a completion, a certificate and a
revocation show on the next request; an unchanged page runs no counting query."""

from __future__ import annotations

from tests.test_catalog_pagination import counting
from tests.test_reports import frameworks, people, staff_client  # noqa: F401 (fixtures)
from tests.test_reports_participation import funnel_row, learn, module  # noqa: F401 (fixtures)
from uprest.extensions import db


def stages(client) -> list[str]:
    html = client.get("/reports/participation").get_data(as_text=True)
    return [funnel_row(html, label)[0] for label in ("Enrolled in a module", "Completed a module", "Certified")]


def test_the_funnel_is_kept_until_learning_or_certificates_change(monkeypatch, app, create_user, people, module):  # noqa: F811
    from uprest.certificates import services as certificates
    from uprest.learning import services as learning
    from uprest.learning.models import Enrolment

    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    users = people(9, rating=1)
    learn(app, users[:3], module, "certified")
    client = staff_client(app, create_user)
    assert stages(client) == ["3", "3", "3"]
    with counting(db) as statements:
        stages(client)
    assert not [s for s in statements if "run_totals" in str(s)]  # kept: no counting this time

    learn(app, users[3:6], module, "enrolled")  # ORM inserts: the enrolments' token follows
    assert stages(client) == ["6", "3", "3"]

    with app.test_request_context():  # the real completion: a conditional update that bumps the token itself
        for user in users[3:6]:
            enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == user.id))
            monkeypatch.setattr(learning, "state_of", lambda _e: type("S", (), {"is_complete": True})())
            learning.complete_if_done(enrolment)
        db.session.commit()
    enrolled, completed, certified = stages(client)
    assert (enrolled, completed) == ("6", "6")

    for user in users[:3]:  # three, so that "completed, not certified" is not under k
        assert certificates.revoke(certificates.certificates_of(user)[0], None, "issued by mistake")  # conditional
    db.session.commit()
    assert stages(client)[2] == str(int(certified) - 3)


def test_every_quarter_counted_in_one_pass_equals_each_counted_alone(app, create_user, people):  # noqa: F811
    """The tree's counts by history (`gapmap.count`: every quarter in one pass, what the map's decision is made on)
    give exactly the counts of each quarter and of all time counted alone (`services.count`): people assessed in
    two quarters count in both, with the latest run of each quarter, and once in all time with their latest."""
    from tests.factories import make_assessment_run
    from tests.test_reports_participation import model, quarters_ago
    from uprest.accounts import territories
    from uprest.assessments.models import AssessmentRun
    from uprest.reports import gapmap, services

    early = people(4, rating=1, territory="rijeka") + people(
        2, rating=5, territory="opatija", subsector="beach", size="small", job_role="owner"
    )
    later = people(3, rating=5, territory="krk", with_business=False, job_role="owner")
    for user in early[:3]:  # re-assessed in a later quarter, with another result
        make_assessment_run(user, rating=5)
    db.session.commit()
    seen: set[int] = set()
    for run in db.session.scalars(db.select(AssessmentRun).order_by(AssessmentRun.id)):
        if run.user_id in {u.id for u in later}:
            run.submitted_at = quarters_ago(2)
        else:  # the early ones: the first run three quarters ago, the re-assessment one quarter ago
            run.submitted_at = quarters_ago(1 if run.user_id in seen else 3)
            seen.add(run.user_id)
    db.session.commit()
    root = territories.by_code("kvarner")
    counted = gapmap.count(root, services.people_in(root))
    assert counted.quarters == tuple(model.quarter_of(quarters_ago(n)) for n in (3, 2, 1))
    for period in [*counted.quarters, None]:
        for split in services.SPLITS:
            alone = services._count(
                root,
                **dict(
                    zip(("since", "until"), services.quarter_bounds(period) if period else (None, None), strict=True)
                ),
                split=split,
            )

            def entry(history, period=period):
                return history[-1] if period is None else next((e for e in history if e[0] == period), None)

            def col(size, e, split=split):  # the column of a history entry (quarter, sub-sector, role, below)
                return services.column(split, {"subsector": e[1], "size": size, "role": e[2]}[split])

            people_of: dict = {}
            for (_place, size, history), n in counted.people.items():
                if (e := entry(history)) is not None:
                    n0, below = people_of.get(col(size, e), (0, 0))
                    people_of[col(size, e)] = (n0 + n, below + n * e[3])
            assert people_of == alone.people, (period, split)
            cells: dict = {}
            for (_place, key, size, history), n in counted.cells.items():
                if (e := entry(history)) is not None:
                    n0, below = cells.get((key, col(size, e)), (0, 0))
                    cells[(key, col(size, e))] = (n0 + n, below + n * e[3])
            assert cells == alone.cells, (period, split)
    assert sum(n for (_p, _size, h), n in counted.people.items() if len(h) == 2) == 3  # re-assessed: in both quarters
