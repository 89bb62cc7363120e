"""Module authoring in the browser: roles, drafts and versions, lessons, images, quiz, publishing, sharing."""

from __future__ import annotations

import io

import pytest

from tests.conftest import csrf_token, login
from tests.factories import GIF, SVG, make_competences, make_module, module_form, png
from uprest.catalog import files, rules, services
from uprest.catalog.models import Lesson, Module, ModuleEditor, ModuleVersion, Question


@pytest.fixture()
def competences(app, db):
    make_competences()


def token(client) -> str:
    return csrf_token(client, "/courses")  # the language switcher's form carries the session's token


def module(db, code="my-module") -> Module:
    db.session.expire_all()
    return db.session.scalar(db.select(Module).where(Module.code == code))


def n_versions(db) -> int:
    return db.session.scalar(db.select(db.func.count(ModuleVersion.id)))


# --- roles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/authoring",
        "/authoring/new",
        "/authoring/my-module",
        "/authoring/my-module/edit",
        "/authoring/my-module/lessons/1",
    ],
)
def test_anonymous_is_sent_to_login(client, competences, create_user, path):
    """Authoring pages send anonymous visitors to the login page."""
    make_module(create_user("trainer"))
    resp = client.get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("role", ["learner", "staff"])
def test_learners_and_staff_are_forbidden(client, competences, create_user, login_as, db, role):
    """Learners and municipality staff get 403 on every authoring page and action; nothing changes."""
    make_module(create_user("trainer"))
    login_as(role)
    for path in (
        "/authoring",
        "/authoring/new",
        "/authoring/my-module",
        "/authoring/my-module/edit",
    ):
        assert client.get(path).status_code == 403, path
    resp = client.post("/authoring/my-module/publish", data={"csrf_token": token(client)})
    assert resp.status_code == 403 and module(db).status == "draft"


def test_trainer_sees_own_and_shared_admin_sees_all(client, competences, create_user, db):
    """The authoring list shows a trainer their own and shared modules only; an admin sees every module."""
    me = create_user("trainer", email="me@example.org")
    other = create_user("trainer")
    make_module(me, "mine")
    make_module(other, "theirs")
    shared = make_module(other, "shared-one")
    db.session.add(ModuleEditor(module_id=shared.id, user_id=me.id))
    db.session.commit()
    login(client, "me@example.org")
    html = client.get("/authoring").get_data(as_text=True)
    assert "Title mine" in html and "Title shared-one" in html and "Title theirs" not in html
    client.post("/logout", data={"csrf_token": token(client)})
    admin = create_user("admin")
    login(client, admin.email)
    html = client.get("/authoring").get_data(as_text=True)
    assert all(f"Title {c}" in html for c in ("mine", "theirs", "shared-one"))


def test_other_trainers_module_is_forbidden(client, competences, create_user, login_as, db):
    """A trainer cannot see or change another trainer's module (403), and nothing changes."""
    make_module(create_user("trainer"))
    login_as("trainer")
    t = token(client)
    for path in (
        "/authoring/my-module",
        "/authoring/my-module/edit?lang=sv",
        "/authoring/my-module/lessons/1",
        "/authoring/my-module/questions/q1",
    ):
        assert client.get(path).status_code == 403, path
    posts = [
        ("/authoring/my-module/publish", {}),
        ("/authoring/my-module/lessons/1/delete", {}),
        (
            "/authoring/my-module/lessons/new",
            {"slug": "x", "title": "X", "body": "Y", "action": "save"},
        ),
        (
            "/authoring/my-module/edit?lang=en",
            {
                "title": "Hacked",
                "workload_hours": "1",
                "pass_mark": "1",
                "max_attempts": "1",
                "participation": "online",
                "assessment_type": "quiz",
            },
        ),
        ("/authoring/my-module/editors", {"email": "x@example.org"}),
    ]
    for path, data in posts:
        assert client.post(path, data={**data, "csrf_token": t}).status_code == 403, path
    m = module(db)
    assert m.status == "draft" and m.versions[-1].title["en"] == "Title my-module" and len(m.versions[-1].lessons) == 1


def test_admin_edits_any_module_including_provider_modules(client, competences, create_user, login_as, db):
    """Admins may edit every module, also trainers' ones."""
    make_module(create_user("trainer"))
    login_as("admin")
    assert client.get("/authoring/my-module").status_code == 200
    resp = client.post("/authoring/my-module/publish", data={"csrf_token": token(client)})
    assert resp.status_code == 302 and module(db).status == "published"


# --- creating and editing ------------------------------------------------------------------------


def test_create_module_flow(client, competences, login_as, db):
    """A trainer creates a module: it is a draft they own; a duplicate code or a bad code is refused."""
    me = login_as("trainer")
    t = token(client)
    resp = client.post(
        "/authoring/new",
        data={"code": "green-marketing", "title": "Green marketing", "csrf_token": t},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/authoring/green-marketing")
    m = module(db, "green-marketing")
    assert m.owner_id == me.id and m.status == "draft" and m.versions[0].is_draft
    resp = client.post("/authoring/new", data={"code": "green-marketing", "title": "Again", "csrf_token": t})
    assert resp.status_code == 200 and "already exists" in resp.get_data(as_text=True)
    resp = client.post("/authoring/new", data={"code": "Bad Code!", "title": "X", "csrf_token": t})
    assert resp.status_code == 200 and "lower-case" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Module.id))) == 1


def test_post_without_csrf_is_refused(client, competences, login_as, db):
    """A POST without the CSRF token is refused with 400 and changes nothing."""
    login_as("trainer")
    resp = client.post("/authoring/new", data={"code": "no-token", "title": "X"})
    assert resp.status_code == 400 and module(db, "no-token") is None


def _meta(**over):
    return module_form(
        **{
            "title": "Mein Titel",
            "workload_hours": "4.5",
            "pass_mark": "80",
            "max_attempts": "2",
            "shuffle": "y",
            **over,
        }
    )


def test_edit_metadata_per_language(client, competences, create_user, db):
    """Texts are saved for the tab's language; the other fields are shared; outcomes can be added and removed."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    t = token(client)
    assert 'aria-current="page"' in client.get("/authoring/my-module/edit?lang=sv").get_data(as_text=True)
    resp = client.post(
        "/authoring/my-module/edit?lang=sv",
        data={
            **_meta(
                title="Min titel",
                summary="Sammanfattning",
                certificate_valid_months="24",
                **{"outcomes-0-text": "Hitta saker."},
            ),
            "add_competence": "greencomp:1.1",
            "add_from": "1",
            "add_to": "2",
            "add_text": "Förklara.",
            "csrf_token": t,
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    v = module(db).versions[-1]
    assert v.title == {"en": "Title my-module", "sv": "Min titel"} and v.summary["sv"] == "Sammanfattning"
    assert v.workload_hours == 4.5 and v.pass_mark == 80 and v.max_attempts == 2 and v.shuffle is True
    assert v.certificate_valid_months == 24
    assert [(o.competence_key, o.from_level, o.to_level) for o in v.outcomes] == [
        ("digcomp:1.1", 1, 3),
        ("greencomp:1.1", 1, 2),
    ]
    assert v.outcomes[0].text == {"en": "Find things.", "sv": "Hitta saker."}
    resp = client.post(
        "/authoring/my-module/edit?lang=en",
        data={
            **_meta(
                title="Title my-module",
                **{
                    "outcomes-0-remove": "y",
                    "outcomes-1-competence_key": "greencomp:1.1",
                    "outcomes-1-from_level": "1",
                    "outcomes-1-to_level": "2",
                    "outcomes-1-text": "Explain.",
                },
            ),
            "csrf_token": t,
        },
    )
    assert resp.status_code == 302
    v = module(db).versions[-1]
    assert [o.competence_key for o in v.outcomes] == ["greencomp:1.1"]
    assert v.outcomes[0].text == {"sv": "Förklara.", "en": "Explain."}


@pytest.mark.parametrize(
    "bad",
    [
        {"title": ""},  # English title is required
        {"workload_hours": "-1"},
        {"workload_hours": "lots"},
        {"eqf_level": "9"},
        {"certificate_valid_months": "0"},
        {"certificate_valid_months": "241"},
        {"participation": "telepathy"},
        {"pass_mark": "101"},
        {"outcomes-0-to_level": "9"},  # digcomp has 8 levels
        {"outcomes-0-to_level": "1"},  # not higher than from
        {"outcomes-0-competence_key": "digcomp:99.9"},
        {"add_competence": "nope:1"},
        {
            "add_competence": "greencomp:1.1",
            "add_from": "3",
            "add_to": "5",
        },  # greencomp has 4 levels
        {"prerequisites": "not-a-module"},
    ],
)
def test_bad_metadata_is_refused_with_a_message(client, competences, create_user, db, bad):
    """Invalid or tampered metadata re-shows the form with errors (200) and changes nothing."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    before = n_versions(db)
    resp = client.post(
        "/authoring/my-module/edit?lang=en",
        data={**_meta(**{"title": "Title my-module", **bad}), "csrf_token": token(client)},
    )
    assert resp.status_code == 200 and "error-summary" in resp.get_data(as_text=True)
    v = module(db).versions[-1]
    assert v.workload_hours == 3.0 and n_versions(db) == before and v.pass_mark == 60


# --- lessons ----------------------------------------------------------------------------------------


def test_lesson_preview_save_translate_reorder_delete(client, competences, create_user, db):
    """Preview renders sanitised Markdown without saving; lessons are added, translated, reordered, deleted."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    t = token(client)
    body = "## Part\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    resp = client.post(
        "/authoring/my-module/lessons/new",
        data={
            "slug": "second",
            "title": "Second",
            "body": body,
            "action": "preview",
            "csrf_token": t,
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<h2>Part</h2>" in html and "<strong>bold</strong>" in html
    assert "<script>alert(1)" not in html and 'href="javascript' not in html
    assert len(module(db).versions[-1].lessons) == 1  # nothing saved
    resp = client.post(
        "/authoring/my-module/lessons/new",
        data={"slug": "second", "title": "Second", "body": body, "action": "save", "csrf_token": t},
    )
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/authoring/my-module/lessons/2")
    resp = client.post(
        "/authoring/my-module/lessons/2?lang=sv",
        data={"title": "Andra", "body": "Text på svenska.", "action": "save", "csrf_token": t},
    )
    assert resp.status_code == 302
    lessons = module(db).versions[-1].lessons
    assert [le.slug for le in lessons] == ["first", "second"] and lessons[1].text_in("sv").title == "Andra"
    assert (
        client.post("/authoring/my-module/lessons/2/move", data={"direction": "up", "csrf_token": t}).status_code == 302
    )
    assert [le.slug for le in module(db).versions[-1].lessons] == ["second", "first"]
    assert (
        client.post("/authoring/my-module/lessons/2/move", data={"direction": "sideways", "csrf_token": t}).status_code
        == 400
    )
    assert client.post("/authoring/my-module/lessons/1/delete", data={"csrf_token": t}).status_code == 302
    lessons = module(db).versions[-1].lessons
    assert [(le.position, le.slug) for le in lessons] == [(1, "first")]


def test_bad_lesson_input(client, competences, create_user, db):
    """A duplicate short name, a bad short name, an empty text or an unknown lesson are refused; nothing changes."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    t = token(client)
    for data in (
        {"slug": "first", "title": "Dup", "body": "x"},
        {"slug": "Bad Slug", "title": "T", "body": "x"},
        {"slug": "ok", "title": "T", "body": ""},
        {"slug": "ok", "title": "", "body": "x"},
    ):
        resp = client.post("/authoring/my-module/lessons/new", data={**data, "action": "save", "csrf_token": t})
        assert resp.status_code == 200, data  # the form again, with the reason
        assert len(module(db).versions[-1].lessons) == 1, data
    assert client.get("/authoring/my-module/lessons/9").status_code == 404
    assert client.post("/authoring/my-module/lessons/9/delete", data={"csrf_token": t}).status_code == 404
    assert client.get("/authoring/my-module/lessons/99999999999").status_code == 404


# --- images -------------------------------------------------------------------------------------------


def _upload(client, data: bytes, name: str):
    return client.post(
        "/authoring/my-module/images",
        data={"image": (io.BytesIO(data), name), "csrf_token": token(client)},
        content_type="multipart/form-data",
    )


def test_image_upload_checked_by_content(client, competences, create_user, db):
    """PNG/GIF uploads are stored (name from the real type); SVG, HTML renamed .png and oversize files are refused."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    assert _upload(client, png(), "Bin Map.png").status_code == 302
    assert _upload(client, GIF, "anim.png").status_code == 302  # the content decides: it is a GIF
    names = [f.name for f in module(db).versions[-1].files]
    assert names == ["Bin-Map.png", "anim.gif"]
    for data, name, words in (
        (SVG, "logo.svg", "not a PNG"),
        (b"<html>hi</html>", "fake.png", "not a PNG"),
        (png(extra=rules.MAX_IMAGE_BYTES), "big.png", "larger than 2 MB"),
        (b"", "empty.png", ""),
    ):
        resp = _upload(client, data, name)
        assert resp.status_code == 302
        html = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert "flash--error" in html and words in html
    assert [f.name for f in module(db).versions[-1].files] == ["Bin-Map.png", "anim.gif"]
    resp = client.post("/authoring/my-module/images", data={"csrf_token": token(client)})
    assert resp.status_code == 302 and len(module(db).versions[-1].files) == 2
    sha = module(db).versions[-1].files[0].file.sha256
    served = client.get(f"/courses/my-module/files/{sha}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png()
    assert (
        client.post("/authoring/my-module/images/anim.gif/delete", data={"csrf_token": token(client)}).status_code
        == 302
    )
    assert [f.name for f in module(db).versions[-1].files] == ["Bin-Map.png"]
    assert (
        client.post("/authoring/my-module/images/nope.png/delete", data={"csrf_token": token(client)}).status_code
        == 404
    )


# --- quiz ------------------------------------------------------------------------------------------------


def _q(kind="single", key="q2", choices=(("A", True), ("B", False)), text="Which?"):
    data = {"key": key, "kind": kind, "text": text, "feedback": "Because."}
    for i, (label, ok) in enumerate(choices):
        data[f"choices-{i}-text"] = label
        if ok:
            data[f"choices-{i}-correct"] = "y"
    return data


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (_q(choices=(("A", True), ("B", True))), "exactly one choice"),
        (_q(choices=(("A", False), ("B", False))), "exactly one choice"),
        (
            _q(kind="multiple", choices=(("A", False), ("B", False), ("C", False))),
            "at least one choice",
        ),
        (
            _q(kind="truefalse", choices=(("True", True), ("False", False), ("Maybe", False))),
            "exactly two choices",
        ),
        (_q(choices=(("A", True),)), "at least two choices"),
        (_q(choices=(("A", False), ("", True), ("B", True))), "needs a text"),
        (_q(key="q1"), "already uses the id"),
        (_q(key="bad key!"), "Use letters"),
        (_q(kind="essay"), "Not a valid choice"),
        (_q(text=""), "enter the question"),
    ],
)
def test_invalid_questions_are_refused(client, competences, create_user, db, data, words):
    """Question rules: single/true-false exactly one correct, multiple at least one, ids unique; nothing saved."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    resp = client.post("/authoring/my-module/questions/new", data={**data, "csrf_token": token(client)})
    html = (
        resp.get_data(as_text=True)
        if resp.status_code == 200
        else client.get("/authoring/my-module").get_data(as_text=True)
    )
    assert words in html.replace("&#39;", "'")
    assert [q.key for q in module(db).versions[-1].questions] == ["q1"]


def test_question_add_translate_edit_delete(client, competences, create_user, db):
    """A question is added in English, translated (texts only, same choices), changed and deleted."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    t = token(client)
    data = _q(kind="multiple", choices=(("A", True), ("B", True), ("C", False)))
    assert client.post("/authoring/my-module/questions/new", data={**data, "csrf_token": t}).status_code == 302
    resp = client.post(
        "/authoring/my-module/questions/q2?lang=sv",
        data={
            "text": "Vilka?",
            "feedback": "Därför.",
            "choices-0-text": "A sv",
            "choices-1-text": "B sv",
            "choices-2-text": "C sv",
            "choices-2-correct": "y",
            "csrf_token": t,
        },
    )
    assert resp.status_code == 302
    q = module(db).versions[-1].questions[1]
    assert q.correct == [True, True, False]  # a translation cannot change which answers are right
    assert q.text_in("sv").choices == ["A sv", "B sv", "C sv"]
    resp = client.post(
        "/authoring/my-module/questions/q2?lang=sv",
        data={
            "text": "Vilka?",
            "choices-0-text": "A sv",
            "choices-1-text": "",
            "choices-2-text": "C",
            "csrf_token": t,
        },
    )
    assert resp.status_code == 200 and "Translate every choice" in resp.get_data(as_text=True)
    assert client.post("/authoring/my-module/questions/q1/delete", data={"csrf_token": t}).status_code == 302
    qs = module(db).versions[-1].questions
    assert [(q.position, q.key) for q in qs] == [(1, "q2")]
    assert client.get("/authoring/my-module/questions/nope").status_code == 404


# --- publishing and versions -------------------------------------------------------------------------


def test_publish_needs_a_complete_module(client, competences, login_as, db):
    """Publishing refuses a module without lessons, quiz questions or English texts, and says why."""
    login_as("trainer")
    t = token(client)
    client.post("/authoring/new", data={"code": "empty-one", "title": "Empty", "csrf_token": t})
    resp = client.post("/authoring/empty-one/publish", data={"csrf_token": t}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Add at least one lesson." in html and "add at least one question" in html
    assert "complete the summary in English" in html
    assert module(db, "empty-one").status == "draft"


def test_publish_then_edit_makes_a_new_draft_and_keeps_the_published_version(client, competences, create_user, db):
    """Published versions are immutable: an edit starts version 2 as a draft; publishing it switches the catalogue."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    t = token(client)
    assert client.post("/authoring/my-module/publish", data={"csrf_token": t}).status_code == 302
    m = module(db)
    assert m.status == "published" and m.published_version.version == 1
    assert "First lesson" in client.get("/courses/my-module").get_data(as_text=True)
    client.post(
        "/authoring/my-module/lessons/1",
        data={
            "slug": "first",
            "title": "Renamed",
            "body": "New.",
            "action": "save",
            "csrf_token": t,
        },
    )
    m = module(db)
    assert [v.version for v in m.versions] == [1, 2] and m.versions[1].is_draft
    assert m.versions[0].lessons[0].text_in("en").title == "First lesson"  # untouched
    assert "First lesson" in client.get("/courses/my-module").get_data(as_text=True)
    client.post(
        "/authoring/my-module/lessons/1?lang=sv",
        data={"title": "Svensk", "body": "Text.", "action": "save", "csrf_token": t},
    )
    assert len(module(db).versions) == 2  # the same draft keeps the edits
    client.post("/authoring/my-module/publish", data={"csrf_token": t})
    m = module(db)
    assert m.published_version.version == 2 and m.versions[0].published_at is not None
    assert "Renamed" in client.get("/courses/my-module").get_data(as_text=True)
    assert "First lesson" in client.get("/courses/my-module?v=1").get_data(as_text=True)


def test_discard_archive_restore(client, competences, create_user, db):
    """A draft can be discarded; archiving removes the module from the catalogue; restoring brings it back."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner, publish=True)
    login(client, "owner@example.org")
    t = token(client)
    client.post(
        "/authoring/my-module/lessons/1",
        data={"slug": "first", "title": "Changed", "body": "x", "action": "save", "csrf_token": t},
    )
    assert n_versions(db) == 2
    client.post("/authoring/my-module/discard", data={"csrf_token": t})
    assert n_versions(db) == 1
    client.post("/authoring/my-module/archive", data={"csrf_token": t})
    assert module(db).status == "archived"
    assert "Title my-module" not in client.get("/courses").get_data(as_text=True)
    assert "archived" in client.get("/courses/my-module").get_data(as_text=True)
    client.post("/authoring/my-module/restore", data={"csrf_token": t})
    assert module(db).status == "published" and "Title my-module" in client.get("/courses").get_data(as_text=True)
    resp = client.post("/authoring/my-module/restore", data={"csrf_token": t}, follow_redirects=True)
    assert "not archived" in resp.get_data(as_text=True)
    assert client.post("/authoring/my-module/explode", data={"csrf_token": t}).status_code == 404


def test_double_publish_and_double_draft_make_one_record(competences, create_user, db):
    """Starting a draft twice gives one draft; publishing twice publishes once."""
    owner = create_user("trainer")
    m = make_module(owner, publish=True)
    first = services.editable_version(m, owner)
    second = services.editable_version(m, owner)
    assert first.id == second.id and n_versions(db) == 2
    services.publish(m)
    db.session.commit()
    with pytest.raises(services.CatalogError):
        services.publish(m)
    db.session.rollback()
    assert module(db).published_version.version == 2


def test_drafts_are_invisible_to_learners_and_anonymous(client, competences, create_user, login_as, db):
    """A never-published module is 404 for everyone on the public pages, API and files."""
    m = make_module(create_user("trainer"))
    files.add_image(m, m.owner, "x.png", png())
    db.session.commit()
    sha = m.versions[-1].files[0].file.sha256
    paths = [
        "/courses/my-module",
        "/courses/my-module/lessons/1",
        f"/courses/my-module/files/{sha}",
        "/api/v1/modules/my-module",
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert "Title my-module" not in client.get("/courses").get_data(as_text=True)
    login_as("learner")
    for path in paths:
        assert client.get(path).status_code == 404, path


def test_sharing(client, competences, create_user, db):
    """The owner shares with another trainer, who may then edit; only trainers can be added; sharing ends."""
    owner = create_user("trainer", email="owner@example.org")
    friend = create_user("trainer", email="friend@example.org")
    create_user("learner", email="learner@example.org")
    make_module(owner)
    login(client, "owner@example.org")
    t = token(client)
    resp = client.post(
        "/authoring/my-module/editors",
        data={"email": "learner@example.org", "csrf_token": t},
        follow_redirects=True,
    )
    assert "no trainer with this e-mail" in resp.get_data(as_text=True)
    client.post("/authoring/my-module/editors", data={"email": "friend@example.org", "csrf_token": t})
    resp = client.post(
        "/authoring/my-module/editors",
        data={"email": "friend@example.org", "csrf_token": t},
        follow_redirects=True,
    )
    assert "can already edit" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ModuleEditor.id))) == 1
    client.post("/logout", data={"csrf_token": t})
    login(client, "friend@example.org")
    assert client.get("/authoring/my-module").status_code == 200
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, "owner@example.org")
    t = token(client)
    assert client.post(f"/authoring/my-module/editors/{friend.id}/delete", data={"csrf_token": t}).status_code == 302
    assert client.post("/authoring/my-module/editors/99999/delete", data={"csrf_token": t}).status_code == 404
    client.post("/logout", data={"csrf_token": t})
    login(client, "friend@example.org")
    assert client.get("/authoring/my-module").status_code == 403


def test_translation_status_shows_what_is_missing(client, competences, create_user, db):
    """The module page of authoring shows per language how much of each part is translated."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    status = rules.translation_status(module(db).versions[-1])
    assert status["en"]["lessons"] == (1, 1) and status["sv"]["lessons"] == (0, 1)
    assert status["en"]["quiz"] == (1, 1) and status["sv"]["title"] == (0, 1)
    login(client, "owner@example.org")
    html = client.get("/authoring/my-module").get_data(as_text=True)
    assert "Translation status" in html and "0 of 1" in html and "1 of 1" in html


def test_unknown_module_is_404(client, competences, login_as):
    """Unknown or malformed module codes are 404 on authoring pages."""
    login_as("trainer")
    for path in ("/authoring/nope", "/authoring/NOPE", "/authoring/nope/edit"):
        assert client.get(path).status_code == 404
    assert client.get("/authoring/nope%00").status_code == 400  # NUL: refused up front


def test_draft_copy_duplicates_rows_but_not_image_bytes(competences, create_user, db):
    """Copying a published version into a draft duplicates its lessons and questions, never the stored files."""
    from uprest.catalog.models import ModuleFile

    m = make_module(create_user("trainer"), publish=True)
    files.add_image(m, m.owner, "x.png", png())
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Lesson.id))) == 2
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 2
    files.add_image(m, m.owner, "y.png", png())  # same bytes, another name
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(ModuleFile.id))) == 1
