"""The skills-gap map of a municipality (issue 14): who sees it, what it counts, what it hides."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.conftest import login
from tests.factories import make_assessment_frameworks, make_assessment_run, make_business
from uprest.extensions import db

KEY = "digcomp:1.1"  # target 4-6: rating 1 gives level 1 (gap 3), rating 5 level 8 (no gap)


@pytest.fixture()
def frameworks(app):
    return make_assessment_frameworks()


@pytest.fixture()
def people(create_user, frameworks):
    """people(n, subsector, rating, municipality, ...): n people assessed, every statement rated `rating`; the
    sub-sector is their business's (with_business, of `size`) or the one their assessment was taken for, as the
    role `job_role`."""
    count = {"n": 0}

    def make(
        n,
        subsector="accommodation",
        rating=1,
        territory="vanersborg",
        with_business=True,
        size="micro",
        job_role="reception",
    ):
        made = []
        for _ in range(n):
            count["n"] += 1
            user = create_user(email=f"p{count['n']}@example.org", territory_code=territory)
            if with_business:
                make_business(user, f"Business {count['n']}", subsector=subsector, size=size)
            sub = "accommodation" if with_business else subsector
            make_assessment_run(user, rating=rating, subsector=sub, job_role=job_role)
            made.append(user)
        return made

    return make


def staff_client(app, create_user, territory="vanersborg"):
    client = app.test_client()
    staff = create_user(role="staff", email=f"staff-{territory}@example.org", territory_code=territory)
    assert login(client, staff.email).status_code == 302
    return client


def table_row(html: str, name: str) -> str:
    """The HTML of the table row headed `name`."""
    match = re.search(r"<tr>\s*<th scope=\"row\">" + re.escape(name) + r"</th>(.*?)</tr>", html, re.S)
    assert match, name
    return match.group(1)


def csv_of(resp) -> list[dict]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def test_staff_see_their_municipality_and_not_another(monkeypatch, app, create_user, people):
    """Staff see the map of their own municipality; another municipality's people are not counted, and asking
    for another municipality is refused."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(3, rating=1)
    people(4, rating=5, territory="trollhattan")
    client = staff_client(app, create_user)
    html = client.get("/reports").get_data(as_text=True)
    assert "Skills-gap map of Vänersborg" in html and 'role="img"' in html
    row = table_row(html, "Browsing and searching")
    assert "100% below target" in row and "3 people" in row and "4 people" not in html
    assert client.get("/reports?territory=trollhattan").status_code == 403
    assert client.get("/reports/skills-gap.csv?territory=trollhattan").status_code == 403
    assert client.get("/reports?territory=vanersborg").status_code == 200


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_learners_and_trainers_are_refused(app, client, login_as, role):
    """Learners and trainers get 403 on the map and its CSV."""
    login_as(role=role)
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/skills-gap.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    """Anonymous visitors are sent to the login page."""
    for url in ("/reports", "/reports/skills-gap.csv"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_shares_and_medians_on_a_small_data_set(monkeypatch, app, create_user, people):
    """Share below target and median gap per cell, per competence and per sub-sector, computed in SQL."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(4, "accommodation", rating=1)
    people(3, "accommodation", rating=5)
    people(3, "food_beverage", rating=1, with_business=False)  # the sub-sector of the assessment
    people(3, "food_beverage", rating=5, with_business=False)
    client = staff_client(app, create_user)
    html = client.get("/reports").get_data(as_text=True)
    row = table_row(html, "Browsing and searching")
    assert "57% below target" in row and "median gap 3" in row and "7 people" in row  # 4 of 7; 3,3,3,3,0,0,0
    assert "50% below target" in row and "median gap 1.5" in row and "6 people" in row  # 3 of 6; 3,3,3,0,0,0
    assert "54% below target" in row and "13 people" in row  # 7 of 13
    rows = csv_of(client.get("/reports/skills-gap.csv"))
    cell = next(r for r in rows if r["competence_key"] == KEY and r["subsector"] == "food_beverage")
    assert (cell["n"], cell["below_target"], cell["below_target_share"], cell["median_gap"]) == ("6", "3", "0.5", "1.5")
    total = next(r for r in rows if r["competence_key"] == KEY and r["subsector"] == "all")
    assert (total["n"], total["below_target"], total["median_gap"], total["suppressed"]) == ("13", "7", "3.0", "no")
    filtered = client.get("/reports?subsector=food_beverage").get_data(as_text=True)
    assert "7 people" not in table_row(filtered, "Browsing and searching")


def test_small_cell_and_its_complement_are_hidden_everywhere(app, create_user, people):
    """With k = 5, a sub-sector of 3 people is hidden, and so is the cell that would give it away by subtraction
    from the totals; neither value appears in the page or the CSV (empty, never 0)."""
    people(5, "accommodation", rating=1)
    people(5, "accommodation", rating=5)
    people(3, "food_beverage", rating=1)
    client = staff_client(app, create_user)
    html = client.get("/reports").get_data(as_text=True)
    row = table_row(html, "Browsing and searching")
    assert row.count("hidden") == 2  # food and beverage (3 people) and accommodation (its complement)
    table = html[html.index("<tbody>") : html.index("</table>")]
    for secret in ("3 people", "10 people", "5 people", "50%", "100%"):  # the hidden counts and shares
        assert not re.search(r"(?<![0-9])" + secret, table), secret
    for secret in ("50%", "100%"):  # the chart writes shares only (its legend says "80%–100%")
        assert not re.search(r">" + secret + "<", html), secret
    assert "13 people" in row and "62% below target" in row  # the row total: 8 of 13
    rows = csv_of(client.get("/reports/skills-gap.csv"))
    for r in rows:
        if r["subsector"] in ("food_beverage", "accommodation"):
            assert r["suppressed"] == "yes" and r["below_target"] == r["below_target_share"] == r["median_gap"] == ""
            assert r["n"] == ""
    assert {r["n"] for r in rows} <= {"", "13"}


def test_bad_filter_values_give_a_form_error(app, create_user, people):
    """A sub-sector, quarter or municipality that is not one gives the form's error (200), never a 500."""
    client = staff_client(app, create_user)
    for query, message in [
        ("period=2026Q5", "Enter a quarter"),
        ("period=١٢٣٤Q1", "Enter a quarter"),
        ("period=0000Q1", "Enter a quarter"),
        ("period=2026Q1%0A", "Enter a quarter"),
        ("subsector=spa", "Please choose a sub-sector"),
    ]:
        resp = client.get(f"/reports?{query}")
        assert resp.status_code == 200 and message in resp.get_data(as_text=True), query
    assert client.get("/reports/skills-gap.csv?period=2026Q9").status_code == 400
    admin = app.test_client()
    login(admin, create_user(role="admin", email="admin@example.org").email)
    resp = admin.get("/reports?territory=atlantis")
    assert resp.status_code == 200 and "Please choose a territory" in resp.get_data(as_text=True)


def test_period_filter_counts_the_quarter(monkeypatch, app, create_user, people):
    """?period=2026Q4 counts the assessments submitted in that quarter only."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(3, rating=1)
    client = staff_client(app, create_user)
    html = client.get("/reports?period=2001Q1").get_data(as_text=True)
    assert "2001, quarter 1" in html and "Nobody in this municipality has submitted" in html


def test_csv_is_safe_from_formula_injection(monkeypatch, app, create_user, people):
    """A competence name that a spreadsheet would run as a formula is written as text in the CSV."""
    from uprest.frameworks.models import Competence

    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(3, rating=1)
    comp = db.session.scalar(db.select(Competence).where(Competence.key == KEY))
    comp.name = {"en": '=HYPERLINK("http://evil.example","x")'}
    db.session.commit()
    text = staff_client(app, create_user).get("/reports/skills-gap.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text


def test_admin_chooses_a_municipality(monkeypatch, app, create_user, people):
    """Admins see the map of the municipality they choose with ?territory=<code>."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(3, rating=1, territory="pori")
    client = app.test_client()
    login(client, create_user(role="admin", email="admin@example.org").email)
    assert "Choose a municipality" in client.get("/reports").get_data(as_text=True)
    html = client.get("/reports?territory=pori").get_data(as_text=True)
    assert "Skills-gap map of Pori" in html and "3 people" in table_row(html, "Browsing and searching")
    rows = csv_of(client.get("/reports/skills-gap.csv?territory=pori"))
    assert rows and {r["territory"] for r in rows} == {"FI_609"}


def test_staff_home_page_and_nav_link_to_the_map(app, create_user):
    """Staff find the map on their home page and in the navigation; learners do not."""
    client = staff_client(app, create_user)
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/reports"') >= 2
    learner = app.test_client()
    login(learner, create_user(email="l@example.org").email)
    assert 'href="/reports"' not in learner.get("/").get_data(as_text=True)


def test_heat_map_is_accessible_and_hatches_hidden_cells():
    """The heat map is an img with its title and description, a text legend for each colour step, hidden cells
    hatched and labelled, and text escaped."""
    from uprest.charts import HEAT_STEPS, HeatCell, HeatRow, heat_map

    svg = str(
        heat_map(
            [HeatRow("<b>Data</b>", (HeatCell(0.9, "90%"), HeatCell(None, "hidden", hidden=True)), "Area 1")],
            ["Hotels", "Food"],
            title="Map",
            desc="What it shows",
            legend="Share below target",
            step_labels=[f"step {i}" for i in range(len(HEAT_STEPS))],
            hidden_label="hidden",
            chart_id="t",
        )
    )
    assert 'role="img"' in svg and 'aria-labelledby="t-title t-desc"' in svg
    assert '<title id="t-title">Map</title>' in svg and "What it shows" in svg
    assert all(f"step {i}" in svg for i in range(len(HEAT_STEPS))) and 'fill="url(#t-hidden)"' in svg
    assert f'fill="{HEAT_STEPS[-1]}"' in svg and "&lt;b&gt;Data" in svg and ">hidden<" in svg
    with pytest.raises(ValueError):
        heat_map([], [], title="", desc="", legend="", step_labels=["one"], hidden_label="")


def test_quarter_bounds():
    """A quarter '2026Q4' is [1 October 2026, 1 January 2027) in UTC; anything else is refused."""
    from datetime import UTC, datetime

    from uprest.reports.services import quarter_bounds

    assert quarter_bounds("2026Q4") == (datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert quarter_bounds("2026Q1")[1] == datetime(2026, 4, 1, tzinfo=UTC)
    for bad in ("2026Q0", "2026Q5", "2026q1", "26Q1", "1999Q1", "2026Q1\n", "٢٠٢٦Q1", ""):
        with pytest.raises(ValueError):
            quarter_bounds(bad)


def test_a_minimum_group_under_three_stops_the_start(tmp_path):
    """REPORTS_MIN_GROUP below 3 is refused when the app starts, not with a 500 on the first report."""
    from uprest import create_app

    with pytest.raises(ValueError):
        create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://", "REPORTS_MIN_GROUP": 2})


def test_the_map_is_kept_until_an_assessment_or_a_person_changes(monkeypatch, app, create_user, people, db):
    """The counts are cached per worker, yet a new submitted assessment and a person moving to another
    municipality show on the next request; an unchanged map costs no aggregation query."""
    from tests.test_catalog_pagination import counting
    from uprest.accounts.models import Territory

    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    made = people(3, rating=1)
    client = staff_client(app, create_user)
    assert "3 people" in table_row(client.get("/reports").get_data(as_text=True), "Browsing and searching")
    with counting(db) as statements:
        client.get("/reports")
    assert not [s for s in statements if "latest_runs" in str(s)]  # kept: no aggregation this time
    people(1, rating=1)
    assert "4 people" in table_row(client.get("/reports").get_data(as_text=True), "Browsing and searching")
    made[0].territory_id = db.session.scalar(db.select(Territory.id).where(Territory.slug == "pori"))
    db.session.commit()
    assert "3 people" in table_row(client.get("/reports").get_data(as_text=True), "Browsing and searching")
