"""Training demand and the local offer against it (issues 14 and 15): estimated from the published map only, so a
hidden figure stays hidden; large gaps with no local session planned; staff see their own territory only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_module
from tests.test_reports import csv_of, frameworks, people, staff_client  # noqa: F401 (fixtures)
from uprest.accounts import territories
from uprest.extensions import db, utcnow
from uprest.providers import services as providers
from uprest.reports import demand
from uprest.reports.demand import Figures, ModuleSpec, Offer
from uprest.sessions import services as sessions
from uprest.sessions.rules import VenueData

KEY = "digcomp:1.1"


# --- the pure estimate ------------------------------------------------------------------------------------


def test_people_are_a_lower_bound_and_levels_use_the_median_capped_by_the_module():
    """A module's people are the most people below target in one of its competences; its levels are, per
    competence, the people below target times the smaller of the median gap and the levels it spans."""
    figures = {"a": Figures(10, 6, 3.0), "b": Figures(12, 8, 1.0), "c": Figures(9, None, None)}
    m = demand.module_demand(figures, ModuleSpec("m", {"en": "M"}, 4.0, {"a": 2, "b": 2, "c": 1}))
    assert m.people == 8 and m.levels == 6 * 2 + 8 * 1 and m.learning_hours == 32.0
    assert m.competences == ("a", "b")  # c is hidden: it counts for nothing


def test_a_module_resting_on_hidden_figures_only_is_left_out():
    """When every figure of a module's competences is hidden (or nobody is below target) it is not listed."""
    figures = {"a": Figures(None, None, None), "b": Figures(10, 0, 0.0)}
    spec = ModuleSpec("m", {"en": "M"}, 2.0, {"a": 1, "b": 1})
    assert demand.module_demand(figures, spec).people is None
    assert demand.training_demand(figures, [spec]) == []


def test_order_sessions_requests_and_uncovered_gaps():
    """Most levels first; upcoming sessions and requests attach to their module; a large gap with a session of a
    module developing it is covered, one without is listed with the modules that could close it."""
    figures = {"a": Figures(10, 9, 2.0), "b": Figures(10, 6, 1.0), "c": Figures(10, 2, 1.0)}
    modules = [
        ModuleSpec("small", {}, 1.0, {"c": 1}),
        ModuleSpec("big", {}, 3.0, {"a": 2}),
        ModuleSpec("mid", {}, 2.0, {"b": 3}),
    ]
    start = utcnow()
    offers = [
        Offer(2, "mid", start + timedelta(days=2)),
        Offer(1, "mid", start + timedelta(days=1)),
        Offer(3, None, start),
    ]
    rows = demand.training_demand(figures, modules, offers, [("big", 5), ("big", 2), ("gone", 1)])
    assert [r.code for r in rows] == ["big", "mid", "small"]
    assert [o.session_id for o in rows[1].sessions] == [1, 2]
    assert (rows[0].requests, rows[0].requested_staff) == (2, 7)
    uncovered = demand.uncovered_gaps(figures, modules, offers)
    assert [(g.competence, g.modules) for g in uncovered] == [("a", ("big",))]  # b is covered by "mid"; c is small


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from("abcdef"),
        st.one_of(
            st.tuples(st.integers(5, 200), st.integers(0, 200), st.floats(0, 6)),  # shown
            st.tuples(st.one_of(st.none(), st.integers(5, 200)), st.none(), st.one_of(st.none(), st.floats(0, 6))),
        ),
        min_size=1,
    ),
    st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4, unique=True),
)
def test_the_estimate_never_uses_a_hidden_figure(raw, competences):
    """Whatever is hidden, a module's people are one of its shown counts of people below target (nothing new is
    published), and what else a competence with a hidden count shows (its n, its median) changes nothing."""
    figures = {k: Figures(n, below if below is None else min(below, n), gap) for k, (n, below, gap) in raw.items()}
    spec = ModuleSpec("m", {}, 1.0, {k: 2 for k in competences})
    result = demand.module_demand(figures, spec)
    shown = {figures[k].below for k in competences if k in figures and figures[k].below}
    assert result.people in shown if shown else result.people is None
    changed = {k: (Figures(None, None, None) if f.below is None else f) for k, f in figures.items()}
    assert demand.module_demand(changed, spec) == result


# --- the page ---------------------------------------------------------------------------------------------


@pytest.fixture()
def module_and_session(app, create_user, frameworks):  # noqa: F811
    """A published module developing digcomp:1.1, and a function planning its session in a municipality."""
    trainer = create_user("trainer", email="author@example.org")
    module = make_module(trainer, "browsing-skills", publish=True, outcomes=[(KEY, 1, 4)])
    admin = create_user("admin", email="planner@example.org")
    provider = providers.add("vux", name="Adult education", kind="adult_education", country="SE")
    db.session.commit()

    def plan(code="vanersborg"):
        territory = territories.by_code(code)
        venue = VenueData(
            name="Room 1",
            town=territory.name,
            country="SE",
            timezone="Europe/Stockholm",
            seats=10,
            territory_id=territory.id,
        )
        start = utcnow() + timedelta(days=10)
        session = sessions.create_session(
            admin,
            provider,
            venues=[venue],
            module=module,
            format="onsite",
            language="sv",
            timezone="Europe/Stockholm",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
        )
        db.session.commit()
        return session

    return plan


def test_staff_see_the_demand_and_the_gap_without_a_session(
    monkeypatch,
    app,
    create_user,
    people,  # noqa: F811
    module_and_session,
):
    """With people below target in Vänersborg, the module developing the competence is listed with the people
    who need it and their hours; the gap is listed as having no local session until one is planned there (one
    in another municipality does not count)."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(4, rating=1)
    client = staff_client(app, create_user)
    html = client.get("/reports/training").get_data(as_text=True)
    assert "Training demand of Vänersborg" in html and "Title browsing-skills" in html
    uncovered = html.split('id="uncovered-h"')[1].split("</section>")[0]
    assert "Browsing and searching" in uncovered and "browsing-skills" in uncovered
    rows = csv_of(client.get("/reports/training.csv"))
    (row,) = [r for r in rows if r["module"] == "browsing-skills"]
    assert (row["people_at_least"], row["learning_hours"], row["local_sessions"]) == ("4", "12.0", "0")
    module_and_session("trollhattan")
    assert (
        "Browsing and searching"
        in client.get("/reports/training").get_data(as_text=True).split('id="uncovered-h"')[1].split("</section>")[0]
    )
    session = module_and_session("vanersborg")
    html = client.get("/reports/training").get_data(as_text=True)
    assert "Browsing and searching" not in html.split('id="uncovered-h"')[1].split("</section>")[0]
    assert f'href="/sessions/{session.id}"' in html


def test_hidden_figures_stay_hidden_and_other_territories_are_refused(
    app,
    create_user,
    people,  # noqa: F811
    module_and_session,
):
    """With k = 5 and 3 people below target, the module is not listed at all (its figure is hidden on the map);
    another municipality is 403 for staff; learners are refused."""
    people(3, rating=1)
    client = staff_client(app, create_user)
    html = client.get("/reports/training").get_data(as_text=True)
    assert "Title browsing-skills" not in html and ">3<" not in html
    assert [r for r in csv_of(client.get("/reports/training.csv")) if r["module"] == "browsing-skills"] == []
    assert client.get("/reports/training?territory=trollhattan").status_code == 403
    assert client.get("/reports/training.csv?territory=trollhattan").status_code == 403
    learner = app.test_client()
    create_user(email="learner@example.org")
    from tests.conftest import login

    login(learner, "learner@example.org")
    assert learner.get("/reports/training").status_code == 403
