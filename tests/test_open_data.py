"""The open-data package of a published period (issue 14): CSV files that match their CSVW metadata, hidden figures
empty (never 0), a DCAT-AP description, a deterministic zip, public pages; nothing for what is not published."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime

import pytest

from tests.factories import make_module
from tests.test_reports import frameworks, people  # noqa: F401 (fixtures)
from tests.test_reports_participation import learn
from uprest.assessments.models import AssessmentRun
from uprest.extensions import db
from uprest.reports import opendata
from uprest.reports import publication as publications
from uprest.reports.models import Publication

PERIOD = "2026Q3"
PUBLISHED_AT = datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
BASE = "/open-data/SE_1487/2026Q3/"
CSV_TYPE = "text/csv; charset=utf-8"
DATATYPES = {
    "integer": re.compile(r"-?[0-9]+"),
    "decimal": re.compile(r"-?[0-9]+(\.[0-9]+)?"),
    "boolean": re.compile(r"true|false"),
    "string": re.compile(r".*", re.S),
}


@pytest.fixture()
def published(app, create_user, people):  # noqa: F811
    """Vänersborg's figures of 2026Q3 published: 10 people in accommodation and 3 in food and beverage (both
    sub-sectors hidden with k = 5), 2 of them enrolled in a module (hidden); returns publish(code, period)."""
    people(5, "accommodation", rating=1)
    users = people(5, "accommodation", rating=5)
    people(3, "food_beverage", rating=1)
    module = make_module(create_user("trainer", email="author@example.org"), "browsing-skills", publish=True)
    learn(app, users[:2], module, "enrolled")
    db.session.execute(db.update(AssessmentRun).values(submitted_at=datetime(2026, 8, 1, tzinfo=UTC)))
    db.session.commit()

    def publish(code="vanersborg", period=PERIOD, *, withdrawn=False, at=PUBLISHED_AT) -> Publication:
        territory = publications.territories.by_code(code)
        data = publications.snapshot(territory, period)
        pub = Publication(
            territory_id=territory.id,
            period=period,
            k=data["skills_gap"]["k"],
            data=data,
            published_at=at,
            withdrawn_at=at if withdrawn else None,
        )
        db.session.add(pub)
        db.session.commit()
        return pub

    return publish


def rows_of(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def fetch(client, name: str, prefix: str = BASE):
    resp = client.get(prefix + name)
    assert resp.status_code == 200, (name, resp.status_code)
    return resp


# --- the files ---------------------------------------------------------------------------------------------


def test_every_file_reads_back_with_its_content_type(client, published):
    """Anyone (no login) downloads every file of a published period, each with its content type."""
    published()
    expected = {
        "skills-gap.csv": CSV_TYPE,
        "participation.csv": CSV_TYPE,
        "training.csv": CSV_TYPE,
        "csv-metadata.json": "application/csvm+json",
        "dataset.jsonld": "application/ld+json",
        "README.txt": "text/plain; charset=utf-8",
        "package.zip": "application/zip",
    }
    for name, content_type in expected.items():
        resp = fetch(client, name)
        assert resp.headers["Content-Type"] == content_type, name
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(fetch(client, "csv-metadata.json").data)["@type"] == "TableGroup"
    assert json.loads(fetch(client, "dataset.jsonld").data)["@type"] == "dcat:Dataset"
    readme = " ".join(fetch(client, "README.txt").get_data(as_text=True).split())
    assert "fewer than 5 people" in readme and "EMPTY cell, never 0" in readme and "CC BY 4.0" in readme
    disposition = fetch(client, "package.zip").headers["Content-Disposition"]
    assert disposition == 'attachment; filename="SE_1487-2026Q3-package.zip"'


def test_every_csv_matches_its_csvw_metadata(client, published):
    """Each CSV's header is its table's column names in order; every non-empty cell parses as its column's
    datatype; required columns are never empty; the primary key is unique."""
    published()
    meta = json.loads(fetch(client, "csv-metadata.json").data)
    assert meta["@context"][0] == "http://www.w3.org/ns/csvw"
    assert [t["url"] for t in meta["tables"]] == list(opendata.CSV_FILES)
    for table in meta["tables"]:
        columns = table["tableSchema"]["columns"]
        assert all(c["null"] == "" and c["dc:description"] and c["titles"] == c["name"] for c in columns)
        header, *rows = rows_of(fetch(client, table["url"]).data)
        assert header == [c["name"] for c in columns], table["url"]
        assert rows, table["url"]
        for row in rows:
            assert len(row) == len(columns)
            for cell, column in zip(row, columns, strict=True):
                if cell == "":
                    assert not column["required"], (table["url"], column["name"])
                else:
                    assert DATATYPES[column["datatype"]].fullmatch(cell), (table["url"], column["name"], cell)
        key = [header.index(name) for name in table["tableSchema"]["primaryKey"]]
        keys = [tuple(row[i] for i in key) for row in rows]
        assert len(set(keys)) == len(keys), table["url"]


def test_hidden_figures_are_empty_and_marked_suppressed(client, published):
    """A hidden figure is an empty cell, never 0, and its row says suppressed = true; shown figures are there."""
    published()
    header, *rows = rows_of(fetch(client, "skills-gap.csv").data)
    gap = [dict(zip(header, row, strict=True)) for row in rows]
    for r in gap:
        assert (r["suppressed"] == "true") == (r["below_target"] == ""), r  # below is shown iff the cell is
        if r["subsector"] in ("accommodation", "food_beverage"):  # 10 and 3 people: both hidden (k = 5)
            assert r["suppressed"] == "true" and r["below_target_share"] == r["median_gap"] == ""
        if r["suppressed"] == "true":
            assert "0" not in (r["n"], r["below_target"], r["below_target_share"])
    total = next(r for r in gap if r["competence_key"] == "digcomp:1.1" and r["subsector"] == "all")
    assert (total["n"], total["below_target"], total["suppressed"]) == ("13", "8", "false")
    header, *rows = rows_of(fetch(client, "participation.csv").data)
    part = [dict(zip(header, row, strict=True)) for row in rows]
    hidden = [r for r in part if r["suppressed"] == "true"]
    assert any(r["figure"] == "enrolled" for r in hidden)  # 2 people enrolled: under k
    assert all(r["value"] == "" and r["share"] == "" for r in hidden)
    shown = next(r for r in part if r["series"] == "funnel" and r["figure"] == "people_assessed")
    assert (shown["value"], shown["covers"], shown["suppressed"]) == ("13", PERIOD, "false")


def test_text_that_a_spreadsheet_would_run_comes_out_neutralised(client, published):
    """A text value of the frozen data that starts with "=" (or "+", "@") is written with a leading "'"."""
    pub = published()
    data = json.loads(json.dumps(pub.data))
    data["training"]["modules"][0]["title"] = '=HYPERLINK("http://evil.example","x")'
    data["skills_gap"]["cells"][0]["competence"] = "@SUM(A1)"
    pub.data = data
    db.session.commit()
    header, *rows = rows_of(fetch(client, "training.csv").data)
    assert rows[0][header.index("title")] == '\'=HYPERLINK("http://evil.example","x")'
    header, *rows = rows_of(fetch(client, "skills-gap.csv").data)
    assert rows[0][header.index("competence")] == "'@SUM(A1)"
    body = fetch(client, "skills-gap.csv").get_data(as_text=True)
    assert not re.search(r"(^|,)[=+@]", body.lstrip("\ufeff"), re.M)


# --- DCAT-AP -----------------------------------------------------------------------------------------------


def _compact_iris(node, found: set) -> set:
    """Every compact IRI used as a key, a @type or an @id/@type value."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("@"):
                found.add(key)
            if key == "@type" and isinstance(value, str):
                found.add(value)
            if key != "@context":
                _compact_iris(value, found)
    elif isinstance(node, list):
        for item in node:
            _compact_iris(item, found)
    return found


def test_the_dataset_is_described_in_dcat_ap(client, published):
    """dataset.jsonld: a dcat:Dataset with every prefix it uses defined, titles by language, the CC BY 4.0
    licence on every distribution, the quarter's first and last day, the LAU code as the spatial notation, and
    working links (each CSV, the zip and the JSON API)."""
    published()
    doc = json.loads(fetch(client, "dataset.jsonld").data)
    prefixes = {iri.split(":")[0] for iri in _compact_iris(doc, set()) if ":" in iri}
    assert prefixes <= set(doc["@context"]), prefixes - set(doc["@context"])
    assert doc["@type"] == "dcat:Dataset" and doc["@id"] == "http://127.0.0.1:5000" + BASE
    titles = {t["@language"]: t["@value"] for t in doc["dct:title"]}
    assert "Vänersborg" in titles["en"] and "2026, quarter 3" in titles["en"]
    assert set(titles) <= {"en", "sv", "it", "fi", "hr"} and {d["@language"] for d in doc["dct:description"]} == set(
        titles
    )
    assert doc["dct:publisher"]["@type"] == "foaf:Agent"
    assert {"@value": "Vänersborg (UPREST)", "@language": "en"} in doc["dct:publisher"]["foaf:name"]
    temporal = doc["dct:temporal"]
    assert temporal["@type"] == "dct:PeriodOfTime"
    assert temporal["dcat:startDate"] == {"@value": "2026-07-01", "@type": "xsd:date"}
    assert temporal["dcat:endDate"] == {"@value": "2026-09-30", "@type": "xsd:date"}
    spatial = doc["dct:spatial"]
    assert spatial["@id"] == doc["@id"] + "#territory"
    assert (spatial["skos:notation"], spatial["skos:inScheme"]) == ("SE_1487", "LAU 2021")
    assert doc["dct:issued"] == {"@value": PUBLISHED_AT.isoformat(), "@type": "xsd:dateTime"}
    assert doc["dcat:theme"] == {"@id": "http://publications.europa.eu/resource/authority/data-theme/EDUC"}
    assert {"@value": "tourism", "@language": "en"} in doc["dcat:keyword"]
    distributions = doc["dcat:distribution"]
    assert all(d["dct:license"] == {"@id": "http://creativecommons.org/licenses/by/4.0/"} for d in distributions)
    assert all(d["@type"] == "dcat:Distribution" and d["dcat:accessURL"]["@id"] for d in distributions)
    downloads = [d["dcat:downloadURL"]["@id"] for d in distributions if "dcat:downloadURL" in d]
    assert downloads == [doc["@id"] + name for name in (*opendata.CSV_FILES, "package.zip")]
    for dist in distributions[:3]:
        assert dist["dct:format"]["@id"].endswith("/file-type/CSV")
        assert dist["dct:conformsTo"] == {"@id": doc["@id"] + "csv-metadata.json"}
    for dist in distributions[:4]:  # the zip holds dataset.jsonld: its size is not in it
        resp = fetch(client, dist["dcat:downloadURL"]["@id"].removeprefix("http://127.0.0.1:5000"), prefix="")
        assert "dcat:byteSize" not in dist or int(dist["dcat:byteSize"]["@value"]) == len(resp.data)
    assert all(int(d["dcat:byteSize"]["@value"]) > 0 for d in distributions[:3])
    api = distributions[-1]["dcat:accessURL"]["@id"]
    assert api == "http://127.0.0.1:5000/api/v1/territories/SE_1487/skills-gap?period=2026Q3"
    answer = client.get(api.removeprefix("http://127.0.0.1:5000"))
    assert answer.status_code == 200 and answer.get_json()["period"] == PERIOD


def test_a_region_is_located_by_its_nuts_uri(client, published):
    """A region's dataset names its NUTS code's official URI as spatial coverage."""
    published("SE232")
    doc = json.loads(fetch(client, "dataset.jsonld", "/open-data/SE232/2026Q3/").data)
    assert doc["dct:spatial"]["@id"] == "http://data.europa.eu/nuts/code/SE232"
    assert doc["dct:spatial"]["skos:notation"] == "SE232"


def test_quarter_coverage_runs_from_its_first_to_its_last_day():
    """The temporal coverage of a quarter: its first and last day (leap years included)."""
    assert opendata.coverage("2026Q4", date(2027, 1, 5)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert opendata.coverage("2028Q1", date(2028, 5, 1)) == (date(2028, 1, 1), date(2028, 3, 31))
    assert opendata.coverage("all", date(2027, 1, 5)) == (None, date(2027, 1, 5))


def test_decimals_are_written_without_an_exponent():
    """CSVW decimals have no exponent: 0.00001 is written out; a hidden value stays empty."""
    assert opendata._decimal(1e-05) == "0.00001" and opendata._decimal(3.0) == "3.0"
    assert opendata._decimal(None) is None and opendata._decimal(0) == "0"


# --- the zip -------------------------------------------------------------------------------------------------


def test_the_zip_holds_exactly_the_files_and_is_the_same_every_time(client, published):
    """package.zip holds every file, in order, with the bytes of its own download, dated when the period was
    published; two downloads are identical."""
    published()
    body = fetch(client, "package.zip").data
    assert fetch(client, "package.zip").data == body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == list(opendata.FILES)
        for info in archive.infolist():
            assert info.date_time == (2026, 10, 2, 9, 30, 0)
            assert archive.read(info) == fetch(client, info.filename).data, info.filename


# --- what is not published -----------------------------------------------------------------------------------


def test_unknown_unpublished_and_withdrawn(client, published):
    """An unknown territory, period or file and a period never published give 404; a withdrawn one gives 410 with
    a short page, for its page and its files, and it leaves the list."""
    published()
    published("trollhattan", withdrawn=True)
    for url in (
        "/open-data/XX_1/2026Q3/",
        "/open-data/SE_1487/2026Q2/",
        "/open-data/SE_1487/2026Q5/",
        "/open-data/SE_1487/2026Q2/skills-gap.csv",
        BASE + "secrets.csv",
        BASE + "../dataset.jsonld",
    ):
        assert client.get(url).status_code == 404, url
    gone = client.get("/open-data/SE_1488/2026Q3/")
    assert gone.status_code == 410 and "withdrawn" in gone.get_data(as_text=True)
    for name in (*opendata.FILES, "package.zip"):
        assert client.get(f"/open-data/SE_1488/2026Q3/{name}").status_code == 410, name
    listing = client.get("/open-data").get_data(as_text=True)
    assert BASE in listing and "SE_1488" not in listing
    for alias in ("/open-data/vanersborg/2026Q3/", "/open-data/se_1487/2026Q3/training.csv"):
        moved = client.get(alias)  # one address per dataset: the official code
        assert moved.status_code == 301 and moved.headers["Location"].endswith(
            alias.replace(alias.split("/")[2], "SE_1487")
        )


# --- the pages -------------------------------------------------------------------------------------------------


def test_the_pages_are_public_and_link_every_file(client, published):
    """Anonymous visitors see the list and the dataset page, which links every file and carries the DCAT as a
    JSON-LD data block (the CSP is unchanged: no inline script runs)."""
    published()
    listing = client.get("/open-data")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert f'href="{BASE}"' in html and "October 2, 2026" in html and f'href="{BASE}package.zip"' in html
    page = client.get(BASE)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    for name in (*opendata.FILES, "package.zip"):
        assert f'href="{BASE}{name}"' in html, name
    assert "Vänersborg" in html and "SE_1487" in html and "July 1, 2026" in html and "September 30, 2026" in html
    assert 'href="http://creativecommons.org/licenses/by/4.0/"' in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json.loads(block.group(1)) == json.loads(fetch(client, "dataset.jsonld").data)


def test_no_text_can_end_the_json_ld_block(client, published, territory):
    """A territory name holding "</script>" stays inside the JSON-LD block (escaped), on the page."""
    place = territory("vanersborg")
    place.names = {**place.names, "sv": "V</script><script>alert(1)</script>"}
    db.session.commit()
    published()
    html = client.get(BASE).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    names = json.loads(block)["dct:spatial"]["skos:prefLabel"]
    assert {"@value": "V</script><script>alert(1)</script>", "@language": "sv"} in names


def test_files_are_cached_publicly_until_published_again(client, published):
    """Files: public cache for 5 minutes and an ETag from the publication date (304 when it matches); publishing
    again gives a new tag. Pages stay uncached (they hold a CSRF token)."""
    pub = published()
    resp = fetch(client, "skills-gap.csv")
    assert resp.headers["Cache-Control"] == "public, max-age=300" and resp.headers["ETag"]
    again = client.get(BASE + "skills-gap.csv", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    pub.published_at = datetime(2026, 11, 1, tzinfo=UTC)
    db.session.commit()
    changed = client.get(BASE + "skills-gap.csv", headers={"If-None-Match": resp.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != resp.headers["ETag"]
    assert client.get(BASE).headers["Cache-Control"] == "no-store"
