"""The pure recommender: the rules by example, their properties (hypothesis), and cycles of prerequisites."""

from __future__ import annotations

import ast
import graphlib
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uprest.catalog.rules import cycle_through, modules_on_cycles, prerequisite_cycles
from uprest.recommendations.recommender import recommend
from uprest.recommendations.rules import (
    CatalogueModule,
    Gap,
    Learner,
    Outcome,
    find_cycles,
    language_for,
    pending_prerequisites,
    title_in,
    unreachable,
    week_of,
)

UPREST = Path(__file__).resolve().parent.parent / "uprest"
PROPERTY = settings(max_examples=150, derandomize=True)


def mod(code, hours=1.0, outcomes=(), needs=(), langs=("en",), title=None) -> CatalogueModule:
    return CatalogueModule(
        code=code,
        title={"en": f"Title {code}"} if title is None else title,
        hours=hours,
        languages=tuple(langs),
        prerequisites=tuple(needs),
        outcomes=tuple(Outcome(*o) for o in outcomes),
    )


def learner(*gaps, completed=(), langs=("en",), weekly=3.0) -> Learner:
    return Learner(tuple(gaps), frozenset(completed), tuple(langs), weekly)


# --- rules by example -------------------------------------------------------------------------------


def test_gap_levels_go_from_the_level_to_the_lowest_target_level_within_the_scale():
    """Rule 1: level 3, target 5 -> levels 4 and 5; within or above the range is no gap; the scale caps it."""
    assert list(Gap("k", 3, 5).levels) == [4, 5] and Gap("k", 3, 5, importance=3).weighted == 6
    assert list(Gap("k", 5, 5, 6).levels) == [] and list(Gap("k", 7, 5, 6).levels) == []
    assert list(Gap("k", 2, 9, scale_max=4).levels) == [3, 4]


def test_the_largest_weighted_gap_per_hour_comes_first():
    """Rule 3: weighted gap / hours decides the order (3 per hour before 2 before 1)."""
    catalogue = [
        mod("slow", hours=4, outcomes=[("a", 0, 4)]),  # 4 levels x 1 / 4 h = 1
        mod("fast", hours=1, outcomes=[("b", 1, 3)]),  # 2 levels x 1 / 1 h = 2
        mod("key", hours=2, outcomes=[("c", 0, 2)]),  # 2 levels x 3 / 2 h = 3
    ]
    gaps = (Gap("a", 0, 4, importance=1), Gap("b", 1, 3, importance=1), Gap("c", 0, 2, importance=3))
    path = recommend(learner(*gaps), catalogue)
    assert path.codes == ["key", "fast", "slow"]
    assert [r.weighted_gap for r in path.items] == [6, 2, 4] and path.total_weighted_gap == 12
    assert path.covered() == 1.0 and path.covered(1) == 0.5


def test_ties_go_to_the_smaller_module_code():
    """Equal ratios: the module codes decide, whatever the catalogue's order."""
    catalogue = [mod("zeta", outcomes=[("a", 0, 1)]), mod("alpha", outcomes=[("b", 0, 1)])]
    path = recommend(learner(Gap("a", 0, 1), Gap("b", 0, 1)), catalogue)
    assert path.codes == ["alpha", "zeta"]


def test_a_gap_level_is_credited_once_across_the_path():
    """Rule 2: a later module gets no credit for levels an earlier one closes, and one that closes nothing
    new is left out."""
    catalogue = [
        mod("broad", hours=2, outcomes=[("a", 1, 5)]),  # levels 2..5: 4 x 2 / 2 = 4 per hour
        mod("narrow", hours=1, outcomes=[("a", 2, 4)]),  # levels 3, 4: 2 x 2 / 1 = 4 per hour, tie: "broad" < "narrow"
        mod("top", hours=1, outcomes=[("a", 4, 6)]),  # level 5 only (the target is 5)
    ]
    path = recommend(learner(Gap("a", 1, 5)), catalogue)
    assert path.codes == ["broad"]
    (r,) = path.items[0].raises
    assert (r.competence, r.from_level, r.to_level, r.target, r.levels) == ("a", 1, 5, 5, (2, 3, 4, 5))


def test_later_module_is_credited_only_with_the_levels_left():
    """The second module's raise names only the levels still open after the first."""
    catalogue = [mod("first", outcomes=[("a", 1, 3)]), mod("second", hours=2, outcomes=[("a", 2, 5)])]
    path = recommend(learner(Gap("a", 1, 5)), catalogue)
    assert path.codes == ["first", "second"]
    assert path.items[1].raises[0].levels == (4, 5) and path.items[1].raises[0].from_level == 3


def test_needed_prerequisite_comes_first_even_when_it_closes_no_gap():
    """Rule 3: a prerequisite that is not completed is pulled in right before the module that needs it."""
    catalogue = [
        mod("intro", hours=1),
        mod("advanced", hours=3, outcomes=[("a", 2, 4)], needs=["intro"]),
        mod("other", hours=10, outcomes=[("b", 0, 1)]),
    ]
    path = recommend(learner(Gap("a", 2, 4), Gap("b", 0, 1)), catalogue)
    assert path.codes == ["intro", "advanced", "other"]
    intro = path.items[0]
    assert intro.is_needed_only and intro.weighted_gap == 0 and intro.needed_for == ("advanced",)


def test_prerequisite_hours_count_in_the_ratio_of_the_module_that_needs_them():
    """A module with a long prerequisite chain waits behind one that closes as much in fewer hours in all."""
    catalogue = [
        mod("long-intro", hours=9),
        mod("needs-intro", hours=1, outcomes=[("a", 0, 2)], needs=["long-intro"]),  # 2 x 2 / 10 h
        mod("alone", hours=3, outcomes=[("b", 0, 2)]),  # 2 x 2 / 3 h
    ]
    path = recommend(learner(Gap("a", 0, 2), Gap("b", 0, 2)), catalogue)
    assert path.codes == ["alone", "long-intro", "needs-intro"]


def test_a_module_whose_prerequisite_joins_the_path_is_weighed_again():
    """Once a shared prerequisite is taken for another module, the module that also needs it counts only its own
    hours and may go before modules it came after."""
    catalogue = [
        mod("shared", hours=9),
        mod("big", hours=1, outcomes=[("a", 0, 5)], needs=["shared"]),  # 10 / 10 h = 1.0: first
        mod("small", hours=1, outcomes=[("b", 0, 1)], needs=["shared"]),  # 2 / 10 h at first, then 2 / 1 h
        mod("middle", hours=4, outcomes=[("c", 0, 3)]),  # 3 / 4 h = 0.75
    ]
    path = recommend(learner(Gap("a", 0, 5), Gap("b", 0, 1, importance=2), Gap("c", 0, 3, importance=1)), catalogue)
    assert path.codes == ["shared", "big", "small", "middle"]
    assert path.items[0].needed_for == ("big", "small")


def test_completed_modules_are_left_out_and_not_pulled_in_as_prerequisites():
    """Nothing completed is recommended; a completed prerequisite is not needed again."""
    catalogue = [mod("intro", outcomes=[("a", 0, 1)]), mod("next", outcomes=[("a", 1, 3)], needs=["intro"])]
    path = recommend(learner(Gap("a", 0, 3), completed={"intro"}), catalogue)
    assert path.codes == ["next"] and path.items[0].raises[0].levels == (2, 3)


def test_module_in_another_language_only_when_nothing_readable_exists_for_that_gap():
    """Rule 5: an unreadable module is left out when a readable one closes the gap; else it comes, flagged."""
    catalogue = [
        mod("en-a", hours=4, outcomes=[("a", 0, 2)], langs=["en"]),
        mod("fi-a", hours=1, outcomes=[("a", 0, 2)], langs=["fi"]),  # faster, but the learner cannot read it
        mod("fi-b", hours=1, outcomes=[("b", 0, 2)], langs=["fi", "it"]),  # the only module for b
    ]
    path = recommend(learner(Gap("a", 0, 2), Gap("b", 0, 2), langs=("sv", "en")), catalogue)
    assert path.codes == ["fi-b", "en-a"]
    fallback, readable = path.items
    assert fallback.language_fallback and fallback.language is None and fallback.offered_in == ("fi", "it")
    assert not readable.language_fallback and readable.language == "en"


def test_unreadable_module_gets_credit_only_for_levels_no_readable_module_closes():
    """Per level: the Finnish module is recommended for the level the English one leaves open, only that."""
    catalogue = [mod("en-low", outcomes=[("a", 0, 2)]), mod("fi-all", outcomes=[("a", 0, 3)], langs=["fi"])]
    path = recommend(learner(Gap("a", 0, 3)), catalogue)
    assert path.codes == ["en-low", "fi-all"]  # 2 levels an hour before 1
    assert path.items[1].raises[0].levels == (3,) and path.items[1].language_fallback


def test_preferred_language_is_the_first_the_module_is_offered_in():
    """The learner's languages are in order of preference."""
    m = mod("m", langs=["en", "sv"], title={"en": "English", "sv": "Svenska"})
    assert language_for(m, ("it", "sv", "en")) == "sv" and language_for(m, ("fi",)) is None
    assert title_in(m, ("it", "sv")) == "Svenska" and title_in(m, ("fi",)) == "English"
    assert title_in(mod("bare", title={}), ("sv",)) == "bare"


def test_weeks_follow_the_weekly_budget():
    """Rule 6: with 3 hours a week, 2 h is done in week 1, the next 2 h in week 2, 2 more exactly ends week 2."""
    catalogue = [mod(f"m{i}", hours=h, outcomes=[(f"k{i}", 0, 1)]) for i, h in enumerate([2, 2, 2, 7])]
    path = recommend(learner(*(Gap(f"k{i}", 0, 1) for i in range(4))), catalogue)
    assert [(r.code, r.week) for r in path.items] == [("m0", 1), ("m1", 2), ("m2", 2), ("m3", 5)]
    assert path.weeks == 5 and path.hours == 13
    assert week_of(0.1 + 0.2, 0.3) == 1 and week_of(0, 3) == 1


def test_modules_on_a_cycle_or_needing_a_missing_module_are_unreachable():
    """Rule 4: a cycle of prerequisites, and anything that needs it or a module not in the catalogue, is left
    out and listed; the rest of the path is unaffected."""
    catalogue = [
        mod("c-one", outcomes=[("a", 0, 1)], needs=["c-two"]),
        mod("c-two", needs=["c-one"]),
        mod("after-cycle", outcomes=[("a", 0, 1)], needs=["c-two"]),
        mod("orphan", outcomes=[("a", 0, 1)], needs=["gone"]),
        mod("fine", hours=5, outcomes=[("a", 0, 1)]),
    ]
    path = recommend(learner(Gap("a", 0, 1)), catalogue)
    assert path.codes == ["fine"]
    assert path.unreachable == ("after-cycle", "c-one", "c-two", "orphan")
    assert find_cycles(catalogue) == [("c-one", "c-two", "c-one")]


def test_completed_module_breaks_nothing_on_a_cycle():
    """A completed module is not needed again, so a cycle through it does not block what needs it."""
    catalogue = [mod("c-one", needs=["c-two"]), mod("c-two", outcomes=[("a", 0, 1)], needs=["c-one"])]
    assert recommend(learner(Gap("a", 0, 1), completed={"c-one"}), catalogue).codes == ["c-two"]


def test_bad_input_is_refused():
    """A budget of 0 hours, a competence twice and a module code twice are errors."""
    with pytest.raises(ValueError, match="budget"):
        learner(Gap("a", 0, 1), weekly=0)
    with pytest.raises(ValueError, match="twice"):
        learner(Gap("a", 0, 1), Gap("a", 1, 2))
    with pytest.raises(ValueError, match="twice"):
        recommend(learner(Gap("a", 0, 1)), [mod("m"), mod("m")])


def test_no_gap_gives_an_empty_path():
    """Nothing to close: nothing recommended."""
    path = recommend(learner(Gap("a", 3, 3)), [mod("m", outcomes=[("a", 0, 5)])])
    assert path.items == () and path.covered(5) == 0.0 and path.weeks == 0


def test_recommender_and_rules_are_pure():
    """rules.py and recommender.py import neither Flask nor the database (they are benchmarked alone)."""
    for name in ("rules.py", "recommender.py"):
        tree = ast.parse((UPREST / "recommendations" / name).read_text())
        imported = {
            n.module if isinstance(n, ast.ImportFrom) else a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in (n.names if isinstance(n, ast.Import) else [n])
        }
        assert not {m for m in imported if m and m.split(".")[0] in ("flask", "flask_babel", "sqlalchemy")}
        assert "uprest.extensions" not in imported


# --- cycles of prerequisites ---------------------------------------------------------------------------


def test_cycles_are_found_and_named_from_their_first_code():
    """One cycle per group of modules that need each other, self-loops too; none in a chain."""
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"], "e": ["a"], "f": []}
    assert prerequisite_cycles(graph) == [("a", "b", "c", "a"), ("d", "d")]
    assert modules_on_cycles(graph) == {"a", "b", "c", "d"}
    assert cycle_through(graph, "b") == ("b", "c", "a", "b") and cycle_through(graph, "e") is None
    assert prerequisite_cycles({"a": ["b"], "b": ["c"]}) == [] and prerequisite_cycles({}) == []


def test_long_chains_need_no_recursion():
    """A chain of 5,000 prerequisites closed into a cycle is found (no recursion limit)."""
    graph = {f"m{i}": [f"m{i + 1}"] for i in range(5000)}
    graph["m5000"] = ["m0"]
    (cycle,) = prerequisite_cycles(graph)
    assert len(cycle) == 5002 and cycle[0] == cycle[-1] == "m0"


graphs = st.dictionaries(
    st.sampled_from([f"m{i}" for i in range(8)]),
    st.lists(st.sampled_from([f"m{i}" for i in range(8)]), max_size=3),
    max_size=8,
)


@PROPERTY
@given(graphs)
def test_cycle_finder_agrees_with_a_topological_sort(graph):
    """Cycles are found exactly when the standard library cannot sort the graph; each is a real cycle."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
        acyclic = True
    except graphlib.CycleError:
        acyclic = False
    cycles = prerequisite_cycles(graph)
    assert acyclic == (cycles == [])
    for cycle in cycles:
        assert cycle[0] == cycle[-1] and all(b in graph[a] for a, b in zip(cycle, cycle[1:], strict=False))
        assert set(cycle) <= modules_on_cycles(graph)


# --- properties ------------------------------------------------------------------------------------------

CODES = [f"m{i:02d}" for i in range(12)]
KEYS = ["k0", "k1", "k2", "k3"]
LANGS = ["en", "sv", "fi"]


@st.composite
def catalogues(draw, cycles=False):
    """Up to 12 modules; prerequisites among the earlier ones, and with `cycles` now and then any module
    (which can close a cycle) or one that is not in the catalogue."""
    n = draw(st.integers(1, len(CODES)))
    modules = []
    for i, code in enumerate(CODES[:n]):
        needs = draw(st.lists(st.sampled_from(CODES[:i]), max_size=2, unique=True)) if i else []
        if cycles and draw(st.integers(0, 9)) == 0:
            extra = draw(st.sampled_from([*CODES[:n], "gone"]))
            needs = needs if extra in needs else [*needs, extra]
        outcomes = []
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=2, unique=True)):
            lo = draw(st.integers(0, 4))
            outcomes.append((key, lo, draw(st.integers(lo + 1, 6))))
        hours = draw(st.sampled_from([0.5, 1, 2, 3, 5, 8]))
        langs = draw(st.lists(st.sampled_from(LANGS), min_size=1, max_size=2, unique=True))
        modules.append(mod(code, hours, outcomes, needs, langs))
    return modules


@st.composite
def learners(draw):
    gaps = []
    for key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True)):
        level = draw(st.integers(0, 4))
        gaps.append(Gap(key, level, draw(st.integers(1, 6)), None, draw(st.integers(1, 3)), 6))
    completed = draw(st.frozensets(st.sampled_from(CODES), max_size=3))
    langs = tuple(draw(st.lists(st.sampled_from(LANGS), max_size=2, unique=True)))
    return Learner(tuple(gaps), completed, langs, draw(st.sampled_from([1.0, 2.5, 5.0])))


def _readable(m, lrn):
    return language_for(m, lrn.languages) is not None


def _closes(m, gaps):
    return {
        (o.competence, lv)
        for o in m.outcomes
        if o.competence in gaps
        for lv in gaps[o.competence].levels
        if o.closes(lv)
    }


@PROPERTY
@given(catalogues(cycles=True), learners())
def test_path_rules_hold(catalogue, lrn):
    """Prerequisites before dependants, nothing completed or unreachable, every module closes gap or is needed,
    no gap level credited twice, weeks within the budget."""
    path = recommend(lrn, catalogue)
    modules = {m.code: m for m in catalogue}
    gaps = {g.key: g for g in lrn.gaps}
    place = {code: i for i, code in enumerate(path.codes)}
    assert len(place) == len(path.codes)
    credited: set[tuple[str, int]] = set()
    for i, r in enumerate(path.items):
        assert r.code not in lrn.completed and r.code not in path.unreachable
        for p in modules[r.code].prerequisites:
            assert p in lrn.completed or place.get(p, math.inf) < i
        assert r.weighted_gap > 0 or r.needed_for
        assert all(place[later] > i and r.code in modules[later].prerequisites for later in r.needed_for)
        assert r.weighted_gap == sum(gaps[x.competence].importance * len(x.levels) for x in r.raises)
        for x in r.raises:
            levels = {(x.competence, lv) for lv in x.levels}
            assert levels <= _closes(modules[r.code], gaps) and not levels & credited
            credited |= levels
        done = math.fsum(q.hours for q in path.items[: i + 1])
        assert (r.week - 1) * lrn.weekly_hours - 1e-6 < done <= r.week * lrn.weekly_hours + 1e-6
    assert sum(r.weighted_gap for r in path.items) <= path.total_weighted_gap


@PROPERTY
@given(catalogues(cycles=True), learners())
def test_language_rule(catalogue, lrn):
    """A module in none of the learner's languages is flagged, and is a needed prerequisite or closes only
    levels that no readable, reachable, not completed module closes."""
    path = recommend(lrn, catalogue)
    gaps = {g.key: g for g in lrn.gaps}
    open_modules = [m for m in catalogue if m.code not in lrn.completed and m.code not in path.unreachable]
    readable_levels = set().union(*(_closes(m, gaps) for m in open_modules if _readable(m, lrn)))
    modules = {m.code: m for m in catalogue}
    for r in path.items:
        assert r.language_fallback == (not _readable(modules[r.code], lrn))
        if r.language_fallback:
            assert r.language is None
            levels = {(x.competence, lv) for x in r.raises for lv in x.levels}
            assert not levels & readable_levels and (levels or r.needed_for)
        else:
            assert r.language == next(lang for lang in lrn.languages if lang in modules[r.code].languages)


@PROPERTY
@given(catalogues(cycles=True), learners())
def test_nothing_that_still_closes_gap_is_left_out(catalogue, lrn):
    """After the path, no reachable, not completed module outside it would close any level (it stops only
    when the gap it can close is closed)."""
    path = recommend(lrn, catalogue)
    gaps = {g.key: g for g in lrn.gaps}
    closed = {(x.competence, lv) for r in path.items for x in r.raises for lv in x.levels}
    open_modules = [m for m in catalogue if m.code not in lrn.completed and m.code not in path.unreachable]
    readable_levels = set().union(*(_closes(m, gaps) for m in open_modules if _readable(m, lrn)))
    for m in open_modules:
        if m.code not in path.codes:
            allowed = _closes(m, gaps) if _readable(m, lrn) else _closes(m, gaps) - readable_levels
            assert allowed <= closed, m.code


@PROPERTY
@given(catalogues(cycles=True), learners(), st.randoms(use_true_random=False))
def test_deterministic_whatever_the_order_of_the_catalogue(catalogue, lrn, rnd):
    """The same learner and catalogue, in any order, give the same path."""
    shuffled = list(catalogue)
    rnd.shuffle(shuffled)
    assert recommend(lrn, shuffled) == recommend(lrn, catalogue) == recommend(lrn, catalogue)


def _plain_greedy(lrn: Learner, catalogue) -> list[str]:
    """The reference: at every step evaluate every module's bundle; the best ratio, ties by code."""
    modules = {m.code: m for m in catalogue}
    gaps = {g.key: g for g in lrn.gaps}
    done = set(lrn.completed)
    blocked = unreachable(modules, done)
    open_codes = sorted(c for c in modules if c not in done and c not in blocked)
    readable = {c for c in open_codes if _readable(modules[c], lrn)}
    in_readable = set().union(*(_closes(modules[c], gaps) for c in readable))
    allowed = {c: _closes(modules[c], gaps) - (set() if c in readable else in_readable) for c in open_codes}
    closed: set = set()
    taken: set = set()
    order: list[str] = []
    while True:
        best = None
        for code in open_codes:
            if code in taken or not allowed[code]:
                continue
            bundle = [p for p in pending_prerequisites(code, modules, done) if p not in taken] + [code]
            got: set = set()
            credit = own = 0
            for member in bundle:
                new = allowed[member] - closed - got
                got |= new
                own = sum(gaps[k].importance for k, _lv in new)
                credit += own
            if own:
                hours = sum(modules[m].hours for m in bundle)
                key = (-credit / hours, code)
                if best is None or key < best[0]:
                    best = (key, bundle)
        if best is None:
            return order
        for member in best[1]:
            taken.add(member)
            order.append(member)
            closed |= allowed[member]


@PROPERTY
@given(catalogues(cycles=True), learners())
def test_lazy_evaluation_gives_the_plain_greedy_path(catalogue, lrn):
    """The recommender's lazy queue chooses exactly what evaluating every module at every step chooses."""
    assert recommend(lrn, catalogue).codes == _plain_greedy(lrn, catalogue)


def test_lazy_evaluation_on_a_large_random_catalogue():
    """The same on 300 modules with prerequisite chains (a seeded case beyond hypothesis's small ones)."""
    rnd = random.Random(12)
    keys = [f"k{i}" for i in range(20)]
    catalogue = []
    for i in range(300):
        code = f"m{i:03d}"
        needs = rnd.sample([c.code for c in catalogue], k=min(len(catalogue), rnd.choice([0, 0, 1, 2])))
        outcomes = []
        for key in rnd.sample(keys, k=rnd.randint(0, 3)):
            lo = rnd.randint(0, 5)
            outcomes.append((key, lo, rnd.randint(lo + 1, 8)))
        catalogue.append(
            mod(code, rnd.choice([1, 2, 4, 6]), outcomes, needs, rnd.choice([["en"], ["sv"], ["en", "fi"]]))
        )
    gaps = tuple(Gap(k, rnd.randint(0, 4), rnd.randint(3, 8), None, rnd.randint(1, 3)) for k in keys)
    lrn = Learner(gaps, frozenset(rnd.sample([m.code for m in catalogue], 20)), ("sv", "en"), 4.0)
    assert recommend(lrn, catalogue).codes == _plain_greedy(lrn, catalogue)
