"""The assessment's content in courses/ meets the rules of a calibrated assessment (issue 11).

Frameworks: every competence has at least three "I can …" statements, each tied to a band of the scale and
together covering at least three bands, and at least two knowledge questions at different levels, with
four choices of which exactly one is right; every text in all five languages. Target profiles: every
sub-sector, the roles that fit it, each saying why, with a selection of competences small enough for an
assessment of about 15 minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from uprest.frameworks import loader

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ROOT / "courses" / "frameworks"
PROFILES = ROOT / "courses" / "profiles"
LANGS = ("en", "sv", "it", "fi", "hr")

# Seconds a person takes, on average, for one statement and for one knowledge question (reading, thinking,
# answering); one question per competence is drawn for a run.
SECONDS_PER_STATEMENT = 10
SECONDS_PER_QUESTION = 30
MINUTES_TARGET = 15

# The roles that fit each sub-sector (owner or manager everywhere).
ROLES = {
    "accommodation": {"owner", "reception", "housekeeping", "kitchen", "marketing"},
    "food_beverage": {"owner", "kitchen", "marketing"},
    "tour_operator": {"owner", "reception", "guide", "marketing"},
    "attraction": {"owner", "reception", "guide", "marketing"},
    "destination": {"owner", "reception", "guide", "marketing"},
    "transport": {"owner", "reception", "guide", "marketing"},
    "beach": {"owner", "reception", "kitchen", "guide"},
    "events": {"owner", "reception", "kitchen", "guide", "marketing"},
}


def _spec(code: str) -> dict:
    spec, errors = loader.validate_framework((FRAMEWORKS / f"{code}.yaml").read_bytes(), f"{code}.yaml", code)
    assert not errors, "\n".join(str(e) for e in errors)
    return spec


def _competences(spec: dict):
    for area in spec["areas"]:
        yield from area["competences"]


def _texts(item: dict):
    yield item["text"]
    for choice in item["choices"]:
        yield choice["text"]


@pytest.mark.parametrize("code", ["digcomp", "greencomp", "tourism"])
def test_statements_are_written_at_bands_of_the_scale(code):
    spec = _spec(code)
    problems = []
    for comp in _competences(spec):
        statements = [i for i in comp["items"] if i["kind"] == "statement"]
        bands = {s["band"] for s in statements}
        if len(statements) < 3 or None in bands or len(bands) < 3:
            problems.append(f"{code}:{comp['code']}: {len(statements)} statements, bands {sorted(map(str, bands))}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", ["digcomp", "greencomp", "tourism"])
def test_every_competence_has_knowledge_questions_at_different_levels(code):
    spec = _spec(code)
    problems = []
    for comp in _competences(spec):
        questions = [i for i in comp["items"] if i["kind"] == "knowledge"]
        levels = {q["level"] for q in questions}
        if len(questions) < 2 or None in levels or len(levels) < 2:
            problems.append(f"{code}:{comp['code']}: {len(questions)} questions at levels {sorted(map(str, levels))}")
        for q in questions:
            if len(q["choices"]) != 4:
                problems.append(f"{code}:{comp['code']} {q['key']}: {len(q['choices'])} choices, not 4")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", ["digcomp", "greencomp", "tourism"])
def test_the_right_answer_does_not_give_itself_away_by_length(code):
    """Item writers' classic flaw: the right answer the longest. It may be, but not in most questions."""
    spec = _spec(code)
    questions = [i for comp in _competences(spec) for i in comp["items"] if i["kind"] == "knowledge"]
    longest = 0
    for q in questions:
        lengths = [len(c["text"]["en"]) for c in q["choices"]]
        right = next(n for n, c in enumerate(q["choices"]) if c["correct"])
        longest += lengths[right] == max(lengths)
    assert longest <= 0.5 * len(questions), f"{longest} of {len(questions)} right answers are the longest choice"


@pytest.mark.parametrize("code", ["digcomp", "greencomp", "tourism"])
def test_every_text_is_in_all_five_languages(code):
    spec = _spec(code)
    missing = [
        f"{code}:{comp['code']} {item['key']} [{lang}]"
        for comp in _competences(spec)
        for item in comp["items"]
        for text in _texts(item)
        for lang in LANGS
        if not (text.get(lang) or "").strip()
    ]
    assert not missing, "\n".join(missing)


def _profile(subsector: str) -> dict:
    raw = yaml.safe_load((PROFILES / f"{subsector}.yaml").read_text())
    return raw


def test_every_subsector_has_a_profile_file():
    assert {p.stem for p in PROFILES.glob("*.yaml")} == set(loader.SUBSECTORS)


@pytest.mark.parametrize("subsector", sorted(ROLES))
def test_each_subsector_has_the_roles_that_fit_it_and_says_why(subsector):
    roles = _profile(subsector)["roles"]
    assert set(roles) == ROLES[subsector]
    for role, body in roles.items():
        assert isinstance(body, dict), f"{subsector}/{role}: needs why and targets"
        assert all((body["why"].get(lang) or "").strip() for lang in LANGS), f"{subsector}/{role}: why"


@pytest.mark.parametrize("subsector", sorted(ROLES))
def test_an_assessment_for_each_role_takes_about_fifteen_minutes(subsector):
    competences = {
        f"{code}:{comp['code']}": comp
        for code in ("digcomp", "greencomp", "tourism")
        for comp in _competences(_spec(code))
    }
    for role, body in _profile(subsector)["roles"].items():
        keys = [t["competence"] for t in body["targets"]]
        assert all(k in competences for k in keys), f"{subsector}/{role}: unknown competence"
        statements = sum(1 for k in keys for i in competences[k]["items"] if i["kind"] == "statement")
        minutes = (statements * SECONDS_PER_STATEMENT + len(keys) * SECONDS_PER_QUESTION) / 60
        assert 6 <= len(keys) and minutes <= MINUTES_TARGET + 2, (
            f"{subsector}/{role}: {len(keys)} competences, {minutes:.1f} min"
        )


def test_the_calibration_report_is_current():
    """docs/assessment-calibration.md is what bench/calibration.py gives for today's content and rules."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("calibration", ROOT / "bench" / "calibration.py")
    calibration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibration)
    assert (ROOT / "docs" / "assessment-calibration.md").read_text() == calibration.report(), (
        "run .venv/bin/python bench/calibration.py"
    )
