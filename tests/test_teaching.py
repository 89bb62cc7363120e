"""The trainer's view of their modules' learners (/teaching): figures per module, the learner list with its
filter, pagination and CSV (safe from formula injection), quiz results per question, attendance, and who may
see what."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re

import pytest

from tests.conftest import csrf_token, login
from tests.factories import make_competences, make_module
from uprest import csvsafe
from uprest.catalog import editing
from uprest.catalog import services as catalog
from uprest.catalog.editing import QuestionData
from uprest.extensions import db
from uprest.learning import quizzes, services
from uprest.learning.models import Enrolment

# --- building the world -----------------------------------------------------------------------------------


def quiz_module(owner, code: str, *, attendance: bool = False, publish: bool = True):
    """make_module's module with two more questions (q2 multiple A, B right, C wrong; q3 single Red, Green
    wrong, Blue right; q3 also in Swedish), optionally asking for attendance; published; committed."""
    module = make_module(owner, code)
    editing.save_question(
        module,
        owner,
        None,
        "en",
        QuestionData("q2", "multiple", "Pick the good ones", ["A", "B", "C"], [True, True, False], ""),
    )
    editing.save_question(
        module,
        owner,
        None,
        "en",
        QuestionData("q3", "single", "Which colour?", ["Red", "Green", "Blue"], [False, False, True], ""),
    )
    editing.save_question(
        module,
        owner,
        "q3",
        "sv",
        QuestionData("q3", "single", "Vilken färg?", ["Röd", "Grön", "Blå"], [False, False, True], ""),
    )
    if attendance:
        catalog.working_version(module).requires_attendance = True
    if publish:
        catalog.publish(module)
    db.session.commit()
    return module


RIGHT = {"q1": [0], "q2": [0, 1], "q3": [2]}


def enrol(user, module) -> Enrolment:
    enrolment, _created = services.enrol(user, module)
    db.session.commit()
    return enrolment


def read_all(enrolment: Enrolment) -> None:
    for lesson in enrolment.version.lessons:
        services.mark_read(enrolment, lesson)
    db.session.commit()


def take_quiz(enrolment: Enrolment, answers: dict[str, list[int]]):
    attempt, _created = quizzes.start_attempt(enrolment)
    result = quizzes.submit(enrolment, attempt.number, answers)
    db.session.commit()
    return result


@pytest.fixture()
def world(app, create_user):
    """Trainer A owns mod-a (3 questions), trainer B owns mod-b; learners: Anna completed mod-a (read, quiz
    passed on the second attempt), Bert is learning mod-a (quiz failed once), Carl enrolled in mod-a only,
    Dora learns mod-b only (answers everything wrong), Anna is also in mod-b."""
    make_competences()
    a = create_user("trainer", name="Trainer A", email="a@example.org")
    b = create_user("trainer", name="Trainer B", email="b@example.org")
    mod_a = quiz_module(a, "mod-a")
    mod_b = quiz_module(b, "mod-b")
    anna = create_user(name="Anna Andersson")
    bert = create_user(name="Bert Berg")
    carl = create_user(name="Carl Carlsson")
    dora = create_user(name="Dora Dahl")

    e = enrol(anna, mod_a)
    read_all(e)
    take_quiz(e, {"q1": [1], "q2": [0, 2], "q3": [1]})  # all wrong: No, A+C, Green
    take_quiz(e, RIGHT)  # passed: completes (no attendance asked)
    e = enrol(bert, mod_a)
    take_quiz(e, {"q1": [0], "q2": [2], "q3": [1]})  # q1 right, C, Green
    enrol(carl, mod_a)
    e = enrol(dora, mod_b)
    take_quiz(e, {"q1": [1], "q2": [2], "q3": [0]})
    enrol(anna, mod_b)
    return {"a": a, "b": b, "mod_a": mod_a, "mod_b": mod_b, "anna": anna, "bert": bert, "carl": carl, "dora": dora}


def as_user(client, user):
    assert login(client, user.email).status_code == 302
    return client


def page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def cells(html: str, marker: str) -> list[str]:
    """The texts of the cells of the table row that contains `marker`."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        if marker in row:
            found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            return [" ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in found]
    raise AssertionError(f"no row with {marker!r}")


def read_csv(resp) -> list[list[str]]:
    body = resp.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:])))


# --- the trainer's modules ----------------------------------------------------------------------------------


def test_index_shows_figures_of_own_modules_only(client, world):
    """/teaching lists the trainer's modules with learners enrolled, in progress, completed and the pass rate."""
    html = page(as_user(client, world["a"]), "/teaching")
    # Anna: 2 attempts (1 passed), Bert: 1 failed -> 1 of 3 attempts passed
    assert cells(html, "mod-a")[1:] == ["mod-a", "3", "2", "1", "33% (3 attempts)"]
    assert "mod-b" not in html


def test_index_says_zero_for_modules_without_learners(client, world):
    """A module of the trainer without enrolments is listed with 0 learners and no pass rate."""
    make_module(world["a"], "quiet-mod", publish=True)
    html = page(as_user(client, world["a"]), "/teaching")
    assert cells(html, "quiet-mod")[1:] == ["quiet-mod", "0", "0", "0", "no attempts yet"]
    assert html.index("mod-a") < html.index("quiet-mod"), "modules with learners first"


def test_admin_sees_every_module(client, world, create_user):
    """Admins see the learners of every module."""
    html = page(as_user(client, create_user("admin")), "/teaching")
    assert "mod-a" in html and "mod-b" in html
    assert "Dora Dahl" in page(client, "/teaching/mod-b")


def test_shared_editor_sees_the_module(client, world, create_user):
    """A trainer the module is shared with sees its learners."""
    coeditor = create_user("trainer", email="co@example.org")
    catalog.share(world["mod_a"], coeditor.email)
    db.session.commit()
    as_user(client, coeditor)
    assert "mod-a" in page(client, "/teaching")
    assert "Bert Berg" in page(client, "/teaching/mod-a")


@pytest.mark.parametrize("role", ["learner", "staff"])
def test_learners_and_staff_are_refused(client, world, create_user, role):
    """Learners and municipality staff get 403 on every page of /teaching."""
    as_user(client, create_user(role))
    for url in ("/teaching", "/teaching/mod-a", "/teaching/mod-a/learners.csv", "/teaching/mod-a/questions.csv"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/privacy")
    enrolment_id = world["mod_a"].id  # any id: refused before it is looked at
    resp = client.post(
        f"/teaching/mod-a/enrolments/{enrolment_id}/attendance", data={"csrf_token": token, "attended": "1"}
    )
    assert resp.status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    """Visitors who are not logged in are sent to the login page."""
    resp = client.get("/teaching/mod-a")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_unknown_module_is_404(client, world):
    """A module code that does not exist answers 404 on the page and the CSV files."""
    as_user(client, world["a"])
    for url in ("/teaching/no-such-mod", "/teaching/no-such-mod/learners.csv", "/teaching/no-such-mod/questions.csv"):
        assert client.get(url).status_code == 404, url


# --- privacy: a trainer sees their own modules' learners only -------------------------------------------------


def test_trainer_of_a_is_refused_on_b(client, world):
    """Trainer A gets 403 on module B's page, CSV files and attendance form."""
    as_user(client, world["a"])
    for url in ("/teaching/mod-b", "/teaching/mod-b/learners.csv", "/teaching/mod-b/questions.csv"):
        assert client.get(url).status_code == 403, url
    dora = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == world["dora"].id))
    token = csrf_token(client, "/teaching/mod-a")
    resp = client.post(f"/teaching/mod-b/enrolments/{dora.id}/attendance", data={"csrf_token": token, "attended": "1"})
    assert resp.status_code == 403


def test_no_data_of_b_leaks_into_a(client, world):
    """Module A's page and CSV files show only A's learners and A's answers (Dora, in B only, is absent; Anna's
    enrolment in B does not count; the per-question counts are A's)."""
    as_user(client, world["a"])
    html = page(client, "/teaching/mod-a")
    assert "Dora Dahl" not in html
    assert html.count("Anna Andersson") == 1
    # q1 of mod-a: Anna twice, Bert once = 3 answers; Dora's answer to mod-b's q1 is not counted
    assert cells(html, ">q1<")[1:3] == ["3", "2"]
    learners = read_csv(client.get("/teaching/mod-a/learners.csv"))
    assert sorted(r[0] for r in learners[1:]) == ["Anna Andersson", "Bert Berg", "Carl Carlsson"]
    questions = read_csv(client.get("/teaching/mod-a/questions.csv"))
    assert {r[1]: r[3] for r in questions[1:]} == {"q1": "3", "q2": "3", "q3": "3"}


# --- the learners of a module -------------------------------------------------------------------------------


def test_learner_rows(client, world):
    """Each learner's row: version, progress, lessons read of required, best score, attempts, status, dates."""
    html = page(as_user(client, world["a"]), "/teaching/mod-a")
    anna = cells(html, "Anna Andersson")
    assert anna[0] == "Anna Andersson" and anna[1] == "1"
    assert anna[3:8] == ["100%", "1 of 1", "100%", "2", "Completed"]
    assert anna[8] != "—"  # completed on a date
    bert = cells(html, "Bert Berg")
    assert bert[3:9] == ["0%", "0 of 1", "33%", "1", "In progress", "—"]
    carl = cells(html, "Carl Carlsson")
    assert carl[3:9] == ["0%", "0 of 1", "—", "0", "In progress", "—"]
    assert "Attendance" not in html, "no attendance column when no version asks for it"


def test_status_filter(client, world):
    """?status= shows only learners with that status; an unknown status shows every learner."""
    as_user(client, world["a"])
    html = page(client, "/teaching/mod-a?status=completed")
    assert "Anna Andersson" in html and "Bert Berg" not in html and "Carl Carlsson" not in html
    html = page(client, "/teaching/mod-a?status=active")
    assert "Anna Andersson" not in html and "Bert Berg" in html and "Carl Carlsson" in html
    html = page(client, "/teaching/mod-a?status=<script>")
    assert all(n in html for n in ("Anna Andersson", "Bert Berg", "Carl Carlsson"))
    rows = read_csv(client.get("/teaching/mod-a/learners.csv?status=completed"))
    assert [r[0] for r in rows[1:]] == ["Anna Andersson"]


def test_pagination_50_per_page(client, world, create_user):
    """The learner list has 50 learners a page, in name order."""
    module = world["mod_a"]
    for n in range(48):  # 3 already
        enrol(create_user(name=f"Zed {n:02d}"), module)
    as_user(client, world["a"])
    first = page(client, "/teaching/mod-a")
    assert first.count('<tr id="learner-') == 50
    assert "Zed 46" in first and "Zed 47" not in first
    second = page(client, "/teaching/mod-a?page=2")
    assert second.count('<tr id="learner-') == 1 and "Zed 47" in second
    assert len(read_csv(client.get("/teaching/mod-a/learners.csv"))) == 1 + 51, "the CSV has every learner"


# --- quiz results per question --------------------------------------------------------------------------------


def test_question_figures_sorted_by_share_wrong(client, world):
    """Per question: answers, learners, share correct, share wrong and the wrong choice chosen most often; the
    question answered wrong most often comes first."""
    html = page(as_user(client, world["a"]), "/teaching/mod-a")
    section = html[html.index("Quiz results per question") :]
    # answers: Anna (wrong, right), Bert. q1: 2 of 3 right; q2: 1 of 3; q3: 1 of 3 (Green twice)
    assert cells(section, ">q1<")[1:] == ["3", "2", "67%", "33%", "No (chosen 1 time)"]
    assert cells(section, ">q2<")[1:] == ["3", "2", "33%", "67%", "C (chosen 2 times)"]
    assert cells(section, ">q3<")[1:] == ["3", "2", "33%", "67%", "Green (chosen 2 times)"]
    assert section.index(">q2<") < section.index(">q3<") < section.index(">q1<")
    assert '<meter min="0" max="100" value="67"' in section


def test_wrong_choice_in_the_trainers_language(client, world, create_user):
    """The most chosen wrong answer is shown in the trainer's language, in English where it is not translated."""
    swede = create_user("trainer", email="sv@example.org", locale="sv")
    catalog.share(world["mod_a"], swede.email)
    db.session.commit()
    html = page(as_user(client, swede), "/teaching/mod-a")
    assert '<span lang="sv">Grön</span>' in html
    assert '<span lang="sv">Vilken färg?</span>' in html
    assert '<span lang="en">C</span>' in html  # q2 has no Swedish text


def test_older_versions_are_grouped(client, world, create_user):
    """Learners keep the version they enrolled in: its questions are shown under it, after the published one."""
    module, a = world["mod_a"], world["a"]
    editing.save_question(
        module, a, "q1", "en", QuestionData("q1", "single", "Pick again", ["Yes", "No"], [True, False], "")
    )
    catalog.publish(module)
    db.session.commit()
    eve = create_user(name="Eve Ek")
    take_quiz(enrol(eve, module), {"q1": [1], "q2": [0, 1], "q3": [2]})
    html = page(as_user(client, a), "/teaching/mod-a")
    section = html[html.index("Quiz results per question") :]
    v2, v1 = section.index("Version 2 (published)"), section.index("Version 1")
    assert v2 < v1
    assert cells(section[v2:v1], "Pick again")[1:4] == ["1", "1", "0%"]
    assert cells(section[v1:], ">q1<")[1:3] == ["3", "2"]
    assert cells(html, "Eve Ek")[1] == "2"


def test_questions_csv(client, world):
    """questions.csv has one row per question with plain numbers."""
    rows = read_csv(as_user(client, world["a"]).get("/teaching/mod-a/questions.csv"))
    assert rows[0][:4] == ["Version", "Question", "Question text", "Answers"]
    by_key = {r[1]: r for r in rows[1:]}
    assert by_key["q3"] == ["1", "q3", "Which colour?", "3", "2", "33", "67", "Green", "2"]
    assert by_key["q1"][5:] == ["67", "33", "No", "1"]


# --- the learner list as CSV ------------------------------------------------------------------------------------


def test_learners_csv_is_an_excel_friendly_attachment(client, world):
    """learners.csv is UTF-8 with a BOM, sent as an attachment, not cached, with numbers as numbers."""
    resp = as_user(client, world["a"]).get("/teaching/mod-a/learners.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv" and resp.mimetype_params.get("charset") == "utf-8"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="mod-a-learners.csv"'
    assert "no-store" in resp.headers["Cache-Control"]
    rows = read_csv(resp)
    assert rows[0][0] == "Learner"
    anna = next(r for r in rows if r[0] == "Anna Andersson")
    assert anna[1] == "1" and anna[3:8] == ["100", "1", "1", "100", "2"] and anna[8] == "Completed"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", anna[2]) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", anna[9])


def test_learners_csv_is_safe_from_formula_injection(client, world, create_user):
    """Names that a spreadsheet would run as formulas get a leading "'"; scores stay plain numbers."""
    module = world["mod_a"]
    names = ['=HYPERLINK("http://x")', "@SUM(1)", "-1+2", "+cmd"]
    for name in names:
        e = enrol(create_user(name=name), module)
        take_quiz(e, RIGHT)
    spaced = create_user(name="x")
    spaced.name = "  =1+1"  # leading white space is no protection
    db.session.commit()
    enrol(spaced, module)
    rows = read_csv(as_user(client, world["a"]).get("/teaching/mod-a/learners.csv"))
    first = {r[0] for r in rows[1:]}
    for name in names:
        assert "'" + name in first
        assert name not in first
    assert "'  =1+1" in first
    scored = next(r for r in rows if r[0] == "'@SUM(1)")
    assert scored[6] == "100" and scored[3] == "50"  # quiz passed, lesson not read
    assert "Anna Andersson" in first


def test_safe_cell_rules():
    """safe_cell prefixes =, +, -, @ (also after white space), tab and carriage return; numbers pass."""
    for bad in ("=1", "+1", "-1", "@a", "\tx", "\rx", " =1", "\n@x", "\t"):
        assert csvsafe.safe_cell(bad) == "'" + bad
    for good in ("Anna", "1-2", "a=b", "", "'quoted"):
        assert csvsafe.safe_cell(good) == good
    assert csvsafe.safe_cell(-5) == -5 and csvsafe.safe_cell(2.5) == 2.5 and csvsafe.safe_cell(None) == ""
    assert csvsafe.csv_text(["a"], [["=1", 3]]) == "\ufeffa\r\n'=1,3\r\n"


# --- attendance ----------------------------------------------------------------------------------------------


@pytest.fixture()
def blended(world, create_user):
    """mod-att of trainer A asks for attendance; Fia read every lesson and passed its quiz, Gus only enrolled."""
    module = quiz_module(world["a"], "mod-att", attendance=True)
    fia = enrol(create_user(name="Fia Fors"), module)
    read_all(fia)
    take_quiz(fia, RIGHT)
    gus = enrol(create_user(name="Gus Gran"), module)
    return {"module": module, "fia": fia, "gus": gus}


def post_attendance(client, code, enrolment_id, attended="1", **extra):
    token = csrf_token(client, f"/teaching/{code}")
    data = {"csrf_token": token, "attended": attended, **extra}
    return client.post(f"/teaching/{code}/enrolments/{enrolment_id}/attendance", data=data)


def fresh(enrolment_id: int) -> Enrolment:
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment_id)


def test_mark_attended_completes_when_last_step(client, world, blended):
    """Marking attendance records it (by whom), flashes a message, goes back to the row, and completes the
    module when attendance was the last step."""
    fia = blended["fia"]
    assert fresh(fia.id).status == "active"
    as_user(client, world["a"])
    html = page(client, "/teaching/mod-att")
    assert "Mark attended" in html and "Attendance" in html
    resp = post_attendance(client, "mod-att", fia.id, status="active", page="1")
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"/teaching/mod-att?status=active#learner-{fia.id}"
    row = fresh(fia.id)
    assert row.attended_at is not None and row.attendance_marked_by_id == world["a"].id
    assert row.status == "completed" and row.completed_at is not None
    html = page(client, "/teaching/mod-att")
    assert "Attendance recorded for Fia Fors." in html and "Fia Fors has now completed the module." in html


def test_undo_attendance(client, world, blended):
    """Undo takes an attendance back while the module is not completed; after completion it is refused."""
    gus = blended["gus"]
    as_user(client, world["a"])
    assert post_attendance(client, "mod-att", gus.id, "1").status_code == 302
    assert fresh(gus.id).attended_at is not None and fresh(gus.id).status == "active"
    assert post_attendance(client, "mod-att", gus.id, "0").status_code == 302
    assert fresh(gus.id).attended_at is None
    assert "Attendance removed for Gus Gran." in page(client, "/teaching/mod-att")
    fia = blended["fia"]
    post_attendance(client, "mod-att", fia.id, "1")
    post_attendance(client, "mod-att", fia.id, "0")
    assert fresh(fia.id).attended_at is not None and fresh(fia.id).status == "completed"
    assert "can no longer be removed" in page(client, "/teaching/mod-att")


def test_attendance_of_another_modules_enrolment_is_404(client, world, blended):
    """An enrolment id of another module (even one the trainer owns) or an unknown id answers 404."""
    other = db.session.scalar(
        db.select(Enrolment).where(Enrolment.user_id == world["bert"].id, Enrolment.module_id == world["mod_a"].id)
    )
    as_user(client, world["a"])
    assert post_attendance(client, "mod-att", other.id).status_code == 404
    assert post_attendance(client, "mod-att", 999999).status_code == 404
    assert fresh(other.id).attended_at is None


def test_attendance_needs_csrf_and_a_valid_value(client, world, blended):
    """A post without the CSRF token or with another value than 1/0 is refused (400) and changes nothing."""
    gus = blended["gus"]
    as_user(client, world["a"])
    url = f"/teaching/mod-att/enrolments/{gus.id}/attendance"
    assert client.post(url, data={"attended": "1"}).status_code == 400
    assert post_attendance(client, "mod-att", gus.id, "yes").status_code == 400
    assert fresh(gus.id).attended_at is None


def test_attendance_refused_where_not_required(client, world):
    """A module that asks for no attendance shows no attendance buttons and refuses a post with a message."""
    carl = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == world["carl"].id))
    as_user(client, world["a"])
    assert "Mark attended" not in page(client, "/teaching/mod-a")
    assert post_attendance(client, "mod-a", carl.id).status_code == 302
    assert fresh(carl.id).attended_at is None
    assert "This module does not record attendance." in page(client, "/teaching/mod-a")
