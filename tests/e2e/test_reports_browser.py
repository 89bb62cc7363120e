"""The reports of a territory tree in a real browser (issue 14): the staff of the region Kvarner read its skills-gap
map and each municipality's, compare municipalities side by side, publish a quarter of Rijeka that anyone then
finds as open data and through the public API, and read the live figures with an API token until they revoke it;
an administrator sees the tree of territories. An axe audit of every page state on the way."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.test_report_publication import backdate, last_quarter
from tests.test_reports import frameworks, people  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

RIJEKA, OPATIJA = "HR_RIJEKA", "HR_OPATIJA"
API = "/api/v1/territories/{code}/skills-gap"


@pytest.fixture()
def kvarner(monkeypatch, app, create_user, people):  # noqa: F811
    """k = 3. Rijeka: 6 people assessed in the last ended quarter, 3 below target and 3 at it; Opatija: 2 people
    below target (fewer than k); Krk: 1 (so that Opatija's figures cannot be worked out as the region's minus
    Rijeka's, which would hide Rijeka's too). A staff member bound to the region. The quarter."""
    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    period = last_quarter()
    backdate(people(3, rating=1, territory="rijeka") + people(3, rating=5, territory="rijeka"), period)
    people(2, rating=1, territory="opatija")
    people(1, rating=1, territory="krk")
    staff = create_user("staff", email="ivana@example.org", name="Ivana Horvat", territory_code="kvarner")
    return {"period": period, "staff": staff}


def _login(page, email):
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def _heading(page):
    return page.get_by_role("heading", level=1)


def test_region_staff_map_compare_publish_and_read_with_a_token(browser, live_server, page, axe_check, kvarner):
    """The region's map, a municipality's, a hidden one; the comparison; a publication that the public reads as
    open data and through the API; a token that reads the live figures until it is revoked."""
    period = kvarner["period"]
    _login(page, kvarner["staff"].email)

    # 1. the region's skills-gap map, then its municipalities through the territory select
    page.goto("/reports")
    expect(_heading(page)).to_contain_text("Skills-gap map of")
    expect(_heading(page)).to_contain_text("Kvarner")
    expect(page.locator("main svg[role=img]").first).to_be_visible()
    expect(page.locator("#skills-gap-table")).to_be_visible()
    axe_check(page)
    select = page.get_by_label("Territory", exact=True)
    for name in ("Kvarner", "Rijeka", "Opatija"):
        expect(select.locator("option").filter(has_text=name)).to_have_count(1)
    select.select_option(RIJEKA)
    page.get_by_role("button", name="Show the map").click()
    expect(_heading(page)).to_have_text("Skills-gap map of Rijeka")
    expect(page.get_by_label("Territory", exact=True)).to_have_value(RIJEKA)
    table = page.locator("#skills-gap-table")
    expect(table.locator("tfoot")).to_contain_text("50% below target")
    expect(table.locator("tfoot")).to_contain_text("6 people")
    expect(table).not_to_contain_text("hidden")
    axe_check(page)
    page.get_by_label("Territory", exact=True).select_option(OPATIJA)
    page.get_by_label("Quarter", exact=True).press("Enter")  # Enter in the form's text field submits it too
    expect(_heading(page)).to_have_text("Skills-gap map of Opatija")
    expect(table.locator("tfoot td").first).to_have_text("hidden")
    expect(table.locator("td").filter(has_not_text="hidden")).to_have_count(0)  # every cell, no figure
    expect(table).not_to_contain_text("2 people")
    axe_check(page)

    # 2. Rijeka and Opatija side by side
    page.goto("/reports/compare")
    expect(_heading(page)).to_have_text("Territories compared")
    boxes = page.locator("input[type=checkbox][name=territories]")
    for name in ("Rijeka", "Opatija", "Krk", "Crikvenica"):
        expect(page.get_by_role("checkbox", name=name, exact=True)).to_be_visible()
    axe_check(page)
    for i in range(boxes.count()):
        boxes.nth(i).uncheck()
    page.get_by_role("checkbox", name="Rijeka", exact=True).check()
    page.get_by_role("checkbox", name="Opatija", exact=True).check()
    page.get_by_role("button", name="Compare", exact=True).click()
    compared = page.locator("#comparison-table")
    headers = compared.locator("thead th")
    expect(headers).to_have_count(3)  # the competence and one column per territory chosen (in the tree's order)
    names = [t.strip() for t in headers.all_inner_texts()]
    assert names[0] == "Competence" and sorted(names[1:]) == ["Opatija", "Rijeka"], names
    rijeka, opatija = names.index("Rijeka") + 1, names.index("Opatija") + 1  # nth-child of the row's cells
    expect(compared.locator(f"tfoot tr > :nth-child({rijeka})")).to_contain_text("6 people")
    expect(compared.locator(f"tfoot tr > :nth-child({opatija})")).to_have_text("hidden")
    opatija_cells = compared.locator(f"tbody tr:has(td) > :nth-child({opatija})")
    expect(opatija_cells.first).to_have_text("hidden")
    expect(opatija_cells.filter(has_not_text="hidden")).to_have_count(0)
    expect(compared.locator(f"tbody tr:has(td) > :nth-child({rijeka})").first).to_contain_text("50% below target")
    axe_check(page)

    # 3. publish Rijeka's last ended quarter
    page.goto("/reports/publish")
    axe_check(page)
    page.get_by_label("Territory", exact=True).select_option(RIJEKA)
    expect(page.get_by_label("Quarter", exact=True)).to_have_value(period)  # the last ended quarter comes first
    page.get_by_label("I confirm that these figures may be made public.").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("The figures of Rijeka for")
    expect(page.locator(".flashes")).to_contain_text("are public now.")
    row = page.locator("section[aria-labelledby=publications-h] tbody tr").filter(has_text="Rijeka")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Public")
    expect(row.get_by_role("button", name="Withdraw Rijeka")).to_be_visible()
    axe_check(page)

    # anyone, without logging in, finds the dataset and its files
    public = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    public.context.set_default_timeout(15000)
    try:
        public.goto("/open-data")
        expect(public.locator("#open-data-table tbody tr")).to_have_count(1)
        expect(public.locator("#open-data-table tbody th")).to_contain_text("Rijeka")
        axe_check(public)
        public.locator(f"#open-data-table a[href='/open-data/{RIJEKA}/{period}/']").click()
        expect(public).to_have_url(f"{live_server}/open-data/{RIJEKA}/{period}/")
        expect(_heading(public)).to_contain_text("Rijeka")
        axe_check(public)
        link = public.get_by_role("link", name="skills-gap.csv", exact=True)
        resp = public.request.get(link.get_attribute("href"))
        assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(resp.text().lstrip("\ufeff"))))
        assert rows and {"competence_key", "subsector", "n", "below_target", "suppressed"} <= set(rows[0])
        total = next(r for r in rows if r["competence_key"] == "any" and r["subsector"] == "all")
        assert (total["n"], total["below_target"]) == ("6", "3"), total

        api = public.request.get(API.format(code=RIJEKA) + f"?period={period}")
        assert api.status == 200 and api.headers["content-type"].startswith("application/json")
        body = api.json()
        assert body["territory"]["code"] == RIJEKA and body["period"] == period and body["published_at"]
        assert public.request.get(API.format(code=RIJEKA)).status == 404  # the live figures are not public

        # 4. an API token reads the live figures (all time), until it is revoked
        page.goto("/reports/tokens")
        axe_check(page)
        page.get_by_label("Name", exact=True).fill("Dashboard")
        page.get_by_label("Territory", exact=True).select_option("HR031")  # the region: it reads Rijeka too
        page.get_by_role("button", name="Create the token").click()
        token_field = page.get_by_label("Token", exact=True)
        expect(token_field).to_have_value(re.compile(r"^upr_"))
        raw = token_field.input_value()
        assert raw.startswith("upr_"), raw
        expect(page.get_by_role("status")).to_contain_text("it is shown only this once")
        axe_check(page)
        live = public.request.get(API.format(code=RIJEKA), headers={"Authorization": "Bearer " + raw})
        assert live.status == 200, live.text()
        assert live.json()["published_at"] is None and live.headers["cache-control"] == "private, no-store"
        page.goto("/reports/tokens")  # the raw token is gone for good: only its first characters are listed
        expect(page.get_by_label("Token", exact=True)).to_have_count(0)
        assert raw not in page.content()
        expect(page.locator("tbody tr").filter(has_text="Dashboard")).to_contain_text(raw[:10])
        page.get_by_role("button", name="Revoke Dashboard").click()
        expect(page.locator(".flashes")).to_contain_text("The token Dashboard can no longer read any figures.")
        expect(page.locator("tbody tr").filter(has_text="Dashboard")).to_contain_text("Revoked on")
        axe_check(page)
        revoked = public.request.get(API.format(code=RIJEKA), headers={"Authorization": "Bearer " + raw})
        assert revoked.status == 401
    finally:
        public.context.close()
    assert page.console_errors == []


def test_admin_sees_the_tree_of_territories(page, axe_check, create_user):
    """The administrators' list of territories shows Kvarner with its municipalities below it."""
    admin = create_user("admin", email="ada@example.org", territory_code=None)
    _login(page, admin.email)
    page.goto("/admin/territories")
    expect(_heading(page)).to_have_text("Territories")
    names = page.locator("main table tbody th[scope=row]")
    expect(names.filter(has_text="Kvarner")).to_have_count(1)
    texts = names.all_inner_texts()
    region = next(i for i, t in enumerate(texts) if "Kvarner" in t)
    below = [t.strip() for t in texts[region + 1 : region + 6]]
    for name in ("Rijeka", "Opatija", "Crikvenica", "Krk", "Mali Lošinj"):
        assert any(t.startswith(name) for t in below), (name, below)
    axe_check(page)
    assert page.console_errors == []
