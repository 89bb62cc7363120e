"""The content-import pipeline: one way to bring the files under ``courses/`` into the database.

Every kind of content (competence frameworks, target profiles, course modules) goes through the same steps::

    find the units (files or folders)  ->  read and validate each one whole (pure)
        ->  store it idempotently in a savepoint (flush, never commit)  ->  one line of the report

A kind plugs in with a :class:`ContentKind`: its ``validate`` and ``store`` functions. This module gives the
rest: YAML read with the line of every value, the :class:`Checker` that collects every error of a document
(file, path inside it and line), the report types, the file walk, content hashing and the driver.

Kernel: it imports no feature package. The caller (a CLI command) commits.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import click
import yaml
from sqlalchemy.exc import IntegrityError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from uprest.config import LANGUAGES
from uprest.extensions import db

LANGS: tuple[str, ...] = tuple(LANGUAGES)

Path_ = tuple[str | int, ...]  # a place inside a document: ("areas", 2, "competences", 1, "name")
Spec = TypeVar("Spec")
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


# --- reports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadError:
    """One problem: the file, the path inside the document, what is wrong and (when known) the line."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(document)'}: {self.message}"


@dataclass
class FileResult:
    """What the import did with one unit (a file or a module folder)."""

    file: str
    status: str  # created | updated | unchanged | refused
    detail: str = ""
    errors: list[LoadError] = field(default_factory=list)


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    def _with(self, status: str) -> list[FileResult]:
        return [r for r in self.results if r.status == status]

    @property
    def created(self) -> list[FileResult]:
        return self._with("created")

    @property
    def updated(self) -> list[FileResult]:
        return self._with("updated")

    @property
    def unchanged(self) -> list[FileResult]:
        return self._with("unchanged")

    @property
    def refused(self) -> list[FileResult]:
        return self._with("refused")

    @property
    def ok(self) -> bool:
        return not self.refused

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            out.append(f"{r.status:<9} {r.file}" + (f" ({r.detail})" if r.detail else ""))
            out.extend(f"          {e}" for e in r.errors)
        out.append(
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.refused)} refused"
        )
        return out


def refused(name: str, message: str) -> FileResult:
    """A unit refused for a reason about the whole of it (no path, no line)."""
    return FileResult(name, "refused", errors=[LoadError(name, "", message)])


def missing(path: Path, message: str) -> ImportReport:
    """The report of an import whose path is not there."""
    return ImportReport([refused(str(path), message)])


# --- reading ---------------------------------------------------------------------------------------------


def decode(raw: bytes, file: str, encoding: str = "utf-8") -> tuple[str | None, list[LoadError]]:
    """The text of a file, or the error that says it is not UTF-8."""
    try:
        return raw.decode(encoding), []
    except UnicodeDecodeError as exc:
        return None, [LoadError(file, "", f"not UTF-8 text: {exc.reason} at byte {exc.start}")]


def parse_yaml(raw: bytes, file: str) -> tuple[Any, Node | None, list[LoadError]]:
    """(data, node tree, []) or (None, None, [the error]). The node tree keeps the line of every value."""
    text, errors = decode(raw, file)
    if text is None:
        return None, None, errors
    try:
        parser = _YamlLoader(text)
        try:
            root = parser.get_single_node()
            data = parser.construct_document(root) if root is not None else None
        finally:
            parser.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return None, None, [LoadError(file, "", f"invalid YAML: {problem}", mark.line + 1 if mark else None)]
    return data, root, []


def check_yaml(raw: bytes, file: str, build: Callable[[Checker, Any], Spec]) -> tuple[Spec | None, list[LoadError]]:
    """Read a YAML document and check all of it: (what `build` made of it, every error).

    `build(checker, data)` walks the whole document, reports each problem on the checker and returns the
    normalised spec. Duplicate keys are errors too. The spec comes back even when there are errors (a caller
    that goes on checking related files uses what was readable); it is None only when the YAML is unreadable.
    """
    data, root, errors = parse_yaml(raw, file)
    if errors:
        return None, errors
    checker = Checker(file, root)
    checker.duplicate_keys()
    spec = build(checker, data)
    return spec, checker.errors


def validate_yaml(raw: bytes, file: str, build: Callable[[Checker, Any], Spec]) -> tuple[Spec | None, list[LoadError]]:
    """`check_yaml`, all or nothing: (spec, []) or (None, every error)."""
    spec, errors = check_yaml(raw, file, build)
    return (None, errors) if errors else (spec, [])


def format_path(path: Path_) -> str:
    """("areas", 2, "name") -> "areas[2].name"."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += f".{seg}" if out else str(seg)
    return out


def line_of(root: Node | None, path: Path_) -> int | None:
    """The line (1-based) of the deepest node on `path` that exists in the composed document."""
    if root is None:
        return None
    node = root
    line = node.start_mark.line + 1
    for seg in path:
        nxt = None
        if isinstance(node, SequenceNode) and isinstance(seg, int) and 0 <= seg < len(node.value):
            nxt = node.value[seg]
            line = nxt.start_mark.line + 1
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == str(seg):
                    nxt = value
                    line = key.start_mark.line + 1  # the line of "key:", not of a block value below it
                    break
        if nxt is None:
            break
        node = nxt
    return line


# --- checking ------------------------------------------------------------------------------------------


class Checker:
    """Collects errors while walking a loaded document; each check returns the value, or None when wrong."""

    def __init__(self, file: str, root: Node | None):
        self.file = file
        self.root = root
        self.errors: list[LoadError] = []

    def error(self, path: Path_, message: str) -> None:
        self.errors.append(LoadError(self.file, format_path(path), message, line_of(self.root, path)))

    def mapping(self, value: Any, path: Path_, required: Iterable[str], optional: Iterable[str] = ()) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, "must be a mapping (key: value)")
            return None
        required, optional = list(required), set(optional)
        for key in required:
            if key not in value:
                self.error((*path, key), "is required")
        allowed = set(required) | optional
        for key in value:
            if key not in allowed:
                self.error((*path, str(key)), f"unknown field (allowed: {', '.join(sorted(allowed))})")
        return value

    def seq(self, value: Any, path: Path_, *, min_items: int = 0) -> list:
        if value is None and min_items == 0:
            return []
        if not isinstance(value, list):
            self.error(path, "must be a list")
            return []
        if len(value) < min_items:
            self.error(path, f"needs at least {min_items} item(s)")
        return value

    def text(
        self,
        value: Any,
        path: Path_,
        *,
        max_len: int | None = None,
        pattern: re.Pattern | None = None,
        hint: str = "",
        allow_int: bool = False,
    ) -> str | None:
        if allow_int and is_int(value):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            extra = " (put it in quotes)" if is_int(value) or isinstance(value, float) else ""
            self.error(path, f"must be a non-empty text{extra}")
            return None
        if "\x00" in value:
            self.error(path, "contains a NUL character")
            return None
        if max_len is not None and len(value) > max_len:
            self.error(path, f"must be at most {max_len} characters long")
            return None
        if pattern is not None and not pattern.match(value):
            self.error(path, f"has an invalid format{': ' + hint if hint else ''}")
            return None
        return value

    def i18n(self, value: Any, path: Path_, *, required: bool = True) -> dict[str, str]:
        """A translated text {lang: text}; English is required (it is the fallback)."""
        if value is None and not required:
            return {}
        if not isinstance(value, dict) or not value:
            self.error(path, "must be a mapping of language code to text, e.g. {en: ..., sv: ...}")
            return {}
        out: dict[str, str] = {}
        for lang, text in value.items():
            if lang not in LANGS:
                self.error((*path, str(lang)), f"unknown language code (use one of: {', '.join(LANGS)})")
            elif not isinstance(text, str) or not text.strip():
                self.error((*path, lang), "must be a non-empty text")
            elif "\x00" in text:
                self.error((*path, lang), "contains a NUL character")
            else:
                out[lang] = text
        if "en" not in value:
            self.error((*path, "en"), "English (en) is required: it is the fallback")
        return out

    def integer(self, value: Any, path: Path_, *, lo: int | None = None, hi: int | None = None) -> int | None:
        if not is_int(value):
            self.error(path, "must be a whole number")
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            self.error(path, f"must be {bounds}")
            return None
        return value

    def once(self, value: Any, seen: set, path: Path_, message: str) -> None:
        """Report `message` when `value` was seen before in this document; remember it otherwise."""
        if value in seen:
            self.error(path, message)
        elif value:
            seen.add(value)

    def flag(self, value: Any, path: Path_) -> bool:
        """A true/false value; anything else is reported (and counts as false)."""
        if not isinstance(value, bool):
            self.error(path, "must be true or false")
        return value is True

    def duplicate_keys(self) -> None:
        """YAML silently keeps the last of two equal keys; report them instead."""
        stack: list[tuple[Node, Path_]] = [(self.root, ())] if self.root is not None else []
        while stack:
            node, path = stack.pop()
            if isinstance(node, MappingNode):
                seen: set[str] = set()
                for key, value in node.value:
                    name = key.value if isinstance(key, ScalarNode) else "?"
                    if name in seen:
                        where = format_path((*path, name))
                        self.errors.append(LoadError(self.file, where, "duplicate key", key.start_mark.line + 1))
                    seen.add(name)
                    stack.append((value, (*path, name)))
            elif isinstance(node, SequenceNode):
                stack.extend((child, (*path, i)) for i, child in enumerate(node.value))


def is_int(value: Any) -> bool:
    """A whole number, and not True/False (which Python counts as ints)."""
    return isinstance(value, int) and not isinstance(value, bool)


def content_hash(spec: Mapping) -> str:
    """SHA-256 of a canonical dump of the validated content (comments and layout do not count)."""
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- the driver ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContentKind(Generic[Spec]):
    """What one kind of content gives the pipeline.

    - ``validate(unit)`` reads one unit (a file or a folder) and checks it whole, without the database:
      (spec, []) or (None, every error).
    - ``store(spec, name)`` makes the database hold that spec and says what it did (created, updated,
      unchanged, or refused for a reason only the database knows). Idempotent: storing the same spec twice
      reports "unchanged" the second time. It flushes, never commits; the pipeline runs it in a savepoint.
    """

    noun: str  # "framework": named in the report when two imports race
    validate: Callable[[Path], tuple[Spec | None, list[LoadError]]]
    store: Callable[[Spec, str], FileResult]


def import_units(units: Iterable[Path], kind: ContentKind) -> ImportReport:
    """Import each unit on its own: a refused one imports nothing and does not stop the others."""
    return ImportReport([import_unit(unit, kind) for unit in units])


def import_unit(unit: Path, kind: ContentKind[Spec]) -> FileResult:
    """Validate whole, then store inside a savepoint; one result line."""
    name = unit.name
    spec, errors = kind.validate(unit)
    if errors:
        return FileResult(name, "refused", errors=errors)
    try:
        with db.session.begin_nested():
            return kind.store(spec, name)
    except IntegrityError:  # a unique constraint: another import stored the same thing first
        return refused(name, f"another import stored this {kind.noun} at the same time; run the import again")


def import_files(path: str | Path, kind: ContentKind) -> ImportReport:
    """Import the YAML files of a folder, or one file. Flushes; the caller commits."""
    path = Path(path)
    if not path.exists():
        return missing(path, "no such file or folder")
    return import_units(yaml_files(path), kind)


def yaml_files(path: Path) -> list[Path]:
    """The .yaml/.yml files of a folder in name order, or the one file given."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def finish_command(report: ImportReport) -> None:
    """The end of an import command: print the report, commit what was valid, exit 1 when a unit was refused."""
    for line in report.lines():
        click.echo(line)
    db.session.commit()  # a refused unit imported nothing; the others are kept
    if not report.ok:
        raise SystemExit(1)
