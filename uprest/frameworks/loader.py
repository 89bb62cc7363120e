"""Load competence frameworks and target profiles from the YAML files in ``courses/``.

Two steps per file:

1. *Validate* (pure: no Flask, no database). The whole file is checked and every
   problem is reported with the file name, the path inside the document
   (``areas[2].competences[1].statements[0].text``) and the line number. The
   result is a normalised spec (plain dicts) or a list of errors.
2. *Import* (database; flushes, never commits — the CLI commits). Only files
   without errors are imported, each inside a savepoint, so a broken file
   imports nothing at all.

Frameworks are idempotent by content hash: an unchanged file does nothing; a
changed one adds a new revision and makes it the current one, keeping the old
revisions (old assessment results point at their competences). Target profiles
are updated in place.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from uprest.config import LANGUAGES
from uprest.extensions import db, utcnow

LANGS: tuple[str, ...] = tuple(LANGUAGES)
SUBSECTORS = ("accommodation", "food_beverage", "tour_operator", "attraction", "destination")
JOB_ROLES = ("owner", "staff")
IMPORTANCE = (1, 2, 3)
# The content format requires per-competence level descriptors for these frameworks.
LEVEL_DESCRIPTORS_REQUIRED = frozenset({"tourism"})

CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}\Z")
COMPETENCE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}\Z")
ITEM_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}\Z")
KEY_RE = re.compile(r"^([a-z][a-z0-9_-]{0,39}):([A-Za-z0-9][A-Za-z0-9._-]{0,19})\Z")

Path_ = tuple[str | int, ...]
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


# --- reports ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoadError:
    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(document)'}: {self.message}"


@dataclass
class FileResult:
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


# --- helpers for validation --------------------------------------------------------


def format_path(path: Path_) -> str:
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
                    line = (
                        key.start_mark.line + 1
                    )  # the line of "key:", not of a block value below it
                    break
        if nxt is None:
            break
        node = nxt
    return line


class _Checker:
    """Collects errors while walking a loaded document."""

    def __init__(self, file: str, root: Node | None):
        self.file = file
        self.root = root
        self.errors: list[LoadError] = []

    def error(self, path: Path_, message: str) -> None:
        self.errors.append(
            LoadError(self.file, format_path(path), message, line_of(self.root, path))
        )

    def mapping(
        self, value: Any, path: Path_, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict | None:
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
                self.error(
                    (*path, str(key)), f"unknown field (allowed: {', '.join(sorted(allowed))})"
                )
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
        if allow_int and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            extra = (
                " (put it in quotes)"
                if isinstance(value, float | int) and not isinstance(value, bool)
                else ""
            )
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
        if value is None and not required:
            return {}
        if not isinstance(value, dict) or not value:
            self.error(path, "must be a mapping of language code to text, e.g. {en: ..., sv: ...}")
            return {}
        out: dict[str, str] = {}
        for lang, text in value.items():
            if lang not in LANGS:
                self.error(
                    (*path, str(lang)), f"unknown language code (use one of: {', '.join(LANGS)})"
                )
                continue
            if not isinstance(text, str) or not text.strip():
                self.error((*path, lang), "must be a non-empty text")
                continue
            if "\x00" in text:
                self.error((*path, lang), "contains a NUL character")
                continue
            out[lang] = text
        if "en" not in value:
            self.error((*path, "en"), "English (en) is required: it is the fallback")
        return out

    def integer(
        self, value: Any, path: Path_, *, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(path, "must be a whole number")
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            self.error(path, f"must be {bounds}")
            return None
        return value

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
                        self.errors.append(
                            LoadError(
                                self.file,
                                format_path((*path, name)),
                                "duplicate key",
                                key.start_mark.line + 1,
                            )
                        )
                    seen.add(name)
                    stack.append((value, (*path, name)))
            elif isinstance(node, SequenceNode):
                stack.extend((child, (*path, i)) for i, child in enumerate(node.value))


def _parse(raw: bytes, file: str) -> tuple[Any, Node | None, list[LoadError]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            None,
            None,
            [LoadError(file, "", f"not UTF-8 text: {exc.reason} at byte {exc.start}")],
        )
    try:
        parser = _YamlLoader(text)
        try:
            root = parser.get_single_node()  # the node tree keeps the line of every value
            data = parser.construct_document(root) if root is not None else None
        finally:
            parser.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return (
            None,
            None,
            [LoadError(file, "", f"invalid YAML: {problem}", mark.line + 1 if mark else None)],
        )
    return data, root, []


def content_hash(spec: Mapping) -> str:
    """SHA-256 of a canonical dump of the validated content (comments and layout do not count)."""
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- frameworks: validation (pure) --------------------------------------------------


def validate_framework(
    raw: bytes, file: str, expected_code: str | None = None
) -> tuple[dict | None, list[LoadError]]:
    """Check a framework file. Returns (spec, []) or (None, errors)."""
    data, root, errors = _parse(raw, file)
    if errors:
        return None, errors
    ck = _Checker(file, root)
    ck.duplicate_keys()
    spec = _framework_spec(ck, data, expected_code)
    if ck.errors:
        return None, ck.errors
    return spec, []


def _framework_spec(ck: _Checker, data: Any, expected_code: str | None) -> dict:
    doc = ck.mapping(
        data, (), ["code", "version", "name", "scale", "areas"], ["description", "source_url"]
    )
    if doc is None:
        return {}
    code = ck.text(
        doc.get("code"),
        ("code",),
        pattern=CODE_RE,
        hint="lower-case letters, digits, '-' and '_', at most 40 characters",
    )
    if code and expected_code and code != expected_code:
        ck.error(("code",), f"must match the file name ({expected_code}.yaml)")
    edition = (
        ck.text(doc.get("version"), ("version",), max_len=20, allow_int=True)
        if "version" in doc
        else None
    )
    source_url = doc.get("source_url")
    if source_url is not None:
        source_url = ck.text(
            source_url,
            ("source_url",),
            max_len=500,
            pattern=re.compile(r"^https?://\S+\Z"),
            hint="an http(s) address",
        )
    spec: dict[str, Any] = {
        "code": code,
        "edition": edition,
        "name": ck.i18n(doc.get("name"), ("name",)) if "name" in doc else {},
        "description": ck.i18n(doc.get("description"), ("description",), required=False),
        "source_url": source_url,
    }
    levels, bands = _scale_spec(ck, doc.get("scale")) if "scale" in doc else ([], [])
    spec["levels"], spec["bands"] = levels, bands
    level_numbers = {lvl["level"] for lvl in levels if lvl.get("level") is not None}
    spec["areas"] = (
        _areas_spec(
            ck, doc.get("areas"), level_numbers, require_levels=code in LEVEL_DESCRIPTORS_REQUIRED
        )
        if "areas" in doc
        else []
    )
    return spec


def _scale_spec(ck: _Checker, value: Any) -> tuple[list[dict], list[dict]]:
    scale = ck.mapping(value, ("scale",), ["levels", "bands"])
    if scale is None:
        return [], []
    bands: list[dict] = []
    band_codes: set[str] = set()
    for i, raw in enumerate(ck.seq(scale.get("bands"), ("scale", "bands"), min_items=1)):
        path = ("scale", "bands", i)
        band = ck.mapping(raw, path, ["code", "name"])
        if band is None:
            continue
        code = ck.text(band.get("code"), (*path, "code"), max_len=40)
        if code in band_codes:
            ck.error((*path, "code"), f"band {code!r} is defined twice")
        elif code:
            band_codes.add(code)
        bands.append({"code": code, "name": ck.i18n(band.get("name"), (*path, "name"))})
    levels: list[dict] = []
    for i, raw in enumerate(ck.seq(scale.get("levels"), ("scale", "levels"), min_items=1)):
        path = ("scale", "levels", i)
        lvl = ck.mapping(raw, path, ["level", "band", "name"], ["description"])
        if lvl is None:
            continue
        number = ck.integer(lvl.get("level"), (*path, "level"), lo=1, hi=100)
        if number is not None and number != i + 1:
            ck.error(
                (*path, "level"), f"levels must be numbered 1, 2, 3 ... in order (expected {i + 1})"
            )
        band = ck.text(lvl.get("band"), (*path, "band"))
        if band and bands and band not in band_codes:
            ck.error(
                (*path, "band"), f"unknown band {band!r} (defined: {', '.join(sorted(band_codes))})"
            )
        levels.append(
            {
                "level": number,
                "band": band,
                "name": ck.i18n(lvl.get("name"), (*path, "name")),
                "description": ck.i18n(
                    lvl.get("description"), (*path, "description"), required=False
                ),
            }
        )
    return levels, bands


def _areas_spec(
    ck: _Checker, value: Any, level_numbers: set[int], require_levels: bool
) -> list[dict]:
    areas: list[dict] = []
    area_codes: set[str] = set()
    competence_codes: set[str] = set()
    for a, raw_area in enumerate(ck.seq(value, ("areas",), min_items=1)):
        apath: Path_ = ("areas", a)
        area = ck.mapping(raw_area, apath, ["code", "name", "competences"])
        if area is None:
            continue
        acode = ck.text(area.get("code"), (*apath, "code"), max_len=20, allow_int=True)
        if acode in area_codes:
            ck.error((*apath, "code"), f"area {acode!r} is defined twice")
        elif acode:
            area_codes.add(acode)
        competences = []
        for c, raw_comp in enumerate(
            ck.seq(area.get("competences"), (*apath, "competences"), min_items=1)
        ):
            cpath: Path_ = (*apath, "competences", c)
            comp = _competence_spec(ck, raw_comp, cpath, level_numbers, require_levels)
            if comp is None:
                continue
            if comp["code"] in competence_codes:
                ck.error(
                    (*cpath, "code"),
                    f"competence {comp['code']!r} is defined twice in this framework",
                )
            elif comp["code"]:
                competence_codes.add(comp["code"])
            competences.append(comp)
        areas.append(
            {
                "code": acode,
                "name": ck.i18n(area.get("name"), (*apath, "name")),
                "competences": competences,
            }
        )
    return areas


def _competence_spec(
    ck: _Checker, raw: Any, cpath: Path_, level_numbers: set[int], require_levels: bool
) -> dict | None:
    comp = ck.mapping(
        raw,
        cpath,
        ["code", "name", "statements"],
        ["description", "esco_uri", "levels", "knowledge"],
    )
    if comp is None:
        return None
    code = ck.text(
        comp.get("code"),
        (*cpath, "code"),
        pattern=COMPETENCE_CODE_RE,
        allow_int=True,
        hint="letters, digits, '.', '-' and '_', at most 20 characters",
    )
    esco = comp.get("esco_uri")
    if esco is not None:
        esco = ck.text(
            esco,
            (*cpath, "esco_uri"),
            max_len=500,
            pattern=re.compile(r"^https?://\S+\Z"),
            hint="an http(s) address",
        )
    descriptors: dict[str, dict[str, str]] = {}
    raw_levels = comp.get("levels")
    if raw_levels is not None:
        if not isinstance(raw_levels, dict):
            ck.error((*cpath, "levels"), "must be a mapping of level number to text")
        else:
            for lvl, texts in raw_levels.items():
                lpath = (*cpath, "levels", str(lvl))
                if (
                    not isinstance(lvl, int)
                    or isinstance(lvl, bool)
                    or (level_numbers and lvl not in level_numbers)
                ):
                    ck.error(lpath, f"is not a level of the scale ({_range(level_numbers)})")
                    continue
                descriptors[str(lvl)] = ck.i18n(texts, lpath)
    if require_levels and level_numbers and set(descriptors) != {str(n) for n in level_numbers}:
        ck.error(
            (*cpath, "levels"),
            f"this framework needs a descriptor for every level ({_range(level_numbers)})",
        )
    items: list[dict] = []
    item_ids: set[str] = set()

    def item_id(value: Any, path: Path_) -> str | None:
        key = ck.text(
            value,
            path,
            pattern=ITEM_ID_RE,
            hint="letters, digits, '-' and '_', at most 20 characters",
        )
        if key in item_ids:
            ck.error(path, f"item id {key!r} is used twice in this competence")
        elif key:
            item_ids.add(key)
        return key

    for s, raw_st in enumerate(ck.seq(comp.get("statements"), (*cpath, "statements"), min_items=1)):
        spath = (*cpath, "statements", s)
        st = ck.mapping(raw_st, spath, ["id", "text"])
        if st is None:
            continue
        items.append(
            {
                "key": item_id(st.get("id"), (*spath, "id")),
                "kind": "statement",
                "text": ck.i18n(st.get("text"), (*spath, "text")),
                "choices": [],
            }
        )
    for k, raw_q in enumerate(ck.seq(comp.get("knowledge"), (*cpath, "knowledge"))):
        kpath = (*cpath, "knowledge", k)
        q = ck.mapping(raw_q, kpath, ["id", "text", "choices"])
        if q is None:
            continue
        choices = []
        for n, raw_choice in enumerate(ck.seq(q.get("choices"), (*kpath, "choices"), min_items=2)):
            chpath = (*kpath, "choices", n)
            choice = ck.mapping(raw_choice, chpath, ["text"], ["correct"])
            if choice is None:
                continue
            correct = choice.get("correct", False)
            if not isinstance(correct, bool):
                ck.error((*chpath, "correct"), "must be true or false")
            choices.append(
                {"text": ck.i18n(choice.get("text"), (*chpath, "text")), "correct": correct is True}
            )
        if len(choices) >= 2 and sum(ch["correct"] for ch in choices) != 1:
            ck.error((*kpath, "choices"), "exactly one choice must be marked correct: true")
        items.append(
            {
                "key": item_id(q.get("id"), (*kpath, "id")),
                "kind": "knowledge",
                "text": ck.i18n(q.get("text"), (*kpath, "text")),
                "choices": choices,
            }
        )
    return {
        "code": code,
        "name": ck.i18n(comp.get("name"), (*cpath, "name")),
        "description": ck.i18n(comp.get("description"), (*cpath, "description"), required=False),
        "esco_uri": esco,
        "levels": descriptors,
        "items": items,
    }


def _range(numbers: set[int]) -> str:
    return f"{min(numbers)}-{max(numbers)}" if numbers else "no levels defined"


# --- frameworks: import (database) ---------------------------------------------------


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def import_frameworks(path: str | Path) -> ImportReport:
    """Import every framework file in a folder (or one file). Flushes; the caller commits."""
    report = ImportReport()
    path = Path(path)
    if not path.exists():
        report.results.append(
            FileResult(
                str(path), "refused", errors=[LoadError(str(path), "", "no such file or folder")]
            )
        )
        return report
    for file in _files(path):
        report.results.append(import_framework_file(file))
    return report


def import_framework_file(file: Path) -> FileResult:
    name = file.name
    spec, errors = validate_framework(file.read_bytes(), name, expected_code=file.stem)
    if errors:
        return FileResult(name, "refused", errors=errors)
    try:
        with db.session.begin_nested():
            return _store_framework(spec, name)
    except IntegrityError:
        return FileResult(
            name,
            "refused",
            errors=[
                LoadError(
                    name,
                    "",
                    "another import stored this framework at the same time; run the import again",
                )
            ],
        )


def _store_framework(spec: dict, name: str) -> FileResult:
    from uprest.frameworks.models import (
        Area,
        Competence,
        Framework,
        Item,
        ProficiencyBand,
        ProficiencyLevel,
    )

    digest = content_hash(spec)
    code = spec["code"]
    current = db.session.scalar(
        db.select(Framework)
        .where(Framework.code == code, Framework.is_current.is_(True))
        .order_by(Framework.revision.desc())
        .limit(1)
    )
    if current is not None and current.content_hash == digest:
        return FileResult(name, "unchanged", f"{code} revision {current.revision}")
    last = (
        db.session.scalar(db.select(db.func.max(Framework.revision)).where(Framework.code == code))
        or 0
    )
    db.session.execute(
        db.update(Framework)
        .where(Framework.code == code, Framework.is_current.is_(True))
        .values(is_current=False)
    )
    fw = Framework(
        code=code,
        edition=spec["edition"],
        revision=last + 1,
        content_hash=digest,
        is_current=True,
        name=spec["name"],
        description=spec["description"],
        source_url=spec["source_url"],
        imported_at=utcnow(),
    )
    fw.bands = [
        ProficiencyBand(code=b["code"], name=b["name"], position=i)
        for i, b in enumerate(spec["bands"])
    ]
    fw.levels = [
        ProficiencyLevel(
            level=lv["level"], band=lv["band"], name=lv["name"], description=lv["description"]
        )
        for lv in spec["levels"]
    ]
    position = 0
    for a_pos, a in enumerate(spec["areas"]):
        area = Area(code=a["code"], name=a["name"], position=a_pos)
        fw.areas.append(area)
        for c in a["competences"]:
            comp = Competence(
                code=c["code"],
                key=f"{code}:{c['code']}",
                name=c["name"],
                description=c["description"],
                esco_uri=c["esco_uri"],
                level_descriptors=c["levels"],
                position=position,
                area=area,
            )
            comp.items = [
                Item(
                    key=it["key"],
                    kind=it["kind"],
                    text=it["text"],
                    choices=it["choices"],
                    position=i,
                )
                for i, it in enumerate(c["items"])
            ]
            fw.competences.append(comp)
            position += 1
    db.session.add(fw)
    db.session.flush()
    status = "created" if current is None else "updated"
    return FileResult(name, status, f"{code} revision {fw.revision}, {position} competences")


# --- target profiles: validation (pure) ------------------------------------------------


def target_problems(
    min_level: int | None, max_level: int | None, importance: int | None, scale_max: int
) -> list[str]:
    """Problems of one target as codes: min_range, max_range, max_order, importance."""
    problems = []
    if min_level is None or not 1 <= min_level <= scale_max:
        problems.append("min_range")
    if max_level is not None:
        if not 1 <= max_level <= scale_max:
            problems.append("max_range")
        elif min_level is not None and max_level < min_level:
            problems.append("max_order")
    if importance not in IMPORTANCE:
        problems.append("importance")
    return problems


def validate_profile(
    raw: bytes, file: str, scales: Mapping[str, int], expected_subsector: str | None = None
) -> tuple[dict | None, list[LoadError]]:
    """Check a profile file against the current frameworks (`scales`: competence key -> top level)."""
    data, root, errors = _parse(raw, file)
    if errors:
        return None, errors
    ck = _Checker(file, root)
    ck.duplicate_keys()
    spec = _profile_spec(ck, data, scales, expected_subsector)
    if ck.errors:
        return None, ck.errors
    return spec, []


def _profile_spec(ck: _Checker, data: Any, scales: Mapping[str, int], expected: str | None) -> dict:
    doc = ck.mapping(data, (), ["subsector", "roles"])
    if doc is None:
        return {}
    subsector = doc.get("subsector")
    if "subsector" in doc and subsector not in SUBSECTORS:
        ck.error(("subsector",), f"unknown sub-sector (use one of: {', '.join(SUBSECTORS)})")
    elif expected and subsector != expected:
        ck.error(("subsector",), f"must match the file name ({expected}.yaml)")
    roles: dict[str, list[dict]] = {}
    raw_roles = doc.get("roles")
    if "roles" in doc:
        if not isinstance(raw_roles, dict) or not raw_roles:
            ck.error(("roles",), f"must be a mapping with the job roles {', '.join(JOB_ROLES)}")
            raw_roles = {}
        for role, targets in raw_roles.items():
            if role not in JOB_ROLES:
                ck.error(
                    ("roles", str(role)), f"unknown job role (use one of: {', '.join(JOB_ROLES)})"
                )
                continue
            roles[role] = _targets_spec(ck, targets, ("roles", role), scales)
    return {"subsector": subsector, "roles": roles}


def _targets_spec(ck: _Checker, value: Any, path: Path_, scales: Mapping[str, int]) -> list[dict]:
    rows: list[dict] = []
    seen: set[str] = set()
    for i, raw in enumerate(ck.seq(value, path)):
        tpath = (*path, i)
        t = ck.mapping(raw, tpath, ["competence", "min"], ["max", "importance"])
        if t is None:
            continue
        key = t.get("competence")
        if not isinstance(key, str) or not KEY_RE.match(key):
            ck.error((*tpath, "competence"), "must be a competence key such as digcomp:1.1")
            continue
        if key not in scales:
            ck.error(
                (*tpath, "competence"),
                f"unknown competence {key!r} (not in the current frameworks)",
            )
            continue
        if key in seen:
            ck.error((*tpath, "competence"), f"{key} is listed twice for this role")
            continue
        seen.add(key)
        top = scales[key]
        lo = t.get("min")
        hi = t.get("max")
        importance = t.get("importance", 2)
        types_ok = True
        for name, v in (("min", lo), ("max", hi), ("importance", importance)):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                ck.error((*tpath, name), "must be a whole number")
                types_ok = False
        if not types_ok:
            continue
        messages = {
            "min_range": ("min", f"must be between 1 and {top} (the scale of {key.split(':')[0]})"),
            "max_range": ("max", f"must be between 1 and {top} (the scale of {key.split(':')[0]})"),
            "max_order": ("max", "must not be lower than min"),
            "importance": ("importance", "must be 1 (useful), 2 or 3 (essential)"),
        }
        problems = target_problems(lo, hi, importance, top)
        for problem in problems:
            fname, message = messages[problem]
            ck.error((*tpath, fname), message)
        if not problems:
            rows.append(
                {"competence_key": key, "min_level": lo, "max_level": hi, "importance": importance}
            )
    return rows


# --- target profiles: import (database) -------------------------------------------------


def current_scales() -> dict[str, int]:
    """Competence key -> the top level of its framework's scale, for the current revisions."""
    from uprest.frameworks.models import Competence, Framework, ProficiencyLevel

    top = (
        db.select(ProficiencyLevel.framework_id, db.func.max(ProficiencyLevel.level).label("top"))
        .group_by(ProficiencyLevel.framework_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(Competence.key, top.c.top)
        .join(Framework, Competence.framework_id == Framework.id)
        .join(top, top.c.framework_id == Framework.id)
        .where(Framework.is_current.is_(True))
    ).all()
    return {key: level for key, level in rows}


def import_profiles(path: str | Path) -> ImportReport:
    """Import every target profile file in a folder (or one file). Flushes; the caller commits."""
    report = ImportReport()
    path = Path(path)
    if not path.exists():
        report.results.append(
            FileResult(
                str(path), "refused", errors=[LoadError(str(path), "", "no such file or folder")]
            )
        )
        return report
    scales = current_scales()
    for file in _files(path):
        report.results.append(import_profile_file(file, scales))
    return report


def import_profile_file(file: Path, scales: Mapping[str, int]) -> FileResult:
    name = file.name
    spec, errors = validate_profile(file.read_bytes(), name, scales, expected_subsector=file.stem)
    if errors:
        return FileResult(name, "refused", errors=errors)
    try:
        with db.session.begin_nested():
            outcome = {
                role: store_profile_rows(spec["subsector"], role, rows, actor_id=None)
                for role, rows in spec["roles"].items()
            }
    except IntegrityError:
        return FileResult(
            name,
            "refused",
            errors=[
                LoadError(
                    name,
                    "",
                    "another import stored this profile at the same time; run the import again",
                )
            ],
        )
    detail = ", ".join(f"{role} {status}" for role, status in sorted(outcome.items()))
    statuses = set(outcome.values())
    if statuses == {"unchanged"}:
        return FileResult(name, "unchanged", f"{spec['subsector']}: {detail}")
    status = "created" if statuses == {"created"} else "updated"
    return FileResult(name, status, f"{spec['subsector']}: {detail}")


def store_profile_rows(
    subsector: str, job_role: str, rows: list[dict], actor_id: int | None, profile: Any = None
) -> str:
    """Make the profile's targets exactly `rows`, in place: "created", "updated" or "unchanged"."""
    from uprest.frameworks.models import ProfileTarget, TargetProfile

    if profile is None:
        profile = db.session.scalar(
            db.select(TargetProfile).where(
                TargetProfile.subsector == subsector, TargetProfile.job_role == job_role
            )
        )
    created = profile is None
    if created:
        profile = TargetProfile(subsector=subsector, job_role=job_role)
        db.session.add(profile)
    existing = {t.competence_key: t for t in profile.targets}
    wanted = {r["competence_key"]: r for r in rows}
    changed = created
    for key, target in existing.items():
        if key not in wanted:
            profile.targets.remove(target)
            changed = True
    for key, row in wanted.items():
        target = existing.get(key)
        values = (row["min_level"], row["max_level"], row["importance"])
        if target is None:
            profile.targets.append(
                ProfileTarget(
                    competence_key=key,
                    min_level=values[0],
                    max_level=values[1],
                    importance=values[2],
                )
            )
            changed = True
        elif (target.min_level, target.max_level, target.importance) != values:
            target.min_level, target.max_level, target.importance = values
            changed = True
    if changed:
        profile.updated_at = utcnow()
        profile.updated_by_id = actor_id
    db.session.flush()
    return "created" if created else "updated" if changed else "unchanged"
