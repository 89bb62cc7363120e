"""A module's completion rule (lessons to read, attendance) in the courses/ files, the export, authoring and publishing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import csrf_token, login
from tests.factories import (
    dump,
    import_modules,
    import_statuses,
    make_competences,
    make_module,
    module_doc,
    write_module,
)
from uprest import content
from uprest.catalog import editing, exporter, loader, rules, services
from uprest.catalog.models import Module

ROOT = Path(__file__).resolve().parent.parent
SLUGS = ["why-it-matters", "what-to-do"]  # the lessons of write_module


@pytest.fixture()
def competences(app, db):
    make_competences()


def module(db, code="green-basics") -> Module:
    db.session.expire_all()
    return db.session.scalar(db.select(Module).where(Module.code == code))


def rule_of(v) -> tuple:
    return v.required_lessons, v.requires_attendance


def validate(tmp_path: Path, completion=None, **overrides):
    """validate_module of the write_module folder with `completion` (None: no block) in module.yaml."""
    doc = module_doc(**overrides)
    if completion is not None:
        doc["completion"] = completion
    folder = write_module(tmp_path, doc=doc)
    return loader.validate_module(folder, None, set())


# --- the loader ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("participation", "attendance"), [("online", False), ("blended", True), ("on-site", True)])
def test_without_a_block_every_lesson_and_attendance_when_the_module_has_sessions(tmp_path, participation, attendance):
    """No completion block: every lesson (None); attendance is required for blended and on-site modules only."""
    spec, _blobs, errors = validate(tmp_path, participation=participation)
    assert errors == [] and spec["completion"] == {"lessons": None, "attendance": attendance}


@pytest.mark.parametrize(
    ("completion", "participation", "expected"),
    [
        ({"lessons": ["what-to-do"]}, "online", {"lessons": ["what-to-do"], "attendance": False}),
        ({"lessons": "all", "attendance": False}, "blended", {"lessons": None, "attendance": False}),
        ({"attendance": True}, "on-site", {"lessons": None, "attendance": True}),
        ({"lessons": ["what-to-do", "why-it-matters"]}, "online", {"lessons": None, "attendance": False}),
        ({}, "blended", {"lessons": None, "attendance": True}),
    ],
)
def test_loader_accepts_a_completion_block(tmp_path, completion, participation, expected):
    """`lessons: all` or a list of the module's slugs, `attendance: true/false`; a list naming every lesson is all."""
    spec, _blobs, errors = validate(tmp_path, completion, participation=participation)
    assert errors == [] and spec["completion"] == expected


BROKEN = {
    # case: (completion block, participation, field named in the error, words in the message)
    "unknown_key": ({"lessons": "all", "quiz": True}, "online", "completion.quiz", "unknown field"),
    "unknown_slug": ({"lessons": ["intro"]}, "online", "completion.lessons[0]", "not one of the module's lessons"),
    "empty_list": ({"lessons": []}, "online", "completion.lessons", "must be all or a list"),
    "not_a_list": ({"lessons": "some"}, "online", "completion.lessons", "must be all or a list"),
    "twice": ({"lessons": ["what-to-do", "what-to-do"]}, "online", "completion.lessons[1]", "listed twice"),
    "online_attendance": ({"attendance": True}, "online", "completion.attendance", "no session to attend"),
    "not_a_flag": ({"attendance": "yes"}, "blended", "completion.attendance", "true or false"),
    "not_a_mapping": (["all"], "online", "completion", "must be a mapping"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_loader_refuses_a_bad_completion_block_naming_file_field_and_line(tmp_path, case):
    """A wrong completion block refuses the module; the error names module.yaml, the field and its line."""
    completion, participation, where, words = BROKEN[case]
    spec, _blobs, errors = validate(tmp_path, completion, participation=participation)
    assert spec is None
    messages = [str(e) for e in errors]
    assert any(
        e.file == "green-basics/module.yaml" and e.path == where and e.line and words in e.message for e in errors
    ), messages


def test_the_online_attendance_error_says_why(tmp_path):
    """An online module asking for attendance is told that it has no session to attend."""
    _spec, _blobs, errors = validate(tmp_path, {"attendance": True}, participation="online")
    assert [e.message for e in errors] == ["an online module has no session to attend"]


# --- import, hash, export ---------------------------------------------------------------------------


def test_import_stores_the_rule_and_a_changed_rule_is_a_new_version(competences, db, tmp_path):
    """The rule is stored on the version; changing it (and back to the default) publishes a new version."""
    doc = module_doc(participation="blended")
    write_module(tmp_path, doc=doc)
    assert import_statuses(import_modules(tmp_path)) == {"green-basics": "created"}
    assert rule_of(module(db).published_version) == (None, True)
    meta = tmp_path / "modules" / "green-basics" / "module.yaml"
    meta.write_text(dump({**doc, "completion": {"lessons": ["what-to-do"], "attendance": False}}), encoding="utf-8")
    assert import_statuses(import_modules(tmp_path)) == {"green-basics": "updated"}
    v = module(db).published_version
    assert v.version == 2 and rule_of(v) == (["what-to-do"], False)
    assert import_statuses(import_modules(tmp_path)) == {"green-basics": "unchanged"}
    meta.write_text(dump(doc), encoding="utf-8")
    assert import_statuses(import_modules(tmp_path)) == {"green-basics": "updated"}
    assert rule_of(module(db).published_version) == (None, True)


def test_default_rule_keeps_the_hash_modules_had_before_the_rule(competences, db, tmp_path):
    """A module.yaml without a completion block (or with the default written out) hashes as before the rule
    existed, so an existing catalogue reimports as unchanged."""
    folder = write_module(tmp_path, doc=module_doc(participation="blended"))
    spec, _blobs, _errors = loader.validate_module(folder, None, set())
    before = content.content_hash({k: v for k, v in spec.items() if k != "completion"})
    import_modules(tmp_path)
    assert module(db).published_version.content_hash == before
    explicit = module_doc(participation="blended", completion={"lessons": "all", "attendance": True})
    (folder / "module.yaml").write_text(dump(explicit), encoding="utf-8")
    assert import_statuses(import_modules(tmp_path)) == {"green-basics": "unchanged"}


def test_export_import_round_trip_keeps_a_non_default_rule(competences, db, tmp_path):
    """A non-default rule is written in the completion block, in lesson order; it imports back as 'unchanged'
    and, into another catalogue, as the same rule."""
    completion = {"lessons": ["what-to-do"], "attendance": False}
    write_module(tmp_path / "src", doc=module_doc(participation="on-site", completion=completion))
    import_modules(tmp_path / "src")
    out = exporter.export_module(module(db), tmp_path / "out")
    assert yaml.safe_load((out / "module.yaml").read_text())["completion"] == completion
    assert import_statuses(import_modules(out)) == {"green-basics": "unchanged"}
    spec, _blobs, errors = loader.validate_module(out, None, set())
    assert errors == [] and spec["completion"] == {"lessons": ["what-to-do"], "attendance": False}


def test_default_rule_is_not_written_on_export(competences, db, tmp_path):
    """Every lesson and the participation's attendance are the defaults: no completion block is exported."""
    write_module(tmp_path / "src", doc=module_doc(participation="blended"))
    import_modules(tmp_path / "src")
    out = exporter.export_module(module(db), tmp_path / "out")
    assert "completion" not in yaml.safe_load((out / "module.yaml").read_text())


def test_real_courses_use_the_defaults_and_export_without_a_block(app, db, tmp_path):
    """The curriculum's modules need every lesson; the blended ones need attendance; exports have no block."""
    folders = sorted(p for p in (ROOT / "courses" / "modules").glob("*") if (p / "module.yaml").is_file())
    if len(folders) < 10:
        pytest.skip("the curriculum is not in courses/modules yet")
    from uprest.frameworks import loader as fw_loader

    assert fw_loader.import_frameworks(ROOT / "courses" / "frameworks").ok
    assert loader.import_modules(ROOT / "courses").ok
    db.session.commit()
    modules = db.session.scalars(db.select(Module)).all()
    blended = sorted(m.code for m in modules if m.published_version.participation != "online")
    assert all(m.published_version.required_lessons is None for m in modules)
    assert sorted(m.code for m in modules if m.published_version.requires_attendance) == blended
    assert len(blended) == 3
    for m in modules:
        out = exporter.export_module(m, tmp_path)
        assert "completion" not in yaml.safe_load((out / "module.yaml").read_text()), m.code


# --- authoring ------------------------------------------------------------------------------------------


def two_lessons(create_user, code="my-module") -> Module:
    """make_module (blended, one lesson 'first') with a second lesson 'second'; committed."""
    from uprest.extensions import db

    owner = create_user("trainer", email="owner@example.org")
    m = make_module(owner, code)
    editing.save_lesson(m, owner, None, "en", "second", "Second lesson", "More text.")
    db.session.commit()
    return m


def set_rule(m: Module, **rule) -> None:
    """update_metadata of make_module's texts and outcome with `rule` (required_lessons, requires_attendance...)."""
    data = {"title": "Title my-module", "summary": "Summary.", "quality_assurance": "Peer reviewed.", **rule}
    editing.update_metadata(m, m.owner, "en", data, [editing.OutcomeRow("digcomp:1.1", 1, 3, "Find things.")])


def meta(**over) -> dict:
    data = {
        "title": "Title my-module",
        "summary": "S",
        "provider_id": "",
        "workload_hours": "3",
        "eqf_level": "3",
        "participation": "blended",
        "assessment_type": "quiz",
        "pass_mark": "70",
        "max_attempts": "0",
        "outcomes-0-competence_key": "digcomp:1.1",
        "outcomes-0-from_level": "1",
        "outcomes-0-to_level": "3",
        "outcomes-0-text": "Find things.",
        "completion_shown": "first second",
        "required_lessons": ["first", "second"],
        "requires_attendance": "y",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_authoring_form_shows_the_rule_with_a_label_for_every_field(client, competences, create_user, db):
    """The edit page has a 'Completion rule' fieldset: a labelled checkbox per lesson and one for attendance."""
    two_lessons(create_user)
    login(client, "owner@example.org")
    html = client.get("/authoring/my-module/edit").get_data(as_text=True)
    assert "Completion rule" in html and "Lessons that must be read" in html
    for n, (slug, title) in enumerate([("first", "First lesson"), ("second", "Second lesson")]):
        assert f'id="required_lessons-{n}" name="required_lessons" type="checkbox" value="{slug}"' in html
        assert f'<label for="required_lessons-{n}">{n + 1}. {title}</label>' in html
    assert '<label for="requires_attendance">Attendance at a session is required</label>' in html


def test_authoring_form_saves_the_rule(client, competences, create_user, db):
    """Unticked lessons are optional; every lesson ticked is stored as None; attendance is saved."""
    two_lessons(create_user)
    login(client, "owner@example.org")
    t = csrf_token(client, "/courses")
    resp = client.post("/authoring/my-module/edit", data={**meta(required_lessons=["second"]), "csrf_token": t})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert rule_of(module(db, "my-module").versions[-1]) == (["second"], True)
    resp = client.post("/authoring/my-module/edit", data={**meta(requires_attendance=None), "csrf_token": t})
    assert resp.status_code == 302
    assert rule_of(module(db, "my-module").versions[-1]) == (None, False)


def test_authoring_form_without_the_rule_leaves_it_as_it_is(client, competences, create_user, db):
    """A post that did not show the rule (no completion_shown) does not change it."""
    m = two_lessons(create_user)
    set_rule(m, required_lessons=["first"], requires_attendance=True)
    db.session.commit()
    login(client, "owner@example.org")
    data = meta(completion_shown=None, required_lessons=None, requires_attendance=None)
    assert (
        client.post(
            "/authoring/my-module/edit", data={**data, "csrf_token": csrf_token(client, "/courses")}
        ).status_code
        == 302
    )
    assert rule_of(module(db, "my-module").versions[-1]) == (["first"], True)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"required_lessons": None}, "Choose at least one lesson that must be read."),
        ({"participation": "online"}, "An online module has no session to attend."),
        ({"required_lessons": ["first", "gone"]}, "The lesson gone no longer exists"),
    ],
)
def test_authoring_form_refuses_a_bad_rule(client, competences, create_user, db, over, message):
    """No lesson to read, attendance for an online module or an unknown lesson re-show the form with the error."""
    two_lessons(create_user)
    login(client, "owner@example.org")
    resp = client.post("/authoring/my-module/edit", data={**meta(**over), "csrf_token": csrf_token(client, "/courses")})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "error-summary" in html and message in html
    assert rule_of(module(db, "my-module").versions[-1]) == (None, False)


def test_module_page_shows_the_rule(client, competences, create_user, db):
    """The public page says what completes the module: the lessons to read, the quiz pass mark, a session."""
    m = two_lessons(create_user)
    set_rule(m, required_lessons=["second"], requires_attendance=True, pass_mark=70)
    services.publish(m)
    db.session.commit()
    html = client.get("/courses/my-module").get_data(as_text=True)
    section = html.split('id="completion"', 1)[1].split("</ul>", 1)[0]
    assert "Read these lessons:" in section and "Second lesson" in section and "First lesson" not in section
    assert "Pass the quiz with at least 70%." in section and "Attend a session." in section


def test_module_page_default_rule(client, competences, create_user, db):
    """Every lesson, and no session line when attendance is not required."""
    m = two_lessons(create_user)
    services.publish(m)
    db.session.commit()
    section = client.get("/courses/my-module").get_data(as_text=True).split('id="completion"', 1)[1].split("</ul>")[0]
    assert "Read every lesson." in section and "Attend a session." not in section


# --- services: drafts, lessons, publishing ------------------------------------------------------------------


def test_copy_version_keeps_the_rule(competences, create_user, db):
    """Editing a published module starts a draft with the same completion rule."""
    m = two_lessons(create_user)
    set_rule(m, required_lessons=["first"], requires_attendance=True)
    services.publish(m)
    db.session.commit()
    draft = services.editable_version(m, m.owner)
    assert draft.version == 2 and rule_of(draft) == (["first"], True)
    assert draft.required_lessons is not m.published_version.required_lessons


def test_update_metadata_refuses_attendance_for_an_online_module(app, competences, create_user, db):
    """The service refuses attendance at a session for an online module."""
    m = two_lessons(create_user)
    with app.test_request_context(), pytest.raises(services.CatalogError, match="no session to attend"):
        set_rule(m, participation="online", requires_attendance=True)


def test_deleting_or_renaming_a_lesson_updates_the_rule(competences, create_user, db):
    """A renamed lesson stays required; a deleted one leaves the rule (none left: every lesson)."""
    m = two_lessons(create_user)
    editing.save_lesson(m, m.owner, None, "en", "third", "Third lesson", "Text.")
    set_rule(m, required_lessons=["second", "third"])
    editing.save_lesson(m, m.owner, 2, "en", "renamed", "Second lesson", "More text.")
    v = services.draft_of(m)
    assert v.required_lessons == ["renamed", "third"]
    editing.delete_lesson(m, m.owner, 3)
    assert v.required_lessons == ["renamed"] and services.publish_messages(v) == []
    editing.delete_lesson(m, m.owner, 2)
    assert v.required_lessons is None


def test_publish_is_refused_for_a_stale_slug_or_online_attendance(app, competences, create_user, db):
    """A rule naming a lesson the version lacks, or attendance for an online module, cannot be published."""
    m = two_lessons(create_user)
    v = services.draft_of(m)
    v.required_lessons = ["first", "gone"]
    with app.test_request_context():
        with pytest.raises(services.CatalogError, match="names the lesson gone"):
            services.publish(m)
        v.required_lessons, v.participation, v.requires_attendance = None, "online", True
        with pytest.raises(services.CatalogError, match="no session to attend"):
            services.publish(m)
    v.requires_attendance = False
    assert services.publish(m).published_at is not None


def test_canonical_lessons():
    """Slugs in lesson order, unknown ones last; None for None, for nothing and for every lesson."""
    slugs = ["a", "b", "c"]
    assert rules.canonical_lessons(["c", "a"], slugs) == ["a", "c"]
    assert rules.canonical_lessons(["x", "b"], slugs) == ["b", "x"]
    assert rules.canonical_lessons(None, slugs) is None
    assert rules.canonical_lessons([], slugs) is None
    assert rules.canonical_lessons(["c", "b", "a"], slugs) is None
