"""Participation and outcome of a municipality (issue 14): the funnel assessed -> enrolled -> completed -> certified,
outcomes, the trend by quarter, and the JSON of every report; what staff see and what stays hidden."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_assessment_run, make_module
from tests.test_reports import KEY, csv_of, frameworks, people, staff_client  # noqa: F401 (fixtures)
from uprest.assessments.models import AssessmentResult, AssessmentRun
from uprest.extensions import db, utcnow
from uprest.reports import gapmap, rules
from uprest.reports import participation as model
from uprest.reports import services as map_services

URLS = ("/reports/participation", "/reports/participation.csv", "/reports/participation-trend.csv")
JSON_URLS = ("/reports/participation.json", "/reports/skills-gap.json", "/reports/training.json")


# --- helpers ----------------------------------------------------------------------------------------------


@pytest.fixture()
def module(app, create_user, frameworks):  # noqa: F811
    """A published module of 3 workload hours."""
    return make_module(create_user("trainer", email="author@example.org"), "browsing-skills", publish=True, hours=3.0)


def learn(app, users, module, stage: str) -> None:
    """The users enrol in `module`; "completed" also completes it (no certificate), "certified" also issues its
    certificate (as completing does)."""
    from uprest.certificates import issuance
    from uprest.learning import services as learning
    from uprest.learning.models import COMPLETED

    with app.test_request_context():
        for user in users:
            enrolment, _created = learning.enrol(user, module)
            if stage in ("completed", "certified"):
                enrolment.status, enrolment.completed_at = COMPLETED, utcnow()
                db.session.flush()
            if stage == "certified":
                issuance.on_module_completed(None, user=user, module=module, enrolment=enrolment)
    db.session.commit()


def move_to(users, when: datetime) -> None:
    """Every submitted run of the users is moved to `when` (their assessments were in that quarter)."""
    ids = [u.id for u in users]
    db.session.execute(db.update(AssessmentRun).where(AssessmentRun.user_id.in_(ids)).values(submitted_at=when))
    db.session.commit()


def figures(data: dict, table: str = "funnel", quarter: str | None = None) -> dict:
    """figure -> the JSON object of the participation JSON."""
    rows = data[table] if quarter is None else [r for r in data[table] if r["quarter"] == quarter]
    return {r["figure"]: r for r in rows}


def value(data: dict, figure: str, **kw):
    return figures(data, **kw)[figure].get("value")


def funnel_row(html: str, label: str) -> list[str]:
    table = html.split('id="funnel-table"')[1].split("</table>")[0]
    match = re.search(r'<th scope="row">' + re.escape(label) + r"</th>(.*?)</tr>", table, re.S)
    assert match, label
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)]


def quarters_ago(n: int) -> datetime:
    """A moment in the quarter `n` quarters before this one."""
    now = utcnow()
    index = now.year * 4 + (now.month - 1) // 3 - n
    return datetime(index // 4, 3 * (index % 4) + 2, 10, tzinfo=UTC)


Q1, Q2 = quarters_ago(3), quarters_ago(2)  # two earlier quarters within the trend's eight
QUARTER1, QUARTER2 = model.quarter_of(Q1), model.quarter_of(Q2)


# --- who sees what ----------------------------------------------------------------------------------------


def test_staff_see_their_territory_and_not_another(monkeypatch, app, create_user, people):  # noqa: F811
    """Staff see the participation of their own municipality only; another municipality's page and exports are
    refused (403), and its people are not counted."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(3)
    people(4, territory="trollhattan")
    client = staff_client(app, create_user)
    html = client.get("/reports/participation").get_data(as_text=True)
    assert "Participation and outcome in Vänersborg" in html and funnel_row(html, "People assessed")[0] == "3"
    assert value(client.get("/reports/participation.json").get_json(), "people_assessed") == 3
    for url in (*URLS, *JSON_URLS):
        assert client.get(f"{url}?territory=trollhattan").status_code == 403, url
        assert client.get(f"{url}?territory=vanersborg").status_code == 200, url
    admin = app.test_client()
    from tests.conftest import login

    login(admin, create_user(role="admin", email="admin@example.org").email)
    assert "Choose a municipality" in admin.get("/reports/participation").get_data(as_text=True)
    assert admin.get("/reports/participation.json").status_code == 400
    assert value(admin.get("/reports/participation.json?territory=trollhattan").get_json(), "people_assessed") == 4


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_learners_and_trainers_are_refused(app, client, login_as, role):
    """Learners and trainers get 403 on the participation page, its exports and every report's JSON."""
    login_as(role=role)
    for url in (*URLS, *JSON_URLS):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login(client):
    """Anonymous visitors are sent to the login page."""
    for url in (*URLS, *JSON_URLS):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url


def test_map_page_links_to_participation_and_filters_leave_out_the_subsector(monkeypatch, app, create_user, people):  # noqa: F811
    """The map links to the participation page; that page has no sub-sector filter and says why."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(3)
    client = staff_client(app, create_user)
    assert 'href="/reports/participation"' in client.get("/reports").get_data(as_text=True)
    html = client.get("/reports/participation").get_data(as_text=True)
    assert 'name="subsector"' not in html and "not split by sub-sector" in html


# --- the figures ------------------------------------------------------------------------------------------


def test_funnel_outcome_and_exports_agree(monkeypatch, app, create_user, people, module):  # noqa: F811
    """With k = 3: 12 assessed, 9 enrolled, 6 completed, 3 certified; hours are the completed modules' workload;
    the page, the CSV and the JSON give the same figures and shares."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    users = people(12, rating=1)
    learn(app, users[:3], module, "enrolled")
    learn(app, users[3:6], module, "completed")
    learn(app, users[6:9], module, "certified")
    client = staff_client(app, create_user)
    html = client.get("/reports/participation").get_data(as_text=True)
    assert funnel_row(html, "People assessed")[:3] == ["12", "100%", "3"]
    assert funnel_row(html, "Enrolled in a module")[:3] == ["9", "75%", "3"]
    assert funnel_row(html, "Completed a module")[:3] == ["6", "50%", "3"]
    assert funnel_row(html, "Certified")[:2] == ["3", "25%"]
    data = client.get("/reports/participation.json").get_json()
    assert data["k"] == 3 and data["period"] == "all" and data["territory"] == "SE_1487"
    expected = {
        "people_assessed": 12,
        "enrolled": 9,
        "completed": 6,
        "certified": 3,
        "assessed_not_enrolled": 3,
        "enrolled_not_completed": 3,
        "completed_not_certified": 3,
        "learning_hours": 18.0,  # 6 completions of 3 hours
        "businesses_assessed": 12,
    }
    assert {f: value(data, f) for f in expected} == expected
    assert figures(data)["enrolled"]["share"] == 0.75
    rows = {r["figure"]: r for r in csv_of(client.get("/reports/participation.csv"))}
    assert {f: rows[f]["value"] for f in expected} == {f: str(v) for f, v in expected.items()}
    assert rows["enrolled"]["share"] == "0.75" and rows["enrolled"]["k"] == "3"
    assert "18" in html.split('id="outcome-table"')[1]


def test_k_minus_one_is_hidden_and_k_is_shown(app, create_user, people, module):  # noqa: F811
    """With k = 5: 4 people enrolled (k − 1) are hidden with what would give them away; 5 are shown."""
    users = people(10)
    learn(app, users[:4], module, "enrolled")
    client = staff_client(app, create_user)
    data = client.get("/reports/participation.json").get_json()
    assert value(data, "people_assessed") == 10
    assert figures(data)["enrolled"] == {"figure": "enrolled", "suppressed": True}
    assert figures(data)["assessed_not_enrolled"]["suppressed"]  # else 10 − 6 = 4
    assert (
        funnel_row(client.get("/reports/participation").get_data(as_text=True), "Enrolled in a module")[0] == "hidden"
    )
    learn(app, users[4:5], module, "enrolled")
    data = client.get("/reports/participation.json").get_json()
    assert (value(data, "enrolled"), value(data, "assessed_not_enrolled")) == (5, 5)


def test_a_stage_close_to_the_next_is_protected(app, create_user, people, module):  # noqa: F811
    """12 assessed and 10 enrolled (k = 5): the 2 who did not enrol must not be worked out, so the 10 is hidden
    too, everywhere (page "hidden", CSV empty, JSON absent: never 0); so are the shares and the hours."""
    users = people(12)
    learn(app, users[:10], module, "completed")
    client = staff_client(app, create_user)
    data = client.get("/reports/participation.json").get_json()
    assert value(data, "people_assessed") == 12
    for figure in ("enrolled", "assessed_not_enrolled", "learning_hours"):
        assert figures(data)[figure] == {"figure": figure, "suppressed": True}, figure
    rows = {r["figure"]: r for r in csv_of(client.get("/reports/participation.csv"))}
    assert rows["enrolled"]["value"] == rows["enrolled"]["share"] == "" and rows["enrolled"]["suppressed"] == "yes"
    html = client.get("/reports/participation").get_data(as_text=True)
    assert funnel_row(html, "Enrolled in a module")[:2] == ["hidden", "hidden"]
    funnel = html.split('id="funnel-table"')[1].split("</table>")[0]
    assert ">2<" not in funnel and "17%" not in funnel  # 2 of 12
    # Whatever is shown, the 2 cannot be computed: every shown figure of the funnel with people assessed.
    shown = {f: r["value"] for f, r in figures(data).items() if not r["suppressed"] and "value" in r}
    assert not {"enrolled", "assessed_not_enrolled"} & set(shown)


def test_quarters_and_all_time_cannot_be_differenced(app, create_user, people, module):  # noqa: F811
    """People assessed in one quarter (6, of whom 2 enrolled) and the next (7, all enrolled): the 2 is hidden,
    and all time minus the second quarter does not give it either (one of them is hidden as well)."""
    first = people(6)
    second = people(7)
    move_to(first, Q1)
    move_to(second, Q2)
    learn(app, first[:2], module, "enrolled")
    learn(app, second, module, "enrolled")
    client = staff_client(app, create_user)
    every = {p: client.get(f"/reports/participation.json?period={p}").get_json() for p in (QUARTER1, QUARTER2)}
    every["all"] = client.get("/reports/participation.json").get_json()
    assert value(every["all"], "people_assessed") == 13 and value(every[QUARTER1], "people_assessed") == 6
    assert figures(every[QUARTER1])["enrolled"]["suppressed"]
    all_time, q2 = value(every["all"], "enrolled"), value(every[QUARTER2], "enrolled")
    assert all_time is None or q2 is None
    trend = every["all"]["trend"]
    assert [r["quarter"] for r in trend if r["figure"] == "enrolled"][:2] == [QUARTER1, QUARTER2]
    by_quarter = {r["quarter"]: r for r in trend if r["figure"] == "enrolled"}
    assert by_quarter[QUARTER1]["suppressed"] and by_quarter[QUARTER2].get("value") == q2


def map_total(client, period: str | None = None) -> dict:
    """The skills-gap JSON's cell of everybody assessed (people below target in any competence, all sub-sectors)."""
    cells = client.get("/reports/skills-gap.json" + (f"?period={period}" if period else "")).get_json()["cells"]
    return next(c for c in cells if c["competence_key"] == "any" and c["subsector"] == "all")


def test_people_assessed_and_below_target_are_the_maps_figures(monkeypatch, app, create_user, people):  # noqa: F811
    """The people assessed (all time and per quarter) are the map's own count, hidden exactly when the map hides
    it; the trend's below-target figure is the map's of the quarter. All time minus the other quarters would give
    this quarter's 2, so another quarter is hidden too, on both pages."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    move_to(people(4, rating=1), Q1)
    move_to(people(3, rating=1), Q2)
    people(2, rating=5)  # this quarter: 2 people, under k
    client = staff_client(app, create_user)
    data = client.get("/reports/participation.json").get_json()
    assert value(data, "people_assessed") == map_total(client)["n"] == 9
    now = model.quarter_of(utcnow())
    shown = {}
    for quarter, n in ((QUARTER1, 4), (QUARTER2, 3), (now, 2)):
        total = map_total(client, quarter)
        trend = figures(data, "trend", quarter)
        assert trend["people_assessed"].get("value") == total.get("n") in (n, None)
        assert trend["below_target"].get("value") == total.get("below_target")
        assert trend["below_target"]["suppressed"] == total["suppressed"] == (total.get("n") is None)
        shown[quarter] = total.get("n")
    assert shown[now] is None and list(shown.values()).count(None) >= 2, shown
    for quarter, below in ((QUARTER1, 4), (QUARTER2, 3)):  # everybody of those quarters is below target
        assert figures(data, "trend", quarter)["below_target"].get("value") in (below, None)


def test_gap_closure_by_reassessment(monkeypatch, app, create_user, people):  # noqa: F811
    """People assessed twice whose latest total gap is smaller than their first count as improved, with the median
    levels closed; those assessed again without improving do not."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    users = people(10, rating=1)
    for user in users[:4]:
        make_assessment_run(user, rating=5)
    for user in users[4:7]:
        make_assessment_run(user, rating=1)
    client = staff_client(app, create_user)
    data = client.get("/reports/participation.json").get_json()
    assert (value(data, "reassessed"), value(data, "gap_reduced")) == (7, 4)
    assert figures(data)["gap_reduced"]["share"] == round(4 / 7, 4)
    totals = dict(
        db.session.execute(
            db.select(AssessmentRun.id, db.func.sum(AssessmentResult.gap))
            .join(AssessmentResult, AssessmentResult.run_id == AssessmentRun.id)
            .where(AssessmentRun.user_id == users[0].id)
            .group_by(AssessmentRun.id)
        ).all()
    )
    first, latest = (totals[i] for i in sorted(totals))
    assert value(data, "median_levels_closed") == float(first - latest) > 0


def test_medians_and_hours_only_for_shown_counts(app, create_user, people, module):  # noqa: F811
    """With k = 5 and 2 people completing (and 2 improving), the hours and the median are hidden with their
    counts: on the page, in the CSV (empty) and in the JSON (absent)."""
    users = people(8, rating=1)
    learn(app, users[:2], module, "completed")
    for user in users[:2]:
        make_assessment_run(user, rating=5)
    client = staff_client(app, create_user)
    data = client.get("/reports/participation.json").get_json()
    for figure in ("learning_hours", "median_levels_closed", "completed", "gap_reduced"):
        assert figures(data)[figure] == {"figure": figure, "suppressed": True}, figure
    rows = {r["figure"]: r for r in csv_of(client.get("/reports/participation.csv"))}
    assert rows["learning_hours"]["value"] == rows["median_levels_closed"]["value"] == ""
    outcome = client.get("/reports/participation").get_data(as_text=True).split('id="outcome-table"')[1]
    assert ">6<" not in outcome and outcome.count("hidden") >= 4


def test_no_json_value_is_a_zero_standing_for_a_hidden_one(app, create_user, people, module):  # noqa: F811
    """In the participation JSON a suppressed figure has no value and no share, and in the skills-gap JSON a
    suppressed cell has no share, no count below target and no median (never 0); the map may show its number of
    people alone, as its page does."""
    users = people(7, rating=1)
    people(2, "food_beverage", rating=5)
    learn(app, users[:3], module, "certified")
    client = staff_client(app, create_user)
    data = client.get("/reports/participation.json").get_json()
    hidden = [i for i in data["funnel"] + data["trend"] if i["suppressed"]]
    assert hidden
    for item in hidden:
        assert set(item) == {"figure", "suppressed"} | ({"quarter"} if "quarter" in item else set()), item
    cells = client.get("/reports/skills-gap.json").get_json()["cells"]
    hidden = [c for c in cells if c["suppressed"]]
    assert hidden and any("n" not in c for c in hidden)
    for cell in hidden:
        assert not {"below_target", "below_target_share", "median_gap"} & set(cell), cell


def test_skills_gap_and_training_json_match_their_csv(monkeypatch, app, create_user, people, module):  # noqa: F811
    """The skills-gap JSON and the training JSON carry the figures of their CSV."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(4, rating=1)
    people(3, "food_beverage", rating=5)
    client = staff_client(app, create_user)
    cells = client.get("/reports/skills-gap.json").get_json()["cells"]
    rows = csv_of(client.get("/reports/skills-gap.csv"))
    assert len(cells) == len(rows)
    for cell, row in zip(cells, rows, strict=True):
        assert cell["competence_key"] == row["competence_key"] and cell["subsector"] == row["subsector"]
        assert str(cell.get("n", "")) == row["n"] and cell["suppressed"] == (row["suppressed"] == "yes")
    modules = client.get("/reports/training.json").get_json()["modules"]
    training = csv_of(client.get("/reports/training.csv"))
    assert [m["module"] for m in modules] == [r["module"] for r in training]
    assert "browsing-skills" in training[0]["module"]
    assert str(modules[0]["people_at_least"]) == training[0]["people_at_least"]


def test_trend_by_quarter_table_and_chart(monkeypatch, app, create_user, people, module):  # noqa: F811
    """The trend lists the quarters since the first data (at most 8), in a table and an accessible chart whose
    hidden cells are hatched and labelled; the trend CSV has the same figures."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    early = people(3, rating=1)
    move_to(early, Q1)
    learn(app, early, module, "enrolled")
    people(4, rating=1)
    client = staff_client(app, create_user)
    html = client.get("/reports/participation").get_data(as_text=True)
    quarters = model.trend_quarters(QUARTER1, utcnow())
    assert len(quarters) == 4 and quarters[0] == QUARTER1
    assert 'role="img"' in html and "Participation by quarter in Vänersborg" in html
    trend = html.split('id="trend-table"')[1]
    assert trend.count('<th scope="row">') == len(quarters)
    rows = [r for r in csv_of(client.get("/reports/participation-trend.csv")) if r["figure"] == "people_assessed"]
    assert [r["period"] for r in rows] == quarters
    assert rows[-1]["value"] == "4"


# --- the demo ---------------------------------------------------------------------------------------------


def test_demo_people_learn_once(monkeypatch, app, create_user, people, module):  # noqa: F811
    """The reports' demo enrols some demo people in the demo modules and completes some of them; run again, it
    adds nothing."""
    from uprest.learning.models import Enrolment
    from uprest.reports import cli

    monkeypatch.setattr(cli, "DEMO_MODULES", ("browsing-skills",))
    users = people(20)
    cli._learning(users)
    db.session.commit()
    enrolled = db.session.scalar(db.select(db.func.count()).select_from(Enrolment))
    completed = db.session.scalar(db.select(db.func.count()).where(Enrolment.status == "completed"))
    assert 0 < completed < enrolled < 20
    cli._learning(users)
    assert db.session.scalar(db.select(db.func.count()).select_from(Enrolment)) == enrolled


# --- the pure model ---------------------------------------------------------------------------------------


def test_quarters_and_medians():
    """Quarter ranges, the trend's last 8 quarters, and medians of grouped values."""
    assert model.quarter_range("2025Q3", "2026Q2") == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    now = datetime(2027, 3, 1, tzinfo=UTC)
    assert model.trend_quarters("2024Q1", now) == model.quarter_range("2025Q2", "2027Q1")
    assert model.trend_quarters("2026Q4", now) == ["2026Q4", "2027Q1"] and model.trend_quarters(None, now) == []
    assert model.median_of([(1, 2), (5, 1)]) == 1.0 and model.median_of([(1, 1), (4, 1)]) == 2.5
    assert model.median_of([(2, 0)]) is None


REGION = 100


def tree(places: int) -> dict:
    """A region over `places` municipalities (1 .. places)."""
    return {REGION: frozenset(range(1, places + 1))} | {p: frozenset({p}) for p in range(1, places + 1)}


NODES, ONE = tree(3), {1: frozenset({1})}  # a region of three municipalities; a municipality alone


def test_stages_are_nested_and_the_groups_between_them_published():
    """Each territory and period publishes the cumulative stages and the disjoint groups between them; stages are
    nested; a region's cell covers its municipalities' cells and nothing else; a territory without anybody
    publishes nothing."""
    atoms = {(place, frozenset({"2026Q1"}), s, model.ONCE): 1 for place in (1, 2) for s in (1, 2, 3, 4)}
    published = model.published_cells(atoms, ["2026Q1"], NODES)
    sets = {name[0]: set(keys) for name, keys in published.items() if name[1:] == (1, model.ALL)}
    assert sets["certified"] <= sets["completed"] <= sets["enrolled"] <= sets["assessed"]
    assert sets["assessed"] - sets["enrolled"] == sets["not_enrolled"]
    assert sets["completed"] - sets["certified"] == sets["not_certified"]
    assert set(published[("assessed", 1, "2026Q1")]) == sets["assessed"]
    region = set(published[("enrolled", REGION, model.ALL)])
    assert region == set(published[("enrolled", 1, model.ALL)]) | set(published[("enrolled", 2, model.ALL)])
    assert not {name for name in published if name[1] == 3}


def test_a_known_cell_hidden_by_the_rule_is_shown_and_something_else_hidden():
    """The plain rule would hide the people assessed of 2026Q1 (which the map shows) to protect the 4 who
    completed a module and were assessed in both quarters: with the map's figures that protection fails. `decide`
    keeps it shown and hides other cells instead, so that nothing is derivable."""
    q = ["2026Q1", "2026Q2"]
    both = frozenset(q)
    atoms = {
        (1, frozenset({"2026Q2"}), model.COMPLETED, model.ONCE): 8,
        (1, both, model.COMPLETED, model.ONCE): 4,
        (1, both, model.ASSESSED, model.ONCE): 6,
    }
    published = model.published_cells(atoms, q, ONE)
    totals = _totals(published, atoms)
    known = model.known_cells(q, ONE)
    plain = rules.suppress(published, atoms, 5)
    assert ("assessed", 1, "2026Q1") in plain.suppressed
    assert rules.derivable(model._decision(5, plain.shown | known, totals), published, atoms)
    decision = model.decide(published, atoms, 5, known=known)
    assert known <= decision.shown and not rules.derivable(decision, published, atoms)
    assert {("completed", 1, "2026Q1"), ("not_enrolled", 1, "2026Q1")} <= decision.suppressed


def _totals(published, atoms):
    return {n: sum(atoms.get(a, 0) for a in set(keys)) for n, keys in published.items()}


def map_decisions(atoms, quarters, nodes, k) -> set:
    """The people assessed that the skills-gap map of the same people hides (`participation.hidden_by`), with one
    competence and the sub-sectors, sizes, roles and below-target split made from the atoms (a person's sub-sector,
    role and status the same in each quarter they were assessed in), every territory and period decided at once."""
    assessed: dict = {}
    for (place, qs, stage, retest), n in atoms.items():
        if n:
            sub, below = "a" if stage <= model.ENROLLED else "b", int(retest != model.IMPROVED)
            size, role = ("micro", "owner") if retest == model.IMPROVED else ("small", "reception")
            history = tuple((q, sub, role, below) for q in sorted(qs))
            assessed[(place, size, history)] = assessed.get((place, size, history), 0) + n
    cells = {(p, "c1", size, h): n for (p, size, h), n in assessed.items()}
    counts = gapmap.TreeCounts(tuple(quarters), cells, assessed)
    _systems, decided = gapmap.decide(counts, nodes, k)
    return model.hidden_by(decided)


QUARTERS = ["2026Q1", "2026Q2", "2026Q3"]


def atoms_strategy(places: int = 3):
    return st.dictionaries(
        st.tuples(
            st.integers(1, places),
            st.frozensets(st.sampled_from(QUARTERS), min_size=1),
            st.integers(model.ASSESSED, model.CERTIFIED),
            st.sampled_from([model.ONCE, model.IMPROVED, model.NOT_IMPROVED]),
        ),
        st.sampled_from([0, 1, 1, 2, 3, 4, 5, 6, 9, 14]),
        min_size=1,
        max_size=12,
    )


@settings(max_examples=40, derandomize=True)
@given(st.data(), st.sampled_from([3, 5]))
def test_nothing_hidden_can_be_recovered_from_everything_published(data, k):
    """With 1-3 municipalities under a region: the attacker (`rules.derivable`: every figure the funnel and the
    trend publish for every territory in every period, with the map's shown people assessed, knowing which atomic
    cells are empty) recovers no hidden count beyond what the map's shown totals alone give away; nothing under k
    is shown; the map's shown counts are shown here with the same value, and the ones it hides are hidden here."""
    nodes = tree(places := data.draw(st.integers(1, 3)))
    atoms = data.draw(atoms_strategy(places))
    hidden = map_decisions(atoms, QUARTERS, nodes, k)
    d = model.decisions(model.Counts(QUARTERS, atoms, {}, {}, {}), k, nodes, hidden)
    totals = _totals(d.published, atoms)
    assert all(not 0 < totals[n] < k for n in d.people.shown)
    assert all(d.people.count(n) == totals[n] for n in d.people.shown)
    assert hidden & set(d.published) <= d.people.suppressed
    small = {n[1:] for n in d.published if n[0] == "assessed" and 0 < totals[n] < k}
    given_ = {n for n in model.known_cells(QUARTERS, nodes) - hidden if n in totals and n[1:] not in small}
    assert given_ <= d.people.shown
    exposed = rules.derivable(model._decision(k, given_, totals), d.published, atoms)
    assert rules.derivable(d.people, d.published, atoms) <= exposed


@settings(max_examples=40, derandomize=True)
@given(st.data())
def test_a_period_with_fewer_than_k_people_shows_nothing(data):
    """In a territory and period with fewer than k people assessed every figure is hidden, zeros too, and so are
    its businesses; the rest still holds."""
    nodes = tree(places := data.draw(st.integers(1, 3)))
    atoms = data.draw(atoms_strategy(places))
    businesses: dict = {}
    for (place, qs, _stage, _retest), n in atoms.items():
        pairs = frozenset((place, q) for q in qs)
        businesses[pairs] = businesses.get(pairs, 0) + min(n, 2)
    counts = model.Counts(QUARTERS, atoms, {}, {}, businesses)
    d = model.decisions(counts, 5, nodes, map_decisions(atoms, QUARTERS, nodes, 5))
    published_businesses = model.business_cells(businesses, QUARTERS, nodes)
    for (figure, node, period), keys in d.published.items():
        if figure == "assessed" and 0 < sum(atoms.get(a, 0) for a in keys) < 5:
            assert not {n for n in d.people.shown if n[1:] == (node, period)}
            if ("businesses", node, period) in published_businesses:
                assert ("businesses", node, period) in d.businesses.suppressed
    totals = _totals(d.published, atoms)
    given_ = d.people.shown & model.known_cells(QUARTERS, nodes)
    exposed = rules.derivable(model._decision(5, given_, totals), d.published, atoms)
    assert not rules.derivable(d.people, d.published, atoms) - exposed
    assert not rules.derivable(d.businesses, published_businesses, businesses)


def test_decide_is_deterministic():
    """The same data give the same decision whatever the order of the atoms."""
    rng = random.Random(4)
    atoms = {}
    for _ in range(10):
        quarters = frozenset(rng.sample(QUARTERS, rng.randint(1, 3)))
        atoms[(rng.randint(1, 3), quarters, rng.randint(1, 4), rng.choice([0, 1, 2]))] = rng.choice([1, 2, 5, 8])
    published = model.published_cells(atoms, QUARTERS, NODES)
    reordered = dict(reversed(list(atoms.items())))
    nodes = dict(reversed(list(NODES.items())))
    one = model.decide(published, atoms, 5, known=model.known_cells(QUARTERS, NODES))
    two = model.decide(
        model.published_cells(reordered, QUARTERS, nodes), reordered, 5, known=model.known_cells(QUARTERS, nodes)
    )
    assert one.shown == two.shown and one.suppressed == two.suppressed


def test_counts_are_grouped_in_sql(monkeypatch, app, create_user, people, module):  # noqa: F811
    """`count` gives the atomic cells of the whole tree (place, quarters, stage, re-assessment) with their people,
    hours and businesses (each once, with the places and quarters of its people assessed)."""
    users = people(3)
    move_to(users[:1], Q1)
    learn(app, users[1:], module, "completed")
    people(1, territory="trollhattan")
    vanersborg = map_services.territory_by_code("vanersborg")
    trollhattan = map_services.territory_by_code("trollhattan")
    counts = model.count(map_services.decision_root(vanersborg))
    now = model.quarter_of(utcnow())
    assert counts.quarters[0] == QUARTER1 and counts.quarters[-1] == now
    assert counts.people == {
        (vanersborg.id, frozenset({QUARTER1}), model.ASSESSED, model.ONCE): 1,
        (vanersborg.id, frozenset({now}), model.COMPLETED, model.ONCE): 2,
        (trollhattan.id, frozenset({now}), model.ASSESSED, model.ONCE): 1,
    }
    assert counts.hours[(vanersborg.id, frozenset({now}), model.COMPLETED, model.ONCE)] == 6.0
    assert counts.businesses == {
        frozenset({(vanersborg.id, QUARTER1)}): 1,
        frozenset({(vanersborg.id, now)}): 2,
        frozenset({(trollhattan.id, now)}): 1,
    }
    assert model.count(vanersborg).people.keys() == {a for a in counts.people if a[0] == vanersborg.id}
