"""The recommender's data and rules — pure: no Flask, no database session.

Inputs: the learner's gap profile (``Gap``, one per competence), the catalogue (``CatalogueModule`` with its
``Outcome``\\ s), and the ``Learner`` (gaps, completed modules, the languages they read, a weekly time budget).
Output: a ``LearningPath`` of ``Recommendation``\\ s, each saying which competences it raises (``Raise``).

The rules (``recommender.recommend`` applies them):

1. **Gap levels.** A competence's gap is the levels above the learner's level up to the lowest level of the
   target range (capped by the scale): level 3, target 5–6 -> levels 4 and 5. Being within or above the range
   is no gap (as in the assessment's scoring). Each gap level weighs the competence's importance.
2. **What a module closes.** An outcome ``from_level -> to_level`` closes the gap levels ``l`` with
   ``from_level < l <= to_level``. The *weighted gap* a module closes is the sum of the weights of the gap
   levels it closes, each level counted **once across the path**: a level an earlier module closes gives the
   later ones nothing.
3. **Order.** The module that closes the largest weighted gap per hour comes next. Its prerequisites that
   are not completed come right before it, even those that close no gap (they are *needed*), and their
   hours count in its ratio (they have to be taken first). Ties go to the smaller module code.
4. **Left out.** Completed modules; modules that close no gap (except needed prerequisites); modules on a
   cycle of prerequisites or needing one, or needing a module that is not in the catalogue (*unreachable*).
5. **Language.** A module is *readable* when it is offered in one of the learner's languages. A module that
   is not readable gets credit only for gap levels that no readable module (reachable, not completed)
   closes: it is recommended only when nothing else exists for that gap, and then says so
   (``language_fallback``). A needed prerequisite that is not readable is pulled in and says so too.
6. **Weeks.** Taken in the path's order at ``weekly_hours`` a week, a module is done in the week in which the
   path's hours up to and including it are reached.

Deterministic: the same input (in any order) gives the same path.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from uprest.catalog.rules import modules_on_cycles, prerequisite_cycles

#: Tolerance for sums of hours (a module done exactly at the end of a week is done in that week).
EPSILON = 1e-9

# --- inputs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """One competence of the learner's gap profile."""

    key: str  # "digcomp:2.1"
    level: int  # the learner's current level
    target_min: int
    target_max: int | None = None
    importance: int = 2  # 1 useful, 2 important, 3 essential
    scale_max: int = 8

    @property
    def levels(self) -> range:
        """The gap levels: above the current level, up to the target's lowest level (rule 1)."""
        return range(max(self.level, 0) + 1, min(self.target_min, self.scale_max) + 1)

    @property
    def weighted(self) -> int:
        return len(self.levels) * max(self.importance, 0)


@dataclass(frozen=True)
class Outcome:
    competence: str
    from_level: int
    to_level: int

    def closes(self, level: int) -> bool:
        return self.from_level < level <= self.to_level


@dataclass(frozen=True, eq=False)
class CatalogueModule:
    code: str
    title: Mapping[str, str]  # language -> title
    hours: float  # workload
    languages: tuple[str, ...]  # the languages it is available in
    prerequisites: tuple[str, ...] = ()  # module codes
    outcomes: tuple[Outcome, ...] = ()


@dataclass(frozen=True)
class Learner:
    gaps: tuple[Gap, ...]
    completed: frozenset[str] = frozenset()  # module codes
    languages: tuple[str, ...] = ("en",)  # the languages they read, the preferred first
    weekly_hours: float = 3.0  # time budget

    def __post_init__(self) -> None:
        if not self.weekly_hours > 0:
            raise ValueError("the weekly time budget must be more than 0 hours")
        keys = [g.key for g in self.gaps]
        if len(keys) != len(set(keys)):
            raise ValueError("a competence appears twice in the gap profile")


# --- outputs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raise:
    """A competence a recommended module raises: the gap levels it closes on the way to the target."""

    competence: str
    from_level: int  # the level it starts from (below the first level it closes)
    to_level: int  # the highest level it closes
    target: int  # the target's lowest level
    levels: tuple[int, ...]  # the gap levels it closes (no other module of the path closes them)
    importance: int

    @property
    def weighted(self) -> int:
        return len(self.levels) * self.importance


@dataclass(frozen=True)
class Recommendation:
    code: str
    raises: tuple[Raise, ...]  # empty for a prerequisite that closes no gap itself
    weighted_gap: int  # the weighted gap it closes (rule 2)
    hours: float
    week: int  # the week in which it is done under the learner's budget (1 = the first week)
    needed_for: tuple[str, ...] = ()  # later modules of the path that need it
    language: str | None = None  # the first of the learner's languages it is offered in
    offered_in: tuple[str, ...] = ()  # every language it is offered in
    language_fallback: bool = False  # offered in none of the learner's languages (rule 5)

    @property
    def is_needed_only(self) -> bool:
        """A prerequisite that closes no gap itself."""
        return not self.raises


@dataclass(frozen=True)
class LearningPath:
    items: tuple[Recommendation, ...]
    total_weighted_gap: int  # of the whole gap profile
    weekly_hours: float
    unreachable: tuple[str, ...] = ()  # modules left out for their prerequisites (cycle or missing)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.items]

    @property
    def hours(self) -> float:
        return math.fsum(r.hours for r in self.items)

    @property
    def weeks(self) -> int:
        return self.items[-1].week if self.items else 0

    def covered(self, first: int | None = None) -> float:
        """The share (0..1) of the total weighted gap that the first `first` modules (all: None) close."""
        if not self.total_weighted_gap:
            return 0.0
        closed = sum(r.weighted_gap for r in self.items[:first])
        return closed / self.total_weighted_gap


# --- rules ----------------------------------------------------------------------------------------------


def language_for(module: CatalogueModule, languages: Iterable[str]) -> str | None:
    """The first of the learner's languages that the module is offered in; None when it is in none."""
    return next((lang for lang in languages if lang in module.languages), None)


def title_in(module: CatalogueModule, languages: Iterable[str], fallback: str = "en") -> str:
    """The module's title in the first of `languages` that has one, else English, else any, else its code."""
    for lang in (*languages, fallback):
        if module.title.get(lang):
            return module.title[lang]
    return next((t for t in module.title.values() if t), module.code)


def find_cycles(catalogue: Iterable[CatalogueModule]) -> list[tuple[str, ...]]:
    """The cycles of prerequisites in the catalogue, e.g. [("a", "b", "a")] for "a needs b, b needs a"."""
    return prerequisite_cycles({m.code: m.prerequisites for m in catalogue})


def unreachable(modules: Mapping[str, CatalogueModule], completed: Iterable[str]) -> set[str]:
    """The modules (not completed) that cannot be placed in a path: on a cycle of prerequisites, needing a
    module that is neither in the catalogue nor completed, or needing (through prerequisites) such a module."""
    done = set(completed)
    graph = {code: [p for p in m.prerequisites if p not in done] for code, m in modules.items() if code not in done}
    blocked = {code for code in modules_on_cycles(graph) if code in graph}
    blocked |= {code for code, needs in graph.items() if any(p not in modules for p in needs)}
    dependants: dict[str, list[str]] = {}
    for code, needs in graph.items():
        for p in needs:
            dependants.setdefault(p, []).append(code)
    queue = deque(sorted(blocked))
    while queue:
        for code in dependants.get(queue.popleft(), ()):
            if code not in blocked:
                blocked.add(code)
                queue.append(code)
    return blocked


def pending_prerequisites(code: str, modules: Mapping[str, CatalogueModule], done: set[str]) -> tuple[str, ...]:
    """The prerequisites of `code` (and theirs) that are not in `done`, each after the ones it needs, in a
    deterministic order. `code` must be reachable (no cycle, nothing missing)."""
    order: list[str] = []
    seen = {code}
    work = [(code, iter(sorted(modules[code].prerequisites)))]
    while work:
        node, todo = work[-1]
        for p in todo:
            if p not in done and p not in seen:
                seen.add(p)
                work.append((p, iter(sorted(modules[p].prerequisites))))
                break
        else:
            work.pop()
            if node != code:
                order.append(node)
    return tuple(order)


def week_of(hours_so_far: float, weekly_hours: float) -> int:
    """The week (1, 2, ...) in which `hours_so_far` hours are done at `weekly_hours` a week (rule 6)."""
    return max(1, math.ceil(hours_so_far / weekly_hours - EPSILON))


def raises_of(levels: Iterable[tuple[str, int]], gaps: Mapping[str, Gap]) -> tuple[Raise, ...]:
    """The gap levels a module closes, as one Raise per competence: the largest weighted first, then by key."""
    by_key: dict[str, list[int]] = {}
    for key, level in levels:
        by_key.setdefault(key, []).append(level)
    out = []
    for key, closed in by_key.items():
        closed.sort()
        gap = gaps[key]
        out.append(Raise(key, closed[0] - 1, closed[-1], gap.target_min, tuple(closed), max(gap.importance, 0)))
    return tuple(sorted(out, key=lambda r: (-r.weighted, r.competence)))
