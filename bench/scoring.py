"""Times the pure scorer on a full assessment: every competence of every current framework (44),
each with two statements and a knowledge check, scored and ranked. Not a test.

    python bench/scoring.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from uprest.assessments.scoring import CompetenceInput, score_run, top_priorities  # noqa: E402

SCALES = {"digcomp": (21, 8), "greencomp": (12, 4), "tourism": (11, 4)}


def full_assessment(rng: random.Random) -> list[CompetenceInput]:
    inputs = []
    for framework, (count, max_level) in SCALES.items():
        for i in range(count):
            inputs.append(
                CompetenceInput(
                    key=f"{framework}:{i}",
                    max_level=max_level,
                    ratings=(rng.randint(1, 5), rng.randint(1, 5)),
                    target_min=rng.randint(1, max_level),
                    target_max=None,
                    importance=rng.randint(1, 3),
                    knowledge_correct=rng.randint(0, 1),
                    knowledge_answered=1,
                )
            )
    return inputs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(1)
    samples = []
    for _ in range(args.repeat):
        data = full_assessment(rng)
        start = time.perf_counter()
        top_priorities(score_run(data))
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(
        f"scoring a full assessment (44 competences): {args.repeat} runs, "
        f"p50 {statistics.median(samples):.3f} ms, p95 {p95:.3f} ms, max {samples[-1]:.3f} ms"
    )


if __name__ == "__main__":
    main()
