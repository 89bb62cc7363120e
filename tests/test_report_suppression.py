"""The disclosure-control rule of the municipality reports (issue 14): primary and complementary suppression,
consistency across every published table, and attackers that try to recover a suppressed count."""

from __future__ import annotations

import random
from fractions import Fraction
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uprest.reports.rules import Decision, derivable, suppress, suppress_together


def hierarchy(regions: list[int], quarters: int, categories: int) -> dict:
    """Every marginal of (territory tree) x (quarters and the year) x (categories and all): name -> atomic keys.
    `regions` gives the number of municipalities of each region; atomic cells are (municipality, quarter, cat)."""
    territory = {"country": []}
    for r, territories in enumerate(regions):
        territory[f"R{r}"] = []
        for m in range(territories):
            leaf = f"R{r}M{m}"
            territory[leaf] = [leaf]
            territory[f"R{r}"].append(leaf)
            territory["country"].append(leaf)
    time = {f"Q{q}": [q] for q in range(quarters)} | {"year": list(range(quarters))}
    cats = {f"c{c}": [c] for c in range(categories)} | {"all": list(range(categories))}
    return {
        (t, p, c): frozenset((m, q, x) for m in ms for q in qs for x in xs)
        for t, ms in territory.items()
        for p, qs in time.items()
        for c, xs in cats.items()
    }


def total(published, counts, name) -> int:
    return sum(counts.get(key, 0) for key in published[name])


def span_derivable(decision, published, counts) -> set:
    """The plain linear-span audit (no knowledge of empty cells), written independently: dense Fractions."""
    atoms = sorted({a for keys in published.values() for a in keys}, key=repr)
    basis: list[list[Fraction]] = []
    pivots: list[int] = []
    for name in sorted(decision.shown, key=repr):
        row = [Fraction(int(a in published[name])) for a in atoms]
        for p, b in zip(pivots, basis, strict=True):
            if row[p]:
                row = [x - row[p] * y for x, y in zip(row, b, strict=True)]
        nz = next((i for i, x in enumerate(row) if x), None)
        if nz is not None:
            row = [x / row[nz] for x in row]
            for j, b in enumerate(basis):
                if b[nz]:
                    basis[j] = [x - b[nz] * y for x, y in zip(b, row, strict=True)]
            basis.append(row)
            pivots.append(nz)
    out = set()
    for name in decision.suppressed:
        row = [Fraction(int(a in published[name])) for a in atoms]
        for p, b in zip(pivots, basis, strict=True):
            if row[p]:
                row = [x - row[p] * y for x, y in zip(row, b, strict=True)]
        if not any(row):
            out.add(name)
    return out


# --- unit tests -------------------------------------------------------------------------------------------------

ROW = {"total": {"a", "b", "c"}, "A": {"a"}, "B": {"b"}, "C": {"c"}}


@pytest.mark.parametrize("k", [2, 1, 0, -5, True, 2.5, "5"])
def test_k_below_three_is_refused(k):
    """k must be a whole number of at least 3."""
    with pytest.raises(ValueError):
        suppress(ROW, {"a": 9, "b": 9, "c": 9}, k)


def test_k_three_is_the_smallest_accepted():
    """k = 3 works; the default is 5."""
    assert suppress(ROW, {"a": 3, "b": 4, "c": 4}, 3).suppressed == frozenset()
    assert suppress(ROW, {"a": 4, "b": 9, "c": 9}).k == 5 and "A" in suppress(ROW, {"a": 4, "b": 9, "c": 9}).primary


def test_a_cell_of_two_is_suppressed_and_k_minus_one_and_k_are_the_edge():
    """A count of 2 (and of k-1) is suppressed, a count of k is shown, and the hidden count is absent."""
    published = {"A": {"a"}, "B": {"b"}, "C": {"c"}}
    d = suppress(published, {"a": 2, "b": 4, "c": 5}, 5)
    assert d.primary == {"A", "B"} and d.shown == {"C"}
    assert d.count("A") is None and d.count("C") == 5 and "A" not in d.shown_counts


def test_one_hidden_cell_in_a_row_with_a_total_gets_a_complement():
    """total - B - C would give A: the smallest other cell is suppressed too, the total stays."""
    counts = {"a": 2, "b": 7, "c": 9}
    d = suppress(ROW, counts, 5)
    assert d.primary == {"A"} and d.suppressed == {"A", "B"} and d.shown == {"total", "C"}
    assert derivable(d, ROW, counts) == set()


def test_region_minus_its_other_municipalities():
    """A hidden municipality cannot be had as its region minus the others, nor from the region's by-quarter table."""
    published = hierarchy([3], 2, 1)
    counts = {("R0M0", 0, 0): 1, ("R0M0", 1, 0): 2, ("R0M1", 0, 0): 6, ("R0M1", 1, 0): 8}
    counts |= {("R0M2", 0, 0): 7, ("R0M2", 1, 0): 9}
    d = suppress(published, counts, 5)
    assert ("R0M0", "year", "all") in d.suppressed and ("R0", "year", "all") in d.shown
    assert {("R0M1", "year", "all"), ("R0M2", "year", "all")} & d.suppressed  # a second municipality is hidden
    assert derivable(d, published, counts) == set() and span_derivable(d, published, counts) == set()


def test_year_minus_three_quarters():
    """A hidden quarter cannot be had as the year minus the other three."""
    published = {"year": {1, 2, 3, 4}} | {f"Q{q}": {q} for q in (1, 2, 3, 4)}
    counts = {1: 8, 2: 1, 3: 12, 4: 6}
    d = suppress(published, counts, 5)
    assert d.primary == {"Q2"} and d.suppressed == {"Q2", "Q4"} and "year" in d.shown
    assert derivable(d, published, counts) == set()


def test_zeros_are_shown_and_never_used_as_cover():
    """0 is shown (in a table and as a total); an empty cell is never the complement (it hides nothing)."""
    d = suppress(ROW, {"a": 2, "b": 0, "c": 9}, 5)
    assert d.count("B") == 0 and d.suppressed == {"A", "C"} and d.count("total") == 11
    d = suppress(ROW, {}, 5)
    assert d.suppressed == frozenset() and d.count("total") == 0


def test_knowledge_of_empty_cells_pins_what_the_span_alone_does_not():
    """Z = b1 + b2 = 0 forces b1 = b2 = 0 (bounds), so A = a + b1 equals V = a + b2: the audit sees it."""
    published = {"Z": {"b1", "b2"}, "V": {"a", "b2"}, "A": {"a", "b1"}}
    counts = {"a": 6}
    d = Decision(5, frozenset({"Z", "V"}), frozenset({"A"}), frozenset(), MappingProxyType({"Z": 0, "V": 6}))
    assert span_derivable(d, published, counts) == set()  # the plain linear-span test misses it
    assert derivable(d, published, counts) == {"A"}
    assert derivable(suppress(published, counts, 5), published, counts) == set()


def test_the_decision_does_not_depend_on_input_order():
    """Shuffled mappings and sets give the same decision (ties broken by the names' order)."""
    published = hierarchy([2, 2], 2, 2)
    rnd = random.Random(7)
    counts = {key: rnd.choice([0, 1, 2, 3, 6, 9]) for keys in published.values() for key in keys}
    first = suppress(published, counts, 5)
    for seed in range(5):
        rnd = random.Random(seed)
        names = list(published)
        rnd.shuffle(names)
        shuffled = {n: frozenset(rnd.sample(sorted(published[n]), len(published[n]))) for n in names}
        keys = list(counts)
        rnd.shuffle(keys)
        d = suppress(shuffled, {key: counts[key] for key in keys}, 5)
        assert (d.shown, d.suppressed, d.primary) == (first.shown, first.suppressed, first.primary)


def test_shares_and_medians_only_for_shown_cells():
    """A share needs both of its cells shown and a non-zero denominator; any figure needs its cell shown."""
    published = {"n": {"below", "at"}, "below": {"below"}, "at": {"at"}}
    d = suppress(published, {"below": 6, "at": 9}, 5)
    assert d.share("below", "n") == Fraction(6, 15) and d.figure("below", 2.5) == 2.5
    d = suppress(published, {"below": 6, "at": 2}, 5)  # the others (n - below) are few: below is hidden too
    assert d.share("below", "n") is None and d.figure("below", 2.5) is None and d.figure("n", 1.0) == 1.0


def test_a_forced_cell_is_hidden_and_protected():
    """must_suppress hides a cell whatever its count, and it is then protected like any other."""
    d = suppress(ROW, {"a": 9, "b": 7, "c": 8}, 5, must_suppress=["A"])
    assert d.suppressed == {"A", "B"} and d.primary == frozenset()
    assert derivable(d, ROW, {"a": 9, "b": 7, "c": 8}) == set()


def test_bad_input_is_refused():
    """Negative or non-integer counts, unknown forced names and decisions for other cells raise ValueError."""
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError):
            suppress(ROW, {"a": bad}, 5)
    with pytest.raises(ValueError):
        suppress(ROW, {}, 5, must_suppress=["nope"])
    with pytest.raises(ValueError):
        derivable(suppress({"A": {"a"}}, {"a": 9}), ROW, {"a": 9})


def test_a_cell_shared_by_systems_is_hidden_in_all_of_them():
    """The people assessed (n) are the same figure in every competence's table: hidden in one, hidden in all."""
    people = {"n1": {"p1"}, "n2": {"p2"}, "n": {"p1", "p2"}}

    def competence(code, below1, at1, below2, at2):
        published = {"n1": {"b1", "a1"}, "n2": {"b2", "a2"}, "n": {"b1", "a1", "b2", "a2"}}
        published |= {(code, "below", 1): {"b1"}, (code, "at", 1): {"a1"}}
        published |= {(code, "below", 2): {"b2"}, (code, "at", 2): {"a2"}}
        return published, {"b1": below1, "a1": at1, "b2": below2, "a2": at2}

    systems = {"people": (people, {"p1": 4, "p2": 14})}
    systems |= {"X": competence("X", 2, 2, 7, 7), "Y": competence("Y", 1, 3, 9, 5)}
    decisions = suppress_together(systems, 5)
    shown = [d.shown & set(people) for d in decisions.values()]
    assert shown[0] == shown[1] == shown[2] == {"n"}  # n2 = n - n1 is hidden everywhere, not only in "people"
    assert not {("X", "below", 2), ("X", "at", 2)} <= decisions["X"].shown  # so X cannot show both halves of it
    for s, d in decisions.items():
        assert derivable(d, *systems[s]) == set()


# --- property tests ---------------------------------------------------------------------------------------------

small_count = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 15))


@st.composite
def tables(draw, max_regions=2, max_munis=3, max_quarters=4, max_cats=3, count=small_count):
    regions = draw(st.lists(st.integers(1, max_munis), min_size=1, max_size=max_regions))
    quarters = draw(st.integers(1, max_quarters))
    cats = draw(st.integers(1, max_cats))
    published = hierarchy(regions, quarters, cats)
    atoms = sorted({key for keys in published.values() for key in keys}, key=repr)
    counts = dict(zip(atoms, draw(st.lists(count, min_size=len(atoms), max_size=len(atoms))), strict=True))
    return published, counts, draw(st.sampled_from([3, 5]))


@settings(max_examples=300, derandomize=True)
@given(tables())
def test_no_small_cell_is_shown_and_nothing_hidden_is_derivable(case):
    """Shown cells are 0 or >= k, every cell under k is hidden, and no hidden count is derivable."""
    published, counts, k = case
    d = suppress(published, counts, k)
    for name in d.shown:
        assert d.count(name) == total(published, counts, name)
        assert d.count(name) == 0 or d.count(name) >= k
    assert {n for n in published if 0 < total(published, counts, n) < k} == d.primary <= d.suppressed
    assert derivable(d, published, counts) == set()


@settings(max_examples=150, derandomize=True)
@given(tables(), st.data())
def test_removing_shown_cells_leaves_the_basis_that_adding_the_others_builds(case, data):
    """`_Shown.remove` replays only the additions whose reduction looked at a changed pivot column: the basis after
    it is the one that adding the remaining rows in order builds, row for row (so decisions do not change)."""
    from uprest.reports.rules import _Shown, _System

    published, counts, _k = case
    system = _System(published, counts)
    shown = _Shown(system, set(), set())
    removed: set[int] = set()
    for _round in range(data.draw(st.integers(1, 3))):
        left = [i for i in shown.order if i not in removed]
        if not left:
            break
        cells = set(data.draw(st.lists(st.sampled_from(left), min_size=1, max_size=4)))
        shown.remove(cells)
        removed |= cells
        fresh = _Shown(system, removed, set())
        assert shown.order == fresh.order
        assert shown.inserted == fresh.inserted
        assert shown.basis.rows == fresh.basis.rows


@settings(max_examples=40, derandomize=True)
@given(tables(max_regions=2, max_munis=2, max_quarters=3, max_cats=2))
def test_an_independent_span_audit_recovers_nothing(case):
    """A separately written dense Gaussian elimination (the attacker's linear algebra) recovers no hidden count."""
    published, counts, k = case
    assert span_derivable(suppress(published, counts, k), published, counts) == set()


def values_of_hidden_cells(published, counts, d) -> dict:
    """Brute force: every integer assignment >= 0 of the atomic cells that gives the shown values (the attacker
    is also told which atomic cells are empty, which only helps them), and the values each hidden cell takes."""
    atoms = sorted({a for n in published for a in published[n] if counts.get(a, 0) > 0}, key=repr)
    shown = [(frozenset(published[n]) & set(atoms), d.count(n)) for n in sorted(d.shown, key=repr)]
    within = [[j for j, (keys, _) in enumerate(shown) if a in keys] for a in atoms]
    closes = [[j for j in within[i] if all(atoms.index(b) <= i for b in shown[j][0])] for i in range(len(atoms))]
    hidden = sorted(d.suppressed, key=repr)
    seen = {n: set() for n in hidden}
    left = [want for _, want in shown]  # what each shown cell still needs
    value = [0] * len(atoms)

    def walk(i):
        if i == len(atoms):
            for n in hidden:
                seen[n].add(sum(v for a, v in zip(atoms, value, strict=True) if a in published[n]))
            return
        # An atomic cell in no shown cell is free: it keeps its value here (and can grow, see below).
        top = min((left[j] for j in within[i]), default=None)
        for v in range(top + 1) if top is not None else (counts[atoms[i]],):
            value[i] = v
            for j in within[i]:
                left[j] -= v
            if all(left[j] == 0 for j in closes[i]):
                walk(i + 1)
            for j in within[i]:
                left[j] += v

    walk(0)
    free = {a for a, w in zip(atoms, within, strict=True) if not w}
    # An atomic cell in no shown cell can grow by one without changing anything shown.
    return {n: seen[n] | ({-1} if free & published[n] else set()) for n in hidden}


tiny_count = st.one_of(st.just(0), st.integers(1, 3), st.integers(4, 5))


@settings(max_examples=40, derandomize=True)
@given(tables(max_regions=1, max_munis=2, max_quarters=2, max_cats=2, count=tiny_count))
def test_a_brute_force_attacker_cannot_pin_a_hidden_count(case):
    """Among all whole-number data >= 0 giving the shown values, every hidden cell takes two values or more."""
    published, counts, _ = case  # at most 2 x 2 x 2 atomic cells: the enumeration stays tiny
    d = suppress(published, counts, 3)
    for name, values in values_of_hidden_cells(published, counts, d).items():
        if total(published, counts, name) > 0:
            assert len(values) >= 2, name


# --- a decision started from what a quicker one hid (`hidden`) ---------------------------------------------------


@st.composite
def two_ways(draw):
    """People of a region's 2-3 municipalities by (sub-sector, size), published split one way at a time, each split
    with the same total column: (the published cells of each split, counts, k)."""
    munis = draw(st.integers(2, 3))
    subs, sizes = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    atoms = [(m, s, z) for m in range(munis) for s in range(subs) for z in range(sizes)]
    counts = dict(zip(atoms, draw(st.lists(small_count, min_size=len(atoms), max_size=len(atoms))), strict=True))
    places = {"region": range(munis)} | {f"m{m}": [m] for m in range(munis)}
    columns = {
        "sub": {**{f"s{s}": lambda a, s=s: a[1] == s for s in range(subs)}, "all": lambda a: True},
        "size": {**{f"z{z}": lambda a, z=z: a[2] == z for z in range(sizes)}, "all": lambda a: True},
    }
    splits = {
        split: {
            (p, col): {a for a in atoms if a[0] in ms and test(a)}
            for p, ms in places.items()
            for col, test in cols.items()
        }
        for split, cols in columns.items()
    }
    return splits, counts, draw(st.sampled_from([3, 5]))


@settings(max_examples=80, derandomize=True)
@given(two_ways())
def test_splits_decided_apart_then_together_give_nothing_away(case):
    """Each split decided alone can give away what the other hides (through the people a sub-sector has of each
    size); deciding the whole from what the splits hid (`hidden`) keeps what they hid hidden and leaves nothing
    derivable in the whole."""
    splits, counts, k = case
    seeds = {name for published in splits.values() for name in suppress(published, counts, k).suppressed}
    whole = {name: keys for published in splits.values() for name, keys in published.items()}
    d = suppress_together({"whole": (whole, counts)}, k, hidden=[*seeds, "not published"])["whole"]
    assert seeds <= d.suppressed
    assert derivable(d, whole, counts) == set()


def test_splits_decided_apart_can_give_each_other_away():
    """Why the whole is decided again: m0's 6 people of size z0 are hidden in the size split (to protect m1's 2),
    but they are all of sub-sector s0, which the sub-sector split shows (m0's people of s0 are all of size z0)."""
    atoms = {(0, "s0", "z0"): 6, (0, "s1", "z1"): 5, (1, "s1", "z0"): 2}
    places = {"r": (0, 1), "m0": (0,), "m1": (1,)}

    def split(at):
        cells = {
            (p, col): {a for a in atoms if a[0] in ms and a[at] == col}
            for p, ms in places.items()
            for col in ("s0", "s1", "z0", "z1")
        }
        return {name: keys for name, keys in cells.items() if name[1][0] == "sz"[at - 1]} | {
            (p, "all"): {a for a in atoms if a[0] in ms} for p, ms in places.items()
        }

    subs, sizes = split(1), split(2)
    by_sub, by_size = suppress(subs, atoms, 3), suppress(sizes, atoms, 3)
    assert ("m0", "s0") in by_sub.shown and ("m0", "z0") in by_size.suppressed
    whole = subs | sizes
    union = Decision(3, by_sub.shown | by_size.shown, by_sub.suppressed | by_size.suppressed, frozenset(), {})
    assert ("m0", "z0") in derivable(union, whole, atoms)
    d = suppress_together({"whole": (whole, atoms)}, 3, hidden=union.suppressed)["whole"]
    assert union.suppressed <= d.suppressed and derivable(d, whole, atoms) == set()
