"""Calibrated levels (issue 11): the level is the highest band affirmed, checked by knowledge questions —
not a linear stretch of the rating scale. Pure functions: examples, then properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from uprest.assessments import scoring
from uprest.assessments.scoring import CompetenceInput, band_level, band_ranges, checked_level, score_competence

DIGCOMP = band_ranges(
    [
        (1, "foundation"),
        (2, "foundation"),
        (3, "intermediate"),
        (4, "intermediate"),
        (5, "advanced"),
        (6, "advanced"),
        (7, "specialised"),
        (8, "specialised"),
    ]
)
GREENCOMP = band_ranges([(1, "aware"), (2, "engaged"), (3, "practising"), (4, "leading")])
BANDS = [b for b, _lo, _hi in DIGCOMP]


def _statements(*per_band):
    """(band, rating) for two statements in each band, rated as given in band order."""
    return tuple((band, rating) for band, rating in zip(BANDS, per_band, strict=False) for _ in range(2))


def test_band_ranges_are_ordered_spans():
    assert DIGCOMP == (("foundation", 1, 2), ("intermediate", 3, 4), ("advanced", 5, 6), ("specialised", 7, 8))
    assert GREENCOMP[0] == ("aware", 1, 1) and GREENCOMP[-1] == ("leading", 4, 4)


def test_on_my_own_everywhere_is_intermediate_not_an_inflated_five():
    """The old rule turned "on my own" on every statement into DigComp 5 (Advanced). Now "on my own" affirms
    the lower half of the scale; the upper half needs "confidently", the top level "guide others"."""
    assert band_level(_statements(3, 3, 3, 3), DIGCOMP) == 3
    assert band_level(_statements(4, 4, 4, 4), DIGCOMP) == 7
    assert band_level(_statements(4, 4, 4), DIGCOMP) == 5  # no specialised statements asked: advanced at most
    assert band_level(_statements(5, 5, 5, 5), DIGCOMP) == 8
    assert band_level(_statements(5, 5, 5), DIGCOMP) == 6


def test_the_rating_each_band_needs():
    assert [scoring.band_threshold(lo, hi, 8) for _b, lo, hi in DIGCOMP] == [3, 3, 4, 4]
    assert [scoring.band_threshold(lo, hi, 4) for _b, lo, hi in GREENCOMP] == [3, 3, 4, 5]


def test_with_help_everywhere_is_the_lowest_level():
    assert band_level(_statements(2, 2, 2, 2), DIGCOMP) == 1


def test_the_climb_stops_at_the_first_band_not_affirmed():
    assert band_level(_statements(4, 2, 5, 5), DIGCOMP) == 2  # advanced claimed, intermediate not: foundation
    assert band_level(_statements(4, 4, 3, 5), DIGCOMP) == 4  # advanced needs "confidently"


def test_one_unsure_statement_keeps_a_band_from_being_affirmed():
    statements = (("foundation", 4), ("foundation", 4), ("intermediate", 5), ("intermediate", 2))
    assert band_level(statements, DIGCOMP) == 2


def test_bands_without_statements_neither_stop_nor_raise_the_climb():
    assert band_level((("engaged", 3), ("practising", 4), ("leading", 5)), GREENCOMP) == 4
    assert band_level((("engaged", 3), ("practising", 4), ("leading", 4)), GREENCOMP) == 3
    assert band_level((("engaged", 3), ("practising", 3), ("leading", 5)), GREENCOMP) == 2
    assert band_level((("engaged", 2), ("practising", 5)), GREENCOMP) == 1


def test_a_wrong_answer_at_or_below_the_level_caps_it_below_the_question():
    assert checked_level(6, [(3, False)]) == (2, scoring.TEMPERED)
    assert checked_level(6, [(6, False)]) == (5, scoring.TEMPERED)
    assert checked_level(6, [(5, True)]) == (6, scoring.CONFIRMED)
    assert checked_level(2, [(5, False)]) == (2, None)  # above what the statements reach: no evidence
    assert checked_level(1, [(1, False)]) == (1, scoring.TEMPERED)


def _input(statements, questions=(), bands=DIGCOMP, target_min=4):
    return CompetenceInput(
        key="digcomp:1.1",
        max_level=bands[-1][2],
        ratings=tuple(r for _b, r in statements),
        target_min=target_min,
        target_max=None,
        importance=3,
        bands=bands,
        statements=tuple(statements),
        questions=tuple(questions),
    )


def test_owners_saying_on_my_own_no_longer_meet_a_target_of_five():
    score = score_competence(_input(_statements(3, 3, 3), target_min=5))
    assert (score.level, score.gap, score.status) == (3, 2, "below")
    score = score_competence(_input(_statements(4, 4, 4), target_min=5))
    assert (score.level, score.gap, score.status) == (5, 0, "within")


def test_a_contradicting_question_tempers_and_is_recorded_as_quiz():
    score = score_competence(_input(_statements(5, 5, 5), questions=[(3, False)]))
    assert (score.self_level, score.level, score.knowledge, score.source) == (6, 2, "tempered", "quiz")


def test_without_bands_the_earlier_linear_rule_applies():
    legacy = CompetenceInput(key="x:1", max_level=8, ratings=(3, 3), target_min=4)
    assert score_competence(legacy).level == 5


# --- properties --------------------------------------------------------------------------------------------

ratings = st.integers(min_value=1, max_value=5)
band_statements = st.lists(st.tuples(st.sampled_from(BANDS), ratings), max_size=12)
questions = st.lists(st.tuples(st.integers(min_value=1, max_value=8), st.booleans()), max_size=3)


@settings(max_examples=300, derandomize=True)
@given(band_statements, questions)
def test_levels_are_bounded_and_deterministic(statements, qs):
    first = score_competence(_input(statements, qs))
    assert 1 <= first.level <= first.self_level <= 8
    assert score_competence(_input(statements, qs)) == first


@settings(max_examples=300, derandomize=True)
@given(st.lists(ratings, min_size=1, max_size=4), band_statements)
def test_affirming_only_foundation_never_gives_an_advanced_level(foundation, others):
    """Whatever the other statements say, a person who does not affirm intermediate stays in foundation."""
    statements = [("foundation", r) for r in foundation] + [("intermediate", 2)] + list(others)
    assert band_level(statements, DIGCOMP) <= 2


@settings(max_examples=300, derandomize=True)
@given(band_statements, questions, st.data())
def test_a_higher_rating_never_lowers_the_level(statements, qs, data):
    if not statements:
        return
    n = data.draw(st.integers(min_value=0, max_value=len(statements) - 1))
    band, rating = statements[n]
    higher = list(statements)
    higher[n] = (band, data.draw(st.integers(min_value=rating, max_value=5)))
    assert score_competence(_input(higher, qs)).level >= score_competence(_input(statements, qs)).level


@settings(max_examples=300, derandomize=True)
@given(band_statements, questions, st.data())
def test_a_right_answer_never_lowers_the_level(statements, qs, data):
    if not qs:
        return
    n = data.draw(st.integers(min_value=0, max_value=len(qs) - 1))
    righted = list(qs)
    righted[n] = (qs[n][0], True)
    assert score_competence(_input(statements, righted)).level >= score_competence(_input(statements, qs)).level
