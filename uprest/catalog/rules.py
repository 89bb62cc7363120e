"""Pure content rules of course modules: no Flask, no database session.

They take model objects (or anything with the same attributes) and plain values,
so the importer, the authoring services and the tests share one definition.
"""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Iterable, Mapping

from uprest.config import LANGUAGES

LANGS: tuple[str, ...] = tuple(LANGUAGES)
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_CHOICES = 8
MODULE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}\Z")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}\Z")
QUESTION_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}\Z")
IMAGE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}\Z")
SHA256_RE = re.compile(r"^[0-9a-f]{64}\Z")
IMAGE_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
}
WORKLOAD_RANGES = {  # ?workload= value -> (more than, at most) hours
    "short": (0, 4),
    "medium": (4, 10),
    "long": (10, None),
}


# --- images -------------------------------------------------------------------------


def sniff_image(data: bytes) -> str | None:
    """The MIME type of a PNG, JPEG, GIF or WebP judged by its bytes; None otherwise (SVG too)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 24 and data[12:16] == b"IHDR":
        return "image/png"
    if data.startswith(b"\xff\xd8\xff") and len(data) > 4:
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) > 10:
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) > 16:
        return "image/webp"
    return None


def image_problem(data: bytes) -> str | None:
    """'empty', 'too_large' or 'not_image' (by content, whatever the name says); None if fine."""
    if not data:
        return "empty"
    if len(data) > MAX_IMAGE_BYTES:
        return "too_large"
    if sniff_image(data) is None:
        return "not_image"
    return None


#: Metadata that can say who, where and with what a photo was taken; an image carrying any is re-encoded.
_PRIVATE_INFO = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc")
MAX_IMAGE_PIXELS = 40_000_000  # larger images are refused (decompression bombs)
_PIL_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def clean_image(data: bytes) -> bytes:
    """Decode an uploaded image with Pillow and return bytes without EXIF/GPS, XMP, IPTC or comments.

    An image without such metadata is returned as it is (no re-encoding, no loss). A photo with it is
    turned upright by its EXIF orientation first and re-encoded (JPEG at the quality it had where
    possible). Raises ValueError for anything Pillow cannot decode as a PNG, JPEG, GIF or WebP, and for
    images over MAX_IMAGE_PIXELS."""
    from PIL import Image, ImageOps  # imported here: only uploads and imports need it

    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in _PIL_FORMATS or image.width * image.height > MAX_IMAGE_PIXELS:
            raise ValueError("not an accepted image")
        image.load()
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"undecodable image: {exc}") from None
    exif = image.getexif()
    private = bool(exif) or any(image.info.get(key) for key in _PRIVATE_INFO) or bool(getattr(image, "text", None))
    if not private:
        return data
    fmt = image.format
    turned = exif.get(0x0112, 1) not in (None, 1)  # the EXIF orientation: the photo is stored turned
    keep = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
    for key in _PRIVATE_INFO:  # Pillow carries some of these over from .info when saving
        image.info.pop(key, None)
    out = io.BytesIO()
    if getattr(image, "is_animated", False):
        image.save(out, format=fmt, save_all=True, loop=image.info.get("loop", 0), **keep)
    elif turned:
        ImageOps.exif_transpose(image).save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}), **keep)
    else:
        image.save(out, format=fmt, **({"quality": "keep"} if fmt == "JPEG" else {}), **keep)
    return out.getvalue()


def safe_image_name(filename: str, mime: str) -> str:
    """A file name usable in Markdown, from an upload's name and its real type."""
    base = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    base = re.sub(r"\.[A-Za-z0-9]+$", "", base)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-._")
    stem = re.sub(r"-+", "-", stem)[:100] or "image"
    return f"{stem}.{IMAGE_EXTENSIONS[mime]}"


# --- quiz ---------------------------------------------------------------------------


def choice_problems(kind: str, correct: list[bool]) -> list[str]:
    """Problems of a question's choices as codes.

    kind: unknown kind; few: fewer than 2 choices; many: more than MAX_CHOICES;
    truefalse_two: a true/false question needs exactly two; one_correct: single and
    true/false need exactly one correct choice; some_correct: multiple needs at least one.
    """
    problems = []
    if kind not in ("single", "multiple", "truefalse"):
        return ["kind"]
    n = len(correct)
    if kind == "truefalse" and n != 2:
        problems.append("truefalse_two")
    elif n < 2:
        problems.append("few")
    elif n > MAX_CHOICES:
        problems.append("many")
    right = sum(1 for c in correct if c)
    if kind in ("single", "truefalse") and right != 1:
        problems.append("one_correct")
    if kind == "multiple" and right < 1:
        problems.append("some_correct")
    return problems


# --- translation status -----------------------------------------------------------------


def _lesson_has(lesson, lang: str) -> bool:
    t = lesson.text_in(lang)
    return bool(t and t.title.strip() and t.body_md.strip())


def _question_has(question, lang: str) -> bool:
    t = question.text_in(lang)
    return bool(t and t.text.strip() and len(t.choices) == len(question.correct) and all(c.strip() for c in t.choices))


def translation_status(version) -> dict[str, dict[str, tuple[int, int]]]:
    """Per language: (done, total) of title, summary, quality assurance, outcomes, lessons, quiz."""
    status = {}
    for lang in LANGS:
        row = {
            "title": (int(bool((version.title or {}).get(lang))), 1),
            "summary": (int(bool((version.summary or {}).get(lang))), 1),
            "quality_assurance": (
                int(bool((version.quality_assurance or {}).get(lang))),
                int(bool(version.quality_assurance)),
            ),
            "outcomes": (
                sum(1 for o in version.outcomes if (o.text or {}).get(lang)),
                len(version.outcomes),
            ),
            "lessons": (
                sum(1 for le in version.lessons if _lesson_has(le, lang)),
                len(version.lessons),
            ),
            "quiz": (
                sum(1 for q in version.questions if _question_has(q, lang)),
                len(version.questions),
            ),
        }
        status[lang] = row
    return status


def is_complete(row: dict[str, tuple[int, int]]) -> bool:
    return all(done == total for done, total in row.values())


def version_languages(version) -> list[str]:
    """The languages in which every text of the version is available (English first)."""
    status = translation_status(version)
    return [lang for lang in LANGS if is_complete(status[lang])]


def search_text(code: str, version) -> str:
    """What the catalogue's text search looks in, lower-cased (every language)."""
    parts = [code, version.provider or ""]
    parts += list((version.title or {}).values()) + list((version.summary or {}).values())
    for outcome in version.outcomes:
        parts.append(outcome.competence_key)
        parts += list((outcome.text or {}).values())
    for lesson in version.lessons:
        parts += [t.title for t in lesson.texts]
    return "\n".join(p for p in parts if p).lower()


def publish_problems(version) -> list[str]:
    """Why a version cannot be published, as codes (empty: it can).

    no_lessons, no_questions (the assessment includes a quiz), question:<key> (its choices
    break a rule), en:<part> (an English text is missing: English is the fallback), and the
    completion rule's: completion_lesson:<slug>, completion_attendance (see completion_problems).
    """
    problems = []
    if not version.lessons:
        problems.append("no_lessons")
    problems += completion_problems(version)
    if version.has_quiz and not version.questions:
        problems.append("no_questions")
    for q in version.questions:
        if choice_problems(q.kind, list(q.correct)):
            problems.append(f"question:{q.key}")
    en = translation_status(version)["en"]
    for part, (done, total) in en.items():
        if part == "quality_assurance":
            continue
        if done < total:
            problems.append(f"en:{part}")
    return problems


# --- the completion rule ------------------------------------------------------------
# With the pass mark, a version's completion rule: the lessons a learner must read (required_lessons: slugs, or
# None for every lesson) and whether attendance at a session is required. One canonical form, so that the
# importer, the exporter, authoring and the content hash agree: slugs in lesson order, None when every lesson.


def default_attendance(participation: str | None) -> bool:
    """Attendance is required by default when the module has sessions: blended or on-site."""
    return participation != "online"


def canonical_lessons(required: Iterable[str] | None, slugs: Iterable[str]) -> list[str] | None:
    """`required` in lesson order (slugs the version lacks at the end, for publish to refuse); None (every
    lesson) for None, for an empty list and for a list that names every lesson."""
    if required is None:
        return None
    wanted, slugs = list(dict.fromkeys(required)), list(slugs)
    ordered = [s for s in slugs if s in wanted] + [s for s in wanted if s not in slugs]
    if not ordered or set(slugs) <= set(wanted):
        return None
    return ordered


def completion_problems(version) -> list[str]:
    """completion_lesson:<slug> (the rule names a lesson the version does not have), completion_attendance
    (an online module has no session to attend)."""
    slugs = {le.slug for le in version.lessons}
    problems = [f"completion_lesson:{s}" for s in version.required_lessons or () if s not in slugs]
    if version.requires_attendance and version.participation == "online":
        problems.append("completion_attendance")
    return problems


# --- prerequisites ------------------------------------------------------------------
# A graph of prerequisites maps a module code to the codes it needs. A code named only as a prerequisite is a
# module that needs nothing. Cycles ("a needs b, b needs a") are refused by the importer and by authoring.


def _needs(graph: Mapping[str, Iterable[str]], code: str) -> list[str]:
    return sorted(set(graph.get(code, ())))


def _groups(graph: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """The strongly connected groups of the graph (Tarjan's algorithm, without recursion: long chains are fine)."""
    nodes = sorted(set(graph) | {p for needs in graph.values() for p in needs})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(graph.get(root, ())))]  # the order of prerequisites does not change the groups
        while work:
            node, todo = work[-1]
            for nxt in todo:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups


def _is_cyclic(graph: Mapping[str, Iterable[str]], group: set[str]) -> bool:
    if len(group) > 1:
        return True
    (one,) = group
    return one in set(graph.get(one, ()))


def cycle_through(
    graph: Mapping[str, Iterable[str]], code: str, within: set[str] | None = None
) -> tuple[str, ...] | None:
    """The shortest cycle of prerequisites from `code` back to it, e.g. ("a", "b", "a") for "a needs b, b needs
    a"; None when `code` is on none. Deterministic (prerequisites are followed in code order)."""
    parent: dict[str, str] = {}
    queue = deque([code])
    while queue:
        node = queue.popleft()
        for nxt in _needs(graph, node):
            if within is not None and nxt not in within:
                continue
            if nxt == code:
                chain = [node]
                while chain[-1] != code:
                    chain.append(parent[chain[-1]])
                return (*reversed(chain), code)
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return None


def prerequisite_cycles(graph: Mapping[str, Iterable[str]]) -> list[tuple[str, ...]]:
    """Every cycle of prerequisites: one for each group of modules that need each other, as the codes along it
    from the group's first code back to that code, e.g. [("a", "b", "a")]. Sorted; empty when there is none."""
    cycles = []
    for group in _groups(graph):
        if _is_cyclic(graph, group):
            cycle = cycle_through(graph, min(group), within=group)
            if cycle:
                cycles.append(cycle)
    return sorted(cycles)


def modules_on_cycles(graph: Mapping[str, Iterable[str]]) -> set[str]:
    """Every module that is on a cycle of prerequisites (it needs itself through its prerequisites)."""
    return {code for group in _groups(graph) if _is_cyclic(graph, group) for code in group}


def cycle_text(cycle: Iterable[str]) -> str:
    """("a", "b", "a") -> "a → b → a"."""
    return " → ".join(cycle)
