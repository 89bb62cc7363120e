"""Evaluates the pure recommender (issue 12) on synthetic learners. Not a test.

    .venv/bin/python bench/evaluate_recommender.py [--learners 300] [--modules 500] [--seed 1]

For a synthetic catalogue of `--modules` modules (outcomes on the competences of the three frameworks,
prerequisite chains, some modules only in one language) it runs ``recommend`` for `--learners` synthetic
learners (a gap profile of 6–14 competences, a few completed modules, one to three languages, 2–8 hours a
week); for the real catalogue of courses/modules/ (read from the YAML files, no database) as many learners
with the targets of a real role of courses/profiles/, each 0–2 levels below. It prints:

* the share of the learner's total weighted gap closed by the first 5 modules of the path (mean over
  learners), and by the whole path;
* prerequisite violations (a module before one it needs that is not completed): must be 0;
* the average hours of a path (and of its first 5 modules), and how many recommendations are in a language
  the learner does not read;
* the time of one recommendation (p50/p95/max over the learners; target with 500 modules: p95 under 10 ms).

Seeded: the same arguments give the same figures (except the times).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from uprest.recommendations.recommender import recommend  # noqa: E402
from uprest.recommendations.rules import CatalogueModule, Gap, Learner, LearningPath, Outcome  # noqa: E402

LANGS = ("en", "sv", "it", "fi", "hr")


def framework_scales() -> dict[str, int]:
    """Competence key -> the top level of its scale, for every competence of courses/frameworks/."""
    scales = {}
    for path in sorted((ROOT / "courses" / "frameworks").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        top = max(level["level"] for level in doc["scale"]["levels"])
        for area in doc["areas"]:
            scales.update({f"{doc['code']}:{c['code']}": top for c in area["competences"]})
    return scales


SCALES = framework_scales()


# --- catalogues ---------------------------------------------------------------------------------------


def synthetic_catalogue(rng: random.Random, n: int) -> list[CatalogueModule]:
    """n modules: 1–4 outcomes of 1–3 levels each, 2–12 hours, about a third with 1–2 prerequisites among
    the earlier modules (chains, no cycle), most in English and some other languages, 10% in one only."""
    keys = sorted(SCALES)
    modules: list[CatalogueModule] = []
    for i in range(n):
        outcomes = []
        for key in rng.sample(keys, rng.randint(1, 4)):
            top = SCALES[key]
            lo = rng.randint(0, top - 1)
            outcomes.append(Outcome(key, lo, min(top, lo + rng.randint(1, 3))))
        if rng.random() < 0.1:
            langs = (rng.choice(LANGS),)
        else:
            langs = ("en", *sorted(rng.sample(LANGS[1:], rng.randint(0, 4))))
        needs = ()
        if modules and rng.random() < 0.35:
            needs = tuple(m.code for m in rng.sample(modules, min(len(modules), rng.randint(1, 2))))
        code = f"m{i:04d}"
        hours = float(rng.choice([2, 3, 4, 5, 6, 8, 10, 12]))
        modules.append(CatalogueModule(code, {"en": f"Module {i}"}, hours, langs, needs, tuple(outcomes)))
    return modules


def real_catalogue() -> list[CatalogueModule]:
    """courses/modules/*: module.yaml, and the languages in which every lesson has a file."""
    modules = []
    for folder in sorted((ROOT / "courses" / "modules").iterdir()):
        meta = folder / "module.yaml"
        if not meta.is_file():
            continue
        doc = yaml.safe_load(meta.read_text(encoding="utf-8"))
        lessons: dict[str, set[str]] = {}
        for path in (folder / "lessons").glob("*.md"):
            stem, lang = path.name[:-3].rsplit(".", 1)
            lessons.setdefault(stem, set()).add(lang)
        langs = tuple(lang for lang in LANGS if lessons and all(lang in have for have in lessons.values()))
        outcomes = tuple(Outcome(o["competence"], o["from_level"], o["to_level"]) for o in doc["outcomes"])
        modules.append(
            CatalogueModule(
                doc.get("code", folder.name),
                doc["title"],
                float(doc["workload_hours"]),
                langs,
                tuple(doc.get("prerequisites") or ()),
                outcomes,
            )
        )
    return modules


# --- learners -----------------------------------------------------------------------------------------


def synthetic_learner(rng: random.Random, keys: list[str], codes: list[str]) -> Learner:
    gaps = []
    for key in rng.sample(keys, min(len(keys), rng.randint(6, 14))):
        top = SCALES[key]
        level = rng.randint(0, top - 1)
        target = min(top, level + rng.randint(0, 3))
        gaps.append(Gap(key, level, target, None, rng.randint(1, 3), top))
    completed = frozenset(rng.sample(codes, min(len(codes), rng.randint(0, 5))))
    first = rng.choice(LANGS)
    langs = [first] + (["en"] if first != "en" and rng.random() < 0.7 else [])
    if rng.random() < 0.2:
        langs.append(rng.choice([lang for lang in LANGS if lang not in langs]))
    return Learner(tuple(gaps), completed, tuple(langs), float(rng.choice([2, 3, 4, 5, 6, 8])))


def real_roles() -> list[list[tuple[str, int, int | None, int]]]:
    """The targets (competence, min, max, importance) of every role of courses/profiles/."""
    roles = []
    for path in sorted((ROOT / "courses" / "profiles").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for role in doc["roles"].values():
            roles.append([(t["competence"], t["min"], t.get("max"), t.get("importance", 2)) for t in role["targets"]])
    return roles


def profile_learner(rng: random.Random, roles, codes: list[str]) -> Learner:
    """A learner with a real role's targets, 0–2 levels below each target's lowest level (never below 1)."""
    gaps = []
    for key, low, high, importance in rng.choice(roles):
        top = SCALES[key]
        gaps.append(Gap(key, max(1, low - rng.randint(0, 2)), low, high, importance, top))
    completed = frozenset(rng.sample(codes, rng.randint(0, 2)))
    first = rng.choice(LANGS)
    langs = (first, "en") if first != "en" and rng.random() < 0.7 else (first,)
    return Learner(tuple(gaps), completed, langs, float(rng.choice([2, 3, 4, 5, 6, 8])))


# --- evaluation ---------------------------------------------------------------------------------------


def violations(path: LearningPath, modules: dict[str, CatalogueModule], completed) -> int:
    """Modules placed before (or without) a prerequisite that is not completed."""
    place = {code: i for i, code in enumerate(path.codes)}
    bad = 0
    for i, code in enumerate(path.codes):
        for need in modules[code].prerequisites:
            if need not in completed and place.get(need, len(place)) >= i:
                bad += 1
    return bad


def evaluate(name: str, catalogue: list[CatalogueModule], learners: list[Learner]) -> None:
    modules = {m.code: m for m in catalogue}
    for lrn in learners[:5]:  # warm-up
        recommend(lrn, catalogue)
    times, first5, whole, hours, hours5, bad, items, foreign, lengths = [], [], [], [], [], 0, 0, 0, []
    gc.disable()
    try:
        for lrn in learners:
            start = time.perf_counter()
            path = recommend(lrn, catalogue)
            times.append((time.perf_counter() - start) * 1000)
            if path.total_weighted_gap:
                first5.append(path.covered(5))
                whole.append(path.covered())
            hours.append(path.hours)
            hours5.append(sum(r.hours for r in path.items[:5]))
            lengths.append(len(path.items))
            bad += violations(path, modules, lrn.completed)
            items += len(path.items)
            foreign += sum(1 for r in path.items if r.language_fallback)
    finally:
        gc.enable()
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"{name}: {len(catalogue)} modules, {len(learners)} learners")
    print(f"  weighted gap closed by the first 5 modules: {statistics.mean(first5):.1%} (mean per learner)")
    print(f"  weighted gap closed by the whole path:      {statistics.mean(whole):.1%}")
    print(f"  prerequisite violations:                    {bad}")
    print(
        f"  average hours: {statistics.mean(hours):.1f} per path ({statistics.mean(lengths):.1f} modules), "
        f"{statistics.mean(hours5):.1f} for the first 5 modules"
    )
    print(f"  recommendations in a language the learner does not read: {foreign} of {items}")
    print(f"  time per recommendation: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--modules", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    catalogue = synthetic_catalogue(rng, args.modules)
    codes = [m.code for m in catalogue]
    learners = [synthetic_learner(rng, sorted(SCALES), codes) for _ in range(args.learners)]
    evaluate("synthetic catalogue", catalogue, learners)
    real = real_catalogue()
    roles = real_roles()
    real_learners = [profile_learner(rng, roles, [m.code for m in real]) for _ in range(args.learners)]
    evaluate(f"courses/ catalogue, learners of the {len(roles)} roles of courses/profiles/", real, real_learners)


if __name__ == "__main__":
    main()
