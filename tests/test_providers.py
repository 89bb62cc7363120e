"""Providers (awarding bodies): rules, public pages and issuer profile, administration, courses/ import, and the
catalogue's modules pointing to them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import csrf_token, login
from tests.factories import (
    count_rows,
    import_modules,
    import_statuses,
    make_competences,
    make_module,
    make_provider,
    module_doc,
    module_form,
    parallel_posts,
    write_module,
)
from uprest.catalog import editing, exporter
from uprest.catalog import services as catalog
from uprest.catalog.models import Module
from uprest.providers import loader, rules, services
from uprest.providers.models import Provider

UPREST = Path(__file__).resolve().parent.parent / "uprest"

WEST = {
    "name": "University West",
    "kind": "university",
    "country": "SE",
    "region": "Västra Götaland",
    "website": "https://www.hv.se",
    "description": {"en": "A university in Trollhättan.", "sv": "Ett lärosäte i Trollhättan."},
}


def provider(db, slug: str) -> Provider | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Provider).where(Provider.slug == slug))


# --- pure rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["uprest-consortium", "a", "hv2", "a-b-c", "x" * 60])
def test_good_slugs(slug):
    """A short name is lower-case a-z, digits and inner hyphens, at most 60 characters."""
    assert rules.slug_problem(slug) is None


@pytest.mark.parametrize("slug", ["", "Upper", "-lead", "trail-", "a_b", "å", "a b", "x" * 61, "a\n", None])
def test_bad_slugs(slug):
    """Capitals, other characters, hyphens at either end, spaces, a newline and overlong names are refused."""
    assert rules.slug_problem(slug) == "slug"


def test_country_codes_are_real_two_letter_territories():
    """SE, IT, HR and XK are countries; lower case, three letters, unknown codes and groupings (EU, UN) are not;
    '' only where allowed (rows from before the records)."""
    for good in ("SE", "IT", "FI", "HR", "XK"):
        assert rules.country_problem(good) is None
    for bad in ("se", "SWE", "XX", "EU", "UN", "ZZ", "001", "", "S", None):
        assert rules.country_problem(bad) == "country"
    assert rules.country_problem("", allow_empty=True) is None


def test_country_names_in_the_readers_language():
    """Country names come from CLDR in the reader's language, with English for an unknown language."""
    assert rules.country_name("SE", "sv") == "Sverige" and rules.country_name("SE", "en") == "Sweden"
    assert rules.country_name("IT", "hr") == "Italija" and rules.country_name("FI", "xx") == "Finland"
    assert rules.country_name("", "sv") == ""
    assert ("SE", "Sverige") in rules.country_choices("sv")


@pytest.mark.parametrize(
    "url",
    ["", "https://www.hv.se", "http://example.org/path?q=1#x", "https://växjö.se", "https://a.b:8443/"],
)
def test_good_websites(url):
    """A website is empty or an absolute http(s) address of a named host."""
    assert rules.website_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "www.hv.se",
        "ftp://hv.se",
        "javascript:alert(1)",
        "https://",
        "https://localhost",
        "https://user:pw@hv.se",
        "https://hv .se",
        "https://hv.se:port",
        "https://-bad-.se",
        "https://hv.se/\x00",
        "https://" + "a" * 300 + ".se",
    ],
)
def test_bad_websites(url):
    """Relative, non-web, credential-carrying, malformed or overlong addresses are refused."""
    assert rules.website_problem(url) == "website"


def test_slug_from_name():
    """A short name is made from a name by dropping accents and joining words with hyphens."""
    assert rules.slug_from_name("UPREST consortium") == "uprest-consortium"
    assert rules.slug_from_name("Università di Bologna!") == "universita-di-bologna"
    assert rules.slug_problem(rules.slug_from_name("Å " * 80 + "x")) is None


def test_providers_import_no_feature_above_them():
    """The providers package imports only the kernel: the catalogue points to providers, never the reverse."""
    for path in (UPREST / "providers").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        features = {n.split(".")[1] for n in names if n.startswith("uprest.") and (UPREST / n.split(".")[1]).is_dir()}
        assert features <= {"providers"}, (path.name, features)


# --- public pages and the issuer profile -------------------------------------------------------------------


def test_list_shows_active_providers_with_country_in_readers_language(client, db):
    """/providers lists the active providers by name, the country named in the reader's language; inactive
    providers are left out."""
    make_provider("university-west", **WEST)
    make_provider("old-board", name="Old board", kind="tourism_board", country="IT", is_active=False)
    html = client.get("/providers", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'href="/providers/university-west"' in html and "Sverige" in html and "Västra Götaland" in html
    assert 'href="https://www.hv.se"' in html and "Old board" not in html
    assert "Sweden" in client.get("/providers", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_profile_page_in_readers_language_with_english_fallback(client, db):
    """A provider's page shows its description in the reader's language, else English marked lang="en"."""
    make_provider("university-west", **WEST)
    sv = client.get("/providers/university-west", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "<h1>University West</h1>" in sv and "Ett lärosäte i Trollhättan." in sv and "Sverige" in sv
    fi = client.get("/providers/university-west", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert '<span lang="en">A university in Trollhättan.</span>' in fi and "Ruotsi" in fi
    assert 'href="/providers/university-west.json"' in fi


def test_inactive_provider_keeps_its_page_and_profile(client, db):
    """Certificates already issued point to an inactive provider's profile: its page and JSON stay."""
    make_provider("old-board", name="Old board", kind="tourism_board", country="IT", is_active=False)
    assert client.get("/providers/old-board").status_code == 200
    assert client.get("/providers/old-board.json").get_json()["name"] == "Old board"


def test_profile_json_is_an_open_badges_issuer_profile(client, db, app):
    """/providers/<slug>.json is an Open Badges 3.0 Profile (its own address as id), readable from any origin."""
    make_provider("university-west", **WEST)
    resp = client.get("/providers/university-west.json")
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.get_json() == {
        "id": f"{base}/providers/university-west.json",
        "type": ["Profile"],
        "name": "University West",
        "url": "https://www.hv.se",
        "description": "A university in Trollhättan.",
        "address": {
            "type": ["Address"],
            "addressCountryCode": "SE",
            "addressCountry": "Sweden",
            "addressRegion": "Västra Götaland",
        },
    }


def test_profile_leaves_out_what_is_not_known(db, app):
    """A provider from before the records (no country, no website) has a profile with its name only."""
    legacy = services.create("trainer-ltd", name="Trainer Ltd", kind="other", country="")
    assert services.profile(legacy, "https://uprest.example/") == {
        "id": "https://uprest.example/providers/trainer-ltd.json",
        "type": ["Profile"],
        "name": "Trainer Ltd",
    }


@pytest.mark.parametrize(
    "path", ["/providers/nope", "/providers/nope.json", "/providers/Upper", "/admin/providers/nope/edit"]
)
def test_unknown_provider_is_404(client, db, login_as, path):
    """An unknown short name is 404 on the public pages, the profile and the administrators' pages."""
    login_as("admin")
    assert client.get(path).status_code == 404


# --- administration --------------------------------------------------------------------------------------


def _form(**over) -> dict:
    data = {
        "slug": "university-west",
        "name": "University West",
        "kind": "university",
        "country": "SE",
        "region": "Västra Götaland",
        "website": "https://www.hv.se",
        "email": "",
        "description_en": "A university in Trollhättan.",
        "description_sv": "",
        "is_active": "y",
    }
    data.update(over)
    return data


def test_admin_adds_and_edits_a_provider(client, db, login_as):
    """An administrator adds a provider (empty translations dropped) and edits it; the short name stays."""
    login_as("admin")
    token = csrf_token(client, "/admin/providers/new")
    resp = client.post("/admin/providers/new", data={**_form(), "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/providers")
    p = provider(db, "university-west")
    assert (p.name, p.kind, p.country, p.region, p.website, p.is_active) == (
        "University West",
        "university",
        "SE",
        "Västra Götaland",
        "https://www.hv.se",
        True,
    )
    assert p.description == {"en": "A university in Trollhättan."}
    listing = client.get("/admin/providers").get_data(as_text=True)
    assert 'href="/admin/providers/university-west/edit"' in listing
    edit = client.get("/admin/providers/university-west/edit").get_data(as_text=True)
    assert 'name="slug"' not in edit and 'value="University West"' in edit and 'lang="sv"' in edit
    data = _form(slug="renamed", name="Högskolan Väst", country="SE", is_active="", description_sv="Lärosäte.")
    resp = client.post("/admin/providers/university-west/edit", data={**data, "csrf_token": token})
    assert resp.status_code == 302
    p = provider(db, "university-west")
    assert p.name == "Högskolan Väst" and p.is_active is False and p.description["sv"] == "Lärosäte."
    assert provider(db, "renamed") is None


def test_admin_tabs_link_to_providers(client, db, login_as):
    """The administration's tabs link to the providers."""
    login_as("admin")
    assert 'href="/admin/providers"' in client.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "Please choose a country from the list."),
        ("country", "", "Please choose a country from the list."),
        ("website", "www.hv.se", "Enter a web address that starts with https:// or http://."),
        ("website", "javascript:alert(1)", "Enter a web address that starts with https:// or http://."),
        ("slug", "University West", "Use lower-case letters, digits and hyphens only."),
        ("name", "", "Please enter a name."),
        ("kind", "castle", "Not a valid choice."),
        ("email", "not-an-address", "Please enter a valid e-mail address."),
    ],
)
def test_invalid_values_are_refused_with_a_message(client, db, login_as, field, value, message):
    """A bad country, web address, short name, name, kind or e-mail address re-shows the form with the message
    next to the field; nothing is stored."""
    login_as("admin")
    token = csrf_token(client, "/admin/providers/new")
    resp = client.post("/admin/providers/new", data={**_form(**{field: value}), "csrf_token": token})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and message in html and f'id="{field}-error"' in html
    assert count_rows(Provider) == 0


def test_messages_follow_the_admins_language(client, db, login_as, monkeypatch):
    """The form's messages go through the catalogue of the administrator's language."""
    from flask_babel import Domain

    seen = []
    original = Domain.gettext

    def spy(self, string, **variables):
        seen.append(string)
        return original(self, string, **variables)

    monkeypatch.setattr(Domain, "gettext", spy)
    login_as("admin", locale="sv")
    token = csrf_token(client, "/admin/providers/new")
    html = client.post("/admin/providers/new", data={**_form(country="XX"), "csrf_token": token}).get_data(as_text=True)
    assert "Please choose a country from the list." in seen and "Sverige" in html


def test_double_submit_of_new_makes_one_provider(app, client, db, login_as):
    """The same "add" posted several times at once makes one provider; the other posts show the form again
    with a message (the unique constraint decides; never a server error)."""
    login_as("admin")
    token = csrf_token(client, "/admin/providers/new")
    statuses = parallel_posts(app, client, "/admin/providers/new", {**_form(), "csrf_token": token}, n=4)
    assert sorted(statuses) == [200, 200, 200, 302]
    assert count_rows(Provider) == 1
    again = client.post("/admin/providers/new", data={**_form(), "csrf_token": token})
    assert "A provider with the short name university-west already exists." in again.get_data(as_text=True)


def test_taken_short_name_lost_in_a_race_is_a_form_error(client, db, login_as, monkeypatch):
    """When the courtesy check misses a provider stored at the same moment, the unique constraint refuses the
    insert in a savepoint and the form says why."""
    login_as("admin")
    make_provider("university-west", **WEST)
    monkeypatch.setattr(services, "by_slug", lambda slug: None)
    token = csrf_token(client, "/admin/providers/new")
    resp = client.post("/admin/providers/new", data={**_form(), "csrf_token": token})
    assert resp.status_code == 200
    assert "A provider with the short name university-west already exists." in resp.get_data(as_text=True)
    assert count_rows(Provider) == 1


@pytest.mark.parametrize("role", ["learner", "trainer", "staff"])
def test_only_admins_manage_providers(client, db, login_as, role):
    """Other roles get 403 on every administrators' page of providers, and a post changes nothing."""
    make_provider("university-west", **WEST)
    login_as(role)
    for path in ("/admin/providers", "/admin/providers/new", "/admin/providers/university-west/edit"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/providers")
    resp = client.post("/admin/providers/new", data={**_form(slug="x"), "csrf_token": token})
    assert resp.status_code == 403 and provider(db, "x") is None


def test_anonymous_visitors_are_sent_to_login(client, db):
    """The administrators' pages of providers send anonymous visitors to the login page."""
    make_provider("university-west", **WEST)
    for path in ("/admin/providers", "/admin/providers/new", "/admin/providers/university-west/edit"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path


# --- courses/providers.yaml --------------------------------------------------------------------------------

PROVIDERS_YAML = """\
providers:
  - slug: uprest-consortium
    name: UPREST consortium
    kind: consortium
    country: SE
    region: Västra Götaland
    website: ""
  - slug: university-west
    name: University West
    kind: university
    country: SE
    region: Västra Götaland
    website: https://www.hv.se
    description: {en: A university in Trollhättan.}
"""


def test_providers_file_imports_and_reimport_updates_by_slug(db, tmp_path):
    """providers.yaml creates its providers; importing it again changes nothing; a changed value updates the
    provider with that short name."""
    path = tmp_path / "providers.yaml"
    path.write_text(PROVIDERS_YAML, encoding="utf-8")
    report = loader.import_providers(path)
    assert import_statuses(report) == {"providers.yaml": "created"}
    assert report.results[0].detail == "created: uprest-consortium, university-west"
    assert import_statuses(loader.import_providers(path)) == {"providers.yaml": "unchanged"}
    path.write_text(PROVIDERS_YAML.replace("https://www.hv.se", "https://hv.se"), encoding="utf-8")
    report = loader.import_providers(tmp_path)
    assert import_statuses(report) == {"providers.yaml": "updated"} and count_rows(Provider) == 2
    assert provider(db, "university-west").website == "https://hv.se"


def test_errors_in_providers_file_name_file_and_line(db, tmp_path):
    """Every problem of providers.yaml is reported with the file, the place and the line; nothing is stored."""
    bad = (
        PROVIDERS_YAML.replace("country: SE\n    region", "country: se\n    region", 1)
        .replace("https://www.hv.se", "www.hv.se")
        .replace("kind: university", "kind: castle")
        + "  - {slug: University, name: X, kind: other, country: NO}\n"
        + "  - {slug: uprest-consortium, name: Again, kind: other, country: IT}\n"
    )
    (tmp_path / "providers.yaml").write_text(bad, encoding="utf-8")
    report = loader.import_providers(tmp_path / "providers.yaml")
    assert not report.ok and count_rows(Provider) == 0
    errors = [str(e) for e in report.refused[0].errors]
    assert errors == [
        f"providers.yaml:5: providers[0].country: {rules.PROBLEMS['country']}",
        "providers.yaml:10: providers[1].kind: must be one of: " + ", ".join(rules.KINDS),
        f"providers.yaml:13: providers[1].website: {rules.PROBLEMS['website']}",
        f"providers.yaml:15: providers[2].slug: {rules.PROBLEMS['slug']}",
        'providers.yaml:15: providers[2].country: must be a country code in quotes, e.g. "NO"',
        "providers.yaml:16: providers[3].slug: uprest-consortium is listed twice",
    ]


def test_cli_imports_providers(app, db, tmp_path):
    """`flask providers import PATH` imports a providers.yaml and exits 1 when it was refused."""
    (tmp_path / "providers.yaml").write_text(PROVIDERS_YAML, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["providers", "import", str(tmp_path / "providers.yaml")])
    assert result.exit_code == 0 and "created   providers.yaml" in result.output, result.output
    (tmp_path / "providers.yaml").write_text("providers: []\n", encoding="utf-8")
    result = runner.invoke(args=["providers", "import", str(tmp_path)])
    assert result.exit_code == 1 and "needs at least 1 item" in result.output


# --- modules point to providers ------------------------------------------------------------------------------


@pytest.fixture()
def competences(app, db):
    make_competences()


def test_courses_import_runs_providers_first(competences, db, tmp_path):
    """`flask courses import` imports the providers.yaml of the courses folder before the modules, which then
    point to their awarding body (the old text column holds its name)."""
    (tmp_path / "providers.yaml").write_text(PROVIDERS_YAML, encoding="utf-8")
    write_module(tmp_path, doc=module_doc(provider="university-west"))
    from uprest.catalog import loader as catalog_loader

    report = catalog_loader.import_modules(tmp_path / "modules")
    assert import_statuses(report) == {"providers.yaml": "created", "green-basics": "created"}
    version = db.session.scalar(db.select(Module)).published_version
    assert catalog.awarding_body_of(version).slug == "university-west" and version.provider == "University West"


def test_module_naming_an_unknown_provider_is_refused_with_file_and_line(competences, db, tmp_path):
    """A module whose provider: names no provider is refused whole; the error names the file and the line."""
    write_module(tmp_path, doc=module_doc(provider="nowhere-college"))
    report = import_modules(tmp_path)
    assert import_statuses(report) == {"green-basics": "refused"}
    line = (
        (tmp_path / "modules" / "green-basics" / "module.yaml")
        .read_text()
        .splitlines()
        .index("provider: nowhere-college")
    )
    assert [str(e) for e in report.results[0].errors] == [
        f"green-basics/module.yaml:{line + 1}: provider: unknown provider 'nowhere-college' "
        "(add it to courses/providers.yaml or in the administration)"
    ]
    write_module(tmp_path, doc=module_doc(provider="UPREST consortium"))
    errors = [str(e) for e in import_modules(tmp_path).results[0].errors]
    assert errors == [
        f"green-basics/module.yaml:{line + 1}: provider: must be the short name of a provider "
        "(lower-case letters, digits and hyphens)"
    ]


def test_export_writes_the_providers_short_name(competences, db, tmp_path):
    """Exported module.yaml names the awarding body by its short name, and imports back unchanged."""
    write_module(tmp_path)
    import_modules(tmp_path)
    out = exporter.export_module(db.session.scalar(db.select(Module)), tmp_path / "out")
    assert "provider: uprest-consortium\n" in (out / "module.yaml").read_text(encoding="utf-8")
    assert import_statuses(import_modules(out)) == {"green-basics": "unchanged"}


def _meta(**over) -> dict:
    return module_form(**{"eqf_level": "3", "participation": "blended", **over})


def test_authoring_form_sets_the_awarding_body(client, competences, create_user, db):
    """The module form offers the active providers; saving sets the version's provider and its name as the old
    text; "— None —" clears both; an inactive provider cannot be chosen."""
    west = make_provider("university-west", **WEST)
    old = make_provider("old-board", name="Old board", kind="tourism_board", country="IT", is_active=False)
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, owner.email)
    page = client.get("/authoring/my-module/edit").get_data(as_text=True)
    assert f'<option value="{west.id}">University West</option>' in page and "Old board" not in page
    token = csrf_token(client, "/authoring/my-module/edit")
    resp = client.post("/authoring/my-module/edit", data={**_meta(provider_id=str(west.id)), "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    draft = catalog.working_version(db.session.scalar(db.select(Module)))
    assert draft.provider_id == west.id and draft.provider == "University West"
    assert "university west" in draft.search_text
    resp = client.post("/authoring/my-module/edit", data={**_meta(provider_id=str(old.id)), "csrf_token": token})
    assert resp.status_code == 200 and "Not a valid choice." in resp.get_data(as_text=True)
    resp = client.post("/authoring/my-module/edit", data={**_meta(provider_id=""), "csrf_token": token})
    assert resp.status_code == 302
    db.session.expire_all()
    draft = catalog.working_version(db.session.scalar(db.select(Module)))
    assert draft.provider_id is None and draft.provider == ""


def test_new_draft_keeps_the_awarding_body(competences, create_user, db):
    """Editing a published module copies its version into a draft, awarding body included."""
    west = make_provider("university-west", **WEST)
    owner = create_user("trainer")
    module = make_module(owner, publish=True)
    published = module.published_version
    published.awarding_body = west
    db.session.commit()
    editing.save_lesson(module, owner, None, "en", "more", "More", "Text.")
    db.session.commit()
    draft = catalog.draft_of(module)
    assert draft.id != published.id and draft.provider_id == west.id


def test_module_page_shows_the_awarding_body(client, competences, db, tmp_path):
    """The module's page names its awarding body, linked to the provider's page, with region and country in
    the reader's language."""
    write_module(tmp_path)
    import_modules(tmp_path)
    html = client.get("/courses/green-basics", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<a href="/providers/uprest-consortium">UPREST consortium</a> (Västra Götaland, Sverige)' in html


def test_renamed_provider_shows_at_once_on_cached_module_page(client, competences, db, tmp_path):
    """The catalogue's cached pages follow a change of a provider (the provider table is watched)."""
    write_module(tmp_path)
    import_modules(tmp_path)
    assert "UPREST consortium" in client.get("/courses/green-basics").get_data(as_text=True)
    services.update(services.by_slug("uprest-consortium"), name="UPREST partners")
    db.session.commit()
    assert "UPREST partners" in client.get("/courses/green-basics").get_data(as_text=True)
