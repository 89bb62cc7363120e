"""Small framework and profile documents for the frameworks tests (written into tmp_path)."""

from __future__ import annotations

from pathlib import Path

import yaml

from uprest.extensions import db
from uprest.frameworks import loader

BANDS = ["foundation", "intermediate", "advanced", "specialised"]


def i18n(text: str, langs=("en", "sv")) -> dict:
    return {lang: (text if lang == "en" else f"{text} [{lang}]") for lang in langs}


def framework_doc(
    code: str = "digcomp",
    edition: str = "2.2",
    levels: int = 8,
    areas: dict[str, list[str]] | None = None,
    with_descriptors: bool = False,
) -> dict:
    """A small valid framework: `levels` levels in up to 4 bands; one knowledge question on the first competence."""
    areas = areas or {"1": ["1.1", "1.2"], "2": ["2.1"]}
    band_of = {
        n: BANDS[min((n - 1) * len(BANDS) // levels, len(BANDS) - 1)] for n in range(1, levels + 1)
    }
    used_bands = [b for b in BANDS if b in band_of.values()]
    doc: dict = {
        "code": code,
        "version": edition,
        "name": i18n(f"{code} framework"),
        "description": i18n(f"About {code}."),
        "source_url": "https://example.org/" + code,
        "scale": {
            "levels": [
                {
                    "level": n,
                    "band": band_of[n],
                    "name": i18n(f"Level {n}"),
                    "description": i18n(f"Can do things at level {n}."),
                }
                for n in range(1, levels + 1)
            ],
            "bands": [{"code": b, "name": i18n(b.title())} for b in used_bands],
        },
        "areas": [],
    }
    first = True
    for area_code, comps in areas.items():
        area = {"code": area_code, "name": i18n(f"Area {area_code}"), "competences": []}
        for comp_code in comps:
            comp = {
                "code": comp_code,
                "name": i18n(f"Competence {comp_code}"),
                "description": i18n(f"Describes {comp_code}."),
                "esco_uri": None,
                "statements": [
                    {"id": "s1", "text": i18n(f"I can do {comp_code}.")},
                    {"id": "s2", "text": i18n(f"I can teach {comp_code}.")},
                ],
            }
            if with_descriptors:
                comp["levels"] = {
                    n: i18n(f"{comp_code} at level {n}") for n in range(1, levels + 1)
                }
            if first:
                comp["knowledge"] = [
                    {
                        "id": "k1",
                        "text": i18n("Which answer is right?"),
                        "choices": [
                            {"text": i18n("SECRET-WRONG-ANSWER"), "correct": False},
                            {"text": i18n("SECRET-RIGHT-ANSWER"), "correct": True},
                        ],
                    }
                ]
                first = False
            area["competences"].append(comp)
        doc["areas"].append(area)
    return doc


def dump(doc: dict) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def write(folder: Path, name: str, doc: dict | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(doc if isinstance(doc, str) else dump(doc), encoding="utf-8")
    return path


def profile_doc(subsector: str = "accommodation", owner=None, staff=None) -> dict:
    roles = {}
    roles["owner"] = (
        owner
        if owner is not None
        else [
            {"competence": "digcomp:1.1", "min": 3, "max": 5, "importance": 3},
            {"competence": "greencomp:1.1", "min": 2, "importance": 2},
        ]
    )
    if staff is not False:
        roles["staff"] = (
            staff
            if staff is not None
            else [{"competence": "digcomp:1.1", "min": 2, "max": 4, "importance": 1}]
        )
    return {"subsector": subsector, "roles": roles}


def install_frameworks(tmp_path: Path) -> None:
    """digcomp (8 levels) and greencomp (4 levels, with level descriptors), imported and committed."""
    folder = tmp_path / "frameworks"
    write(folder, "digcomp.yaml", framework_doc("digcomp"))
    write(
        folder,
        "greencomp.yaml",
        framework_doc(
            "greencomp", "2022", levels=4, areas={"1": ["1.1", "1.2"]}, with_descriptors=True
        ),
    )
    report = loader.import_frameworks(folder)
    assert report.ok, report.lines()
    db.session.commit()
