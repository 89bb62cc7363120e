"""Small factories for assessment tests: frameworks, competences, items and target profiles as rows.

They build on the models in uprest/frameworks/models.py only (not on the YAML loader).
"""

from __future__ import annotations

import re

from tests.conftest import csrf_token
from uprest.assessments.models import AssessmentRun
from uprest.extensions import db
from uprest.frameworks.models import (
    Area,
    Competence,
    Framework,
    Item,
    ProficiencyLevel,
    ProfileTarget,
    TargetProfile,
)

SUBSECTORS = ("accommodation", "food_beverage", "tour_operator", "attraction", "destination")


def make_framework(code: str, *, levels: int, areas: dict[str, list[tuple[str, str]]],
                   knowledge: dict[str, bool] | None = None, statements: int = 2, revision: int = 1,
                   is_current: bool = True) -> Framework:
    """A framework with `levels` levels; `areas` maps an area code to [(competence code, English name)].
    `knowledge` maps competence codes that get one knowledge question (choice 0 correct)."""
    knowledge = knowledge or {}
    fw = Framework(code=code, edition="1", revision=revision, content_hash=f"{code}-{revision}",
                   is_current=is_current, name={"en": f"{code.title()} framework", "sv": f"{code} ramverk"},
                   description={"en": "A framework."})
    for lvl in range(1, levels + 1):
        fw.levels.append(ProficiencyLevel(level=lvl, band="b", name={"en": f"Level {lvl}"}))
    db.session.add(fw)
    db.session.flush()
    for a_pos, (a_code, comps) in enumerate(areas.items()):
        area = Area(framework_id=fw.id, code=a_code, name={"en": f"Area {a_code}"}, position=a_pos)
        db.session.add(area)
        db.session.flush()
        for c_pos, (c_code, c_name) in enumerate(comps):
            comp = Competence(framework_id=fw.id, area_id=area.id, code=c_code, key=f"{code}:{c_code}",
                              name={"en": c_name}, description={"en": f"About {c_name}."}, position=c_pos)
            for s in range(1, statements + 1):
                comp.items.append(Item(key=f"s{s}", kind="statement", position=s,
                                       text={"en": f"I can do {c_name} thing {s}."}))
            if knowledge.get(c_code):
                comp.items.append(Item(key="k1", kind="knowledge", position=99,
                                       text={"en": f"What is true about {c_name}?"},
                                       choices=[{"text": {"en": "The right answer"}, "correct": True},
                                                {"text": {"en": "A wrong answer"}, "correct": False},
                                                {"text": {"en": "Another wrong answer"}, "correct": False}]))
            db.session.add(comp)
    db.session.flush()
    return fw


def make_profile(subsector: str, job_role: str, targets: list[tuple[str, int, int | None, int]]) -> TargetProfile:
    profile = TargetProfile(subsector=subsector, job_role=job_role)
    for key, lo, hi, importance in targets:
        profile.targets.append(ProfileTarget(competence_key=key, min_level=lo, max_level=hi, importance=importance))
    db.session.add(profile)
    db.session.flush()
    return profile


DIGCOMP_AREAS = {
    "1": [("1.1", "Browsing and searching"), ("1.2", "Evaluating data"), ("1.3", "Managing data"),
          ("1.4", "Netiquette"), ("1.5", "Digital identity"), ("1.6", "Sharing content")],
    "2": [("2.1", "Protecting devices")],
}
TOURISM_AREAS = {"T1": [("T1.1", "Online distribution and booking")]}
TARGETS = [
    ("digcomp:1.1", 4, 6, 2), ("digcomp:1.2", 3, None, 1), ("digcomp:1.3", 3, 5, 2), ("digcomp:1.4", 2, 4, 1),
    ("digcomp:1.5", 3, 5, 3), ("digcomp:1.6", 2, 4, 1), ("digcomp:2.1", 5, 7, 3),
    ("tourism:T1.1", 3, 4, 3),
    ("greencomp:9.9", 2, 3, 1),  # a key with no competence: skipped
]


def build_frameworks() -> dict[str, Framework]:
    """DigComp-like (8 levels, 7 competences, one with a knowledge question) and tourism (4 levels),
    and the same target profile for every sub-sector and role. Test modules wrap it in a fixture."""
    digcomp = make_framework("digcomp", levels=8, areas=DIGCOMP_AREAS, knowledge={"1.1": True})
    tourism = make_framework("tourism", levels=4, areas=TOURISM_AREAS)
    for subsector in SUBSECTORS:
        for role in ("owner", "staff"):
            make_profile(subsector, role, TARGETS)
    db.session.commit()
    return {"digcomp": digcomp, "tourism": tourism}


# --- HTTP helpers ---------------------------------------------------------------------------------

def start(client, subsector="accommodation", job_role="staff"):
    token = csrf_token(client, "/assessment")
    return client.post("/assessment/start", data={"subsector": subsector, "job_role": job_role,
                                                   "csrf_token": token})


def page_items(client, run_id: int, page: int) -> tuple[str, list[Item]]:
    """The CSRF token and the items of a questionnaire page, read from its HTML."""
    html = client.get(f"/assessment/{run_id}/page/{page}").get_data(as_text=True)
    ids = list(dict.fromkeys(int(i) for i in re.findall(r'name="item_(\d+)"', html)))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return token, [db.session.get(Item, i) for i in ids]


def answer_page(client, run_id: int, page: int, *, rating: int = 3, choice: int = 0, action: str = "next",
                skip: int = 0, extra: dict | None = None):
    """Post a page with every statement rated `rating` and every knowledge question answered `choice`
    (the first `skip` items left out)."""
    token, items = page_items(client, run_id, page)
    data = {"csrf_token": token, "action": action}
    for item in items[skip:]:
        data[f"item_{item.id}"] = str(rating if item.kind == "statement" else choice)
    data.update(extra or {})
    return client.post(f"/assessment/{run_id}/page/{page}", data=data)


PAGES = 4  # digcomp area 1 (5 + 1 competences), digcomp area 2, tourism


def count(_db, model, *where):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def the_run(_db, user) -> AssessmentRun:
    db.session.expire_all()
    return db.session.scalar(db.select(AssessmentRun).where(AssessmentRun.user_id == user.id)
                             .order_by(AssessmentRun.id.desc()))


def answer_all(client, run_id, *, rating=3, tourism_rating=None, choice=0):
    for page in range(1, PAGES + 1):
        r = tourism_rating if (page == PAGES and tourism_rating is not None) else rating
        resp = answer_page(client, run_id, page, rating=r, choice=choice)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    return resp


def submit(client, run_id):
    token = csrf_token(client, "/assessment")
    return client.post(f"/assessment/{run_id}/submit", data={"csrf_token": token})


def complete(client, _db, user, **kwargs) -> AssessmentRun:
    assert start(client).status_code == 302
    run = the_run(db, user)
    answer_all(client, run.id, **kwargs)
    assert submit(client, run.id).status_code == 302
    return the_run(db, user)
