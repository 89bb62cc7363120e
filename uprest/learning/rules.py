"""Pure rules of learning: scoring a quiz attempt, the completion rule, progress, and the competence levels a
completed module records. Data in, data out: no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QuizQuestion:
    key: str
    kind: str  # single | multiple | truefalse
    correct: tuple[bool, ...]  # one flag per choice, in the stored order


@dataclass(frozen=True)
class ScoredAnswer:
    key: str
    chosen: tuple[int, ...]
    is_correct: bool


@dataclass(frozen=True)
class QuizScore:
    answers: tuple[ScoredAnswer, ...]
    score: int  # percent, rounded down: 69.9 % does not pass a pass mark of 70
    is_passed: bool

    @property
    def correct(self) -> int:
        return sum(a.is_correct for a in self.answers)


class BadAnswer(ValueError):
    """An answer that no question of the attempt could have produced (tampered or stale)."""


def clean_answer(question: QuizQuestion, chosen: Iterable[int]) -> tuple[int, ...]:
    """The chosen choice indices, sorted and unique; BadAnswer for an index the question does not have or for
    more than one choice where one is asked for."""
    picked = tuple(sorted(set(chosen)))
    if any(not 0 <= i < len(question.correct) for i in picked):
        raise BadAnswer(question.key)
    if question.kind != "multiple" and len(picked) > 1:
        raise BadAnswer(question.key)
    return picked


def score_attempt(questions: Sequence[QuizQuestion], answers: Mapping[str, Iterable[int]], pass_mark: int) -> QuizScore:
    """An answer is right when exactly the correct choices are chosen; unanswered questions are wrong. The
    score is the share of right answers in whole percent (rounded down); it passes at `pass_mark` or more."""
    scored = []
    for q in questions:
        chosen = clean_answer(q, answers.get(q.key, ()))
        right = tuple(i for i, flag in enumerate(q.correct) if flag)
        scored.append(ScoredAnswer(q.key, chosen, bool(chosen) and chosen == right))
    total = len(scored)
    score = (100 * sum(a.is_correct for a in scored)) // total if total else 0
    return QuizScore(tuple(scored), score, total > 0 and score >= pass_mark)


@dataclass(frozen=True)
class Rule:
    """A module version's completion rule."""

    lessons: tuple[str, ...]  # the slugs of the lessons that must be read
    needs_quiz: bool
    pass_mark: int
    needs_attendance: bool


@dataclass(frozen=True)
class State:
    """Where a learner stands against the rule."""

    lessons_missing: tuple[str, ...]
    quiz_missing: bool
    attendance_missing: bool
    steps_done: int
    steps: int

    @property
    def is_complete(self) -> bool:
        return not (self.lessons_missing or self.quiz_missing or self.attendance_missing)

    @property
    def fraction(self) -> float:
        return self.steps_done / self.steps if self.steps else 1.0

    @property
    def percent(self) -> int:
        return int(100 * self.fraction)


def rule_of(
    all_lessons: Sequence[str],
    required: Sequence[str] | None,
    *,
    has_quiz: bool,
    has_questions: bool,
    pass_mark: int,
    requires_attendance: bool,
) -> Rule:
    """The rule of a version: `required` None means every lesson; slugs the version no longer has are ignored
    (a rule never asks for a lesson that does not exist). A quiz counts only when it has questions."""
    wanted = all_lessons if required is None else [s for s in all_lessons if s in set(required)]
    return Rule(tuple(wanted), has_quiz and has_questions, pass_mark, requires_attendance)


def state_of(rule: Rule, read: Iterable[str], *, passed: bool, attended: bool) -> State:
    """Each required lesson, the quiz and the attendance are one step each."""
    done = set(read)
    missing = tuple(s for s in rule.lessons if s not in done)
    quiz_missing = rule.needs_quiz and not passed
    attendance_missing = rule.needs_attendance and not attended
    steps = len(rule.lessons) + rule.needs_quiz + rule.needs_attendance
    undone = len(missing) + quiz_missing + attendance_missing
    return State(missing, quiz_missing, attendance_missing, steps - undone, steps)


@dataclass(frozen=True)
class OutcomeLevel:
    key: str
    from_level: int
    to_level: int


def levels_to_record(outcomes: Iterable[OutcomeLevel], current: Mapping[str, int]) -> dict[str, int]:
    """Competence key -> the level a completed module records: each outcome's `to_level` (the highest when two
    outcomes raise the same competence), only where it is above the learner's current level (a module never
    lowers a level)."""
    raised: dict[str, int] = {}
    for o in outcomes:
        raised[o.key] = max(raised.get(o.key, 0), o.to_level)
    return {key: level for key, level in raised.items() if level > current.get(key, 0)}


def targets_reached(before: Mapping[str, int], after: Mapping[str, int], targets: Mapping[str, int]) -> list[str]:
    """The competences whose target (minimum level) is met after and was not before, in the targets' order."""
    return [key for key, target in targets.items() if target > 0 and after.get(key, 0) >= target > before.get(key, 0)]
