"""Administrators manage the tree of territories (/admin/territories), and `flask territories import` loads
Eurostat's LAU lists into it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token, login
from tests.factories import count_rows
from uprest.accounts.models import Territory
from uprest.accounts.territories_cli import territories_cli
from uprest.extensions import db

LIST = "/admin/territories"


@pytest.fixture()
def admin_client(app, create_user):
    admin = create_user(role="admin", email="admin@example.org")
    ac = app.test_client()
    assert login(ac, admin.email).status_code == 302
    return ac


def form_data(**values) -> dict:
    """A complete territory form: a municipality in Västra Götaland unless told otherwise."""
    data = {
        "code": "SE_1415",
        "slug": "",
        "kind": "municipality",
        "parent_id": str(by_code("SE232").id),
        "name": "Stenungsund",
        "name_en": "",
        "name_sv": "",
        "name_it": "",
        "name_fi": "",
        "name_hr": "",
        "country": "SE",
        "code_list": "LAU 2021",
    }
    data.update(values)
    return data


def post(ac, url, data):
    return ac.post(url, data={**data, "csrf_token": csrf_token(ac, url)})


def by_code(code) -> Territory | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Territory).where(Territory.code == code))


def field_error(html: str, field: str) -> str:
    """The error shown under a field (tied to it by aria-describedby), as text."""
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html) or re.search(
        rf'aria-invalid="true"[^>]*id="{field}"', html
    ), f"{field} is not marked invalid"
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error under {field}"
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


# --- the pages ---------------------------------------------------------------------------------


def test_list_shows_the_tree(admin_client, create_user):
    """The list shows every territory in tree order (country, its regions, their municipalities), indented, with
    kind, code, code list (provisional codes said so) and the number of users."""
    create_user(territory_code="vanersborg")
    html = admin_client.get(LIST).get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S)
    text = [" ".join(re.sub(r"<[^>]+>", "", row.replace("\u2003", "+")).split()) for row in rows]
    sweden = next(i for i, row in enumerate(text) if row.startswith("Sweden"))
    assert text[sweden].split() == ["Sweden", "(Sverige)", "Country", "SE", "ISO", "3166-1", "0"]
    assert text[sweden + 1].startswith("+Västra Götaland County (Västra Götalands län) Region SE232 NUTS 2021")
    # the admin of the fixture lives in Vänersborg too
    assert text[sweden + 3].split() == ["++Vänersborg", "Municipality", "SE_1487", "LAU", "2021", "2"]
    rijeka = next(row for row in text if row.startswith("++Rijeka"))
    assert rijeka.split()[-2:] == ["provisional", "0"]
    assert f'href="/admin/territories/{by_code("SE_1487").id}"' in html


def test_add_a_region_and_a_municipality_in_it(admin_client):
    """An admin adds a region to a country and a municipality to that region; an empty short name is made from
    the name, and the names in the five languages are kept."""
    region = form_data(
        code="se231", kind="region", parent_id=str(by_code("SE").id), name="Hallands län", code_list="NUTS 2021"
    )
    region.update(name_en="Halland County", name_sv="Hallands län")
    resp = post(admin_client, LIST, region)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(LIST)
    halland = by_code("SE231")
    assert (halland.kind, halland.slug, halland.parent.code, halland.country) == ("region", "hallands-lan", "SE", "SE")
    assert halland.names == {"en": "Halland County", "sv": "Hallands län"}
    resp = post(admin_client, LIST, form_data(code="SE_1380", parent_id=str(halland.id), name="Halmstad"))
    assert resp.status_code == 302
    halmstad = by_code("SE_1380")
    assert (halmstad.parent_id, halmstad.slug, halmstad.code_list) == (halland.id, "halmstad", "LAU 2021")
    assert "Halmstad" in admin_client.get(LIST).get_data(as_text=True)


def test_edit_names(admin_client):
    """The edit page is filled with the territory's names; saving changes them and empties a cleared one."""
    pori = by_code("FI_609")
    url = f"/admin/territories/{pori.id}"
    html = admin_client.get(url).get_data(as_text=True)
    assert 'value="Björneborg"' in html and 'value="FI_609"' in html and 'value="pori"' in html
    assert re.search(r'<label for="name_sv">Name in Swedish</label>', html)
    data = form_data(code="FI_609", slug="pori", parent_id=str(pori.parent_id), name="Pori", country="FI")
    data.update(name_en="Pori town", name_sv="Björneborg", name_fi="Pori")
    resp = post(admin_client, url, data)
    assert resp.status_code == 302
    assert by_code("FI_609").names == {"en": "Pori town", "sv": "Björneborg", "fi": "Pori"}


def test_duplicate_code_or_short_name_is_a_form_error(admin_client):
    """A code or short name that another territory has is refused at its field; nothing is added."""
    before = count_rows(Territory)
    html = post(admin_client, LIST, form_data(code="se_1487")).get_data(as_text=True)
    assert field_error(html, "code") == "A territory with this code already exists."
    assert 'href="#code"' in html  # the summary at the top links to the field
    html = post(admin_client, LIST, form_data(slug="trollhattan")).get_data(as_text=True)
    assert field_error(html, "slug") == "A territory with this short name already exists."
    html = post(admin_client, LIST, form_data(name="Vänersborg")).get_data(as_text=True)  # slug made: taken
    assert field_error(html, "slug") == "A territory with this short name already exists."
    assert count_rows(Territory) == before


def test_unchanged_code_of_the_edited_territory_is_not_a_duplicate(admin_client):
    """Saving a territory with its own code and short name is no clash."""
    krk = by_code("HR_KRK")
    data = form_data(code="HR_KRK", slug="krk", parent_id=str(krk.parent_id), name="Krk", country="HR", code_list="")
    assert post(admin_client, f"/admin/territories/{krk.id}", data).status_code == 302


def test_municipality_without_a_parent_is_refused(admin_client):
    """A municipality (or region) must lie in something: the error is shown at "Lies in"."""
    html = post(admin_client, LIST, form_data(parent_id="")).get_data(as_text=True)
    assert field_error(html, "parent_id") == "Choose the territory this one lies in."
    assert by_code("SE_1415") is None


def test_territory_cannot_lie_in_its_own_child(admin_client):
    """Making Sweden a municipality of its own region Västra Götaland would make a cycle: refused."""
    sweden = by_code("SE")
    data = form_data(code="SE", slug="sweden", kind="municipality", parent_id=str(by_code("SE232").id), name="Sverige")
    html = post(admin_client, f"/admin/territories/{sweden.id}", data).get_data(as_text=True)
    assert field_error(html, "parent_id") == "A territory cannot lie inside itself."
    sweden = by_code("SE")
    assert (sweden.kind, sweden.parent_id) == ("country", None)


def test_parent_must_be_larger_and_in_the_same_country(admin_client):
    """A region cannot lie in a region, and a municipality not in another country's region."""
    html = post(admin_client, LIST, form_data(kind="region", code="SE233")).get_data(as_text=True)
    assert "a municipality in a region, a region in a country" in field_error(html, "parent_id")
    html = post(admin_client, LIST, form_data(parent_id=str(by_code("ITH57").id))).get_data(as_text=True)
    assert field_error(html, "parent_id") == "The territory and the one it lies in must be in the same country."


@pytest.mark.parametrize(
    "values",
    [
        {"kind": "empire"},
        {"parent_id": "abc"},
        {"parent_id": "99999999999999999999"},
        {"country": "XX"},
        {"code": "not a code"},
        {"slug": "Not A Slug!"},
        {"name": "x" * 121},
        {"code_list": "y" * 21},
        {"name_hr": "z" * 121},
    ],
)
def test_tampered_or_invalid_values_are_form_errors(admin_client, values):
    """Values a select does not offer, or that break a field's rules, show the form again (200), never a 500."""
    before = count_rows(Territory)
    resp = post(admin_client, LIST, form_data(**values))
    assert resp.status_code == 200
    assert 'class="error-summary"' in resp.get_data(as_text=True)
    assert count_rows(Territory) == before


@pytest.mark.parametrize("value", ["", "'", '"><script>alert(1)</script>', "9" * 40, "-1", "😀", "a" * 5000, "null"])
def test_hostile_value_in_every_field_shows_the_form_again(admin_client, value):
    """The same hostile value in every field of the form, on the list and on an edit page: the form again (200)."""
    fields = {name: value for name in form_data()}
    for url in (LIST, f"/admin/territories/{by_code('SE_1487').id}"):
        resp = post(admin_client, url, fields)
        assert resp.status_code == 200, (url, value)
        assert 'class="error-summary"' in resp.get_data(as_text=True)


def test_own_territory_is_not_offered_as_parent(admin_client):
    """A region's edit page does not offer the region itself under "Lies in"."""
    region = by_code("SE232")
    html = admin_client.get(f"/admin/territories/{region.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="parent_id".*?</select>', html, re.S).group(0)
    assert f'value="{by_code("SE").id}"' in select and f'value="{region.id}"' not in select


def test_unknown_territory_is_404(admin_client):
    """An id that names no territory is a 404, on the old address too (after its redirect)."""
    assert admin_client.get("/admin/territories/999999").status_code == 404
    assert admin_client.get("/admin/municipalities/999999", follow_redirects=True).status_code == 404


@pytest.mark.parametrize("role", ["learner", "trainer", "staff"])
def test_non_admins_are_refused(app, create_user, role):
    """Only administrators see or change territories."""
    user = create_user(role=role)
    ac = app.test_client()
    login(ac, user.email)
    assert ac.get(LIST).status_code == 403
    token = csrf_token(ac, "/account")
    assert ac.post(LIST, data={**form_data(), "csrf_token": token}).status_code == 403
    assert by_code("SE_1415") is None


def test_post_without_csrf_token_is_refused(admin_client):
    """A post without the form's CSRF token changes nothing (400)."""
    resp = admin_client.post(LIST, data=form_data())
    assert resp.status_code == 400
    assert by_code("SE_1415") is None


def test_old_addresses_redirect_permanently(admin_client):
    """The municipality pages moved: their old addresses answer 301 with the new ones."""
    resp = admin_client.get("/admin/municipalities")
    assert resp.status_code == 301 and resp.headers["Location"].endswith("/admin/territories")
    tid = by_code("SE_1487").id
    resp = admin_client.get(f"/admin/municipalities/{tid}")
    assert resp.status_code == 301 and resp.headers["Location"].endswith(f"/admin/territories/{tid}")


# --- flask territories -------------------------------------------------------------------------

HEADER = "CNTR CODE,NUTS 3 CODE,LAU CODE,LAU NAME NATIONAL,LAU NAME LATIN,POPULATION\n"
ROWS = [
    "SE,SE232,1415,Stenungsund,Stenungsund,27000",  # new
    "SE,SE232,1487,Vänersborg,Vanersborg,40000",  # unchanged except the code list it comes from
    "HR,HR031,373,Rijeka,Rijeka,108000",  # replaces the provisional code HR_RIJEKA
    "SE,SE999,9999,Nowhere,Nowhere,1",  # unknown region
    "SE,SE232,1488,Trollhättan,Trollhattan,59000",  # as seeded: unchanged
]


def run(app, *args):
    return app.test_cli_runner().invoke(territories_cli, list(args))


def write(tmp_path, text, name="lau.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_import_adds_updates_and_skips(app, tmp_path):
    """A LAU list adds a new municipality under its region (slug and English name from the Latin name), gives a
    provisional Croatian municipality its official code (keeping its translations), and skips a row whose region
    is unknown, saying why."""
    rijeka_id = by_code("HR_RIJEKA").id
    result = run(app, "import", write(tmp_path, HEADER + "\n".join(ROWS) + "\n"), "--code-list", "LAU 2021")
    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated, 2 unchanged, 1 skipped" in result.output
    assert "line 5: the region SE999 is unknown" in result.output
    new = by_code("SE_1415")
    assert (new.slug, new.parent.code, new.name, new.names, new.code_list) == (
        "stenungsund",
        "SE232",
        "Stenungsund",
        {"en": "Stenungsund"},
        "LAU 2021",
    )
    rijeka = by_code("HR_373")
    assert (rijeka.id, rijeka.code_list, rijeka.slug, rijeka.names["it"]) == (
        rijeka_id,
        "LAU 2021",
        "rijeka",
        "Fiume (Rijeka)",
    )
    assert by_code("HR_RIJEKA") is None
    assert count_rows(Territory, Territory.name == "Nowhere") == 0


def test_import_twice_changes_nothing_more(app, tmp_path):
    """A second run of the same list adds and updates nothing."""
    path = write(tmp_path, HEADER + "\n".join(ROWS) + "\n")
    assert run(app, "import", path, "--code-list", "LAU 2021").exit_code == 0
    before = count_rows(Territory)
    result = run(app, "import", path, "--code-list", "LAU 2021")
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 4 unchanged, 1 skipped" in result.output
    assert count_rows(Territory) == before


def test_import_reads_semicolons_bom_and_loose_headers(app, tmp_path):
    """Eurostat's columns are found whatever their case and spacing, with ';' as separator and a BOM; a slug that
    is taken gets the LAU code added; existing translations are not overwritten."""
    text = (
        "nuts3code;lau_code;Lau Name National;LAU NAME LATIN\n"
        "SE232;1499;Pori;Pori\n"  # another Pori: the slug "pori" is taken
        "FI196;609;Pori;Pori\n"  # the seeded Pori: its Swedish name Björneborg stays
    )
    result = run(app, "import", write(tmp_path, "\ufeff" + text), "--code-list", "LAU 2022")
    assert result.exit_code == 0, result.output
    assert by_code("SE_1499").slug == "pori-1499"
    pori = by_code("FI_609")
    assert pori.names["sv"] == "Björneborg" and pori.code_list == "LAU 2022"


@pytest.mark.parametrize(
    "text, encoding, message",
    [
        ("", "utf-8", "the file is empty"),
        ("NUTS 3 CODE,LAU NAME NATIONAL\nSE232,Stenungsund\n", "utf-8", '"LAU CODE"'),
        ("a list of municipalities\n", "utf-8", '"NUTS 3 CODE"'),
        (HEADER + "SE,SE232,1415,Åmål,Amal,1\n", "latin-1", "not UTF-8"),
    ],
)
def test_malformed_file_exits_1_and_imports_nothing(app, tmp_path, text, encoding, message):
    """A file that is not a readable LAU list stops the import with a clear message and exit code 1."""
    before = count_rows(Territory)
    result = run(app, "import", write(tmp_path, text, encoding=encoding), "--code-list", "LAU 2021")
    assert result.exit_code == 1
    assert message in result.output and "nothing was imported" in result.output
    assert count_rows(Territory) == before


def test_list_prints_the_tree(app):
    """`flask territories list` prints the tree indented, with the code list or "provisional code"."""
    result = run(app, "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # countries by their national names: Hrvatska, Italia, Suomi, Sverige
    assert lines[0].startswith("HR ") and lines[1].startswith("  HR031 ") and lines[2].startswith("    HR_CRIKVENICA")
    assert "provisional code" in lines[2] and "[crikvenica] municipality" in lines[2]
    assert any(line.startswith("  SE232 ") and "NUTS 2021" in line for line in lines)
    result = run(app, "list", "--under", "kvarner")
    assert result.output.splitlines()[0].startswith("HR031") and "SE" not in result.output.split()
