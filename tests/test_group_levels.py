"""Group levels: a group's levels per competence against targets (pure function, no app)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uprest.frameworks.rules import GroupLevels, Member, Observation, Target, group_levels, mean_level

KEYS = ("digcomp:1.1", "digcomp:1.2", "greencomp:2.1", "tourism:T1.1")


def obs(key: str, level: int, max_level: int = 8) -> Observation:
    return Observation(key, level, max_level)


def row(result: GroupLevels, key: str):
    return next(r for r in result.rows if r.key == key)


def test_business_example():
    """Two sharing members at 1 and 4 give 2.5 against a target of 3 (gap 0.5); the non-sharing one is left out."""
    result = group_levels(
        [
            Member(1, True, (obs("tourism:T1.1", 1, 4),)),
            Member(2, True, (obs("tourism:T1.1", 4, 4),)),
            Member(3, False, (obs("tourism:T1.1", 3, 4),)),
            Member(4, True),
        ],
        [Target("tourism:T1.1", 3, 4, 3)],
    )
    assert (result.members, result.sharing, result.assessed) == (4, 3, 2)
    r = row(result, "tourism:T1.1")
    assert (r.members, r.mean_level, r.max_level, r.gap) == (2, Decimal("2.5"), 4, Decimal("0.5"))
    assert (r.target_min, r.target_max, r.importance) == (3, 4, 3)


def test_targets_without_levels_and_levels_without_targets():
    """A target nobody has a level in is a row with no mean and the scale given; a level without a target
    has no gap; rows are ordered by weighted gap, then key."""
    result = group_levels(
        [Member(1, True, (obs("digcomp:1.2", 2), obs("digcomp:1.1", 2)))],
        [Target("digcomp:1.1", 4, None, 1), Target("greencomp:2.1", 3, 4, 3), Target("tourism:T1.1", 2, 3, 2)],
        scales={"greencomp:2.1": 4},
    )
    assert [r.key for r in result.rows] == ["digcomp:1.1", "digcomp:1.2", "greencomp:2.1", "tourism:T1.1"]
    green = row(result, "greencomp:2.1")
    assert (green.members, green.mean_level, green.max_level, green.gap) == (0, None, 4, None)
    assert row(result, "digcomp:1.2").gap is None and row(result, "tourism:T1.1").max_level is None
    result = group_levels(
        [Member(1, True, (obs("digcomp:1.1", 1), obs("digcomp:1.2", 1)))],
        [Target("digcomp:1.1", 3, None, 1), Target("digcomp:1.2", 2, None, 3)],
    )
    assert [r.key for r in result.rows] == ["digcomp:1.2", "digcomp:1.1"]  # 1 × 3 before 2 × 1


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], None),
        ([3], "3.0"),
        ([1, 4], "2.5"),
        ([1, 1, 2], "1.3"),
        ([1, 2, 2], "1.7"),
        ([1] * 19 + [2], "1.1"),  # 1.05 rounds half up
        ([2, 2, 2, 3, 3, 3, 3, 3], "2.6"),  # 2.625
    ],
)
def test_mean_rounds_half_up_to_one_decimal(levels, expected):
    """The mean is exact, then rounded half up to one decimal."""
    assert mean_level(levels) == (None if expected is None else Decimal(expected))


def test_input_mistakes_are_refused():
    """A member twice, a competence twice for a member, or two targets of one competence are errors."""
    with pytest.raises(ValueError, match="twice"):
        group_levels([Member(1, True), Member(1, False)])
    with pytest.raises(ValueError, match="two levels"):
        group_levels([Member(1, False, (obs("digcomp:1.1", 1), obs("digcomp:1.1", 2)))])
    with pytest.raises(ValueError, match="two targets"):
        group_levels([], [Target("digcomp:1.1", 1), Target("digcomp:1.1", 2)])


# --- properties ----------------------------------------------------------------------------------

observations_st = st.dictionaries(st.sampled_from(KEYS), st.integers(1, 8), max_size=len(KEYS)).map(
    lambda levels: tuple(obs(k, v) for k, v in levels.items())
)
members_st = st.lists(st.tuples(st.booleans(), observations_st), max_size=12).map(
    lambda rows: [Member(i, shares, levels) for i, (shares, levels) in enumerate(rows, start=1)]
)
targets_st = st.dictionaries(
    st.sampled_from(KEYS),
    st.tuples(st.integers(1, 8), st.integers(0, 3), st.integers(1, 3)),
    max_size=len(KEYS),
).map(lambda ts: [Target(k, lo, lo + span if span else None, imp) for k, (lo, span, imp) in ts.items()])


@settings(max_examples=100)
@given(members=members_st, targets=targets_st)
def test_counts_and_means_follow_the_sharing_members(members, targets):
    """Each row counts exactly the sharing members with a level in it; its mean lies between their lowest
    and highest level; every observed or targeted competence has exactly one row; gaps are never negative."""
    result = group_levels(members, targets)
    sharing = [m for m in members if m.shares]
    assert (result.members, result.sharing) == (len(members), len(sharing))
    assert result.assessed == sum(1 for m in sharing if m.levels)
    expected_keys = {o.key for m in sharing for o in m.levels} | {t.key for t in targets}
    assert sorted(r.key for r in result.rows) == sorted(expected_keys)
    for r in result.rows:
        levels = [o.level for m in sharing for o in m.levels if o.key == r.key]
        assert r.members == len(levels)
        if levels:
            assert min(levels) <= r.mean_level <= max(levels)
            assert abs(r.mean_level - Decimal(sum(levels)) / len(levels)) <= Decimal("0.05")
        else:
            assert r.mean_level is None and r.gap is None
        assert r.gap is None or r.gap >= 0


@settings(max_examples=60)
@given(members=members_st, targets=targets_st, other=observations_st)
def test_members_who_do_not_share_never_count(members, targets, other):
    """Changing the levels of members who do not share changes nothing but the member count."""
    before = group_levels(members, targets)
    changed = [m if m.shares else Member(m.id, False, other) for m in members]
    changed.append(Member(10_000, False, other))
    after = group_levels(changed, targets)
    assert after.rows == before.rows and (after.sharing, after.assessed) == (before.sharing, before.assessed)
    assert after.members == before.members + 1


@settings(max_examples=60)
@given(members=members_st, targets=targets_st, seed=st.integers(0, 2**16))
def test_order_of_the_input_does_not_matter(members, targets, seed):
    """Shuffled members and targets give the same rows in the same order (largest weighted gap first)."""
    result = group_levels(members, targets)
    rnd = random.Random(seed)
    shuffled_members, shuffled_targets = members[:], targets[:]
    rnd.shuffle(shuffled_members)
    rnd.shuffle(shuffled_targets)
    assert group_levels(shuffled_members, shuffled_targets) == result
    weights = [r.weighted_gap for r in result.rows]
    assert weights == sorted(weights, reverse=True)
