"""Small factories for the catalog tests: competences, module folders in the courses/ format, images."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import yaml

from uprest.catalog import loader
from uprest.extensions import db


def png(width: int = 1, height: int = 1, extra: int = 0) -> bytes:
    """A valid PNG (optionally padded with an ancillary chunk of `extra` bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x00\x80\x00" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if extra:
        body += chunk(b"teXt", b"c\x00" + b"x" * extra)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'


def make_competences(spec: dict[str, tuple[int, dict[str, list[str]]]] | None = None) -> None:
    """Frameworks with scales and competences, e.g. {"digcomp": (8, {"1": ["1.1", "1.2"]})}; committed."""
    from uprest.frameworks.models import (
        Area,
        Competence,
        Framework,
        ProficiencyBand,
        ProficiencyLevel,
    )

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
        fw.levels = [
            ProficiencyLevel(level=n, band="all", name={"en": f"Level {n}"})
            for n in range(1, levels + 1)
        ]
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


def module_doc(code: str = "green-basics", **overrides) -> dict:
    doc = {
        "code": code,
        "title": {"en": f"Title of {code}", "sv": f"Titel för {code}"},
        "summary": {
            "en": f"Summary of {code}. Learn about waste.",
            "sv": f"Sammanfattning av {code}.",
        },
        "provider": "UPREST consortium",
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


def dump(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


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


def import_root(root: Path) -> loader.ImportReport:
    report = loader.import_modules(root)
    db.session.commit()
    return report


def statuses(report) -> dict[str, str]:
    return {r.file: r.status for r in report.results}


def authored_module(owner, code: str = "my-module", publish: bool = False):
    """A module written in the browser by `owner`: one lesson, one question, complete in English."""
    from uprest.catalog import services
    from uprest.catalog.services import OutcomeRow, QuestionData

    module = services.create_module(owner, code, f"Title {code}")
    services.update_metadata(
        module,
        owner,
        "en",
        {
            "title": f"Title {code}",
            "summary": f"Summary {code}.",
            "quality_assurance": "Peer reviewed.",
            "provider": "Trainer Ltd",
            "workload_hours": 3.0,
            "ects": None,
            "eqf_level": 3,
            "participation": "blended",
            "assessment_type": "quiz",
            "prerequisites": [],
            "pass_mark": 60,
            "max_attempts": 0,
            "shuffle": False,
        },
        [OutcomeRow("digcomp:1.1", 1, 3, "Find things.")],
    )
    services.save_lesson(module, owner, None, "en", "first", "First lesson", "Hello **world**.")
    services.save_question(
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
