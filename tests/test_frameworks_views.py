"""Framework pages (public) and target profiles (trainers and admins): roles, edits, bad input."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token, login
from tests.factories import framework_doc, install_frameworks, write_yaml
from uprest.frameworks import loader, services
from uprest.frameworks.models import ProfileTarget, TargetProfile

PROFILE_URL = "/profiles/accommodation/owner"


@pytest.fixture()
def frameworks(app, db, tmp_path):
    install_frameworks(tmp_path)


def targets(db) -> list[tuple]:
    db.session.expire_all()
    return [
        (t.competence_key, t.min_level, t.max_level, t.importance)
        for t in db.session.scalars(db.select(ProfileTarget).order_by(ProfileTarget.competence_key))
    ]


# --- public framework pages ----------------------------------------------------------------------


def test_index_lists_frameworks_for_anonymous(client, frameworks):
    """/competences shows every current framework with edition, competence count and scale."""
    resp = client.get("/competences")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "digcomp framework" in html and "greencomp framework" in html
    assert 'href="/competences/digcomp"' in html
    assert "8 levels" in html and "4 levels" in html and "2022" in html


def test_index_without_frameworks(client, app):
    """Before any import the index says so instead of failing."""
    resp = client.get("/competences")
    assert resp.status_code == 200 and "No competence frameworks" in resp.get_data(as_text=True)


def test_detail_shows_areas_competences_scale_and_descriptors(client, frameworks):
    """The framework page shows areas, competences with descriptions, the scale and level descriptors."""
    html = client.get("/competences/greencomp").get_data(as_text=True)
    assert "Area 1" in html and "Competence 1.2" in html and "Describes 1.2." in html
    assert "Can do things at level 4." in html and "Specialised" in html
    assert "1.1 at level 3" in html  # per-competence descriptor
    assert "SECRET-RIGHT-ANSWER" not in html
    assert 'th scope="row"' in html


def test_detail_unknown_code_is_404(client, frameworks):
    """An unknown framework code is a 404 page."""
    assert client.get("/competences/nope").status_code == 404


def test_detail_in_user_language_with_honest_fallback(client, login_as, db, tmp_path):
    """Swedish texts are shown in Swedish; in Finnish the page says texts fall back to English."""
    install_frameworks(tmp_path)
    login_as(locale="sv")
    html = client.get("/competences/digcomp").get_data(as_text=True)
    assert "Competence 1.1 [sv]" in html and "not fully translated" not in html
    client.post("/language", data={"lang": "fi", "csrf_token": csrf_token(client, "/competences")})
    html = client.get("/competences/digcomp").get_data(as_text=True)
    assert '<span lang="en">Competence 1.1</span>' in html
    assert "englanti, ruotsi" in html  # available in, named as Finnish names them


def test_detail_shows_current_revision_only(client, db, tmp_path):
    """After a changed import the page shows the new revision's competences."""
    folder = tmp_path / "fw"
    write_yaml(folder, "digcomp.yaml", framework_doc())
    loader.import_frameworks(folder)
    write_yaml(folder, "digcomp.yaml", framework_doc(areas={"1": ["1.1", "1.9"]}))
    loader.import_frameworks(folder)
    db.session.commit()
    html = client.get("/competences/digcomp").get_data(as_text=True)
    assert "Competence 1.9" in html and "Competence 2.1" not in html


# --- target profiles: access ------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/profiles", PROFILE_URL])
def test_profiles_need_login(client, frameworks, url):
    """Anonymous visitors are sent to the login page."""
    resp = client.get(url)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize(("role", "status"), [("learner", 403), ("staff", 403), ("trainer", 200), ("admin", 200)])
@pytest.mark.parametrize("url", ["/profiles", PROFILE_URL])
def test_profiles_for_trainers_and_admins_only(client, login_as, frameworks, role, status, url):
    """Only trainers and admins may see and edit target profiles."""
    login_as(role)
    assert client.get(url).status_code == status


def test_learner_cannot_post_profile(client, login_as, db, frameworks):
    """A learner's POST is refused with 403 and changes nothing."""
    login_as("learner")
    resp = client.post(
        PROFILE_URL,
        data={
            "add_competence": "digcomp:1.1",
            "add_min": "2",
            "add_importance": "2",
            "csrf_token": csrf_token(client, "/competences"),
        },
    )
    assert resp.status_code == 403 and targets(db) == []


def test_profiles_overview_lists_every_subsector_and_role(client, login_as, frameworks):
    """The overview links all 8 sub-sectors x 6 roles (the old catch-all "staff" only where a profile has it)."""
    login_as("trainer")
    html = client.get("/profiles").get_data(as_text=True)
    links = set(re.findall(r'href="/profiles/([a-z_]+)/([a-z_]+)"', html))
    assert len(links) == 8 * 6
    assert {role for _, role in links} == {"owner", "reception", "housekeeping", "kitchen", "guide", "marketing"}
    assert "Food and beverage" in html and "Beach and bathing establishment" in html and "Kitchen and service" in html


@pytest.mark.parametrize("url", ["/profiles/spa/owner", "/profiles/accommodation/boss"])
def test_unknown_profile_is_404(client, login_as, frameworks, url):
    """Unknown sub-sectors or job roles are 404 and create nothing."""
    login_as("trainer")
    assert client.get(url).status_code == 404
    assert client.post(url, data={"csrf_token": csrf_token(client, "/competences")}).status_code == 404


def test_admin_tabs_link_to_profiles(client, login_as, frameworks):
    """The administration tabs include the target profiles."""
    login_as("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/profiles">Target profiles</a>' in html


def test_trainer_dashboard_has_profiles_card(app, client, login_as, create_user, frameworks):
    """Trainers get a home-page card for the target profiles; learners do not."""
    login_as("trainer")
    assert 'href="/profiles"' in client.get("/").get_data(as_text=True)
    learner_client = app.test_client()
    login(learner_client, create_user("learner").email)
    assert 'href="/profiles"' not in learner_client.get("/").get_data(as_text=True)


# --- target profiles: editing ---------------------------------------------------------------------------


def post_profile(client, rows=(), add=None, url=PROFILE_URL, token=True, **extra):
    html = client.get(url).get_data(as_text=True)
    data = {}
    if token:
        data["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    loaded = re.search(r'name="loaded_at" type="hidden" value="([^"]*)"', html)
    data["loaded_at"] = loaded.group(1) if loaded else ""
    for i, row in enumerate(rows):
        for k, v in row.items():
            data[f"targets-{i}-{k}"] = v
    if add:
        data.update(
            {
                "add_competence": add[0],
                "add_min": add[1],
                "add_max": add[2],
                "add_importance": add[3],
            }
        )
    data.update(extra)
    return client.post(url, data=data)


def test_trainer_adds_edits_and_removes_targets(client, login_as, db, frameworks):
    """A trainer builds a profile: add a competence, change its levels, remove it; who and when is kept."""
    trainer = login_as("trainer")
    html = client.get(PROFILE_URL).get_data(as_text=True)
    assert "no targets yet" in html and '<optgroup label="digcomp framework">' in html
    assert db.session.scalar(db.select(TargetProfile)) is None  # viewing creates nothing
    resp = post_profile(client, add=("digcomp:1.1", "3", "5", "3"))
    assert resp.status_code == 302
    assert targets(db) == [("digcomp:1.1", 3, 5, 3)]
    profile = services.profile_for("accommodation", "owner")
    assert profile.updated_by_id == trainer.id and profile.updated_at is not None

    row = {"competence_key": "digcomp:1.1", "min_level": "4", "max_level": "", "importance": "1"}
    resp = post_profile(client, rows=[row], add=("greencomp:1.2", "2", "", "2"))
    assert resp.status_code == 302
    assert targets(db) == [("digcomp:1.1", 4, None, 1), ("greencomp:1.2", 2, None, 2)]
    html = client.get(PROFILE_URL).get_data(as_text=True)
    assert "The target profile has been saved." in html
    assert 'for="targets-0-min_level"' in html  # every input has a label

    rows = [
        dict(row, remove="y"),
        {"competence_key": "greencomp:1.2", "min_level": "2", "importance": "2"},
    ]
    assert post_profile(client, rows=rows).status_code == 302
    assert targets(db) == [("greencomp:1.2", 2, None, 2)]


GOOD = {"competence_key": "digcomp:1.1", "min_level": "3", "max_level": "5", "importance": "2"}


@pytest.mark.parametrize(
    ("rows", "add", "message"),
    [
        ([dict(GOOD, min_level="0")], None, "minimum level must be between 1 and 8"),
        ([dict(GOOD, min_level="9", max_level="")], None, "minimum level must be between 1 and 8"),
        ([dict(GOOD, max_level="2")], None, "must not be lower than the minimum"),
        (
            [dict(GOOD, max_level="99999999999999999999")],
            None,
            "maximum level must be between 1 and 8",
        ),
        ([dict(GOOD, min_level="abc")], None, "Not a valid integer value"),
        ([dict(GOOD, min_level="")], None, "Please enter a minimum level."),
        ([dict(GOOD, importance="4")], None, "Not a valid choice"),
        ([dict(GOOD, importance="x")], None, "Invalid Choice"),
        ([dict(GOOD, competence_key="digcomp:9.9")], None, "Unknown competence: digcomp:9.9"),
        ([dict(GOOD, competence_key="")], None, "The competence is missing."),
        ([GOOD, GOOD], None, "listed twice"),
        ([GOOD], ("digcomp:1.1", "2", "", "2"), "already in the profile"),
        ([GOOD], ("greencomp:1.1", "5", "", "2"), "minimum level must be between 1 and 4"),
        ([GOOD], ("greencomp:1.1", "3", "2", "2"), "must not be lower than the minimum"),
        ([GOOD], ("greencomp:1.1", "", "", "2"), "Please enter a minimum level."),
        ([GOOD], ("tourism:1.1", "1", "", "2"), "Not a valid choice"),
        ([GOOD], ("<script>", "1", "", "2"), "Not a valid choice"),
        ([GOOD], ("", "2", "", "2"), "Please choose the competence to add."),
        ([GOOD], ("greencomp:1.1", "2", "", "7"), "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, login_as, db, frameworks, rows, add, message):
    """Each invalid value gives a clear message (200, never 500) and the stored targets stay as they were."""
    login_as("trainer")
    assert post_profile(client, add=("digcomp:1.1", "3", "5", "2")).status_code == 302
    before = targets(db)
    resp = post_profile(client, rows=rows, add=add)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert message in html, html[html.find("error-summary") :][:1500]
    assert "error-summary" in html
    assert targets(db) == before


@pytest.mark.parametrize(
    ("rows", "add"),
    [
        ([dict(GOOD, competence_key="digcomp:1.1\x00")], None),
        ([GOOD], ("digcomp:1.2\x00", "1", "", "2")),
    ],
)
def test_nul_bytes_refused(client, login_as, db, frameworks, rows, add):
    """A NUL byte anywhere in the form is refused with 400 and nothing changes."""
    login_as("trainer")
    assert post_profile(client, add=("digcomp:1.1", "3", "5", "2")).status_code == 302
    before = targets(db)
    assert post_profile(client, rows=rows, add=add).status_code == 400
    assert targets(db) == before


def test_missing_csrf_changes_nothing(client, login_as, db, frameworks):
    """A POST without the CSRF token is refused with 400 and changes nothing."""
    login_as("trainer")
    resp = post_profile(client, add=("digcomp:1.1", "3", "", "2"), token=False)
    assert resp.status_code == 400 and targets(db) == []


def test_stale_form_is_not_saved(client, login_as, db, frameworks):
    """A form opened before someone else saved is refused with a message instead of overwriting their change."""
    login_as("trainer")
    post_profile(client, add=("digcomp:1.1", "3", "", "2"))
    resp = post_profile(client, add=("digcomp:1.2", "2", "", "2"), loaded_at="2000-01-01T00:00:00+00:00")
    assert resp.status_code == 302
    assert "Someone else changed this profile" in client.get(PROFILE_URL).get_data(as_text=True)
    assert targets(db) == [("digcomp:1.1", 3, None, 2)]


def test_target_of_retired_competence_can_be_removed(client, login_as, db, frameworks, tmp_path):
    """A target whose competence left the current framework is flagged and can be removed."""
    login_as("trainer")
    post_profile(client, add=("digcomp:2.1", "3", "", "2"))
    write_yaml(tmp_path / "frameworks", "digcomp.yaml", framework_doc(areas={"1": ["1.1"]}))
    loader.import_frameworks(tmp_path / "frameworks")
    db.session.commit()
    html = client.get(PROFILE_URL).get_data(as_text=True)
    assert "not in the current frameworks" in html
    row = {"competence_key": "digcomp:2.1", "min_level": "3", "importance": "2", "remove": "y"}
    kept = dict(row, remove="")
    resp = post_profile(client, rows=[kept])
    assert resp.status_code == 200 and "Unknown competence: digcomp:2.1" in resp.get_data(as_text=True)
    assert post_profile(client, rows=[row]).status_code == 302
    assert targets(db) == []


def test_update_profile_targets_service_checks_rules(app, db, frameworks, create_user):
    """The service refuses rows that break the rules even when no form checked them."""
    trainer = create_user("trainer")
    profile = services.profile_for("destination", "staff", create=True)
    with pytest.raises(services.ProfileError):
        services.update_profile_targets(profile, [services.TargetRow("digcomp:1.1", 9, None, 2)], trainer)
    with pytest.raises(services.ProfileError):
        services.update_profile_targets(profile, [services.TargetRow("nope:1", 1, None, 2)], trainer)
    assert services.update_profile_targets(profile, [services.TargetRow("digcomp:1.1", 2, 3, 2)], trainer)
    assert not services.update_profile_targets(profile, [services.TargetRow("digcomp:1.1", 2, 3, 2)], trainer)
    db.session.commit()
    assert targets(db) == [("digcomp:1.1", 2, 3, 2)]


def test_double_submit_stores_one_target(client, login_as, db, frameworks):
    """Submitting the same add form twice stores the target once; the second submit is refused politely."""
    login_as("trainer")
    html = client.get(PROFILE_URL).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": token,
        "loaded_at": "",
        "add_competence": "digcomp:1.1",
        "add_min": "2",
        "add_max": "",
        "add_importance": "2",
    }
    assert client.post(PROFILE_URL, data=data).status_code == 302
    assert client.post(PROFILE_URL, data=data).status_code == 302
    assert targets(db) == [("digcomp:1.1", 2, None, 2)]
    assert db.session.scalar(db.select(db.func.count()).select_from(TargetProfile)) == 1


def test_removed_row_needs_no_valid_values(client, login_as, db, frameworks):
    """Ticking Remove on a row with invalid values still removes it."""
    login_as("trainer")
    post_profile(client, add=("digcomp:1.1", "3", "", "2"))
    row = {"competence_key": "digcomp:1.1", "min_level": "abc", "importance": "9", "remove": "y"}
    assert post_profile(client, rows=[row]).status_code == 302
    assert targets(db) == []
