"""The calibrated assessment through HTTP: levels by band, one knowledge question per competence drawn from
its pool (new ones for a re-assessment), shuffled choices, and each role's time and reasons before starting."""

from __future__ import annotations

import re

import pytest

from tests.factories import answer_page, latest_run, page_items, start_assessment, submit_assessment
from uprest.assessments import plan, services
from uprest.assessments.forms import choice_order
from uprest.assessments.models import AssessmentResult, RunCompetence
from uprest.extensions import db as _db
from uprest.frameworks.models import Area, Competence, Framework, Item, ProficiencyLevel, ProfileTarget, TargetProfile

BANDS = {
    1: "foundation",
    2: "foundation",
    3: "intermediate",
    4: "intermediate",
    5: "advanced",
    6: "advanced",
    7: "specialised",
    8: "specialised",
}


def _question(key: str, level: int, position: int) -> Item:
    return Item(
        key=key,
        kind="knowledge",
        level=level,
        band=BANDS[level],
        position=position,
        text={"en": f"Question at level {level}?"},
        choices=[{"text": {"en": f"Right {level}"}, "correct": True}]
        + [{"text": {"en": f"Wrong {level}.{n}"}, "correct": False} for n in range(1, 4)],
    )


def _digcomp(revision: int, levels: tuple[int, ...]) -> Framework:
    """A current DigComp-like framework revision: competences 1.1 and 1.2, each with statements at three bands
    and knowledge questions at `levels`; flushed."""
    fw = Framework(
        code="digcomp",
        edition="2.2",
        revision=revision,
        content_hash=f"c{revision}",
        is_current=True,
        name={"en": "DigComp"},
        description={"en": "x"},
    )
    for level, band in BANDS.items():
        fw.levels.append(ProficiencyLevel(level=level, band=band, name={"en": f"Level {level}"}))
    _db.session.add(fw)
    _db.session.flush()
    area = Area(framework_id=fw.id, code="1", name={"en": "Information"}, position=0)
    _db.session.add(area)
    _db.session.flush()
    for pos, code in enumerate(("1.1", "1.2")):
        comp = Competence(
            framework_id=fw.id,
            area_id=area.id,
            code=code,
            key=f"digcomp:{code}",
            name={"en": f"Competence {code}"},
            position=pos,
        )
        for n, band in enumerate(("foundation", "intermediate", "advanced"), start=1):
            comp.items.append(
                Item(key=f"s{n}", kind="statement", band=band, position=n, text={"en": f"I can do the {band} task."})
            )
        for n, level in enumerate(levels, start=1):
            comp.items.append(_question(f"k{n}", level, 10 + n))
        _db.session.add(comp)
    _db.session.flush()
    return fw


@pytest.fixture()
def calibrated(app):
    """A DigComp-like framework whose two competences have statements at three bands and three questions at
    levels 2, 4 and 6; the reception profile of accommodation targets both at level 4 (why in 5 languages)."""
    _digcomp(1, (2, 4, 6))
    why = {lang: f"Reception needs it ({lang})" for lang in ("en", "sv", "it", "fi", "hr")}
    profile = TargetProfile(subsector="accommodation", job_role="reception", why=why)
    for code in ("1.1", "1.2"):
        profile.targets.append(
            ProfileTarget(competence_key=f"digcomp:{code}", min_level=4, max_level=None, importance=3)
        )
    _db.session.add(profile)
    _db.session.commit()


def _answer_everything(client, run, *, rating: int, right: bool):
    for page in range(1, run.page_count + 1):
        _token, items = page_items(client, run.id, page)
        extra = {}
        for item in items:
            if item.kind == "knowledge":
                right_index = next(i for i, c in enumerate(item.choices) if c["correct"])
                extra[f"item_{item.id}"] = str(right_index if right else (right_index + 1) % len(item.choices))
        assert answer_page(client, run.id, page, rating=rating, extra=extra).status_code == 302


def _asked_questions(run) -> list[Item]:
    return [q for p in services.run_pages(run) for pc in p.competences for q in pc.knowledge]


def test_a_run_asks_one_question_per_competence_at_the_target_level(client, login_as, calibrated):
    user = login_as()
    assert start_assessment(client).status_code == 302
    run = latest_run(user)
    asked = _asked_questions(run)
    assert [q.level for q in asked] == [4, 4]  # the question nearest the target (level 4) of each competence
    _token, items = page_items(client, run.id, 1)
    assert [i.kind for i in items].count("knowledge") == 2


def test_a_reassessment_asks_questions_not_asked_before(client, login_as, calibrated):
    user = login_as()
    seen = []
    for _ in range(3):
        start_assessment(client)
        run = latest_run(user)
        asked = _asked_questions(run)
        seen.append(sorted(q.key for q in asked))
        _answer_everything(client, run, rating=3, right=True)
        assert submit_assessment(client, run.id).status_code == 302
    assert [keys[0] for keys in seen] == ["k2", "k1", "k3"]  # nearest the target first, then the unseen ones


def test_on_my_own_everywhere_is_intermediate_not_a_stretched_scale(client, login_as, calibrated):
    """ "On my own" on every statement used to give DigComp 5; now it is 3, below the target of 4."""
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    _answer_everything(client, run, rating=3, right=True)
    submit_assessment(client, run.id)
    results = _db.session.scalars(_db.select(AssessmentResult).where(AssessmentResult.run_id == run.id)).all()
    assert {(r.self_level, r.level, r.knowledge, r.gap) for r in results} == {(3, 3, None, 1)}


def test_confidently_everywhere_reaches_advanced_and_the_question_confirms_it(client, login_as, calibrated):
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    _answer_everything(client, run, rating=4, right=True)
    submit_assessment(client, run.id)
    results = _db.session.scalars(_db.select(AssessmentResult).where(AssessmentResult.run_id == run.id)).all()
    assert {(r.self_level, r.level, r.knowledge, r.gap) for r in results} == {(5, 5, "confirmed", 0)}


def test_a_wrong_answer_tempers_the_level_below_the_question(client, login_as, calibrated):
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    _answer_everything(client, run, rating=5, right=False)  # statements say 6; the level-4 question is wrong
    submit_assessment(client, run.id)
    results = _db.session.scalars(_db.select(AssessmentResult).where(AssessmentResult.run_id == run.id)).all()
    assert {(r.self_level, r.level, r.knowledge, r.source) for r in results} == {(6, 3, "tempered", "quiz")}


def test_choices_are_shuffled_the_same_way_on_every_visit(client, login_as, calibrated):
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    question = _asked_questions(run)[0]
    first = client.get(f"/assessment/{run.id}/page/1").get_data(as_text=True)
    second = client.get(f"/assessment/{run.id}/page/1").get_data(as_text=True)
    pattern = rf'name="item_{question.id}"[^>]*value="(\d)"'
    shown = [int(v) for v in re.findall(pattern, first)]
    assert shown == [int(v) for v in re.findall(pattern, second)] == choice_order(run.id, question)
    assert sorted(shown) == [0, 1, 2, 3]
    orders = {tuple(choice_order(run_id, question)) for run_id in range(1, 30)}
    assert len(orders) > 1  # not the authored order for everyone


def test_the_start_page_says_how_long_each_role_takes_and_why(client, login_as, calibrated):
    login_as()
    html = client.get("/assessment?subsector=accommodation").get_data(as_text=True)
    assert "Reception needs it (en)" in html
    assert "about 2 minutes" in html  # 6 statements x 10 s + 2 questions x 30 s
    assert plan.role_options("accommodation") == [
        ("reception", 2, {lang: f"Reception needs it ({lang})" for lang in ("en", "sv", "it", "fi", "hr")})
    ]


def test_old_runs_without_drawn_questions_ask_every_question(client, login_as, calibrated):
    user = login_as()
    start_assessment(client)
    run = latest_run(user)
    _db.session.execute(_db.update(RunCompetence).where(RunCompetence.run_id == run.id).values(question_ids=None))
    _db.session.commit()
    assert len(_asked_questions(run)) == 6


def test_the_comparison_says_when_two_runs_used_different_framework_revisions(client, login_as, calibrated):
    """A new revision of DigComp between two assessments: the second result says the levels come from
    different statements and questions; without a new revision it says nothing of the kind."""
    user = login_as()
    for _ in range(2):
        start_assessment(client)
        run = latest_run(user)
        _answer_everything(client, run, rating=3, right=True)
        submit_assessment(client, run.id)
    html = client.get(f"/assessment/{run.id}/result").get_data(as_text=True)
    assert "Compared with your previous assessment" in html and "different versions" not in html

    old = _db.session.scalar(_db.select(Framework).where(Framework.code == "digcomp"))
    old.is_current = False
    _digcomp(2, (4,))
    _db.session.commit()
    start_assessment(client)
    run = latest_run(user)
    _answer_everything(client, run, rating=3, right=True)
    submit_assessment(client, run.id)
    html = client.get(f"/assessment/{run.id}/result").get_data(as_text=True)
    assert "different versions" in html and "DigComp: version 1 then version 2" in html


def test_each_member_of_a_business_is_compared_with_the_target_of_their_own_role(
    app, client, login_as, calibrated, create_user, territory
):
    """A receptionist and an owner of one business: the business page shows each role against its own
    targets (reception 4, owner 6 here), not everyone against the owner's."""
    from tests.conftest import login
    from uprest.accounts import services as account_services

    owner_profile = TargetProfile(subsector="accommodation", job_role="owner", why={"en": "Owners decide."})
    for code in ("1.1", "1.2"):
        owner_profile.targets.append(
            ProfileTarget(competence_key=f"digcomp:{code}", min_level=6, max_level=None, importance=3)
        )
    _db.session.add(owner_profile)
    owner = login_as()
    org = account_services.create_organisation(
        owner, name="Hotel Vänern", subsector="accommodation", size="micro", territory_id=territory().id
    )
    _db.session.commit()
    for role in ("reception", "owner"):
        member = create_user()
        member.organisation_id = org.id
        member.shares_with_organisation = True
        _db.session.commit()
        c = app.test_client()
        login(c, member.email)
        start_assessment(c, job_role=role)
        run = latest_run(member)
        _answer_everything(c, run, rating=4, right=True)  # level 5 each
        assert submit_assessment(c, run.id).status_code == 302
    html = client.get("/assessment/business").get_data(as_text=True)
    from uprest.assessments.presentation import target_text

    with app.test_request_context():
        four, six = str(target_text(4, None)), str(target_text(6, None))
    sections = {part.split("<")[0].strip(): part.split("</table>")[0] for part in html.split("<h2>")[1:]}
    reception, owners = sections["Front office and reception"], sections["Owner or manager"]
    assert "5.0 of 8" in reception and f"<td>{four}</td>" in reception
    assert "<td>0.0</td>" in reception  # the receptionist meets the reception target
    assert "5.0 of 8" in owners and f"<td>{six}</td>" in owners
    assert "<td>1.0</td>" in owners  # one level below the owner's target of 6


def test_the_target_profile_page_says_why(client, login_as, calibrated):
    login_as("trainer")
    html = client.get("/profiles/accommodation/reception").get_data(as_text=True)
    assert "Reception needs it (en)" in html
