"""The reports across the territory tree (issue 14): a region and its municipalities are published together, and a
count hidden in one cannot be derived by subtracting the others (a region minus its other municipalities), on the
skills-gap map and on the participation page."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_reports import frameworks, people, staff_client  # noqa: F401 (fixtures)
from tests.test_reports_participation import (  # noqa: F401 (the module fixture)
    NODES,
    QUARTERS,
    REGION,
    _totals,
    atoms_strategy,
    learn,
    map_decisions,
    module,
    tree,
)
from uprest.extensions import utcnow
from uprest.reports import gapmap, rules
from uprest.reports import participation as model

#: The seeded region Kvarner (HR031) and its municipalities.
REGION_CODE = "HR031"
MUNICIPALITIES = ("HR_RIJEKA", "HR_OPATIJA", "HR_CRIKVENICA", "HR_KRK", "HR_MALI_LOSINJ")
SMALL = "HR_KRK"  # 3 people: fewer than k = 5
NOW = model.quarter_of(utcnow())


@pytest.fixture()
def kvarner(app, people, module):  # noqa: F811
    """Rijeka 6 people (5 enrolled), Opatija 7 (two of them in food and beverage; 5 completed a module), Krk 3
    (one enrolled, one certified, one only assessed; two below target, one not); Crikvenica and Mali Lošinj
    nobody. k = 5 (the default)."""
    rijeka = people(4, rating=1, territory="rijeka") + people(2, rating=5, territory="rijeka")
    opatija = people(5, rating=1, territory="opatija") + people(2, "food_beverage", rating=5, territory="opatija")
    krk = people(2, rating=1, territory="krk") + people(1, rating=5, territory="krk")
    learn(app, rijeka[:5], module, "enrolled")
    learn(app, opatija[:5], module, "completed")
    learn(app, krk[:1], module, "enrolled")
    learn(app, krk[1:2], module, "certified")


def map_values(data: dict) -> dict:
    """(competence, sub-sector, measure) -> the value the skills-gap JSON shows (None: hidden); the people at or
    above target are n minus those below. A territory without anybody assessed shows none (its values are 0)."""
    cells = data["cells"]
    if all(c["competence_key"] == "any" and "n" not in c for c in cells):
        return {}
    out = {}
    for c in cells:
        key = (c["competence_key"], c["subsector"])
        n, below = c.get("n"), c.get("below_target")
        out[(*key, "n")], out[(*key, "below")] = n, below
        out[(*key, "ok")] = None if n is None or below is None else n - below
    return out


def participation_values(data: dict) -> dict:
    """(quarter or None, figure) -> the value the participation JSON shows (None: hidden), for every count and the
    hours (sums over people, like the counts); shares and medians are not sums."""
    out = {(None, r["figure"]): r.get("value") for r in data["funnel"] if r["figure"] != "median_levels_closed"}
    out |= {(r["quarter"], r["figure"]): r.get("value") for r in data["trend"]}
    return out


def not_recoverable(small: dict, region: dict, others: list[dict]) -> int:
    """Check that no value hidden in `small` is the region's value minus the others' (a value the others do not
    list is 0), unless that is 0 (zeros are not protected: "nobody" names no one). Returns how many hidden values
    were checked against a region value that is shown (so that the check is not empty)."""
    protected_by_sibling = 0
    for key, value in small.items():
        if value is not None:
            continue
        assert key in region, key
        parts = [region[key], *(other.get(key, 0) for other in others)]
        if None not in parts:
            assert parts[0] - sum(parts[1:]) == 0, (key, parts)
        elif region[key] is not None:
            protected_by_sibling += 1
    return protected_by_sibling


# --- who sees what ----------------------------------------------------------------------------------------


def test_the_small_municipalitys_staff_see_its_cells_hidden(app, create_user, kvarner):
    """Krk's staff (3 people, k = 5) see every count of Krk hidden: on the map (no n, no share), in the
    participation page's figures and in both JSON exports; never a 0 in their place."""
    client = staff_client(app, create_user, territory="krk")
    cells = client.get("/reports/skills-gap.json").get_json()["cells"]
    assert cells and all(c["suppressed"] and "n" not in c and "below_target" not in c for c in cells)
    data = client.get("/reports/participation.json").get_json()
    assert data["territory"] == SMALL and data["funnel"]
    assert all(r["suppressed"] and "value" not in r for r in data["funnel"] + data["trend"])
    html = client.get("/reports/participation").get_data(as_text=True)
    assert "Participation and outcome in Krk" in html and "hidden" in html.split('id="funnel-table"')[1]
    for other in ("rijeka", "kvarner", "HR"):
        assert client.get(f"/reports/participation.json?territory={other}").status_code == 403, other


def test_region_staff_choose_every_municipality_and_nothing_outside(app, create_user, kvarner):
    """Kvarner's staff see the region and can choose each of its municipalities (?territory=<code>); the country
    above it and a territory of another region are refused (403)."""
    client = staff_client(app, create_user, territory="kvarner")
    html = client.get("/reports").get_data(as_text=True)
    assert all(f'value="{code}"' in html for code in (REGION_CODE, *MUNICIPALITIES))
    for code in (REGION_CODE, *MUNICIPALITIES, "krk"):
        for url in ("/reports", "/reports/participation", "/reports/skills-gap.json", "/reports/participation.json"):
            assert client.get(f"{url}?territory={code}").status_code == 200, (url, code)
    assert client.get(f"/reports/participation.json?territory={SMALL}").get_json()["territory"] == SMALL
    for code in ("vanersborg", "SE232", "HR", "ITH57"):
        for url in ("/reports", "/reports/skills-gap.json", "/reports/participation.json"):
            assert client.get(f"{url}?territory={code}").status_code == 403, (url, code)


# --- nothing hidden can be had by subtraction -------------------------------------------------------------


@pytest.mark.parametrize("period", [None, NOW])
def test_the_region_minus_the_other_municipalities_does_not_give_a_hidden_map_cell(app, create_user, kvarner, period):
    """From the region's skills-gap JSON and every other municipality's, no hidden count of Krk (people assessed,
    below target, at or above it, per competence and sub-sector and in total) is the region's value minus the
    others'. The region shows its 16 people, so one more municipality is hidden with Krk."""
    client = staff_client(app, create_user, territory="kvarner")
    query = f"&period={period}" if period else ""
    maps = {
        code: map_values(client.get(f"/reports/skills-gap.json?territory={code}{query}").get_json())
        for code in (REGION_CODE, *MUNICIPALITIES)
    }
    assert maps[REGION_CODE][("any", "all", "n")] == 16
    assert maps["HR_CRIKVENICA"] == maps["HR_MALI_LOSINJ"] == {}
    others = [maps[code] for code in MUNICIPALITIES if code != SMALL]
    assert not_recoverable(maps[SMALL], maps[REGION_CODE], others) > 0
    assert None in (maps["HR_RIJEKA"][("any", "all", "n")], maps["HR_OPATIJA"][("any", "all", "n")])


@pytest.mark.parametrize("period", [None, NOW])
def test_the_region_minus_the_other_municipalities_does_not_give_a_hidden_participation_figure(
    app, create_user, kvarner, period
):
    """The same for the participation JSON (the funnel, the outcome and the trend): no hidden figure of Krk is the
    region's minus the other municipalities'. Its people assessed are hidden where the map hides them and equal to
    the map's where it shows them, in every territory."""
    client = staff_client(app, create_user, territory="kvarner")
    query = f"&period={period}" if period else ""
    pages, maps = {}, {}
    for code in (REGION_CODE, *MUNICIPALITIES):
        pages[code] = client.get(f"/reports/participation.json?territory={code}{query}").get_json()
        maps[code] = map_values(client.get(f"/reports/skills-gap.json?territory={code}{query}").get_json())
    values = {code: participation_values(data) for code, data in pages.items()}
    assert values[REGION_CODE][(None, "people_assessed")] == 16
    others = [values[code] for code in MUNICIPALITIES if code != SMALL]
    assert not_recoverable(values[SMALL], values[REGION_CODE], others) > 0
    for code in (REGION_CODE, "HR_RIJEKA", "HR_OPATIJA", SMALL):
        assert values[code][(None, "people_assessed")] == maps[code][("any", "all", "n")], code


# --- the rule over a tree, without a database -------------------------------------------------------------


TREE_QUARTERS = ("2026Q1", "2026Q2")


@st.composite
def tree_counts(draw):
    """Random people of 2-3 municipalities (places 1..3 of the region REGION), each of a business size and assessed
    in one or both of two quarters (the sub-sector and role of each quarter's latest assessment, and below target or
    not on 1-2 competences, a competence sometimes not assessed): (gapmap.TreeCounts, nodes)."""
    places = draw(st.integers(2, 3))
    subsectors = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True))
    sizes = draw(st.lists(st.sampled_from(["micro", "small", "none"]), min_size=1, max_size=2, unique=True))
    roles = draw(st.lists(st.sampled_from(["owner", "reception"]), min_size=1, max_size=2, unique=True))
    keys = draw(st.lists(st.sampled_from(["c1", "c2"]), min_size=1, max_size=2, unique=True))
    cells: dict = {}
    assessed: dict = {}
    for place in range(1, places + 1):
        for _person in range(draw(st.integers(0, 14))):
            size = draw(st.sampled_from(sizes))
            quarters = draw(st.sampled_from([TREE_QUARTERS[:1], TREE_QUARTERS[1:], TREE_QUARTERS]))
            runs = []
            for quarter in quarters:
                sub, role = draw(st.sampled_from(subsectors)), draw(st.sampled_from(roles))
                results = {key: draw(st.sampled_from([None, 0, 1, 1])) for key in keys}
                if all(v is None for v in results.values()):
                    results[keys[0]] = 0
                runs.append((quarter, sub, role, results))
            for key in keys:
                history = tuple((q, sub, role, r[key]) for q, sub, role, r in runs if r[key] is not None)
                if history:
                    cells[(place, key, size, history)] = cells.get((place, key, size, history), 0) + 1
            history = tuple((q, sub, role, max(v for v in r.values() if v is not None)) for q, sub, role, r in runs)
            assessed[(place, size, history)] = assessed.get((place, size, history), 0) + 1
    return gapmap.TreeCounts(TREE_QUARTERS, cells, assessed), tree(places)


def measures(system: str, published: dict, node: int, period: str) -> dict:
    """(measure, sub-sector) -> the name of that territory's cell of `period` in `system` (as
    `gapmap.published_cells` names them: a competence's count of people is named ("people", ...) when it equals
    the column total)."""
    out = {}
    for name in published:
        if name[1] != node or name[2] != period:
            continue
        if system == gapmap.ALL:
            out[(name[0], name[3])] = name
        else:
            out[("n" if name[0] in ("n", "people") else name[0], name[-1])] = name
    return out


@settings(max_examples=40, deadline=None, derandomize=True)
@given(tree_counts(), st.sampled_from([3, 5]))
def test_no_cell_of_the_tree_is_derivable_from_the_others(drawn, k):
    """On random maps of a region and its 2-3 municipalities over two quarters and all time: `rules.derivable`
    finds nothing in any system, no hidden cell of a territory is the shown region cell minus the sum of its shown
    siblings' (nor a hidden region cell the sum of its shown municipalities'), and no hidden cell of all time is
    the sum of the shown cells of its quarters when nobody was assessed twice."""
    counts, nodes = drawn
    systems = gapmap.published_cells(counts, nodes)
    decided = rules.suppress_together(systems, k)
    municipalities = [node for node in nodes if node != REGION]
    for system, (published, atomic) in systems.items():
        decision = decided[system]
        assert not rules.derivable(decision, published, atomic), system
        totals = _totals(published, atomic)

        def value(node, measure, period, system=system, published=published, decision=decision):
            name = measures(system, published, node, period).get(measure)
            return 0 if name is None else decision.count(name)  # a territory without anybody shows nothing: 0

        for period in [*TREE_QUARTERS, gapmap.ALL]:
            for measure, name in measures(system, published, REGION, period).items():
                parts = {node: value(node, measure, period) for node in municipalities}
                for node, part in parts.items():
                    siblings = [v for other, v in parts.items() if other != node]
                    if part is None and decision.count(name) is not None and None not in siblings:
                        hidden = totals[measures(system, published, node, period)[measure]]
                        assert hidden != decision.count(name) - sum(siblings), (system, measure, node)
                if decision.count(name) is None and None not in parts.values():
                    assert totals[name] != sum(parts.values()), (system, measure)
        once = all(len(history) == 1 for (_place, *_key, history) in atomic)
        for node in nodes:
            for measure, name in measures(system, published, node, gapmap.ALL).items():
                quarters = [value(node, measure, q) for q in TREE_QUARTERS]
                if once and decision.count(name) is None and None not in quarters:
                    assert totals[name] != sum(quarters), (system, measure, node)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.data(), st.sampled_from([3, 5]))
def test_the_maps_shown_people_give_away_no_hidden_people(data, k):
    """With the map's decision of every territory and period at once, the map's shown people assessed of all
    periods together (quarters and all time, people assessed in several quarters included) give away no people
    assessed that participation hides; participation hides every count that the map hides."""
    nodes = tree(places := data.draw(st.integers(2, 3)))
    atoms = data.draw(atoms_strategy(places))
    hidden = map_decisions(atoms, QUARTERS, nodes, k)
    d = model.decisions(model.Counts(QUARTERS, atoms, {}, {}, {}), k, nodes, hidden)
    assert hidden & set(d.published) <= d.people.suppressed
    totals = _totals(d.published, atoms)
    known = {name for name in d.people.shown if name[0] == "assessed"}
    exposed = rules.derivable(model._decision(k, known, totals), d.published, atoms)
    assert not {name for name in exposed & d.people.suppressed if name[0] == "assessed"}


def test_a_business_counts_where_its_assessed_people_are():
    """A business with people assessed in two municipalities counts once in the region and in each of them, in
    the quarters in which its people there were assessed."""
    atom = frozenset({(1, "2026Q1"), (2, "2026Q2")})
    cells = model.business_cells({atom: 1}, ["2026Q1", "2026Q2"], NODES)
    assert cells[("businesses", REGION, model.ALL)] == cells[("businesses", 1, "2026Q1")] == [atom]
    assert cells[("businesses", 2, "2026Q1")] == [] and cells[("businesses", 2, "2026Q2")] == [atom]
    assert ("businesses", 3, model.ALL) not in cells


def test_what_the_map_hides_in_a_territory_is_hidden_here_and_not_known():
    """Municipalities of 3, 6 and 7 people (k = 5): the map hides the 3 and, so that the region minus the others
    does not give it, one more municipality's count; participation hides the same counts (not known, hidden),
    and nothing hidden is derivable with the map's shown counts."""
    now = "2026Q1"
    atoms = {
        (1, frozenset({now}), model.ASSESSED, model.ONCE): 3,
        (2, frozenset({now}), model.ENROLLED, model.ONCE): 6,
        (3, frozenset({now}), model.COMPLETED, model.ONCE): 7,
    }
    hidden = map_decisions(atoms, [now], NODES, 5)
    assert ("assessed", 1, now) in hidden and len({name[1] for name in hidden}) >= 2
    d = model.decisions(model.Counts([now], atoms, {}, {}, {}), 5, NODES, hidden)
    assert hidden <= d.people.suppressed
    assert ("assessed", REGION, now) in d.people.shown and d.people.count(("assessed", REGION, now)) == 16
    assert not rules.derivable(d.people, d.published, atoms)


def test_a_change_of_the_tree_shows_at_once(monkeypatch, app, create_user, people):  # noqa: F811
    """The decisions are kept per worker until the data change; moving a territory in the tree is such a change:
    a municipality moved into another region counts there on the next request."""
    from uprest.accounts import territories
    from uprest.extensions import db
    from uprest.reports import services

    monkeypatch.setitem(app.config, "REPORTS_MIN_GROUP", 3)
    people(4, rating=1, territory="rijeka")
    kvarner = territories.by_code("kvarner")
    assert len(services.decisions(kvarner, k=3)) > 0
    region = territories.save(
        None, code="HR032", slug="lika-senj", kind="region", parent_id=territories.by_code("HR").id,
        name="Ličko-senjska županija", names={}, country="HR", code_list="NUTS 2021",
    )  # fmt: skip
    rijeka = territories.by_code("rijeka")
    rijeka.parent_id = region.id
    db.session.commit()
    decision = next(iter(services.decisions(kvarner, k=3).values()))
    published = decision.shown | decision.suppressed
    assert not any(name[1] == kvarner.id for name in published)  # nobody is left in Kvarner
    assert any(name[1] == region.id for name in published)


@settings(max_examples=40, derandomize=True)
@given(st.data())
def test_the_maps_people_assessed_is_hidden_only_under_k(data):
    """On the skills-gap map the count of everybody assessed in the whole tree (the root's) is hidden only when it
    is under k (it covers every atomic cell of each table it is in, and the rule never picks such a cell as a
    complement)."""
    subsectors = data.draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True))
    keys = data.draw(st.lists(st.sampled_from(["c1", "c2", "c3"]), min_size=1, max_size=3, unique=True))
    assessed, cells = {}, {}
    for sub in subsectors:
        n = data.draw(st.integers(1, 9))
        assessed[sub] = (n, data.draw(st.integers(0, n)))
        for key in keys:
            m = data.draw(st.integers(0, n))
            cells[(key, sub)] = (m, data.draw(st.integers(0, m)))
    everybody = {
        (1, "micro", (("2026Q1", sub, "owner", b),)): (below, n - below)[1 - b]
        for sub, (n, below) in assessed.items()
        for b in (0, 1)
    }
    cells = {
        (1, key, "micro", (("2026Q1", sub, "owner", b),)): (below, n - below)[1 - b]
        for (key, sub), (n, below) in cells.items()
        for b in (0, 1)
    }
    k = data.draw(st.sampled_from([3, 5]))
    _systems, decisions = gapmap.decide(gapmap.TreeCounts(("2026Q1",), cells, everybody), {1: frozenset({1})}, k)
    everyone = sum(n for n, _below in assessed.values())
    for name in (("people", 1, gapmap.ALL, gapmap.ALL), ("people", 1, "2026Q1", gapmap.ALL)):
        for decision in decisions.values():
            if name in decision.shown | decision.suppressed:
                assert (name in decision.suppressed) == (0 < everyone < k)


@settings(max_examples=6, deadline=None, derandomize=True)
@given(tree_counts(), st.sampled_from([3, 5]))
def test_a_decision_spread_over_processes_is_the_one_made_here(drawn, k):
    """The worker's pass decides in several processes (`gapmap.in_processes`): the three splits, then each round's
    systems, side by side. The decisions are the same, cell for cell, as the ones made in one process."""
    counts, nodes = drawn
    _systems, here = gapmap.decide(counts, nodes, k)
    with gapmap.in_processes(2):
        _systems, spread = gapmap.decide(counts, nodes, k)
    assert spread.keys() == here.keys()
    for system, decision in here.items():
        other = spread[system]
        assert (other.k, other.shown, other.suppressed, other.primary) == (
            decision.k,
            decision.shown,
            decision.suppressed,
            decision.primary,
        )
        assert dict(other.shown_counts) == dict(decision.shown_counts)


def test_a_decision_pickles_by_value():
    import pickle

    decision = rules.suppress({"a": [1], "b": [2], "ab": [1, 2]}, {1: 2, 2: 9}, 3)
    copy = pickle.loads(pickle.dumps(decision))
    assert (copy.k, copy.shown, copy.suppressed, copy.primary) == (3, decision.shown, decision.suppressed, {"a"})
    assert dict(copy.shown_counts) == dict(decision.shown_counts) and copy.count("a") is None


def test_without_processes_the_decision_is_made_here(monkeypatch, caplog):
    """Where no process can be started (a sandbox without /dev/shm, say), the worker decides in its own process."""
    counts = gapmap.TreeCounts(("2026Q1",), {}, {(1, "micro", (("2026Q1", "a", "owner", 1),)): 7})

    def refused(*args, **kwargs):
        raise PermissionError("no semaphores here")

    monkeypatch.setattr(gapmap, "ProcessPoolExecutor", refused)
    _systems, here = gapmap.decide(counts, {1: frozenset({1})}, 5)
    with gapmap.in_processes(2):
        _systems, spread = gapmap.decide(counts, {1: frozenset({1})}, 5)
    assert {s: d.shown for s, d in spread.items()} == {s: d.shown for s, d in here.items()} != {}
    assert "deciding here" in caplog.text
