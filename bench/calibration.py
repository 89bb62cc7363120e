"""Calibration report of the skills-gap assessment (issue 11): what levels and gaps typical answer patterns
give with the real content of courses/, under the calibrated rule and under the earlier linear rule.

    .venv/bin/python bench/calibration.py            # writes docs/assessment-calibration.md
    .venv/bin/python bench/calibration.py --check    # exits 1 if that file is not what the content gives now

Reads the YAML files directly (no database) and scores them with uprest.assessments.scoring, the code the
app uses. The knowledge question of each competence is the one a first assessment asks (nearest the
target); patterns that answer questions answer that one.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path
from statistics import mean

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from uprest.assessments import scoring  # noqa: E402
from uprest.frameworks import loader  # noqa: E402

OUT = ROOT / "docs" / "assessment-calibration.md"
LANGS = ("en", "sv", "it", "fi", "hr")
FRAMEWORKS = ("digcomp", "greencomp", "tourism")

# name, explanation, rating of a statement in band number b (0 = lowest) of n, answers the question rightly?
PATTERNS = [
    ("all “with help”", "every statement rated 2, question answered rightly", lambda b, n, rnd: 2, True),
    ("all “on my own”", "every statement rated 3, question answered rightly", lambda b, n, rnd: 3, True),
    ("all “confidently”", "every statement rated 4, question answered rightly", lambda b, n, rnd: 4, True),
    ("consistent expert", "every statement rated 5, question answered rightly", lambda b, n, rnd: 5, True),
    (
        "realistic intermediate",
        "lowest band 4, next 3, higher bands 2",
        lambda b, n, rnd: (4, 3)[b] if b < 2 else 2,
        True,
    ),
    (
        "random",
        "ratings drawn uniformly 1–5 (seeded), question right half the time",
        lambda b, n, rnd: rnd.randint(1, 5),
        None,
    ),
    ("contradicted", "every statement rated 4, question answered wrongly", lambda b, n, rnd: 4, False),
]


def _frameworks() -> dict[str, dict]:
    specs = {}
    for code in FRAMEWORKS:
        spec, errors = loader.validate_framework((ROOT / "courses" / "frameworks" / f"{code}.yaml").read_bytes(), code)
        if errors:
            raise SystemExit("\n".join(map(str, errors)))
        specs[code] = spec
    return specs


def _competences(specs: dict[str, dict]) -> dict[str, tuple[dict, dict]]:
    """competence key -> (framework spec, competence spec)."""
    return {
        f"{code}:{comp['code']}": (spec, comp)
        for code, spec in specs.items()
        for area in spec["areas"]
        for comp in area["competences"]
    }


def _score(fw: dict, comp: dict, pattern, target_min: int, rnd: random.Random) -> tuple[int, int]:
    """(calibrated level, linear level) of one competence answered in a pattern."""
    _name, _doc, rating_of, right = pattern
    bands = scoring.band_ranges((lv["level"], lv["band"]) for lv in fw["levels"])
    order = [b for b, _lo, _hi in bands]
    statements = [i for i in comp["items"] if i["kind"] == "statement"]
    rated = [(s["band"], rating_of(order.index(s["band"]), len(order), rnd)) for s in statements]
    questions = sorted(
        (i for i in comp["items"] if i["kind"] == "knowledge"),
        key=lambda q: (abs(q["level"] - target_min), q["level"], q["key"]),
    )[:1]
    answers = [(q["level"], rnd.random() < 0.5 if right is None else right) for q in questions]
    top = max(lv["level"] for lv in fw["levels"])
    calibrated = scoring.score_competence(
        scoring.CompetenceInput(
            key="x",
            max_level=top,
            ratings=tuple(r for _b, r in rated),
            target_min=target_min,
            bands=bands,
            statements=tuple(rated),
            questions=tuple(answers),
        )
    ).level
    linear = scoring.score_competence(
        scoring.CompetenceInput(
            key="x",
            max_level=top,
            ratings=tuple(r for _b, r in rated),
            target_min=target_min,
            knowledge_correct=sum(r for _l, r in answers),
            knowledge_answered=len(answers),
        )
    ).level
    return calibrated, linear


def _profiles() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted((ROOT / "courses" / "profiles").glob("*.yaml"))}


def report() -> str:
    specs = _frameworks()
    comps = _competences(specs)
    lines = [
        "# Calibration of the skills-gap assessment",
        "",
        "Produced by `.venv/bin/python bench/calibration.py` from the content in `courses/` (the suite checks",
        "that this file is current: `tests/test_assessment_content.py`). Levels are computed by",
        "`uprest.assessments.scoring`, the code the app uses: the **calibrated** rule (the highest band whose",
        "statements are affirmed, checked by a knowledge question) and, for comparison, the **linear** rule used",
        "before (the mean rating stretched over the scale). See the rules on the app's page “How the",
        "assessment results are calculated”.",
        "",
        "## Levels per answer pattern",
        "",
        "Mean level over every competence of the framework (with its range); the knowledge question is the one a",
        "first assessment asks at a target of level 3 (DigComp) or 2 (GreenComp, tourism).",
        "",
        "| pattern | what it is | framework | calibrated: mean (min–max) | linear: mean (min–max) |",
        "|---|---|---|---|---|",
    ]
    for pattern in PATTERNS:
        for code in FRAMEWORKS:
            rnd = random.Random(f"{pattern[0]}:{code}")
            target = 3 if code == "digcomp" else 2
            pairs = [
                _score(fw, comp, pattern, target, rnd)
                for key, (fw, comp) in comps.items()
                if key.startswith(code + ":")
            ]
            cal, lin = [p[0] for p in pairs], [p[1] for p in pairs]
            lines.append(
                f"| {pattern[0]} | {pattern[1]} | {code} | {mean(cal):.1f} ({min(cal)}–{max(cal)}) "
                f"| {mean(lin):.1f} ({min(lin)}–{max(lin)}) |"
            )
    lines += [
        "",
        "Reading it: under the linear rule, answering “on my own” to everything gave DigComp 5 (Advanced), so",
        "owners with targets of 4–5 met them by saying so. Under the calibrated rule “on my own” affirms the",
        "bands of the lower half of each scale (DigComp 3, GreenComp and tourism 2); the upper half needs",
        "“confidently” on statements written at those bands, and the top level “I can do it and guide others”.",
        "Random answers stay near the bottom, because one unsure statement stops the climb; a wrong answer to the",
        "knowledge question at or below the level reached pulls it below the question (the “contradicted” row).",
        "DigComp's highest band, highly specialised, is only reachable in the few competences with a statement",
        "written at it.",
        "",
        "## Gaps per role",
        "",
        "Mean gap (levels below the bottom of the target range) over each role's targets, and how many of its",
        "targets are met, for three patterns.",
        "",
        "| sub-sector | role | targets | “with help”: gap / met | “on my own”: gap / met | expert: gap / met |",
        "|---|---|---:|---|---|---|",
    ]
    chosen = [p for p in PATTERNS if p[0] in ("all “with help”", "all “on my own”", "consistent expert")]
    for subsector, profile in _profiles().items():
        for role, body in profile["roles"].items():
            cells = []
            for pattern in chosen:
                rnd = random.Random(f"{subsector}:{role}:{pattern[0]}")
                gaps = []
                for t in body["targets"]:
                    fw, comp = comps[t["competence"]]
                    level = _score(fw, comp, pattern, t["min"], rnd)[0]
                    gaps.append(scoring.gap(level, t["min"]))
                cells.append(f"{mean(gaps):.1f} / {sum(g == 0 for g in gaps)}")
            lines.append(f"| {subsector} | {role} | {len(body['targets'])} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Items per competence and language",
        "",
        "Statements per band and knowledge questions per level; the last column counts the item texts (statements,",
        "questions and their choices) present in each language.",
        "",
        "| competence | statements by band | questions by level | texts en / sv / it / fi / hr |",
        "|---|---|---|---|",
    ]
    for key, (_fw, comp) in comps.items():
        statements = [i for i in comp["items"] if i["kind"] == "statement"]
        questions = [i for i in comp["items"] if i["kind"] == "knowledge"]
        by_band = Counter(s["band"] for s in statements)
        by_level = Counter(q["level"] for q in questions)
        texts = [i["text"] for i in comp["items"]] + [c["text"] for q in questions for c in q["choices"]]
        per_lang = " / ".join(str(sum(1 for t in texts if (t.get(lang) or "").strip())) for lang in LANGS)
        lines.append(
            f"| {key} | {', '.join(f'{b} {n}' for b, n in by_band.items())} "
            f"| {', '.join(f'L{lv} {n}' for lv, n in sorted(by_level.items()))} | {per_lang} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/assessment-calibration.md is stale")
    args = parser.parse_args()
    text = report()
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        raise SystemExit(0 if current == text else "docs/assessment-calibration.md is stale: run bench/calibration.py")
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
