"""Scoring rules of the skills-gap assessment (pure functions, no app)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uprest.assessments import scoring
from uprest.assessments.scoring import CompetenceInput

ratings_st = st.lists(st.integers(1, 5), min_size=1, max_size=8)
levels_st = st.integers(1, 8)


@pytest.mark.parametrize(
    ("ratings", "max_level", "expected"),
    [
        ([1, 1], 8, 1),
        ([5, 5], 8, 8),
        ([5], 4, 4),
        ([3, 3], 8, 5),  # (3-1)/4*7 = 3.5 -> 4 (half up) -> level 5
        ([3], 4, 3),  # (3-1)/4*3 = 1.5 -> 2 -> level 3
        ([2], 8, 3),  # 1.75 -> 2 -> level 3
        ([1, 2], 4, 1),  # mean 1.5: 0.375 -> 0 -> level 1
        ([4, 5], 1, 1),  # a one-level scale
        ([], 8, 1),
    ],
)
def test_self_level_examples(ratings, max_level, expected):
    """The mean rating maps linearly onto 1..L, rounding halves up."""
    assert scoring.self_level(ratings, max_level) == expected


@pytest.mark.parametrize(
    ("correct", "answered", "expected"),
    [
        (0, 0, None),
        (1, 1, "confirmed"),
        (0, 1, "tempered"),
        (1, 2, "confirmed"),
        (1, 3, "tempered"),
        (2, 3, "confirmed"),
    ],
)
def test_knowledge_outcome(correct, answered, expected):
    """At least half right confirms the self-rating, fewer tempers it, none answered leaves it unchecked."""
    assert scoring.knowledge_outcome(correct, answered) == expected


def test_knowledge_adjustment():
    """Confirmed keeps the level (+0); tempered lowers it by one but never below 1."""
    assert scoring.apply_knowledge(5, "confirmed", 8) == 5
    assert scoring.apply_knowledge(5, "tempered", 8) == 4
    assert scoring.apply_knowledge(1, "tempered", 8) == 1
    assert scoring.apply_knowledge(3, None, 4) == 3


def test_gap_status_and_priority_examples():
    """Gap counts levels below the range; above the range is no gap; priority is gap×importance on 0..100."""
    assert scoring.gap(1, 3) == 2
    assert scoring.gap(4, 3) == 0
    assert scoring.status(1, 3, 4) == "below"
    assert scoring.status(3, 3, 4) == "within"
    assert scoring.status(5, 3, 4) == "above"
    assert scoring.status(8, 3, None) == "within"
    assert scoring.priority(7, 3, 8) == 100
    assert scoring.priority(0, 3, 8) == 0
    assert scoring.priority(1, 1, 4) == 11  # 1*1 / (3*3) = 11.1 %
    assert scoring.priority(2, 3, 4) == 67


def test_score_competence_with_knowledge_check():
    """A failed knowledge check lowers the level and marks the source as quiz."""
    score = scoring.score_competence(
        CompetenceInput(
            key="digcomp:1.1",
            max_level=8,
            ratings=(4, 4),
            target_min=4,
            target_max=6,
            importance=3,
            knowledge_correct=0,
            knowledge_answered=1,
        )
    )
    assert (score.self_level, score.level, score.knowledge, score.source) == (6, 5, "tempered", "quiz")
    assert score.gap == 0 and score.status == "within"


def test_ranking_ties_broken_by_key():
    """Equal priority, gap and importance are ordered by competence key, deterministically."""
    inputs = [CompetenceInput(key=k, max_level=4, ratings=(1,), target_min=3, importance=2) for k in ("b", "a", "c")]
    assert [s.key for s in scoring.score_run(inputs)] == ["a", "b", "c"]
    assert [s.key for s in scoring.score_run(reversed(inputs))] == ["a", "b", "c"]


def test_top_priorities_only_gaps():
    """Top priorities list at most five competences, and only those with a gap."""
    inputs = [CompetenceInput(key=f"k{i}", max_level=8, ratings=(1,), target_min=i, importance=2) for i in range(1, 9)]
    top = scoring.top_priorities(scoring.score_run(inputs))
    assert [s.key for s in top] == ["k8", "k7", "k6", "k5", "k4"]
    assert all(s.gap > 0 for s in top)


@given(ratings=ratings_st, index=st.integers(0, 7), bump=st.integers(0, 4), max_level=levels_st)
def test_level_monotonic_in_each_rating(ratings, index, bump, max_level):
    """Raising any single rating never lowers the level."""
    i = index % len(ratings)
    higher = list(ratings)
    higher[i] = min(5, higher[i] + bump)
    assert scoring.self_level(higher, max_level) >= scoring.self_level(ratings, max_level)


@given(ratings=st.lists(st.integers(-10, 20), max_size=10), max_level=st.integers(-2, 12))
def test_level_bounded(ratings, max_level):
    """The level always lies on the scale 1..L, whatever the input."""
    level = scoring.self_level(ratings, max_level)
    assert 1 <= level <= max(1, max_level)


@given(ratings=ratings_st, max_level=levels_st, data=st.data())
def test_level_deterministic(ratings, max_level, data):
    """The same ratings in any order give the same level."""
    shuffled = data.draw(st.permutations(ratings))
    assert scoring.self_level(shuffled, max_level) == scoring.self_level(ratings, max_level)


@given(level=levels_st, target=levels_st)
def test_gap_non_negative_and_non_increasing(level, target):
    """The gap is never negative and never grows when the level rises."""
    assert scoring.gap(level, target) >= 0
    assert scoring.gap(level + 1, target) <= scoring.gap(level, target)


@given(gap=st.integers(-5, 20), importance=st.integers(-2, 6), max_level=st.integers(-1, 12))
def test_priority_bounded(gap, importance, max_level):
    """Priority always lies in 0..100."""
    assert 0 <= scoring.priority(gap, importance, max_level) <= 100


@given(
    ratings=ratings_st,
    max_level=levels_st,
    target_min=levels_st,
    importance=st.integers(1, 3),
    answered=st.integers(0, 3),
    correct=st.integers(0, 3),
)
def test_score_competence_invariants(ratings, max_level, target_min, importance, answered, correct):
    """A scored competence stays on its scale, its gap matches its level, and priority is bounded."""
    s = scoring.score_competence(
        CompetenceInput(
            key="x",
            max_level=max_level,
            ratings=tuple(ratings),
            target_min=target_min,
            importance=importance,
            knowledge_correct=correct,
            knowledge_answered=answered,
        )
    )
    assert 1 <= s.level <= s.self_level <= max_level
    assert s.gap == max(0, target_min - s.level)
    assert 0 <= s.priority <= 100
    assert (s.gap > 0) == (s.status == "below")


@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(1, 8), st.integers(1, 3)), min_size=1, max_size=6), st.randoms()
)
def test_ranking_deterministic(rows, rnd):
    """Ranking does not depend on the order the competences come in."""
    inputs = [
        CompetenceInput(key=f"c{i}", max_level=8, ratings=(r,), target_min=t, importance=imp)
        for i, (r, t, imp) in enumerate(rows)
    ]
    shuffled = list(inputs)
    rnd.shuffle(shuffled)
    assert scoring.score_run(inputs) == scoring.score_run(shuffled)
