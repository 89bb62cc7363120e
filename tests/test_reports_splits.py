"""The skills-gap map split by business size and by role, and filtered to one of them (issue 14: "filters for
period, sub-sector, business size and role")."""

from __future__ import annotations

import re

from tests.conftest import csrf_token
from tests.test_reports import KEY, csv_of, frameworks, people, staff_client, table_row  # noqa: F401 (fixtures)
from tests.test_reports_pdf import pdf_of, text_of


def headings(html: str) -> list[str]:
    """The column headings of the map's table."""
    table = html[html.index('id="skills-gap-table"') :]
    head = table[: table.index("</thead>")]
    return re.findall(r'<th scope="col">(.*?)</th>', head)


def test_the_map_splits_its_columns_by_size_or_by_role(monkeypatch, app, create_user, people):  # noqa: F811
    """?split=size gives a column per business size (and people without a business), ?split=role one per role
    the people were assessed for, each with its own total column; the figures are the people's."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(4, rating=1, size="micro", job_role="reception")
    people(3, rating=5, size="small", job_role="owner")
    people(3, "food_beverage", rating=1, with_business=False, job_role="owner")
    client = staff_client(app, create_user)
    by_size = client.get("/reports?split=size").get_data(as_text=True)
    assert headings(by_size) == ["Competence", "2–9 people", "10–49 people", "No business", "All business sizes"]
    row = table_row(by_size, "Browsing and searching")
    assert "100% below target" in row and "4 people" in row and "0% below target" in row and "10 people" in row
    by_role = client.get("/reports?split=role").get_data(as_text=True)
    assert headings(by_role) == ["Competence", "Owner or manager", "Front office and reception", "All roles"]
    row = table_row(by_role, "Browsing and searching")
    assert "6 people" in row and "50% below target" in row and "4 people" in row  # owners: 3 below of 6
    assert '<option selected value="role">' in by_role
    rows = csv_of(client.get("/reports/skills-gap.csv?split=size"))
    micro = next(r for r in rows if r["competence_key"] == KEY and r["size"] == "micro")
    assert (micro["subsector"], micro["role"], micro["n"], micro["below_target"]) == ("all", "all", "4", "4")
    assert {r["size"] for r in rows} == {"micro", "small", "none", "all"}
    data = client.get("/reports/skills-gap.json?split=role").get_json()
    assert data["split"] == "role" and {c["role"] for c in data["cells"]} == {"owner", "reception", "all"}


def test_a_size_or_role_filter_shows_only_that_column(monkeypatch, app, create_user, people):  # noqa: F811
    """?size=micro (or ?role=owner) shows that column of the split alone, with the same figures, in the page, the
    exports, the training demand and the PDF."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(4, rating=1, size="micro", job_role="reception")
    people(3, rating=5, size="small", job_role="owner")
    client = staff_client(app, create_user)
    html = client.get("/reports?size=micro").get_data(as_text=True)
    assert headings(html) == ["Competence", "2–9 people", "All business sizes"]
    assert "4 people" in table_row(html, "Browsing and searching")
    assert 'href="/reports/skills-gap.csv?size=micro"' in html and 'href="/reports/training?size=micro"' in html
    rows = csv_of(client.get("/reports/skills-gap.csv?role=owner"))
    assert {r["role"] for r in rows} == {"owner", "all"}
    owners = next(r for r in rows if r["competence_key"] == KEY and r["role"] == "owner")
    assert (owners["n"], owners["below_target"]) == ("3", "0")
    assert client.get("/reports/training.json?size=micro").status_code == 200
    training = client.get("/reports/training?size=micro").get_data(as_text=True)
    assert '<option selected value="micro">' in training and 'name="split"' not in training
    text = text_of(pdf_of(client.get("/reports/report.pdf?role=owner")))
    assert "Role Owner or manager" in text and "Front office and reception" not in text
    assert "These figures cover everybody" in text


def test_a_small_size_column_and_its_complement_are_hidden(app, create_user, people):  # noqa: F811
    """With k = 5, a business size of 2 people is hidden in the split by size, and so is the size that would give
    it away from the total; the split by sub-sector (one sub-sector: the same people as the total) stays shown."""
    people(6, rating=1, size="micro")
    people(2, rating=1, size="medium")
    client = staff_client(app, create_user)
    row = table_row(client.get("/reports?split=size").get_data(as_text=True), "Browsing and searching")
    assert row.count("hidden") == 2 and "8 people" in row
    assert not re.search(r"(?<![0-9])(6|2) (people|person)", row)
    data = client.get("/reports/skills-gap.json?split=size").get_json()
    cells = [c for c in data["cells"] if c["competence_key"] == KEY]
    assert {c["size"] for c in cells if c["suppressed"]} == {"micro", "medium"}
    assert all("n" not in c for c in cells if c["suppressed"])
    by_sub = table_row(client.get("/reports").get_data(as_text=True), "Browsing and searching")
    assert "hidden" not in by_sub and "8 people" in by_sub


def test_two_filters_at_once_or_a_bad_value_give_a_form_error(app, create_user, people):  # noqa: F811
    """A sub-sector with a size (or a size with a role) would cross two splits: a translated form error (200) on
    the page, 400 for an export; an unknown size, role or split is the form's error too, never a 500."""
    people(5, rating=1)
    client = staff_client(app, create_user)
    for query, message in [
        ("subsector=accommodation&size=micro", "Choose one of sub-sector, business size and role."),
        ("size=micro&role=owner", "Choose one of sub-sector, business size and role."),
        ("size=huge", "Please choose a business size from the list."),
        ("role=astronaut", "Please choose a role from the list."),
        ("split=colour", "Please choose how to split the columns from the list."),
    ]:
        resp = client.get(f"/reports?{query}")
        assert resp.status_code == 200 and message in resp.get_data(as_text=True), query
        assert 'id="skills-gap-table"' not in resp.get_data(as_text=True)
        assert client.get(f"/reports/skills-gap.csv?{query}").status_code == 400, query
        assert client.get(f"/reports/training?{query}").status_code == 200, query
    client.post("/language", data={"lang": "sv", "csrf_token": csrf_token(client, "/reports")})
    resp = client.get("/reports?size=micro&role=owner")
    assert "Välj bara en av delbransch, företagsstorlek och roll." in resp.get_data(as_text=True)
