"""Scoring of the skills-gap assessment — pure functions, no Flask, no database.

The rules (also explained to learners on /assessment/help):

1. **Self-rating.** Every behaviour statement is rated on the 5-point
   Europass-style scale: 1 I don't know how, 2 I can do it with help, 3 I can
   do it on my own, 4 I can do it confidently, 5 I can do it and guide others.

2. **From statements to a level (calibrated).** Every statement is written
   at one *band* of the framework's scale (DigComp: foundation 1–2,
   intermediate 3–4, advanced 5–6, highly specialised 7–8; GreenComp and the
   tourism framework: one level per band). A band is *affirmed* when each of
   its statements is rated at least 3, "I can do it on my own", for a band in
   the lower half of the scale; at least 4, "confidently", in the upper half;
   and 5, "I can do it and guide others", for a band that is only the top
   level. The level is set by the highest band that is affirmed together with
   every band below it that has statements: its lowest level, or its highest
   level when each of its statements is rated one step higher than the band
   needs. When no band is affirmed the level is the lowest of the scale. So affirming only
   foundation statements can never give more than the top of foundation,
   however the rest is rated: the level is not a stretch of the rating
   scale. (Runs on framework revisions whose statements have no band use the
   earlier rule: the mean rating mapped linearly onto the scale.)

3. **Knowledge check.** Each competence has knowledge questions written at a
   level of the scale; a run asks one of them. A question answered wrongly
   at or below the level the statements reach contradicts it: the level is
   capped just below the question's level (never below 1) and the result is
   *tempered*. A question answered rightly at or below that level *confirms*
   it (the level stays). A question above that level changes nothing. A
   competence with a knowledge check is recorded with the source ``quiz``,
   otherwise ``self``. (Earlier rule for questions without a
   level: fewer than half right lowers the level by one.)

4. **Gap.** ``gap = max(0, target_min - level)``. The status is ``below`` the
   target range (gap > 0), ``within`` it, or ``above`` it (level > target_max
   when the range has an upper bound). Being above the range is no gap.

5. **Priority.** ``priority = gap × importance`` (importance 1 useful,
   2 important, 3 essential), normalised to 0..100 by the largest possible
   value on that scale, ``(L - 1) × 3``, and rounded half up. Competences are
   ranked by priority, then gap, then importance (all descending) and finally
   by competence key, so equal priorities always come out in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

RATING_MIN = 1
RATING_MAX = 5
RATINGS = tuple(range(RATING_MIN, RATING_MAX + 1))
IMPORTANCE_MIN = 1
IMPORTANCE_MAX = 3

CONFIRMED = "confirmed"
TEMPERED = "tempered"

SOURCE_SELF = "self"
SOURCE_QUIZ = "quiz"

BELOW = "below"
WITHIN = "within"
ABOVE = "above"


def _round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)).__floor__())


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def self_level(ratings: Sequence[int], max_level: int) -> int:
    """The level on a scale of `max_level` levels for self-ratings of 1–5 (rule 2).

    Ratings outside 1..5 are clamped; an empty list gives level 1.
    """
    max_level = max(1, int(max_level))
    if not ratings:
        return 1
    values = [clamp(int(r), RATING_MIN, RATING_MAX) for r in ratings]
    mean = Fraction(sum(values), len(values))
    scaled = (mean - RATING_MIN) / (RATING_MAX - RATING_MIN) * (max_level - 1)
    return clamp(_round_half_up(scaled) + 1, 1, max_level)


AFFIRMED = 3  # "I can do it on my own"
CONFIDENT = 4  # "I can do it confidently"


def band_ranges(levels: Iterable[tuple[int, str]]) -> tuple[tuple[str, int, int], ...]:
    """(band, lowest level, highest level) of each band of a scale given as (level, band) pairs, in order."""
    spans: dict[str, list[int]] = {}
    for level, band in levels:
        spans.setdefault(band, []).append(int(level))
    return tuple(sorted(((b, min(ls), max(ls)) for b, ls in spans.items()), key=lambda b: b[1]))


def band_threshold(low: int, high: int, top: int) -> int:
    """The rating each statement of a band needs for the band to count (rule 2): "on my own" (3) in the lower
    half of the scale, "confidently" (4) in the upper half, "I can do it and guide others" (5) for a band that
    is only the top level."""
    if low == high == top:
        return RATING_MAX
    return AFFIRMED if low * 2 <= top else CONFIDENT


def band_level(statements: Sequence[tuple[str, int]], bands: Sequence[tuple[str, int, int]]) -> int:
    """The level the rated statements reach (rule 2). `statements`: (band, rating 1–5); `bands`: band_ranges.
    Statements of a band that is not on the scale are ignored."""
    if not bands:
        return 1
    top = bands[-1][2]
    by_band: dict[str, list[int]] = {}
    for band, rating in statements:
        by_band.setdefault(band, []).append(clamp(int(rating), RATING_MIN, RATING_MAX))
    level = bands[0][1]
    for band, low, high in bands:
        ratings = by_band.get(band)
        if not ratings:
            continue  # a band without statements neither stops nor raises the climb
        needed = band_threshold(low, high, top)
        if min(ratings) < needed:
            break
        level = high if min(ratings) >= min(needed + 1, RATING_MAX) else low
    return level


def checked_level(level: int, questions: Sequence[tuple[int, bool]]) -> tuple[int, str | None]:
    """The level after the knowledge check (rule 3) and its outcome: (level, confirmed | tempered | None).
    `questions`: (the level the question checks, answered rightly). A question above `level` is no evidence."""
    outcome = None
    capped = level
    for q_level, right in questions:
        if q_level > level:
            continue
        if right:
            outcome = outcome or CONFIRMED
        else:
            outcome = TEMPERED
            capped = min(capped, max(1, int(q_level) - 1))
    return capped, outcome


def knowledge_outcome(correct: int, answered: int) -> str | None:
    """``confirmed`` when at least half of the answered questions are right, ``tempered`` otherwise;
    None when no knowledge question was answered (rule 3)."""
    if answered <= 0:
        return None
    correct = clamp(correct, 0, answered)
    return CONFIRMED if 2 * correct >= answered else TEMPERED


def apply_knowledge(level: int, outcome: str | None, max_level: int) -> int:
    """The level after the knowledge check: unchanged when confirmed or unchecked, −1 (not below 1) when tempered."""
    max_level = max(1, int(max_level))
    level = clamp(level, 1, max_level)
    if outcome == TEMPERED:
        return max(1, level - 1)
    return level


def gap(level: int, target_min: int) -> int:
    """How many levels are missing to reach the bottom of the target range; 0 within or above it (rule 4)."""
    return max(0, int(target_min) - int(level))


def status(level: int, target_min: int, target_max: int | None) -> str:
    """``below``, ``within`` or ``above`` the target range."""
    if level < target_min:
        return BELOW
    if target_max is not None and level > target_max:
        return ABOVE
    return WITHIN


def priority(gap_value: int, importance: int, max_level: int) -> int:
    """gap × importance normalised to 0..100 on the scale of `max_level` levels (rule 5)."""
    span = max(1, int(max_level)) - 1
    if span == 0 or gap_value <= 0:
        return 0
    importance = clamp(int(importance), IMPORTANCE_MIN, IMPORTANCE_MAX)
    raw = Fraction(min(int(gap_value), span) * importance * 100, span * IMPORTANCE_MAX)
    return clamp(_round_half_up(raw), 0, 100)


@dataclass(frozen=True)
class CompetenceInput:
    """What the scorer needs to know about one competence of a run."""

    key: str
    max_level: int
    ratings: tuple[int, ...]
    target_min: int
    target_max: int | None = None
    importance: int = 2
    knowledge_correct: int = 0
    knowledge_answered: int = 0
    # Calibrated scoring (rules 2 and 3) when every statement has its band: the scale's bands, the statements
    # as (band, rating) and the knowledge questions as (level, answered rightly).
    bands: tuple[tuple[str, int, int], ...] = ()
    statements: tuple[tuple[str, int], ...] = ()
    questions: tuple[tuple[int, bool], ...] = ()


@dataclass(frozen=True)
class CompetenceScore:
    key: str
    self_level: int
    level: int
    max_level: int
    knowledge: str | None
    source: str
    target_min: int
    target_max: int | None
    importance: int
    gap: int
    status: str
    priority: int


def score_competence(data: CompetenceInput) -> CompetenceScore:
    """Apply rules 2–5 to one competence."""
    max_level = max(1, int(data.max_level))
    if data.bands and data.statements:
        base = clamp(band_level(data.statements, data.bands), 1, max_level)
        level, outcome = checked_level(base, data.questions)
    else:  # a framework revision without bands: the earlier, linear rule
        base = self_level(data.ratings, max_level)
        outcome = knowledge_outcome(data.knowledge_correct, data.knowledge_answered)
        level = apply_knowledge(base, outcome, max_level)
    importance = clamp(int(data.importance), IMPORTANCE_MIN, IMPORTANCE_MAX)
    g = gap(level, data.target_min)
    return CompetenceScore(
        key=data.key,
        self_level=base,
        level=level,
        max_level=max_level,
        knowledge=outcome,
        source=SOURCE_SELF if outcome is None else SOURCE_QUIZ,
        target_min=data.target_min,
        target_max=data.target_max,
        importance=importance,
        gap=g,
        status=status(level, data.target_min, data.target_max),
        priority=priority(g, importance, max_level),
    )


def rank_key(score: CompetenceScore) -> tuple:
    """Sort key: priority, gap, importance descending, then the competence key."""
    return (-score.priority, -score.gap, -score.importance, score.key)


def score_run(competences: Iterable[CompetenceInput]) -> list[CompetenceScore]:
    """Score every competence and return them ranked, highest priority first (deterministic)."""
    return sorted((score_competence(c) for c in competences), key=rank_key)


def top_priorities(scores: Iterable[CompetenceScore], limit: int = 5) -> list[CompetenceScore]:
    """The `limit` highest-priority competences that have a gap."""
    return [s for s in sorted(scores, key=rank_key) if s.gap > 0][:limit]
