"""Territories side by side (issue 14): the consortium compares every territory, staff the territories of their own
tree; each column is that territory's own map, so what its map hides is hidden here too."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.test_reports import csv_of, frameworks, people, table_row  # noqa: F401 (fixtures)
from uprest.accounts import territories
from uprest.extensions import db

ROW = "Browsing and searching"


def client_of(app, create_user, role, territory=None, email=None):
    client = app.test_client()
    user = create_user(role=role, email=email or f"{role}-{territory}@example.org", territory_code=territory)
    assert login(client, user.email).status_code == 302
    return client


@pytest.fixture()
def partners(monkeypatch, app, people):  # noqa: F811
    """Vänersborg: 4 people below target; Pori: 3 above it; Cervia: 2 (under k = 3, hidden)."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(4, rating=1, territory="vanersborg")
    people(3, rating=5, territory="pori")
    people(2, rating=1, territory="cervia")


def test_consortium_compares_any_territories_with_each_ones_own_rule(app, create_user, partners):
    client = client_of(app, create_user, "consortium", email="sern@example.org")
    html = client.get("/reports/compare?territories=SE_1487&territories=FI_609&territories=IT_039007").get_data(
        as_text=True
    )
    assert "Territories compared" in html and 'role="img"' in html
    cells = table_row(html, ROW)
    assert "100% below target" in cells and "4 people" in cells  # Vänersborg
    assert "0% below target" in cells and "3 people" in cells  # Pori
    assert cells.count("hidden") == 1 and "2 people" not in html  # Cervia, under k
    rows = csv_of(client.get("/reports/compare.csv?territories=SE_1487&territories=IT_039007"))
    cervia = [r for r in rows if r["territory"] == "IT_039007"]
    assert cervia and all(r["n"] == "" and r["suppressed"] == "yes" for r in cervia)
    assert {r["n"] for r in rows if r["territory"] == "SE_1487"} == {"4"}
    # the same figure as the territory's own map
    own = client.get("/reports/skills-gap.json?territory=SE_1487").get_json()
    assert {c["n"] for c in own["cells"] if c["subsector"] == "all"} == {4}


def test_by_default_the_municipalities_and_a_choice_is_kept(app, create_user, partners):
    client = client_of(app, create_user, "admin", email="root@example.org")
    html = client.get("/reports/compare").get_data(as_text=True)
    for name in ("Vänersborg", "Pori", "Cervia", "Rijeka"):
        assert f'<th scope="col">{name}</th>' in html
    assert 'value="SE_1487" checked' in html


def test_staff_compare_only_their_own_tree(app, create_user, partners):
    region = client_of(app, create_user, "staff", territory="vastra-gotaland")
    html = region.get("/reports/compare").get_data(as_text=True)
    assert "Vänersborg" in html and "Trollhättan" in html and "Pori" not in html
    resp = region.get("/reports/compare?territories=FI_609")
    assert resp.status_code == 200 and "Please choose territories from the list." in resp.get_data(as_text=True)
    assert region.get("/reports/compare.csv?territories=FI_609").status_code == 400


def test_learners_cannot_compare_and_bad_input_is_a_form_error(app, create_user, partners):
    learner = client_of(app, create_user, "learner", territory="vanersborg")
    assert learner.get("/reports/compare").status_code == 403
    admin = client_of(app, create_user, "admin", email="root@example.org")
    many = "&".join(f"territories={node.territory.code}" for node in territories.tree())
    resp = admin.get(f"/reports/compare?{many}")
    assert resp.status_code == 200 and "Choose at most 12 territories." in resp.get_data(as_text=True)
    resp = admin.get("/reports/compare?period=2026Q9")
    assert resp.status_code == 200 and "for example 2026Q4" in resp.get_data(as_text=True)


def test_a_region_and_its_municipalities_side_by_side_hide_the_small_one(monkeypatch, app, create_user, people):  # noqa: F811
    """Västra Götaland (Vänersborg 6 + Trollhättan 2, k = 3): Trollhättan is hidden, and so is the region or
    Vänersborg — never both shown, or the region minus Vänersborg would give Trollhättan."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(6, rating=1, territory="vanersborg")
    people(2, rating=1, territory="trollhattan")
    client = client_of(app, create_user, "consortium", email="sern@example.org")
    rows = csv_of(client.get("/reports/compare.csv?territories=SE232&territories=SE_1487&territories=SE_1488"))
    for key in {r["competence_key"] for r in rows}:
        n = {r["territory"]: r["n"] for r in rows if r["competence_key"] == key}
        assert n["SE_1488"] == ""
        assert n["SE232"] == "" or n["SE_1487"] == "", (key, n)
    assert db.session.get(type(territories.by_code("SE232")), territories.by_code("SE232").id).kind == "region"


def test_the_consortium_reads_every_territory_and_nothing_else(app, create_user, partners):
    """The consortium role reads the reports of any territory (and chooses it: it has none of its own), but
    publishes nothing, creates no token and administers nothing; its home page offers the map and the comparison."""
    client = client_of(app, create_user, "consortium", email="sern@example.org")
    assert "Choose a municipality to see its map." in client.get("/reports").get_data(as_text=True)
    for code in ("SE_1487", "FI_609", "kvarner"):
        assert client.get(f"/reports?territory={code}").status_code == 200
        assert client.get(f"/reports/participation.json?territory={code}").status_code == 200
    for path in ("/reports/publish", "/reports/tokens", "/admin/users", "/admin/territories"):
        assert client.get(path).status_code == 403, path
    home = client.get("/").get_data(as_text=True)
    assert "/reports/compare" in home and "/reports" in home


def test_the_consortium_reads_the_live_api_of_any_territory(app, create_user, partners):
    client = client_of(app, create_user, "consortium", email="sern@example.org")
    body = client.get("/api/v1/territories/FI_609/skills-gap").get_json()
    assert body["published_at"] is None and body["territory"]["code"] == "FI_609"


def test_empty_and_repeated_choices_are_no_error(app, create_user, partners):
    client = client_of(app, create_user, "consortium", email="sern@example.org")
    for query in ("territories=", "territories=&territories=SE_1487", "territories=SE_1487&territories=SE_1487"):
        assert client.get(f"/reports/compare?{query}").status_code == 200, query
        assert client.get(f"/reports/compare.csv?{query}").status_code == 200, query
