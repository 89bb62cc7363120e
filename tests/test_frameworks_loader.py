"""Frameworks loader and CLI: validation with file/path/line, idempotent revisions, target profiles."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import count_rows, dump, framework_doc, install_frameworks, profile_doc, write_yaml
from uprest.frameworks import loader, services
from uprest.frameworks.models import Competence, Framework, Item, ProfileTarget, TargetProfile

ROOT = Path(__file__).resolve().parent.parent


# --- frameworks: valid imports ------------------------------------------------------------


def test_valid_framework_is_imported_with_everything(db, tmp_path):
    """A valid file creates revision 1 with its scale, areas, competences (keys code:code) and items."""
    write_yaml(tmp_path, "digcomp.yaml", framework_doc())
    report = loader.import_frameworks(tmp_path)
    db.session.commit()
    assert report.ok and [r.status for r in report.results] == ["created"]
    fw = services.current_framework("digcomp")
    assert (fw.edition, fw.revision, fw.is_current, len(fw.content_hash)) == ("2.2", 1, True, 64)
    assert [lvl.level for lvl in fw.levels] == list(range(1, 9))
    assert [b.code for b in fw.bands] == ["foundation", "intermediate", "advanced", "specialised"]
    assert [a.code for a in fw.areas] == ["1", "2"]
    assert [c.key for c in fw.competences] == ["digcomp:1.1", "digcomp:1.2", "digcomp:2.1"]
    first = services.competence_by_key("digcomp:1.1")
    assert [(i.key, i.kind) for i in first.items] == [
        ("s1", "statement"),
        ("s2", "statement"),
        ("k1", "knowledge"),
    ]
    question = first.items[2]
    assert [c["correct"] for c in question.choices] == [False, True]
    assert question.choices[1]["text"]["en"] == "SECRET-RIGHT-ANSWER"
    assert first.items[0].choices == []
    assert first.name == {"en": "Competence 1.1", "sv": "Competence 1.1 [sv]"}


def test_unchanged_file_does_nothing(db, tmp_path):
    """Re-importing an unchanged file (even with new comments or layout) creates nothing."""
    path = write_yaml(tmp_path, "digcomp.yaml", framework_doc())
    loader.import_frameworks(tmp_path)
    db.session.commit()
    path.write_text(
        "# a comment that changes the bytes\n" + yaml.safe_dump(framework_doc(), sort_keys=True),
        encoding="utf-8",
    )
    report = loader.import_frameworks(tmp_path)
    db.session.commit()
    assert [r.status for r in report.results] == ["unchanged"]
    assert count_rows(Framework) == 1 and count_rows(Competence) == 3


def test_changed_file_creates_new_revision_and_keeps_the_old(db, tmp_path):
    """A changed file adds revision 2, makes it current and keeps revision 1 with its competences."""
    write_yaml(tmp_path, "digcomp.yaml", framework_doc())
    loader.import_frameworks(tmp_path)
    db.session.commit()
    old = services.competence_by_key("digcomp:1.1")
    old_id, old_fw_id = old.id, old.framework_id
    changed = framework_doc(areas={"1": ["1.1", "1.2", "1.3"], "2": ["2.1"]})
    write_yaml(tmp_path, "digcomp.yaml", changed)
    report = loader.import_frameworks(tmp_path)
    db.session.commit()
    assert [r.status for r in report.results] == ["updated"]
    revisions = db.session.scalars(db.select(Framework).order_by(Framework.revision)).all()
    assert [(f.revision, f.is_current) for f in revisions] == [(1, False), (2, True)]
    assert db.session.get(Competence, old_id).framework_id == old_fw_id  # old results keep their competence
    new = services.competence_by_key("digcomp:1.1")
    assert new.id != old_id and new.framework.revision == 2
    assert len(services.current_framework("digcomp").competences) == 4
    # and a third import of the same changed file is a no-op
    assert [r.status for r in loader.import_frameworks(tmp_path).results] == ["unchanged"]


def test_two_frameworks_are_independent(db, tmp_path):
    """Each file is its own framework; a broken file does not stop the valid ones."""
    write_yaml(tmp_path, "digcomp.yaml", framework_doc())
    broken = framework_doc("greencomp", levels=4)
    del broken["areas"][0]["competences"][0]["name"]
    write_yaml(tmp_path, "greencomp.yaml", broken)
    report = loader.import_frameworks(tmp_path)
    db.session.commit()
    assert [(r.file, r.status) for r in report.results] == [
        ("digcomp.yaml", "created"),
        ("greencomp.yaml", "refused"),
    ]
    assert not report.ok
    assert [f.code for f in services.current_frameworks()] == ["digcomp"]


# --- frameworks: broken files ------------------------------------------------------------------

BROKEN = """\
code: digcomp
version: "2.2"
name: {en: DigComp}
scale:
  levels:
    - {level: 1, band: foundation, name: {en: One}}
    - {level: 2, band: nowhere, name: {en: Two}}
  bands:
    - {code: foundation, name: {en: Foundation}}
areas:
  - code: "1"
    name: {en: Information}
    competences:
      - code: "1.1"
        name: {en: Browsing}
        levels:
          3: {en: too high}
        statements:
          - id: s1
            text: {sv: Jag kan}
      - code: "1.1"
        name: {en: Twice}
        statements: []
        knowledge:
          - id: k1
            text: {en: Which?}
            choices:
              - {text: {en: A}, correct: true}
              - {text: {en: B}, correct: true}
"""


def test_broken_file_imports_nothing_and_reports_every_error(db, tmp_path):
    """All problems of a broken file are reported with file, path and line; nothing is stored."""
    write_yaml(tmp_path, "digcomp.yaml", BROKEN)
    report = loader.import_frameworks(tmp_path)
    db.session.commit()
    assert [r.status for r in report.results] == ["refused"]
    errors = {e.path: e for e in report.refused[0].errors}
    assert all(e.file == "digcomp.yaml" for e in errors.values())
    text_error = errors["areas[0].competences[0].statements[0].text.en"]
    assert text_error.line == 20 and "English" in text_error.message
    assert errors["scale.levels[1].band"].line == 7
    assert errors["areas[0].competences[0].levels.3"].line == 17
    assert (
        errors["areas[0].competences[1].code"].line == 21 and "twice" in errors["areas[0].competences[1].code"].message
    )
    assert "areas[0].competences[1].statements" in errors  # at least one statement
    assert "exactly one" in errors["areas[0].competences[1].knowledge[0].choices"].message
    assert str(text_error).startswith("digcomp.yaml:20: areas[0].competences[0].statements[0].text.en:")
    assert count_rows(Framework) == 0 and count_rows(Competence) == 0 and count_rows(Item) == 0


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [
        (lambda d: d.update(code="greencomp"), "code", "file name"),
        (lambda d: d.update(version=2.2), "version", "quotes"),
        (lambda d: d.update(colour="red"), "colour", "unknown field"),
        (lambda d: d["name"].update(de="Deutsch"), "name.de", "unknown language"),
        (lambda d: d["name"].update(sv="Nul\x00"), "name.sv", "NUL"),
        (lambda d: d["scale"]["bands"][0].update(code="a\x00"), "scale.bands[0].code", "NUL"),
        (lambda d: d.update(code="digcomp\n"), "code", "format"),
        (lambda d: d.update(source_url="ftp://x"), "source_url", "http"),
        (lambda d: d["scale"]["levels"][1].update(level=5), "scale.levels[1].level", "in order"),
        (
            lambda d: d["scale"]["levels"][0].update(level=True),
            "scale.levels[0].level",
            "whole number",
        ),
        (lambda d: d["areas"][0].update(competences="none"), "areas[0].competences", "list"),
        (lambda d: d["areas"][1].update(code="1"), "areas[1].code", "twice"),
        (
            lambda d: d["areas"][0]["competences"][0]["statements"][1].update(id="s1"),
            "areas[0].competences[0].statements[1].id",
            "twice",
        ),
        (
            lambda d: d["areas"][0]["competences"][0]["knowledge"][0].update(choices=[{"text": {"en": "x"}}]),
            "areas[0].competences[0].knowledge[0].choices",
            "at least 2",
        ),
        (
            lambda d: d["areas"][0]["competences"][0]["knowledge"][0]["choices"][0].update(correct="yes"),
            "areas[0].competences[0].knowledge[0].choices[0].correct",
            "true or false",
        ),
        (
            lambda d: d["areas"][0]["competences"][0].update(code="1 1"),
            "areas[0].competences[0].code",
            "format",
        ),
    ],
)
def test_invalid_framework_fields_are_refused(db, tmp_path, mutate, path, fragment):
    """Each broken rule is reported at its path; the file imports nothing."""
    doc = framework_doc()
    mutate(doc)
    write_yaml(tmp_path, "digcomp.yaml", doc)
    report = loader.import_frameworks(tmp_path)
    errors = report.refused[0].errors
    assert any(e.path == path and fragment in e.message and e.line for e in errors), [str(e) for e in errors]
    assert count_rows(Framework) == 0


def test_tourism_needs_level_descriptors(db, tmp_path):
    """The tourism framework requires a descriptor for every level of its scale."""
    write_yaml(tmp_path, "tourism.yaml", framework_doc("tourism", levels=4))
    errors = loader.import_frameworks(tmp_path).refused[0].errors
    assert any(e.path == "areas[0].competences[0].levels" for e in errors)
    write_yaml(tmp_path, "tourism.yaml", framework_doc("tourism", levels=4, with_descriptors=True))
    assert loader.import_frameworks(tmp_path).ok


def test_yaml_syntax_error_and_duplicate_keys_have_lines(tmp_path):
    """Invalid YAML and duplicate keys are errors with their line number."""
    _spec, errors = loader.validate_framework(b"code: digcomp\nname: {en: [x\n", "digcomp.yaml")
    assert len(errors) == 1 and errors[0].line and "invalid YAML" in errors[0].message
    text = dump(framework_doc()).replace("version: '2.2'\n", "version: '2.2'\nversion: '2.3'\n")
    _spec, errors = loader.validate_framework(text.encode(), "digcomp.yaml", "digcomp")
    assert [(e.path, e.line, e.message) for e in errors] == [("version", 3, "duplicate key")]
    _spec, errors = loader.validate_framework(b"\xff\xfe", "digcomp.yaml")
    assert "UTF-8" in errors[0].message


def test_missing_folder_is_refused(tmp_path):
    """A path that does not exist is reported, not a crash."""
    report = loader.import_frameworks(tmp_path / "nope")
    assert not report.ok and "no such file" in report.refused[0].errors[0].message


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 12) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "code",
                    "version",
                    "name",
                    "en",
                    "scale",
                    "levels",
                    "bands",
                    "areas",
                    "competences",
                    "statements",
                    "knowledge",
                    "id",
                    "text",
                    "choices",
                    "correct",
                    "level",
                    "band",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(data=yaml_values)
def test_validator_never_crashes(data):
    """Any YAML document gives a spec or a list of errors, never an exception."""
    spec, errors = loader.validate_framework(yaml.safe_dump(data).encode(), "x.yaml")
    assert (spec is None) == bool(errors)
    assert all(isinstance(e.path, str) and e.file == "x.yaml" for e in errors)


@settings(max_examples=60, deadline=None)
@given(mutation=st.tuples(st.integers(0, 30), st.sampled_from([None, 0, -1, "", [], {}, "x", 99, True])))
def test_any_single_corruption_is_refused_or_valid(mutation):
    """Replacing any one value of a valid document never crashes the validator."""
    doc = framework_doc()
    leaves = []

    def walk(node):
        if isinstance(node, dict):
            for k in node:
                leaves.append((node, k))
                walk(node[k])
        elif isinstance(node, list):
            for i in range(len(node)):
                leaves.append((node, i))
                walk(node[i])

    walk(doc)
    index, value = mutation
    container, key = leaves[index % len(leaves)]
    container[key] = copy.deepcopy(value)
    spec, errors = loader.validate_framework(dump(doc).encode(), "digcomp.yaml", "digcomp")
    assert (spec is None) == bool(errors)


# --- target profiles -------------------------------------------------------------------------------


def test_target_problems_rules():
    """min within the scale, max empty or between min and the top, importance 1-3."""
    assert loader.target_problems(1, None, 1, 4) == []
    assert loader.target_problems(2, 2, 3, 4) == []
    assert loader.target_problems(0, None, 2, 4) == ["min_range"]
    assert loader.target_problems(5, None, 2, 4) == ["min_range"]
    assert loader.target_problems(3, 2, 2, 4) == ["max_order"]
    assert loader.target_problems(3, 9, 2, 8 - 4) == ["max_range"]
    assert loader.target_problems(1, None, 4, 4) == ["importance"]


@given(
    lo=st.integers(-2, 10),
    hi=st.none() | st.integers(-2, 10),
    imp=st.integers(-1, 5),
    top=st.integers(1, 8),
)
def test_target_problems_property(lo, hi, imp, top):
    """A target is valid exactly when 1 <= min <= max <= top (max optional) and importance is 1-3."""
    valid = 1 <= lo <= top and (hi is None or lo <= hi <= top) and imp in (1, 2, 3)
    assert (loader.target_problems(lo, hi, imp, top) == []) == valid


def test_profiles_import_and_reimport_updates_in_place(db, tmp_path):
    """Profiles are created per sub-sector and role, unchanged on re-import, updated in place on change."""
    install_frameworks(tmp_path)
    folder = tmp_path / "profiles"
    write_yaml(folder, "accommodation.yaml", profile_doc())
    report = loader.import_profiles(folder)
    db.session.commit()
    assert report.ok and [r.status for r in report.results] == ["created"]
    owner = services.profile_for("accommodation", "owner")
    assert [(t.competence_key, t.min_level, t.max_level, t.importance) for t in owner.targets] == [
        ("digcomp:1.1", 3, 5, 3),
        ("greencomp:1.1", 2, None, 2),
    ]
    owner_id = owner.id
    assert [r.status for r in loader.import_profiles(folder).results] == ["unchanged"]
    write_yaml(
        folder,
        "accommodation.yaml",
        profile_doc(owner=[{"competence": "digcomp:1.1", "min": 4, "importance": 1}]),
    )
    report = loader.import_profiles(folder)
    db.session.commit()
    assert [r.status for r in report.results] == ["updated"]
    assert report.results[0].detail == "accommodation: owner updated, reception unchanged"
    db.session.expire_all()
    owner = services.profile_for("accommodation", "owner")
    assert owner.id == owner_id
    assert [(t.competence_key, t.min_level, t.max_level, t.importance) for t in owner.targets] == [
        ("digcomp:1.1", 4, None, 1)
    ]
    assert count_rows(TargetProfile) == 2 and count_rows(ProfileTarget) == 2
    assert owner.why["sv"] == "Owners decide on distribution and data (sv)"


WHY = "{en: a, sv: b, it: c, fi: d, hr: e}"
PROFILE_BROKEN = f"""\
subsector: accommodation
roles:
  owner:
    why: {WHY}
    targets:
      - {{competence: digcomp:9.9, min: 3}}
      - {{competence: greencomp:1.1, min: 5}}
      - {{competence: digcomp:1.1, min: 4, max: 2}}
      - {{competence: digcomp:1.2, min: 2, importance: 4}}
      - {{competence: digcomp:2.1, min: two}}
      - {{competence: "not a key", min: 1}}
  manager:
    why: {WHY}
    targets:
      - {{competence: digcomp:1.1, min: 1}}
  reception:
    why: {{en: only English}}
    targets:
      - {{competence: digcomp:1.1, min: 1}}
      - {{competence: digcomp:1.1, min: 2}}
  kitchen:
    - {{competence: digcomp:1.1, min: 1}}
"""


def test_profile_validation_reports_each_problem(db, tmp_path):
    """Unknown competences, levels outside the framework's scale, max < min, bad importance: all reported."""
    install_frameworks(tmp_path)
    folder = tmp_path / "profiles"
    write_yaml(folder, "accommodation.yaml", PROFILE_BROKEN)
    report = loader.import_profiles(folder)
    errors = {(e.path, e.line): e.message for e in report.refused[0].errors}
    assert "unknown competence" in errors[("roles.owner.targets[0].competence", 6)]
    assert "between 1 and 4" in errors[("roles.owner.targets[1].min", 7)]
    assert "lower than min" in errors[("roles.owner.targets[2].max", 8)]
    assert "importance" not in errors.get(("roles.owner.targets[3].min", 9), "")
    assert "1 (useful)" in errors[("roles.owner.targets[3].importance", 9)]
    assert "whole number" in errors[("roles.owner.targets[4].min", 10)]
    assert "competence key" in errors[("roles.owner.targets[5].competence", 11)]
    assert "unknown job role" in errors[("roles.manager", 12)]
    assert "twice" in errors[("roles.reception.targets[1].competence", 20)]
    assert any(path == "roles.kitchen" for path, _line in errors)  # a role says why and lists its targets
    assert count_rows(TargetProfile) == 0


def test_profile_subsector_must_match_file_and_be_known(db, tmp_path):
    """The sub-sector is one of the five and matches the file name."""
    install_frameworks(tmp_path)
    folder = tmp_path / "profiles"
    write_yaml(folder, "accommodation.yaml", profile_doc(subsector="attraction"))
    write_yaml(folder, "spa.yaml", profile_doc(subsector="spa"))
    report = loader.import_profiles(folder)
    messages = [e.message for r in report.refused for e in r.errors]
    assert len(report.refused) == 2
    assert any("file name" in m for m in messages) and any("unknown sub-sector" in m for m in messages)


# --- CLI ------------------------------------------------------------------------------------------------


def test_cli_imports_and_exits_non_zero_on_refusal(app, db, tmp_path):
    """`flask frameworks import` prints the report; a refused file makes the exit code non-zero."""
    runner = app.test_cli_runner()
    folder = tmp_path / "frameworks"
    write_yaml(folder, "digcomp.yaml", framework_doc())
    result = runner.invoke(args=["frameworks", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "created   digcomp.yaml" in result.output
    write_yaml(folder, "greencomp.yaml", BROKEN)
    result = runner.invoke(args=["frameworks", "import", str(folder)])
    assert result.exit_code == 1
    assert "unchanged digcomp.yaml" in result.output and "greencomp.yaml:1: code: must match" in result.output
    db.session.expire_all()
    assert [f.code for f in services.current_frameworks()] == ["digcomp"]


def test_cli_profiles_import(app, db, tmp_path):
    """`flask profiles import` stores valid profiles and fails on invalid ones."""
    install_frameworks(tmp_path)
    runner = app.test_cli_runner()
    folder = tmp_path / "profiles"
    write_yaml(folder, "accommodation.yaml", profile_doc())
    result = runner.invoke(args=["profiles", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert services.profile_for("accommodation", "reception") is not None
    write_yaml(folder, "attraction.yaml", PROFILE_BROKEN.replace("accommodation", "attraction"))
    result = runner.invoke(args=["profiles", "import", str(folder)])
    assert result.exit_code == 1 and "attraction.yaml:6: roles.owner.targets[0].competence" in result.output


def test_real_courses_folders_import(app, db):
    """The real courses/ content imports cleanly: DigComp has 21 competences and GreenComp 12."""
    frameworks = ROOT / "courses" / "frameworks"
    profiles = ROOT / "courses" / "profiles"
    if not (frameworks / "digcomp.yaml").exists() or not (frameworks / "greencomp.yaml").exists():
        pytest.skip("courses/frameworks is not written yet")
    report = loader.import_frameworks(frameworks)
    assert report.ok, report.lines()
    db.session.commit()
    assert len(services.current_framework("digcomp").competences) == 21
    assert len(services.current_framework("greencomp").competences) == 12
    if not profiles.is_dir() or not any(profiles.glob("*.yaml")):
        pytest.skip("courses/profiles is not written yet")
    report = loader.import_profiles(profiles)
    assert report.ok, report.lines()
