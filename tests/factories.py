"""Test factories in one place. Users and clients are conftest fixtures (`create_user`, `login_as`).

Names follow one pattern:
  make_*        rows built through the models or the feature's services; committed; returned
  *_doc         a document (dict) in the courses/ YAML format; `dump` turns it into text
  write_*       documents or files written into a folder (tmp_path)
  import_*, install_frameworks   the content loaders run on a folder, then commit
  verbs on a client (start_assessment, answer_page, answer_all, submit_assessment, complete_assessment)
                act through HTTP as a user does
  count_rows, latest_run, reset_link, confirm_link, import_statuses   read back what happened
"""

from __future__ import annotations

import re
import struct
import zlib
from contextlib import nullcontext
from pathlib import Path

import yaml
from flask import current_app, has_request_context

from tests.conftest import PASSWORD, csrf_token
from uprest.assessments.models import AssessmentRun
from uprest.extensions import db
from uprest.frameworks.models import (
    Area,
    Competence,
    Framework,
    Item,
    ProficiencyBand,
    ProficiencyLevel,
    ProfileTarget,
    TargetProfile,
)

SUBSECTORS = ("accommodation", "food_beverage", "tour_operator", "attraction", "destination")


# --- reading back ---------------------------------------------------------------------------------


def count_rows(model, *where) -> int:
    """How many rows of `model` match `where`, read fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def latest_run(user) -> AssessmentRun | None:
    """The user's most recent assessment run, read fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(
        db.select(AssessmentRun).where(AssessmentRun.user_id == user.id).order_by(AssessmentRun.id.desc())
    )


def reset_link(email: str) -> str:
    """The path /password/reset/<token> of the newest reset mail sent to `email`."""
    from uprest.mail import OutboxMessage

    msg = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id.desc())
    ).first()
    assert msg is not None, f"no mail to {email}"
    return re.search(r"/password/reset/(\S+)", msg.body_text).group(0)


def confirm_link(email: str) -> str:
    """The path /register/confirm/<token> of the newest registration mail sent to `email`."""
    from uprest.mail import OutboxMessage

    db.session.expire_all()
    bodies = db.session.scalars(
        db.select(OutboxMessage.body_text).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id.desc())
    )
    for body in bodies:
        found = re.search(r"/register/confirm/(\S+)", body)
        if found:
            return found.group(0)
    raise AssertionError(f"no registration mail to {email}")


# --- frameworks and target profiles as rows ------------------------------------------------------


def make_framework(
    code: str,
    *,
    levels: int,
    areas: dict[str, list[tuple[str, str]]],
    knowledge: dict[str, bool] | None = None,
    statements: int = 2,
    revision: int = 1,
    is_current: bool = True,
) -> Framework:
    """A framework with `levels` levels; `areas` maps an area code to [(competence code, English name)].
    `knowledge` maps competence codes that get one knowledge question (choice 0 correct). Flushed."""
    knowledge = knowledge or {}
    fw = Framework(
        code=code,
        edition="1",
        revision=revision,
        content_hash=f"{code}-{revision}",
        is_current=is_current,
        name={"en": f"{code.title()} framework", "sv": f"{code} ramverk"},
        description={"en": "A framework."},
    )
    for lvl in range(1, levels + 1):
        fw.levels.append(ProficiencyLevel(level=lvl, band="b", name={"en": f"Level {lvl}"}))
    db.session.add(fw)
    db.session.flush()
    for a_pos, (a_code, comps) in enumerate(areas.items()):
        area = Area(framework_id=fw.id, code=a_code, name={"en": f"Area {a_code}"}, position=a_pos)
        db.session.add(area)
        db.session.flush()
        for c_pos, (c_code, c_name) in enumerate(comps):
            comp = Competence(
                framework_id=fw.id,
                area_id=area.id,
                code=c_code,
                key=f"{code}:{c_code}",
                name={"en": c_name},
                description={"en": f"About {c_name}."},
                position=c_pos,
            )
            for s in range(1, statements + 1):
                comp.items.append(
                    Item(key=f"s{s}", kind="statement", position=s, text={"en": f"I can do {c_name} thing {s}."})
                )
            if knowledge.get(c_code):
                comp.items.append(
                    Item(
                        key="k1",
                        kind="knowledge",
                        position=99,
                        text={"en": f"What is true about {c_name}?"},
                        choices=[
                            {"text": {"en": "The right answer"}, "correct": True},
                            {"text": {"en": "A wrong answer"}, "correct": False},
                            {"text": {"en": "Another wrong answer"}, "correct": False},
                        ],
                    )
                )
            db.session.add(comp)
    db.session.flush()
    return fw


def make_profile(subsector: str, job_role: str, targets: list[tuple[str, int, int | None, int]]) -> TargetProfile:
    """A target profile; `targets` are (competence key, min level, max level, importance). Flushed."""
    profile = TargetProfile(subsector=subsector, job_role=job_role)
    for key, lo, hi, importance in targets:
        profile.targets.append(ProfileTarget(competence_key=key, min_level=lo, max_level=hi, importance=importance))
    db.session.add(profile)
    db.session.flush()
    return profile


DIGCOMP_AREAS = {
    "1": [
        ("1.1", "Browsing and searching"),
        ("1.2", "Evaluating data"),
        ("1.3", "Managing data"),
        ("1.4", "Netiquette"),
        ("1.5", "Digital identity"),
        ("1.6", "Sharing content"),
    ],
    "2": [("2.1", "Protecting devices")],
}
TOURISM_AREAS = {"T1": [("T1.1", "Online distribution and booking")]}
TARGETS = [
    ("digcomp:1.1", 4, 6, 2),
    ("digcomp:1.2", 3, None, 1),
    ("digcomp:1.3", 3, 5, 2),
    ("digcomp:1.4", 2, 4, 1),
    ("digcomp:1.5", 3, 5, 3),
    ("digcomp:1.6", 2, 4, 1),
    ("digcomp:2.1", 5, 7, 3),
    ("tourism:T1.1", 3, 4, 3),
    ("greencomp:9.9", 2, 3, 1),  # a key with no competence: skipped
]
ASSESSMENT_PAGES = 4  # digcomp area 1 (5 + 1 competences), digcomp area 2, tourism


def make_assessment_frameworks() -> dict[str, Framework]:
    """DigComp-like (8 levels, 7 competences, one with a knowledge question) and tourism (4 levels),
    and the same target profile for every sub-sector and role; committed. Test modules wrap it in a fixture."""
    digcomp = make_framework("digcomp", levels=8, areas=DIGCOMP_AREAS, knowledge={"1.1": True})
    tourism = make_framework("tourism", levels=4, areas=TOURISM_AREAS)
    for subsector in SUBSECTORS:
        for role in ("owner", "reception"):
            make_profile(subsector, role, TARGETS)
    db.session.commit()
    return {"digcomp": digcomp, "tourism": tourism}


def make_competences(spec: dict[str, tuple[int, dict[str, list[str]]]] | None = None) -> None:
    """Frameworks with scales and competences (no questions), e.g. {"digcomp": (8, {"1": ["1.1", "1.2"]})};
    committed. The default is what the catalog tests use: digcomp 1.1, 1.2, 3.1 and greencomp 1.1, 1.2."""
    spec = spec or {
        "digcomp": (8, {"1": ["1.1", "1.2"], "3": ["3.1"]}),
        "greencomp": (4, {"1": ["1.1", "1.2"]}),
    }
    for code, (levels, areas) in spec.items():
        fw = Framework(
            code=code,
            edition="1",
            revision=1,
            content_hash="x" * 64,
            is_current=True,
            name={"en": f"{code} framework", "sv": f"{code} ramverk"},
            description={},
        )
        fw.bands = [ProficiencyBand(code="all", name={"en": "All"}, position=0)]
        fw.levels = [ProficiencyLevel(level=n, band="all", name={"en": f"Level {n}"}) for n in range(1, levels + 1)]
        position = 0
        for a_pos, (area_code, comps) in enumerate(areas.items()):
            area = Area(code=area_code, name={"en": f"Area {code} {area_code}"}, position=a_pos)
            fw.areas.append(area)
            for comp in comps:
                fw.competences.append(
                    Competence(
                        code=comp,
                        key=f"{code}:{comp}",
                        name={"en": f"Competence {code} {comp}", "sv": f"Kompetens {code} {comp}"},
                        description={},
                        position=position,
                        area=area,
                    )
                )
                position += 1
        db.session.add(fw)
    db.session.commit()


# --- businesses, invitations and assessment runs through the services ------------------------


def make_business(owner, name: str = "Hotel Vänern", subsector: str = "accommodation", size: str = "micro"):
    """A business owned by `owner`, in the owner's municipality; committed."""
    from uprest.accounts import services

    org = services.create_organisation(
        owner, name=name, subsector=subsector, size=size, territory_id=owner.territory_id
    )
    db.session.commit()
    return org


def _request_context():
    """Services that build links (url_for) need a request; tests call them from an app context."""
    return nullcontext() if has_request_context() else current_app.test_request_context()


def make_invitation(org, email: str | None = None):
    """An open invitation to `org` from its owner (a link when no e-mail is given, else also a mail);
    committed. Returns (invitation, token)."""
    from uprest.accounts import services

    with _request_context():
        inv, token = services.create_invitation(org, org.owner, email)
    db.session.commit()
    return inv, token


def make_reset_token(user) -> str:
    """The token of a password reset link mailed to `user` (the mail is in the outbox); committed."""
    from uprest.accounts import services

    with _request_context():
        services.request_password_reset(user.email)
    db.session.commit()
    return reset_link(user.email).rsplit("/", 1)[1]


def make_pending_registration(email: str, name: str = "New Person", next_path: str | None = None) -> str:
    """A registration of `email` (password PASSWORD) waiting for its confirmation; the mail is in the outbox;
    committed. Returns the token of the confirmation link."""
    from uprest.accounts import services

    services.start_registration(
        name=name, email=email, password=PASSWORD, locale="en", territory_id=None, next_path=next_path
    )
    db.session.commit()
    return confirm_link(email).rsplit("/", 1)[1]


def make_member(org, user):
    """`user` joins `org` with a fresh invitation, as staff; committed."""
    from uprest.accounts import services

    _inv, token = make_invitation(org)
    services.accept_invitation(token, user)
    db.session.commit()
    return user


def make_assessment_run(
    user,
    *,
    submitted: bool = True,
    rating: int = 3,
    choice: int = 0,
    subsector: str = "accommodation",
    job_role: str = "reception",
) -> AssessmentRun:
    """A run of `user` through the services: every statement rated `rating` and every knowledge question
    answered `choice` and submitted, or (submitted=False) started with no answers; committed.
    Needs target profiles (make_assessment_frameworks)."""
    from uprest.assessments import services

    run, _created = services.start_run(user, subsector=subsector, job_role=job_role)
    if submitted:
        pages = services.run_pages(run)
        answers = {item.id: (rating if item.kind == "statement" else choice) for p in pages for item in p.items}
        services.save_answers(run, answers, go_to_page=len(pages))
        with _request_context():  # listeners of `assessment_submitted` may send mail with links
            assert services.submit_run(run)
    db.session.commit()
    return run


# --- HTTP steps of the assessment ------------------------------------------------------------


def start_assessment(client, subsector="accommodation", job_role="reception"):
    token = csrf_token(client, "/assessment")
    return client.post("/assessment/start", data={"subsector": subsector, "job_role": job_role, "csrf_token": token})


def page_items(client, run_id: int, page: int) -> tuple[str, list[Item]]:
    """The CSRF token and the items of a questionnaire page, read from its HTML."""
    html = client.get(f"/assessment/{run_id}/page/{page}").get_data(as_text=True)
    ids = list(dict.fromkeys(int(i) for i in re.findall(r'name="item_(\d+)"', html)))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return token, [db.session.get(Item, i) for i in ids]


def answer_page(
    client,
    run_id: int,
    page: int,
    *,
    rating: int = 3,
    choice: int = 0,
    action: str = "next",
    skip: int = 0,
    extra: dict | None = None,
):
    """Post a page with every statement rated `rating` and every knowledge question answered `choice`
    (the first `skip` items left out)."""
    token, items = page_items(client, run_id, page)
    data = {"csrf_token": token, "action": action}
    for item in items[skip:]:
        data[f"item_{item.id}"] = str(rating if item.kind == "statement" else choice)
    data.update(extra or {})
    return client.post(f"/assessment/{run_id}/page/{page}", data=data)


def answer_all(client, run_id, *, rating=3, tourism_rating=None, choice=0):
    for page in range(1, ASSESSMENT_PAGES + 1):
        r = tourism_rating if (page == ASSESSMENT_PAGES and tourism_rating is not None) else rating
        resp = answer_page(client, run_id, page, rating=r, choice=choice)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    return resp


def submit_assessment(client, run_id):
    token = csrf_token(client, "/assessment")
    return client.post(f"/assessment/{run_id}/submit", data={"csrf_token": token})


def complete_assessment(client, user, **kwargs) -> AssessmentRun:
    """Start, answer every page and submit through HTTP as the logged-in `user`; the submitted run."""
    assert start_assessment(client).status_code == 302
    run = latest_run(user)
    answer_all(client, run.id, **kwargs)
    assert submit_assessment(client, run.id).status_code == 302
    return latest_run(user)


# --- files -------------------------------------------------------------------------------------


def png(width: int = 1, height: int = 1, extra: int = 0) -> bytes:
    """A valid PNG (optionally padded with an ancillary chunk of `extra` bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x00\x80\x00" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if extra:
        body += chunk(b"teXt", b"c\x00" + b"x" * extra)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'


# --- documents in the courses/ format --------------------------------------------------------


def dump(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def write_yaml(folder: Path, name: str, doc: dict | str) -> Path:
    """Write `doc` (a dict, or text as is) to folder/name; the folder is created."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(doc if isinstance(doc, str) else dump(doc), encoding="utf-8")
    return path


def i18n_text(text: str, langs=("en", "sv")) -> dict:
    return {lang: (text if lang == "en" else f"{text} [{lang}]") for lang in langs}


BANDS = ["foundation", "intermediate", "advanced", "specialised"]


def framework_doc(
    code: str = "digcomp",
    edition: str = "2.2",
    levels: int = 8,
    areas: dict[str, list[str]] | None = None,
    with_descriptors: bool = False,
) -> dict:
    """A small valid framework: `levels` levels in up to 4 bands; one knowledge question on the first competence."""
    areas = areas or {"1": ["1.1", "1.2"], "2": ["2.1"]}
    band_of = {n: BANDS[min((n - 1) * len(BANDS) // levels, len(BANDS) - 1)] for n in range(1, levels + 1)}
    used_bands = [b for b in BANDS if b in band_of.values()]
    doc: dict = {
        "code": code,
        "version": edition,
        "name": i18n_text(f"{code} framework"),
        "description": i18n_text(f"About {code}."),
        "source_url": "https://example.org/" + code,
        "scale": {
            "levels": [
                {
                    "level": n,
                    "band": band_of[n],
                    "name": i18n_text(f"Level {n}"),
                    "description": i18n_text(f"Can do things at level {n}."),
                }
                for n in range(1, levels + 1)
            ],
            "bands": [{"code": b, "name": i18n_text(b.title())} for b in used_bands],
        },
        "areas": [],
    }
    first = True
    for area_code, comps in areas.items():
        area = {"code": area_code, "name": i18n_text(f"Area {area_code}"), "competences": []}
        for comp_code in comps:
            comp = {
                "code": comp_code,
                "name": i18n_text(f"Competence {comp_code}"),
                "description": i18n_text(f"Describes {comp_code}."),
                "esco_uri": None,
                "statements": [
                    {"id": "s1", "band": band_of[1], "text": i18n_text(f"I can do {comp_code}.")},
                    {"id": "s2", "band": band_of[levels], "text": i18n_text(f"I can teach {comp_code}.")},
                ],
            }
            if with_descriptors:
                comp["levels"] = {n: i18n_text(f"{comp_code} at level {n}") for n in range(1, levels + 1)}
            if first:
                comp["knowledge"] = [
                    {
                        "id": "k1",
                        "level": 2,
                        "text": i18n_text("Which answer is right?"),
                        "choices": [
                            {"text": i18n_text("SECRET-WRONG-ANSWER"), "correct": False},
                            {"text": i18n_text("SECRET-RIGHT-ANSWER"), "correct": True},
                        ],
                    }
                ]
                first = False
            area["competences"].append(comp)
        doc["areas"].append(area)
    return doc


def _why(text: str) -> dict:
    return {lang: f"{text} ({lang})" for lang in ("en", "sv", "it", "fi", "hr")}


def profile_doc(subsector: str = "accommodation", owner=None, reception=None) -> dict:
    """A target profile file: the owner's and the receptionist's targets (reception=False: no such role)."""
    roles = {}
    roles["owner"] = {
        "why": _why("Owners decide on distribution and data"),
        "targets": owner
        if owner is not None
        else [
            {"competence": "digcomp:1.1", "min": 3, "max": 5, "importance": 3},
            {"competence": "greencomp:1.1", "min": 2, "importance": 2},
        ],
    }
    if reception is not False:
        roles["reception"] = {
            "why": _why("Reception answers guests' questions"),
            "targets": reception
            if reception is not None
            else [{"competence": "digcomp:1.1", "min": 2, "max": 4, "importance": 1}],
        }
    return {"subsector": subsector, "roles": roles}


def install_frameworks(tmp_path: Path) -> None:
    """digcomp (8 levels) and greencomp (4 levels, with level descriptors) written as YAML, imported, committed."""
    from uprest.frameworks import loader

    folder = tmp_path / "frameworks"
    write_yaml(folder, "digcomp.yaml", framework_doc("digcomp"))
    write_yaml(
        folder,
        "greencomp.yaml",
        framework_doc("greencomp", "2022", levels=4, areas={"1": ["1.1", "1.2"]}, with_descriptors=True),
    )
    report = loader.import_frameworks(folder)
    assert report.ok, report.lines()
    db.session.commit()


def module_doc(code: str = "green-basics", **overrides) -> dict:
    doc = {
        "code": code,
        "title": {"en": f"Title of {code}", "sv": f"Titel för {code}"},
        "summary": {
            "en": f"Summary of {code}. Learn about waste.",
            "sv": f"Sammanfattning av {code}.",
        },
        "provider": "uprest-consortium",
        "workload_hours": 6,
        "ects": 0.25,
        "eqf_level": 4,
        "participation": "online",
        "assessment_type": "quiz",
        "quality_assurance": {"en": "Reviewed by two experts.", "sv": "Granskad av två experter."},
        "prerequisites": [],
        "outcomes": [
            {
                "competence": "greencomp:1.1",
                "from_level": 1,
                "to_level": 2,
                "text": {"en": "Explain waste.", "sv": "Förklara avfall."},
            },
            {
                "competence": "digcomp:1.1",
                "from_level": 2,
                "to_level": 4,
                "text": {"en": "Search for data.", "sv": "Söka data."},
            },
        ],
        "quiz": {"pass_mark": 70, "max_attempts": 3, "shuffle": True},
    }
    doc.update(overrides)
    return doc


def quiz_doc(lang: str = "en") -> dict:
    suffix = "" if lang == "en" else f" [{lang}]"
    return {
        "questions": [
            {
                "id": "q1",
                "kind": "single",
                "text": f"Which is right?{suffix}",
                "choices": [
                    {"text": f"Right{suffix}", "correct": True},
                    {"text": f"Wrong{suffix}", "correct": False},
                ],
                "feedback": f"Because.{suffix}",
            },
            {
                "id": "q2",
                "kind": "multiple",
                "text": f"Pick the good ones{suffix}",
                "choices": [
                    {"text": f"A{suffix}", "correct": True},
                    {"text": f"B{suffix}", "correct": True},
                    {"text": f"C{suffix}", "correct": False},
                ],
            },
            {
                "id": "q3",
                "kind": "truefalse",
                "text": f"Waste is bad.{suffix}",
                "choices": [
                    {"text": f"True{suffix}", "correct": True},
                    {"text": f"False{suffix}", "correct": False},
                ],
                "feedback": f"It is.{suffix}",
            },
        ]
    }


def write_module(
    root: Path,
    code: str = "green-basics",
    doc: dict | None = None,
    langs=("en", "sv"),
    image: bytes | None = None,
) -> Path:
    """A valid module folder under root/modules/<code>/: 2 lessons, a quiz in `langs`, one image."""
    folder = root / "modules" / code
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    (folder / "module.yaml").write_text(dump(doc or module_doc(code)), encoding="utf-8")
    (folder / "images" / "map.png").write_bytes(image if image is not None else png())
    for lang in langs:
        s = "" if lang == "en" else f" ({lang})"
        (folder / "lessons" / f"01-why-it-matters.{lang}.md").write_text(
            f"# Why it matters{s}\n\nWaste costs money{s}.\n\n![A map of the bins](map.png)\n",
            encoding="utf-8",
        )
        (folder / "lessons" / f"02-what-to-do.{lang}.md").write_text(
            f"# What to do{s}\n\n## Steps\n\n1. Measure\n2. Reduce{s}\n\n| Bin | Colour |\n|---|---|\n| Paper | Blue |\n",
            encoding="utf-8",
        )
        (folder / f"quiz.{lang}.yaml").write_text(dump(quiz_doc(lang)), encoding="utf-8")
    return folder


def make_provider(slug: str = "uprest-consortium", **values):
    """A provider (the awarding body that module_doc names), committed; the existing one when the short name
    is taken."""
    from uprest.providers import services

    provider = services.by_slug(slug)
    if provider is None:
        defaults = {"name": "UPREST consortium", "kind": "consortium", "country": "SE", "region": "Västra Götaland"}
        provider = services.create(slug, **{**defaults, **values})
        db.session.commit()
    return provider


def import_modules(root: Path):
    """Run the module importer on root/modules/ (with the provider module_doc names) and commit; the loader's
    ImportReport."""
    from uprest.catalog import loader

    make_provider()
    report = loader.import_modules(root)
    db.session.commit()
    return report


def import_statuses(report) -> dict[str, str]:
    """{module code: created|updated|unchanged|refused} of an import report."""
    return {r.file: r.status for r in report.results}


# --- modules written in the browser -------------------------------------------------------------


def make_module(
    owner,
    code: str = "my-module",
    publish: bool = False,
    *,
    hours: float = 3.0,
    outcomes: list[tuple[str, int, int]] | None = None,
):
    """A module written in the browser by `owner`: one lesson, one question, complete in English; committed.
    `outcomes` are (competence key, from level, to level); by default digcomp:1.1 from 1 to 3, which needs
    that competence (make_competences or make_assessment_frameworks)."""
    from uprest.catalog import editing, services
    from uprest.catalog.editing import OutcomeRow, QuestionData

    module = services.create_module(owner, code, f"Title {code}")
    editing.update_metadata(
        module,
        owner,
        "en",
        {
            "title": f"Title {code}",
            "summary": f"Summary {code}.",
            "quality_assurance": "Peer reviewed.",
            "workload_hours": hours,
            "ects": None,
            "eqf_level": 3,
            "participation": "blended",
            "assessment_type": "quiz",
            "prerequisites": [],
            "pass_mark": 60,
            "max_attempts": 0,
            "shuffle": False,
        },
        [OutcomeRow(key, lo, hi, "Find things.") for key, lo, hi in (outcomes or [("digcomp:1.1", 1, 3)])],
    )
    editing.save_lesson(module, owner, None, "en", "first", "First lesson", "Hello **world**.")
    editing.save_question(
        module,
        owner,
        None,
        "en",
        QuestionData("q1", "single", "Pick", ["Yes", "No"], [True, False], "Yes is right."),
    )
    if publish:
        services.publish(module)
    db.session.commit()
    return module


def module_form(**over) -> dict:
    """The authoring form's fields for a valid module version (one outcome, digcomp:1.1 from 1 to 3); `over`
    changes or adds fields. Post it with a CSRF token to /authoring/<code>/edit."""
    data = {
        "title": "Title my-module",
        "summary": "S",
        "quality_assurance": "",
        "provider_id": "",
        "workload_hours": "3",
        "ects": "",
        "eqf_level": "4",
        "participation": "online",
        "assessment_type": "quiz",
        "pass_mark": "60",
        "max_attempts": "0",
        "outcomes-0-competence_key": "digcomp:1.1",
        "outcomes-0-from_level": "1",
        "outcomes-0-to_level": "3",
        "outcomes-0-text": "Find things.",
    }
    data.update(over)
    return data


# --- the same request many times at once --------------------------------------------------------------


def parallel_posts(app, client, url: str, data: dict, n: int = 20) -> list[int]:
    """POST `data` to `url` from `n` threads at the same moment, each with the session of `client`; their
    status codes."""
    import threading

    cookie = client.get_cookie("session")
    barrier = threading.Barrier(n)
    statuses = []

    def worker():
        own = app.test_client()
        own.set_cookie(cookie.key, cookie.value)
        barrier.wait()
        statuses.append(own.post(url, data=data).status_code)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses
