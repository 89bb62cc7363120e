"""`flask courses import/export`: validation with file and line, whole-module refusal, idempotence, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import (
    GIF,
    SVG,
    dump,
    import_modules,
    import_statuses,
    make_competences,
    make_provider,
    module_doc,
    png,
    quiz_doc,
    write_module,
)
from uprest.catalog import editing, exporter, loader, rules
from uprest.catalog.models import Lesson, Module, ModuleFile, ModuleVersion, Question

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def competences(app, db):
    make_competences()


def counts(db) -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(db.select(db.func.count(m.id))) for m in (Module, ModuleVersion, Lesson, Question))


def errors_of(report, code):
    (result,) = [r for r in report.results if r.file == code]
    return [str(e) for e in result.errors]


# --- valid imports ------------------------------------------------------------------------------


def test_import_creates_a_published_provider_module(competences, db, tmp_path):
    """A valid folder becomes a published module, version 1, owned by nobody, with lessons, quiz and image."""
    write_module(tmp_path)
    report = import_modules(tmp_path)
    assert report.ok and import_statuses(report) == {"green-basics": "created"}
    module = db.session.scalar(db.select(Module).where(Module.code == "green-basics"))
    v = module.published_version
    assert module.status == "published" and module.owner_id is None and v.version == 1 and v.published_at
    assert v.title["sv"] == "Titel för green-basics" and v.workload_hours == 6 and v.ects == 0.25
    assert [le.slug for le in v.lessons] == ["why-it-matters", "what-to-do"]
    assert v.lessons[0].text_in("en").title == "Why it matters"
    assert v.lessons[0].text_in("en").body_md.startswith("Waste costs money.")
    assert [q.key for q in v.questions] == ["q1", "q2", "q3"] and v.questions[1].correct == [
        True,
        True,
        False,
    ]
    assert v.questions[0].text_in("sv").choices == ["Right [sv]", "Wrong [sv]"]
    assert [o.competence_key for o in v.outcomes] == ["greencomp:1.1", "digcomp:1.1"]
    assert v.languages == ["en", "sv"] and "learn about waste" in v.search_text
    assert [f.name for f in v.files] == ["map.png"] and v.files[0].file.mime == "image/png"


def test_import_accepts_courses_modules_and_single_folder(competences, db, tmp_path):
    """The path may be courses/, courses/modules/ or one module folder."""
    folder = write_module(tmp_path)
    assert import_statuses(import_modules(folder)) == {"green-basics": "created"}
    assert import_statuses(import_modules(tmp_path / "modules")) == {"green-basics": "unchanged"}


def test_import_is_idempotent(competences, db, tmp_path):
    """Importing the same files again changes nothing and says 'unchanged'."""
    write_module(tmp_path)
    import_modules(tmp_path)
    before = counts(db)
    report = import_modules(tmp_path)
    assert import_statuses(report) == {"green-basics": "unchanged"} and report.ok
    assert counts(db) == before


def test_changed_module_becomes_a_new_published_version(competences, db, tmp_path):
    """A changed file adds version 2 and publishes it; version 1 stays as it was (learners keep theirs)."""
    folder = write_module(tmp_path)
    import_modules(tmp_path)
    lesson = folder / "lessons" / "02-what-to-do.en.md"
    lesson.write_text(lesson.read_text() + "\nOne more line.\n", encoding="utf-8")
    report = import_modules(tmp_path)
    assert import_statuses(report) == {"green-basics": "updated"}
    module = db.session.scalar(db.select(Module))
    assert [v.version for v in module.versions] == [1, 2] and module.published_version.version == 2
    assert "One more line." in module.published_version.lessons[1].text_in("en").body_md
    assert "One more line." not in module.versions[0].lessons[1].text_in("en").body_md
    assert db.session.scalar(db.select(db.func.count(ModuleFile.id))) == 1  # the same image is stored once


def test_archived_module_stays_archived_on_update(competences, db, tmp_path):
    """A changed file of an archived module adds a version but does not bring it back to the catalogue."""
    folder = write_module(tmp_path)
    import_modules(tmp_path)
    db.session.scalar(db.select(Module)).status = "archived"
    db.session.commit()
    (folder / "module.yaml").write_text(dump(module_doc(workload_hours=8)), encoding="utf-8")
    assert import_statuses(import_modules(tmp_path)) == {"green-basics": "updated"}
    module = db.session.scalar(db.select(Module))
    assert module.status == "archived" and module.published_version.workload_hours == 8


def test_prerequisites_may_refer_to_modules_in_the_same_import(competences, db, tmp_path):
    """A prerequisite may be another module of the same import (or one already in the database)."""
    write_module(tmp_path, "basics")
    write_module(tmp_path, "advanced", doc=module_doc("advanced", prerequisites=["basics"]))
    assert import_statuses(import_modules(tmp_path)) == {"advanced": "created", "basics": "created"}


def test_without_frameworks_keys_are_checked_for_form_only(app, db, tmp_path):
    """Before any framework is loaded, outcome keys are only checked for their form, and the report says so."""
    write_module(tmp_path)
    report = import_modules(tmp_path)
    assert report.ok and "competences not checked" in report.results[0].detail


# --- refused imports: the whole module, with file and line -----------------------------------------


def _break(folder: Path, case: str) -> None:
    meta = folder / "module.yaml"
    if case == "yaml_syntax":
        meta.write_text(meta.read_text().replace("provider:", "provider: [unclosed", 1), encoding="utf-8")
    elif case == "unknown_competence":
        doc = yaml.safe_load(meta.read_text())
        doc["outcomes"][1]["competence"] = "digcomp:9.9"
        meta.write_text(dump(doc), encoding="utf-8")
    elif case == "level_above_scale":
        doc = yaml.safe_load(meta.read_text())
        doc["outcomes"][0]["to_level"] = 5  # greencomp has 4 levels
        meta.write_text(dump(doc), encoding="utf-8")
    elif case == "missing_english":
        doc = yaml.safe_load(meta.read_text())
        del doc["summary"]["en"]
        meta.write_text(dump(doc), encoding="utf-8")
    elif case == "bad_participation":
        doc = yaml.safe_load(meta.read_text())
        doc["participation"] = "by-pigeon"
        meta.write_text(dump(doc), encoding="utf-8")
    elif case == "unknown_prerequisite":
        doc = yaml.safe_load(meta.read_text())
        doc["prerequisites"] = ["does-not-exist"]
        meta.write_text(dump(doc), encoding="utf-8")
    elif case == "code_mismatch":
        doc = yaml.safe_load(meta.read_text())
        doc["code"] = "other-code"
        meta.write_text(dump(doc), encoding="utf-8")
    elif case == "lesson_no_title":
        (folder / "lessons" / "02-what-to-do.sv.md").write_text("No title line\n\nText.\n", encoding="utf-8")
    elif case == "lesson_missing_image":
        (folder / "lessons" / "02-what-to-do.en.md").write_text("# T\n\nText.\n\n![x](nope.png)\n", encoding="utf-8")
    elif case == "lesson_bad_name":
        (folder / "lessons" / "3-extra.en.md").write_text("# T\n\nText.\n", encoding="utf-8")
    elif case == "lesson_no_english":
        (folder / "lessons" / "03-extra.sv.md").write_text("# T\n\nText.\n", encoding="utf-8")
    elif case == "quiz_two_correct":
        doc = quiz_doc("en")
        doc["questions"][0]["choices"][1]["correct"] = True
        (folder / "quiz.en.yaml").write_text(dump(doc), encoding="utf-8")
    elif case == "quiz_truefalse_three":
        doc = quiz_doc("en")
        doc["questions"][2]["choices"].append({"text": "Maybe", "correct": False})
        (folder / "quiz.en.yaml").write_text(dump(doc), encoding="utf-8")
    elif case == "quiz_translation_mismatch":
        doc = quiz_doc("sv")
        doc["questions"][1]["choices"][2]["correct"] = True
        (folder / "quiz.sv.yaml").write_text(dump(doc), encoding="utf-8")
    elif case == "quiz_missing":
        (folder / "quiz.en.yaml").unlink()
        (folder / "quiz.sv.yaml").unlink()
    elif case == "image_svg":
        (folder / "images" / "map.png").write_bytes(SVG)
    elif case == "image_oversize":
        (folder / "images" / "map.png").write_bytes(png(extra=rules.MAX_IMAGE_BYTES))
    elif case == "duplicate_key":
        meta.write_text(meta.read_text() + "eqf_level: 5\n", encoding="utf-8")


BROKEN = {
    # case: (file named in the error, expected line or None, words in the message)
    "yaml_syntax": ("green-basics/module.yaml", True, "invalid YAML"),
    "unknown_competence": ("green-basics/module.yaml", True, "unknown competence 'digcomp:9.9'"),
    "level_above_scale": ("green-basics/module.yaml", True, "between 1 and 4"),
    "missing_english": ("green-basics/module.yaml", True, "English (en) is required"),
    "bad_participation": ("green-basics/module.yaml", True, "must be one of"),
    "unknown_prerequisite": ("green-basics/module.yaml", True, "unknown module 'does-not-exist'"),
    "code_mismatch": ("green-basics/module.yaml", True, "folder name"),
    "lesson_no_title": ("green-basics/lessons/02-what-to-do.sv.md", True, "# Title"),
    "lesson_missing_image": ("green-basics/lessons/02-what-to-do.en.md", True, "nope.png"),
    "lesson_bad_name": ("green-basics/lessons/3-extra.en.md", False, "NN-slug"),
    "lesson_no_english": ("green-basics/lessons/03-extra.en.md", False, "English (en) is required"),
    "quiz_two_correct": ("green-basics/quiz.en.yaml", True, "exactly one correct"),
    "quiz_truefalse_three": ("green-basics/quiz.en.yaml", True, "exactly two choices"),
    "quiz_translation_mismatch": ("green-basics/quiz.sv.yaml", False, "must be the same"),
    "quiz_missing": ("green-basics/quiz.en.yaml", False, "includes a quiz"),
    "image_svg": ("green-basics/images/map.png", False, "checked by its content"),
    "image_oversize": ("green-basics/images/map.png", False, "larger than 2 MB"),
    "duplicate_key": ("green-basics/module.yaml", True, "duplicate key"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_module_is_refused_whole_with_file_and_line(case, competences, db, tmp_path):
    """Any problem refuses the whole module (nothing stored) and names the file and, where it has one, the line."""
    folder = write_module(tmp_path)
    write_module(tmp_path, "other-module")
    _break(folder, case)
    report = import_modules(tmp_path)
    assert not report.ok
    assert import_statuses(report) == {"green-basics": "refused", "other-module": "created"}
    file, has_line, words = BROKEN[case]
    messages = errors_of(report, "green-basics")
    matching = [m for m in messages if m.startswith(file) and words in m]
    assert matching, messages
    if has_line:
        assert any(m.startswith(file + ":") and m[len(file) + 1].isdigit() for m in matching), matching
    assert db.session.scalar(db.select(Module).where(Module.code == "green-basics")) is None


def test_reported_line_points_at_the_broken_value(competences, db, tmp_path):
    """The line in the error is the line of the offending key in module.yaml."""
    folder = write_module(tmp_path)
    _break(folder, "bad_participation")
    line = next(
        n
        for n, text in enumerate((folder / "module.yaml").read_text().splitlines(), 1)
        if text.startswith("participation:")
    )
    report = import_modules(tmp_path)
    assert any(m.startswith(f"green-basics/module.yaml:{line}:") for m in errors_of(report, "green-basics"))


def test_broken_change_keeps_the_published_version(competences, db, tmp_path):
    """A later broken edit is refused and the module keeps its published version untouched."""
    folder = write_module(tmp_path)
    import_modules(tmp_path)
    _break(folder, "quiz_two_correct")
    assert import_statuses(import_modules(tmp_path)) == {"green-basics": "refused"}
    module = db.session.scalar(db.select(Module))
    assert [v.version for v in module.versions] == [1]


def test_trainer_module_code_is_refused(competences, db, tmp_path, create_user):
    """The importer never overwrites a module a trainer authors in the browser."""
    from uprest.catalog import services

    trainer = create_user("trainer")
    services.create_module(trainer, "green-basics", "Mine")
    db.session.commit()
    write_module(tmp_path)
    report = import_modules(tmp_path)
    assert import_statuses(report) == {"green-basics": "refused"} and "trainer" in errors_of(report, "green-basics")[0]


def test_module_with_browser_draft_is_refused_until_published_or_discarded(competences, db, tmp_path, create_user):
    """A changed file does not overwrite an admin's unpublished draft; after discarding it, the import works."""
    from uprest.catalog import services

    folder = write_module(tmp_path)
    import_modules(tmp_path)
    module = db.session.scalar(db.select(Module))
    services.editable_version(module, create_user("admin"))
    db.session.commit()
    (folder / "module.yaml").write_text(dump(module_doc(workload_hours=9)), encoding="utf-8")
    report = import_modules(tmp_path)
    assert import_statuses(report) == {"green-basics": "refused"} and "draft" in errors_of(report, "green-basics")[0]
    services.discard_draft(module)
    db.session.commit()
    assert import_statuses(import_modules(tmp_path)) == {"green-basics": "updated"}


def test_missing_folder_is_refused(app, tmp_path):
    """A path that does not exist is reported as refused."""
    assert not loader.import_modules(tmp_path / "nope").ok


# --- export and round trip ----------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_round_trip_import_export_import_is_lossless(competences, db, tmp_path):
    """import -> export -> import is 'unchanged'; exporting again gives byte-identical files; content is equal."""
    source = write_module(tmp_path / "src")
    import_modules(tmp_path / "src")
    module = db.session.scalar(db.select(Module))
    out1 = exporter.export_module(module, tmp_path / "out1")
    assert import_statuses(import_modules(out1)) == {"green-basics": "unchanged"}
    out2 = exporter.export_module(module, tmp_path / "out2")
    assert _tree(out1) == _tree(out2)
    assert set(_tree(out1)) == set(_tree(source))
    for rel, data in _tree(source).items():
        if rel.endswith(".md") or rel.endswith(".png"):
            assert _tree(out1)[rel] == data, rel
        else:
            assert yaml.safe_load(_tree(out1)[rel]) == yaml.safe_load(data), rel


def test_export_of_a_browser_draft_imports_elsewhere(competences, db, tmp_path, create_user):
    """A module written in the browser exports to files that import cleanly (as a provider module)."""
    from uprest.catalog import services

    write_module(tmp_path / "src")
    import_modules(tmp_path / "src")
    module = db.session.scalar(db.select(Module))
    admin = create_user("admin")
    editing.save_lesson(module, admin, None, "en", "a-third", "Third", "More *text*.")
    db.session.commit()
    out = exporter.export_module(module, tmp_path / "out", services.draft_of(module))
    assert (out / "lessons" / "03-a-third.en.md").read_text() == "# Third\n\nMore *text*.\n"
    spec, _blobs, errors = loader.validate_module(out, None, set())
    assert errors == [] and len(spec["lessons"]) == 3


def test_cli_import_and_export(competences, db, tmp_path, app):
    """`flask courses import` reports and exits 1 when something was refused; `export` writes the files."""
    write_module(tmp_path)
    make_provider()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "created   green-basics" in result.output and "1 created, 0 updated, 0 unchanged, 0 refused" in result.output
    result = runner.invoke(args=["courses", "export", "green-basics", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and (tmp_path / "out" / "green-basics" / "module.yaml").is_file()
    _break(tmp_path / "modules" / "green-basics", "quiz_two_correct")
    result = runner.invoke(args=["courses", "import", str(tmp_path)])
    assert result.exit_code == 1 and "refused" in result.output and "quiz.en.yaml" in result.output
    result = runner.invoke(args=["courses", "export", "nope"])
    assert result.exit_code != 0 and "unknown module" in result.output


def test_real_courses_folder_imports(app, db):
    """The UPREST curriculum in courses/ imports completely (courses/providers.yaml first): at least 10 published
    modules, each with its awarding body."""
    folders = (
        [p for p in (ROOT / "courses" / "modules").iterdir() if (p / "module.yaml").is_file()]
        if (ROOT / "courses" / "modules").is_dir()
        else []
    )
    if len(folders) < 10:
        pytest.skip(f"only {len(folders)} module folders in courses/modules yet")
    from uprest.frameworks import loader as fw_loader

    if (ROOT / "courses" / "frameworks").is_dir():
        assert fw_loader.import_frameworks(ROOT / "courses" / "frameworks").ok
    report = loader.import_modules(ROOT / "courses")
    db.session.commit()
    assert report.ok, "\n".join(report.lines())
    published = db.session.scalars(db.select(Module).where(Module.status == "published")).all()
    assert len(published) >= 10
    assert report.results[0].file == "providers.yaml"
    assert all(m.published_version.awarding_body is not None for m in published)


# --- pure rules ---------------------------------------------------------------------------------------


def test_sniff_image_by_content():
    """PNG, JPEG, GIF and WebP are recognised by their bytes; SVG, HTML and renamed text are not."""
    assert rules.sniff_image(png()) == "image/png"
    assert rules.sniff_image(GIF) == "image/gif"
    assert rules.sniff_image(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == "image/jpeg"
    assert rules.sniff_image(b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20) == "image/webp"
    for bad in (SVG, b"<html><script>alert(1)</script>", b"\x89PNG", b"", b"GIF89a"):
        assert rules.sniff_image(bad) is None
    assert rules.image_problem(png(extra=rules.MAX_IMAGE_BYTES)) == "too_large"


@given(st.sampled_from(["single", "multiple", "truefalse"]), st.lists(st.booleans(), max_size=10))
def test_choice_rules_property(kind, correct):
    """single/truefalse need exactly one correct choice, multiple at least one; truefalse exactly two choices."""
    problems = rules.choice_problems(kind, correct)
    right = sum(correct)
    ok_count = len(correct) == 2 if kind == "truefalse" else 2 <= len(correct) <= rules.MAX_CHOICES
    ok_right = right == 1 if kind in ("single", "truefalse") else right >= 1
    assert (problems == []) == (ok_count and ok_right)


def test_safe_image_name():
    """Upload names become safe Markdown names with the extension of the real type."""
    assert rules.safe_image_name("../My Map (1).PNG", "image/png") == "My-Map-1.png"
    assert rules.safe_image_name("evil.svg", "image/gif") == "evil.gif"
    assert rules.safe_image_name("", "image/jpeg") == "image.jpg"


def test_certificate_validity_imports_exports_and_is_checked(competences, db, tmp_path):
    """`certificate_valid_months` sets how long the certificate stays valid, survives the round trip, and a
    value outside 1-240 is refused with its field named."""
    write_module(tmp_path / "src", doc=module_doc(certificate_valid_months=36))
    import_modules(tmp_path / "src")
    module = db.session.scalar(db.select(Module))
    assert module.published_version.certificate_valid_months == 36
    out = exporter.export_module(module, tmp_path / "out")
    assert yaml.safe_load((out / "module.yaml").read_text())["certificate_valid_months"] == 36
    write_module(tmp_path / "bad", code="bad-months", doc=module_doc("bad-months", certificate_valid_months=0))
    report = import_modules(tmp_path / "bad")
    assert import_statuses(report) == {"bad-months": "refused"}
    assert "certificate_valid_months" in str(report.results[0].errors)
