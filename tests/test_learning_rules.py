"""The pure rules of learning: quiz scoring, the completion rule and progress, the levels a completed module
records, and targets reached."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uprest.learning import rules
from uprest.learning.rules import BadAnswer, OutcomeLevel, QuizQuestion

SINGLE = QuizQuestion("q1", "single", (False, True, False))
MULTI = QuizQuestion("q2", "multiple", (True, False, True, False))
TF = QuizQuestion("q3", "truefalse", (True, False))


def test_an_answer_is_right_only_with_exactly_the_right_choices():
    """Exactly the correct choices score; a subset, a superset or nothing does not."""
    score = rules.score_attempt([SINGLE, MULTI, TF], {"q1": [1], "q2": [2, 0], "q3": [0]}, 70)
    assert score.score == 100 and score.is_passed and score.correct == 3
    for q2 in ([0], [0, 1, 2], []):
        s = rules.score_attempt([SINGLE, MULTI, TF], {"q1": [1], "q2": q2, "q3": [0]}, 70)
        assert s.score == 66 and not s.is_passed  # 2 of 3, rounded down: never passes a 70 % mark by rounding


def test_tampered_answers_are_refused():
    """A choice index a question does not have, or two choices for a single-choice question, raise."""
    for answers in ({"q1": [3]}, {"q1": [-1]}, {"q1": [0, 1]}, {"q3": [0, 1]}):
        with pytest.raises(BadAnswer):
            rules.score_attempt([SINGLE, TF], answers, 50)


def test_pass_mark_boundary():
    """The score passes at the pass mark exactly."""
    questions = [QuizQuestion(f"q{i}", "single", (True, False)) for i in range(4)]
    answers = {"q0": [0], "q1": [0], "q2": [0], "q3": [1]}
    assert rules.score_attempt(questions, answers, 75).is_passed
    assert not rules.score_attempt(questions, answers, 76).is_passed
    assert not rules.score_attempt([], {}, 0).is_passed  # an empty quiz passes nobody


def test_completion_rule_steps():
    """Required lessons (all by default, only existing ones), the quiz and attendance are one step each."""
    rule = rules.rule_of(
        ["a", "b", "c"], None, has_quiz=True, has_questions=True, pass_mark=70, requires_attendance=True
    )
    assert rule.lessons == ("a", "b", "c")
    state = rules.state_of(rule, ["a"], passed=False, attended=False)
    assert (state.steps_done, state.steps, state.percent) == (1, 5, 20) and not state.is_complete
    state = rules.state_of(rule, ["a", "b", "c"], passed=True, attended=True)
    assert state.is_complete and state.fraction == 1.0
    picked = rules.rule_of(
        ["a", "b"], ["b", "gone"], has_quiz=True, has_questions=False, pass_mark=70, requires_attendance=False
    )
    assert picked.lessons == ("b",) and not picked.needs_quiz
    assert rules.state_of(picked, ["b"], passed=False, attended=False).is_complete


def test_levels_recorded_never_lower_and_take_the_highest():
    """A module records each raised competence once, at the highest to-level, only above the current level."""
    outcomes = [OutcomeLevel("a", 1, 3), OutcomeLevel("a", 2, 5), OutcomeLevel("b", 0, 2), OutcomeLevel("c", 1, 4)]
    assert rules.levels_to_record(outcomes, {"b": 2, "c": 6}) == {"a": 5}


def test_targets_reached():
    """A target counts as reached when met after and not before."""
    assert rules.targets_reached({"a": 2, "b": 4}, {"a": 4, "b": 5, "c": 1}, {"a": 4, "b": 4, "c": 2}) == ["a"]


questions_st = st.lists(
    st.tuples(st.sampled_from(["single", "multiple"]), st.lists(st.booleans(), min_size=2, max_size=6)).filter(
        lambda t: any(t[1]) and (t[0] == "multiple" or sum(t[1]) == 1)
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(questions_st, st.integers(0, 100), st.data())
def test_score_properties(spec, pass_mark, data):
    """The score is the share right in whole percent, 0..100; it passes exactly at the pass mark; answering
    every question right always scores 100."""
    questions = [QuizQuestion(f"q{i}", kind, tuple(flags)) for i, (kind, flags) in enumerate(spec)]
    answers = {}
    for q in questions:
        n = len(q.correct)
        if q.kind == "multiple":
            answers[q.key] = data.draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
        else:
            answers[q.key] = data.draw(st.lists(st.integers(0, n - 1), max_size=1))
    score = rules.score_attempt(questions, answers, pass_mark)
    assert 0 <= score.score <= 100
    assert score.score == 100 * score.correct // len(questions)
    assert score.is_passed == (score.score >= pass_mark)
    right = {q.key: [i for i, ok in enumerate(q.correct) if ok] for q in questions}
    assert rules.score_attempt(questions, right, pass_mark).score == 100


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.text("abcdef", min_size=1, max_size=3), unique=True, max_size=8),
    st.data(),
    st.booleans(),
    st.booleans(),
)
def test_progress_properties(lessons, data, quiz, attendance):
    """Progress only grows as steps are done, stays within 0..100 %, and is complete exactly at 100 %."""
    required = data.draw(
        st.one_of(st.none(), st.lists(st.sampled_from(lessons), unique=True) if lessons else st.none())
    )
    rule = rules.rule_of(
        lessons, required, has_quiz=quiz, has_questions=True, pass_mark=50, requires_attendance=attendance
    )
    order = data.draw(st.permutations(lessons))
    previous = -1
    for i in range(len(order) + 1):
        state = rules.state_of(rule, order[:i], passed=False, attended=False)
        assert 0 <= state.percent <= 100 and state.percent >= previous
        previous = state.percent
    final = rules.state_of(rule, lessons, passed=True, attended=True)
    assert final.is_complete and final.percent == 100
