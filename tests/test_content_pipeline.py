"""The content-import pipeline (uprest/content.py), shown with a tiny fake content kind: glossary terms."""

from __future__ import annotations

import ast
import re
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from uprest import content
from uprest.content import Checker, ContentKind, FileResult, LoadError

UPREST = Path(__file__).resolve().parent.parent / "uprest"

# --- a fake kind: one term per file, terms/<code>.yaml ----------------------------------------------------

TERM = """\
code: wifi
name: {en: Wi-Fi, sv: Wifi}
level: 2
"""


def term_spec(ck: Checker, data, expected_code: str) -> dict:
    doc = ck.mapping(data, (), ["code", "name", "level"])
    if doc is None:
        return {}
    code = ck.text(doc.get("code"), ("code",), pattern=re.compile(r"^[a-z]+\Z"), hint="lower-case letters")
    if code and code != expected_code:
        ck.error(("code",), f"must match the file name ({expected_code}.yaml)")
    name = ck.i18n(doc.get("name"), ("name",))
    return {"code": code, "name": name, "level": ck.integer(doc.get("level"), ("level",), lo=1, hi=8)}


def read_term(file: Path):
    return content.validate_yaml(file.read_bytes(), file.name, lambda ck, data: term_spec(ck, data, file.stem))


class Glossary:
    """A fake store {code: content hash}, idempotent like the real kinds."""

    def __init__(self):
        self.stored: dict[str, str] = {}
        self.kind = ContentKind("term", validate=read_term, store=self.store)

    def store(self, spec: dict, name: str) -> FileResult:
        digest = content.content_hash(spec)
        if self.stored.get(spec["code"]) == digest:
            return FileResult(name, "unchanged", spec["code"])
        status = "updated" if spec["code"] in self.stored else "created"
        self.stored[spec["code"]] = digest
        return FileResult(name, status, spec["code"])


wifi_spec = partial(term_spec, expected_code="wifi")


@pytest.fixture()
def glossary(app):
    return Glossary()


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def statuses(report) -> list[tuple[str, str]]:
    return [(r.file, r.status) for r in report.results]


# --- reading and checking (pure) ----------------------------------------------------------------------------


def test_duplicate_key_is_an_error_with_its_line():
    """YAML keeps the last of two equal keys silently; the pipeline reports the second one with its line."""
    spec, errors = content.validate_yaml((TERM + "level: 3\n").encode(), "wifi.yaml", wifi_spec)
    assert spec is None
    assert [str(e) for e in errors] == ["wifi.yaml:4: level: duplicate key"]


def test_duplicate_key_inside_a_nested_mapping_names_its_path():
    """A duplicate deep in the document names its path inside the document and its own line."""
    text = "code: wifi\nname:\n  en: Wi-Fi\n  sv: Wifi\n  en: WiFi\nlevel: 2\n"
    _spec, errors = content.check_yaml(text.encode(), "wifi.yaml", wifi_spec)
    assert [(e.path, e.line, e.message) for e in errors] == [("name.en", 5, "duplicate key")]


def test_whole_document_is_checked_and_every_error_reported_at_once():
    """Validation does not stop at the first problem: each one comes with the file, its path and its line."""
    text = "code: WiFi\nname: {sv: Wifi}\nlevel: 12\nextra: 1\n"
    spec, errors = content.validate_yaml(text.encode(), "wifi.yaml", wifi_spec)
    assert spec is None
    assert [str(e) for e in errors] == [
        "wifi.yaml:4: extra: unknown field (allowed: code, level, name)",
        "wifi.yaml:1: code: has an invalid format: lower-case letters",
        "wifi.yaml:2: name.en: English (en) is required: it is the fallback",
        "wifi.yaml:3: level: must be between 1 and 8",
    ]


def test_check_yaml_keeps_what_was_readable_next_to_the_errors():
    """check_yaml returns the partial spec with the errors (for checks across files); validate_yaml returns None."""
    raw = b"code: wifi\nname: {sv: Wifi}\nlevel: 2\n"
    spec, errors = content.check_yaml(raw, "wifi.yaml", wifi_spec)
    assert spec == {"code": "wifi", "name": {"sv": "Wifi"}, "level": 2} and len(errors) == 1
    assert content.validate_yaml(raw, "wifi.yaml", wifi_spec) == (None, errors)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"code: wifi\nname: {en: [x\n", "wifi.yaml:3: (document): invalid YAML: "),
        (b"\xff\xfecode: wifi\n", "wifi.yaml: (document): not UTF-8 text: invalid start byte at byte 0"),
    ],
)
def test_unreadable_file_is_one_error_with_its_place(raw, expected):
    """Text that is not UTF-8 or not YAML is reported as such (with the line where the parser stopped)."""
    spec, errors = content.check_yaml(raw, "wifi.yaml", lambda ck, d: pytest.fail("build must not run"))
    assert spec is None and len(errors) == 1 and str(errors[0]).startswith(expected)


def test_line_of_is_the_line_of_the_key_and_stops_at_the_deepest_existing_node():
    """An error on a block value points at its key; a path that goes further than the document stops there."""
    data, root, _ = content.parse_yaml(b"a:\n  b:\n    - x\n    - y\n", "f.yaml")
    assert data == {"a": {"b": ["x", "y"]}}
    assert content.line_of(root, ("a", "b")) == 2
    assert content.line_of(root, ("a", "b", 1)) == 4
    assert content.line_of(root, ("a", "nope", 3)) == 1
    assert content.format_path(("areas", 2, "competences", 0, "name")) == "areas[2].competences[0].name"


def test_content_hash_ignores_key_order():
    """The hash is of the content, not of its layout: key order does not change it, a value does."""
    assert content.content_hash({"a": 1, "b": [1, 2]}) == content.content_hash({"b": [1, 2], "a": 1})
    assert content.content_hash({"a": 1}) != content.content_hash({"a": 2})


def test_yaml_files_are_the_yaml_files_of_a_folder_in_name_order(tmp_path):
    """The walk takes .yaml and .yml files sorted by name and nothing else; a file path is taken as it is."""
    for name in ("b.yml", "a.yaml", "notes.txt", "c.yaml~"):
        write(tmp_path, name, "x: 1\n")
    (tmp_path / "sub.yaml").mkdir()
    assert [p.name for p in content.yaml_files(tmp_path)] == ["a.yaml", "b.yml"]
    assert content.yaml_files(tmp_path / "notes.txt") == [tmp_path / "notes.txt"]


# --- the driver ---------------------------------------------------------------------------------------------


def test_valid_files_are_stored_and_reported(glossary, tmp_path):
    """Each valid file is stored once and reported as created, in file-name order."""
    write(tmp_path, "wifi.yaml", TERM)
    write(tmp_path, "cloud.yaml", TERM.replace("wifi", "cloud"))
    report = content.import_files(tmp_path, glossary.kind)
    assert statuses(report) == [("cloud.yaml", "created"), ("wifi.yaml", "created")]
    assert report.ok and set(glossary.stored) == {"cloud", "wifi"}


def test_reimport_of_unchanged_content_is_reported_unchanged(glossary, tmp_path):
    """Importing the same content again changes nothing, even when comments and layout changed."""
    path = write(tmp_path, "wifi.yaml", TERM)
    content.import_files(tmp_path, glossary.kind)
    path.write_text("# a new comment\nlevel: 2\ncode: wifi\nname:\n  sv: Wifi\n  en: Wi-Fi\n", encoding="utf-8")
    report = content.import_files(tmp_path, glossary.kind)
    assert statuses(report) == [("wifi.yaml", "unchanged")]
    assert report.lines()[-1] == "0 created, 0 updated, 1 unchanged, 0 refused"


def test_changed_content_is_reported_updated(glossary, tmp_path):
    """A changed value is stored again and reported as updated."""
    path = write(tmp_path, "wifi.yaml", TERM)
    content.import_files(tmp_path, glossary.kind)
    path.write_text(TERM.replace("level: 2", "level: 3"), encoding="utf-8")
    assert statuses(content.import_files(tmp_path, glossary.kind)) == [("wifi.yaml", "updated")]


def test_broken_file_is_refused_whole_with_all_its_errors_and_the_others_still_import(glossary, tmp_path):
    """A file with errors stores nothing and lists every error with file and line; the other files import."""
    write(tmp_path, "cloud.yaml", "code: cloud\nname: {sv: Moln}\nlevel: 0\n")
    write(tmp_path, "wifi.yaml", TERM)
    report = content.import_files(tmp_path, glossary.kind)
    assert statuses(report) == [("cloud.yaml", "refused"), ("wifi.yaml", "created")]
    assert not report.ok and set(glossary.stored) == {"wifi"}
    assert report.lines() == [
        "refused   cloud.yaml",
        "          cloud.yaml:2: name.en: English (en) is required: it is the fallback",
        "          cloud.yaml:3: level: must be between 1 and 8",
        "created   wifi.yaml (wifi)",
        "1 created, 0 updated, 0 unchanged, 1 refused",
    ]


def test_missing_path_is_refused(glossary, tmp_path):
    """A path that is not there is one refused line, not an exception."""
    report = content.import_files(tmp_path / "nope", glossary.kind)
    assert not report.ok
    assert [str(e) for e in report.refused[0].errors] == [f"{tmp_path / 'nope'}: (document): no such file or folder"]


def test_store_that_loses_a_race_is_refused_and_rolled_back(db, tmp_path):
    """When a unique constraint fails (another import stored the same thing first) the unit is refused, not fatal."""

    def store(spec: dict, name: str) -> FileResult:
        raise IntegrityError("INSERT INTO terms ...", {}, Exception("UNIQUE constraint failed"))

    kind = ContentKind("term", validate=lambda f: ({"code": f.stem}, []), store=store)
    write(tmp_path, "wifi.yaml", TERM)
    report = content.import_files(tmp_path, kind)
    assert report.refused[0].errors == [
        LoadError("wifi.yaml", "", "another import stored this term at the same time; run the import again")
    ]
    assert not db.session().in_nested_transaction()  # the savepoint was rolled back


# --- the floors: imports only point down ------------------------------------------------------------------


def _uprest_imports(path: Path) -> set[str]:
    """The uprest modules a source file imports (at any place in it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("uprest"):
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("uprest"))
    return names


def _features_imported(path: Path) -> set[str]:
    """The feature packages (folders of uprest/) that a file imports."""
    return {
        name.split(".")[1] for name in _uprest_imports(path) if "." in name and (UPREST / name.split(".")[1]).is_dir()
    }


def test_the_kernel_imports_no_feature_and_the_loaders_only_point_down():
    """content.py imports no feature; the frameworks' and the providers' loaders only the kernel; the catalogue's
    loader also frameworks and providers."""
    assert _features_imported(UPREST / "content.py") == set()
    assert _features_imported(UPREST / "frameworks" / "loader.py") <= {"frameworks"}
    assert _features_imported(UPREST / "providers" / "loader.py") <= {"providers"}
    assert _features_imported(UPREST / "catalog" / "loader.py") <= {"catalog", "frameworks", "providers"}
