"""The municipality report as a PDF (issue 14): the figures of the report pages with the same charts, hidden cells
hidden, in the staff member's language, tagged; only for the staff of the territory."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.conftest import login
from tests.test_reports import frameworks, people, staff_client  # noqa: F401 (fixtures)
from uprest.charts import HEAT_STEPS
from uprest.extensions import utcnow
from uprest.reports import participation as model
from uprest.reports.pdf import chart_page

URL = "/reports/report.pdf"


# --- helpers ----------------------------------------------------------------------------------------------


@pytest.fixture()
def territory_data(people):  # noqa: F811
    """Vänersborg (k = 5): 12 people in visitor attraction (shown), 10 in accommodation and 3 in food and beverage
    (both hidden: 3 is under k, and 10 would give it away by subtraction)."""
    people(5, "accommodation", rating=1)
    people(5, "accommodation", rating=5)
    people(3, "food_beverage", rating=1)
    people(6, "attraction", rating=1)
    people(6, "attraction", rating=5)


def pdf_of(resp) -> bytes:
    assert resp.status_code == 200 and resp.mimetype == "application/pdf", resp.status_code
    assert resp.data.startswith(b"%PDF-")
    return resp.data


def text_of(pdf: bytes) -> str:
    """The text of every page (the SVG charts' texts included: they are drawn as text)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def count(text: str, figure: str) -> bool:
    """Whether `figure` ("3 people") is in `text` as a whole number ("13 people" is not "3 people")."""
    return re.search(r"(?<![0-9])" + re.escape(figure), text) is not None


def figures_alt(pdf: bytes) -> list[str]:
    """The alternative texts of the figures of the PDF's structure tree (tagged PDF)."""
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                found.append(str(node.get("/Alt")))
            if node.get("/K") is not None:
                walk(node["/K"])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(root["/StructTreeRoot"])
    return found


def page_images(pdf: bytes, tmp_path) -> list[Image.Image]:
    assert shutil.which("pdftoppm"), "pdftoppm is missing: install poppler-utils (make sysdeps-test)"
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "r.pdf", "page"], cwd=tmp_path, check=True)
    return [Image.open(path).convert("RGB") for path in sorted(tmp_path.glob("page-*.png"))]


def heat_pixels(image: Image.Image) -> int:
    """Pixels of the heat map's colour steps (the chart's cells are drawn, not only written)."""
    colours = {tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in HEAT_STEPS}
    return sum(n for n, rgb in image.getcolors(maxcolors=1 << 20) if rgb in colours)


# --- what staff get -------------------------------------------------------------------------------------------


def test_staff_download_the_pages_figures_with_the_charts(app, create_user, territory_data, tmp_path):
    """The PDF names the territory and period, shows each figure the map shows (as its JSON gives it), says
    "hidden" for each hidden cell and writes no hidden count; both charts are drawn as figures (their texts are
    in the PDF's text, their coloured cells on the page); a tagged PDF in English."""
    client = staff_client(app, create_user)
    resp = client.get(URL)
    pdf = pdf_of(resp)
    assert resp.headers["Content-Disposition"] == 'attachment; filename="report-SE_1487-all.pdf"'
    assert resp.headers["Cache-Control"] == "private, no-store"
    text = text_of(pdf)
    for expected in ("Vänersborg", "SE_1487", "Municipality", "all time", "Skills-gap map of Vänersborg"):
        assert expected in text, expected
    for name in ("Browsing and searching", "Protecting devices", "Online distribution and booking"):
        assert name in text, name

    cells = client.get("/reports/skills-gap.json").get_json()["cells"]
    shown = [c for c in cells if not c["suppressed"]]
    hidden = [c for c in cells if c["suppressed"]]
    assert shown and hidden  # the data set has both
    for c in shown:
        assert count(text, f"{c['n']} people"), c
        assert f"{round(100 * c['below_target_share'])}% below target" in text, c
    rows = {c["competence_key"]: c for c in shown if c["subsector"] == "attraction"}
    assert rows["digcomp:1.1"]["n"] == 12 and "median gap 1.5 · 12 people" in text
    # each hidden cell of the table says "hidden" (twice per row: accommodation and food and beverage)
    table = text[text.index("The skills-gap map as a table") :]
    row = table[table.index("Browsing and searching") : table.index("Evaluating data")]
    assert row.count("hidden") == 2
    for secret in ("3 people", "10 people"):  # the hidden cells' counts
        assert not count(text, secret), secret

    participation = client.get("/reports/participation.json").get_json()
    assessed = next(f for f in participation["funnel"] if f["figure"] == "people_assessed")["value"]
    assert assessed == 25 and re.search(r"People assessed 25 100%", text)

    # the charts: their legends and cells are text of the PDF, and tagged figures named by the charts' titles
    assert "Share below target" in text and "Share of the people assessed" in text
    alt = figures_alt(pdf)
    assert "Skills-gap map of Vänersborg" in alt and "Participation by quarter in Vänersborg" in alt
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"]
    images = page_images(pdf, tmp_path)
    assert len(images) == len(PdfReader(io.BytesIO(pdf)).pages)
    assert heat_pixels(images[0]) == 0 and max(heat_pixels(image) for image in images[1:]) > 200


def test_filters_name_the_period_and_the_subsector(app, create_user, territory_data):
    """A quarter and a sub-sector: the file name has the quarter, the PDF says both and shows only that column
    of the map."""
    quarter = model.quarter_of(utcnow())
    client = staff_client(app, create_user)
    resp = client.get(f"{URL}?period={quarter}&subsector=attraction")
    text = text_of(pdf_of(resp))
    assert resp.headers["Content-Disposition"] == f'attachment; filename="report-SE_1487-{quarter}.pdf"'
    assert f"{quarter[:4]}, quarter {quarter[-1]}" in text and "all time" not in text
    assert "Visitor attraction" in text and "Accommodation" not in text
    assert "median gap 1.5 · 12 people" in text and "These figures cover everybody" in text


def test_in_the_staff_members_language(app, create_user, territory_data):
    """Staff whose language is Swedish get the report in Swedish (labels, the "hidden" of the cells, the
    charts' texts), with Swedish as the document's language."""
    client = app.test_client()
    staff = create_user(role="staff", email="personal@example.org", locale="sv")
    assert login(client, staff.email).status_code == 302
    pdf = pdf_of(client.get(URL))
    text = text_of(pdf)
    for swedish in ("Karta över kompetensglapp för Vänersborg", "alla perioder", "Boende", "Mat och dryck", "Kommun"):
        assert swedish in text, swedish
    assert "Andel under målet" in text and "Share below target" not in text  # the chart's legend
    assert "all time" not in text and "Accommodation" not in text
    hidden = [c for c in client.get("/reports/skills-gap.json").get_json()["cells"] if c["suppressed"]]
    assert text.count("dold") >= 2 * len(hidden) > 0  # each hidden cell, in the table and in the chart
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "sv"


# --- who may ----------------------------------------------------------------------------------------------


def test_only_the_territorys_staff_and_valid_filters(app, client, create_user, login_as, territory_data):
    """Another territory's staff get 403 (asking for this one), a learner 403, a visitor the login page; a bad
    period or sub-sector is 400 as for the other exports, and an administrator must name a territory."""
    other = staff_client(app, create_user, territory="trollhattan")
    assert other.get(f"{URL}?territory=vanersborg").status_code == 403
    own = staff_client(app, create_user)
    assert own.get(f"{URL}?territory=trollhattan").status_code == 403
    for query in ("period=2026Q5", "period=0000Q1", "subsector=spa"):
        assert own.get(f"{URL}?{query}").status_code == 400, query
    resp = client.get(URL)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login_as(role="learner")
    assert client.get(URL).status_code == 403
    admin = app.test_client()
    login(admin, create_user(role="admin", email="admin@example.org").email)
    assert admin.get(URL).status_code == 400


def test_map_and_participation_pages_link_to_the_report(app, create_user, territory_data):
    """The map and the participation page offer the PDF with their filters."""
    quarter = model.quarter_of(utcnow())
    client = staff_client(app, create_user)
    html = client.get(f"/reports?period={quarter}&subsector=attraction").get_data(as_text=True)
    assert f'href="/reports/report.pdf?subsector=attraction&amp;period={quarter}"' in html
    assert "Download the report (PDF)" in html
    html = client.get(f"/reports/participation?period={quarter}").get_data(as_text=True)
    assert f'href="/reports/report.pdf?period={quarter}"' in html and "Download the report (PDF)" in html


# --- pure -------------------------------------------------------------------------------------------------


def test_a_chart_goes_on_the_page_that_draws_it_larger():
    """A tall heat map (many competences) on a portrait page, a wide one (many columns) or one that fits either
    on a landscape page."""
    assert chart_page('<svg viewBox="0 0 700 1100">') == "tall"
    assert chart_page('<svg viewBox="0 0 1200 400">') == "wide"
    assert chart_page('<svg viewBox="0 0 400 300">') == "wide"
    assert chart_page("") == "wide"
