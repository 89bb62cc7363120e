"""Pure rules of the competence state that features share (assessments, reports): no Flask, no database.

**Group levels.** How a group of people (the members of a business, the learners of a territory) stands
per competence against a set of targets:

1. Only people who *share* their results count; the others are counted as members and nothing more.
2. Each person brings at most one level per competence (their latest result); a competence's row counts
   the people with a level in it and gives their mean level, exact and then rounded half up to one
   decimal (so it always lies between the lowest and the highest level counted).
3. There is a row for every competence that someone has a level in or that has a target. The gap is
   ``max(0, target_min - mean)`` (none without a target or without levels); rows come largest weighted gap
   (gap × importance) first, then by competence key, so the order never depends on the input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

MEAN_PLACES = Decimal("0.1")


@dataclass(frozen=True)
class Observation:
    """A person's level in one competence, on that competence's scale of ``max_level`` levels."""

    key: str
    level: int
    max_level: int


@dataclass(frozen=True)
class Member:
    """A person of the group: whether they share their results, and their latest level per competence."""

    id: int
    shares: bool
    levels: Sequence[Observation] = ()


@dataclass(frozen=True)
class Target:
    """What the group should reach in a competence: a level range and an importance (1–3)."""

    key: str
    min_level: int
    max_level: int | None = None
    importance: int = 2


@dataclass(frozen=True)
class GroupRow:
    key: str
    members: int  # people counted (sharing, with a level in this competence)
    mean_level: Decimal | None  # None when nobody is counted
    max_level: int | None  # the top of the competence's scale, when known
    target_min: int | None = None
    target_max: int | None = None
    importance: int | None = None

    @property
    def gap(self) -> Decimal | None:
        if self.mean_level is None or self.target_min is None:
            return None
        return max(Decimal(0), Decimal(self.target_min) - self.mean_level)

    @property
    def weighted_gap(self) -> Decimal:
        return (self.gap or Decimal(0)) * (self.importance or 0)


@dataclass(frozen=True)
class GroupLevels:
    members: int  # everyone in the group
    sharing: int  # of them, those who share their results
    assessed: int  # of those, the ones with at least one level
    rows: tuple[GroupRow, ...]


def mean_level(levels: Sequence[int]) -> Decimal | None:
    """The exact mean rounded half up to one decimal; None for no levels."""
    if not levels:
        return None
    tenths = Fraction(sum(levels) * 10, len(levels))
    rounded = (tenths + Fraction(1, 2)).__floor__()
    return (Decimal(rounded) / 10).quantize(MEAN_PLACES)


def group_levels(
    members: Iterable[Member], targets: Iterable[Target] = (), scales: Mapping[str, int] | None = None
) -> GroupLevels:
    """Aggregate the levels of a group per competence against ``targets`` (rules 1–3 above).

    ``scales`` gives the top level of competences nobody has a level in (for the rows of targets).
    A member listed twice, a competence listed twice for one member, or two targets of one competence
    are errors of the caller (ValueError).
    """
    people = list(members)
    if len({m.id for m in people}) != len(people):
        raise ValueError("a member is listed twice")
    target_by_key: dict[str, Target] = {}
    for t in targets:
        if t.key in target_by_key:
            raise ValueError(f"two targets for {t.key}")
        target_by_key[t.key] = t
    levels: dict[str, list[int]] = {}
    max_levels: dict[str, int] = dict(scales or {})
    observed_max: dict[str, int] = {}
    sharing = assessed = 0
    for member in people:
        keys = [o.key for o in member.levels]
        if len(set(keys)) != len(keys):
            raise ValueError(f"member {member.id} has two levels in one competence")
        if not member.shares:
            continue
        sharing += 1
        assessed += bool(member.levels)
        for o in member.levels:
            levels.setdefault(o.key, []).append(o.level)
            observed_max[o.key] = max(observed_max.get(o.key, 0), o.max_level)
    max_levels.update(observed_max)
    rows = []
    for key in set(levels) | set(target_by_key):
        t = target_by_key.get(key)
        counted = levels.get(key, [])
        rows.append(
            GroupRow(
                key=key,
                members=len(counted),
                mean_level=mean_level(counted),
                max_level=max_levels.get(key),
                target_min=t.min_level if t else None,
                target_max=t.max_level if t else None,
                importance=t.importance if t else None,
            )
        )
    rows.sort(key=lambda r: (-r.weighted_gap, r.key))
    return GroupLevels(members=len(people), sharing=sharing, assessed=assessed, rows=tuple(rows))
