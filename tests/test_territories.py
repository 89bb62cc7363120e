"""Territories as a tree (uprest.accounts.territories): the seed, finding a territory, subtrees, the tree for
pages and selects, the people a territory's reports count, the rules of `save`, and names by language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.factories import make_business
from uprest.accounts import territories
from uprest.accounts.models import Territory
from uprest.accounts.territories import TerritoryError
from uprest.extensions import db

COUNTRIES = {"SE", "IT", "FI", "HR"}


def ids(*codes: str) -> set[int]:
    return {territories.by_code(code).id for code in codes}


def subtree_ids(territory_id: int) -> set[int]:
    return set(db.session.scalars(territories.subtree(territory_id)))


def fields(**changes) -> dict:
    """The arguments of `save` for a new municipality in Västra Götaland, with these changes."""
    values = dict(
        code="SE_1489",
        slug="alingsas",
        kind="municipality",
        parent_id=territories.by_code("SE232").id,
        name="Alingsås",
        names={"en": "Alingsås", "sv": "Alingsås"},
        country="SE",
        code_list="LAU 2021",
    )
    values.update(changes)
    return values


def save_fails(territory=None, **changes) -> str:
    """Save with these changes, expecting a TerritoryError; returns its message."""
    with pytest.raises(TerritoryError) as caught:
        territories.save(territory, **fields(**changes))
    return str(caught.value)


# --- the seed ------------------------------------------------------------------------------------


def test_ensure_territories_is_idempotent_and_fills_gaps(app):
    """The fixture seeded the tree; seeding again creates nothing, and a missing territory is created again in its
    place in the tree."""
    total = db.session.scalar(db.select(db.func.count()).select_from(Territory))
    assert total == len(territories.SEED)
    assert territories.ensure_territories() == 0
    db.session.delete(territories.by_code("HR_KRK"))
    db.session.commit()

    assert territories.ensure_territories() == 1
    db.session.commit()
    krk = territories.by_code("HR_KRK")
    assert (krk.slug, krk.kind, krk.parent.code, krk.names["it"]) == ("krk", "municipality", "HR031", "Veglia (Krk)")
    assert territories.ensure_territories() == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Territory)) == total


def test_a_seed_slug_under_another_code_is_left_alone(app):
    """A territory an administrator recoded keeps its code: the seed does not add a second one with its slug."""
    trollhattan = territories.by_code("SE_1488")
    trollhattan.code = "SE_9999"
    db.session.commit()
    assert territories.ensure_territories() == 0
    assert territories.by_code("SE_1488") is None
    assert territories.by_code("trollhattan").code == "SE_9999"


# --- finding territories -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["SE_1487", "se_1487", " SE_1487 ", "vanersborg", "Vanersborg"])
def test_by_code_finds_by_code_or_slug(app, value):
    found = territories.by_code(value)
    assert found is not None and found.name == "Vänersborg"


@pytest.mark.parametrize("value", ["nowhere", "SE_0000", "x" * 61, "SE" + "1" * 59, "", "   ", None])
def test_by_code_finds_nothing_for_unknown_long_or_empty_values(app, value):
    assert territories.by_code(value) is None


def test_region_and_country_codes(app):
    assert territories.by_code("SE232").kind == "region"
    assert territories.by_code("hr031").slug == "kvarner"
    assert territories.by_code("it").kind == "country"


def test_subtree_of_a_country_holds_its_regions_and_municipalities_only(app):
    sweden = territories.by_code("SE")
    assert subtree_ids(sweden.id) == ids("SE", "SE232", "SE_1487", "SE_1488")
    croatia = subtree_ids(territories.by_code("HR").id)
    assert croatia == ids("HR", "HR031", "HR_RIJEKA", "HR_OPATIJA", "HR_CRIKVENICA", "HR_KRK", "HR_MALI_LOSINJ")
    assert subtree_ids(territories.by_code("cervia").id) == ids("cervia")
    every = set(db.session.scalars(db.select(Territory.id)))
    assert set().union(*(subtree_ids(territories.by_code(c).id) for c in COUNTRIES)) == every


def test_is_within(app):
    vanersborg = territories.by_code("vanersborg").id
    sweden, region, italy = (territories.by_code(c).id for c in ("SE", "SE232", "IT"))
    assert territories.is_within(vanersborg, sweden)
    assert territories.is_within(vanersborg, region)
    assert territories.is_within(vanersborg, vanersborg)
    assert not territories.is_within(vanersborg, italy)
    assert not territories.is_within(sweden, vanersborg)  # a country is not within its municipality
    assert not territories.is_within(None, sweden)


def test_ancestors_run_from_the_country_down(app):
    assert [t.code for t in territories.ancestors(territories.by_code("pori"))] == ["FI", "FI196"]
    assert [t.code for t in territories.ancestors(territories.by_code("HR031"))] == ["HR"]
    assert territories.ancestors(territories.by_code("FI")) == []


# --- the tree for pages and selects --------------------------------------------------------------


def test_tree_in_reading_order_with_depth_and_users(app, create_user):
    """Countries by national name, each followed by its regions and their municipalities (by name); each node
    counts its own users."""
    create_user(territory_code="vanersborg")
    create_user(territory_code="vanersborg")
    create_user(territory_code="SE232")
    nodes = territories.tree()
    assert [(n.territory.code, n.depth) for n in nodes] == [
        ("HR", 0),
        ("HR031", 1),
        ("HR_CRIKVENICA", 2),
        ("HR_KRK", 2),
        ("HR_MALI_LOSINJ", 2),
        ("HR_OPATIJA", 2),
        ("HR_RIJEKA", 2),
        ("IT", 0),
        ("ITH57", 1),
        ("IT_039007", 2),
        ("IT_039014", 2),
        ("FI", 0),
        ("FI196", 1),
        ("FI_609", 2),
        ("SE", 0),
        ("SE232", 1),
        ("SE_1488", 2),
        ("SE_1487", 2),
    ]
    users = {n.territory.code: n.users for n in nodes}
    assert users["SE_1487"] == 2 and users["SE232"] == 1
    assert sum(users.values()) == 3

    under = territories.tree(under=territories.by_code("SE232").id)
    assert [(n.territory.code, n.depth, n.users) for n in under] == [
        ("SE232", 0, 1),
        ("SE_1488", 1, 0),
        ("SE_1487", 1, 2),
    ]
    assert territories.tree(under=10**6) == []


def test_choices_label_municipalities_with_their_region(app):
    options = territories.choices()
    assert options[0][0] == ""
    labels = dict(options[1:])
    assert len(labels) == 10  # the seeded municipalities only
    assert labels[territories.by_code("vanersborg").id] == "Vänersborg (Västra Götaland County)"
    with force_locale("it"):
        labels = dict(territories.choices(blank=False))
        assert labels[territories.by_code("HR_RIJEKA").id] == ("Fiume (Rijeka) (Regione litoraneo-montana (Quarnaro))")
    regions = territories.choices(kinds=("region",), blank=False)
    assert [label for _, label in regions][0] == "Primorje-Gorski Kotar County (Kvarner)"
    assert {i for i, _ in regions} == ids("SE232", "ITH57", "FI196", "HR031")


def test_people_in_a_region_counts_its_municipalities_and_itself(app, create_user):
    """A region's people are those of its municipalities and those placed in the region itself, with the
    sub-sector of their business; people of another region are not counted."""
    owner = create_user(territory_code="vanersborg")
    make_business(owner, subsector="beach")
    in_trollhattan = create_user(territory_code="trollhattan")
    in_region = create_user(territory_code="SE232")
    create_user(territory_code="cervia")
    create_user(territory_code="FI196")
    create_user(territory_code=None)

    rows = db.session.execute(territories.people_in(territories.by_code("SE232").id)).all()
    assert sorted((r.user_id, r.subsector) for r in rows) == sorted(
        [(owner.id, "beach"), (in_trollhattan.id, None), (in_region.id, None)]
    )
    assert {r.user_id for r in db.session.execute(territories.people_in(territories.by_code("SE").id))} == {
        owner.id,
        in_trollhattan.id,
        in_region.id,
    }
    assert [r.user_id for r in db.session.execute(territories.people_in(territories.by_code("trollhattan").id))] == [
        in_trollhattan.id
    ]


# --- save ----------------------------------------------------------------------------------------


def test_save_adds_a_valid_municipality(app):
    """Codes are upper-cased, slugs lower-cased, texts stripped, empty names dropped."""
    saved = territories.save(
        None,
        **fields(
            code=" se_1489 ",
            slug="Alingsas",
            name=" Alingsås ",
            names={"en": " Alingsås ", "sv": "  ", "fi": ""},
            code_list=" LAU 2021 ",
        ),
    )
    db.session.commit()
    db.session.expire_all()
    found = territories.by_code("alingsas")
    assert found.id == saved.id
    assert (found.code, found.slug, found.name, found.names, found.code_list) == (
        "SE_1489",
        "alingsas",
        "Alingsås",
        {"en": "Alingsås"},
        "LAU 2021",
    )
    assert found.parent.code == "SE232"
    assert territories.is_within(found.id, territories.by_code("SE").id)


def test_save_changes_a_territory_in_place(app):
    vanersborg = territories.by_code("vanersborg")
    territories.save(vanersborg, **fields(code="SE_1487", slug="vanersborg", name="Vänersborgs kommun"))
    db.session.commit()
    db.session.expire_all()
    assert territories.by_code("SE_1487").name == "Vänersborgs kommun"
    assert territories.by_code("SE_1487").id == vanersborg.id


@pytest.mark.parametrize(
    ("kind", "parent"),
    [
        ("region", "vanersborg"),  # a region in a municipality
        ("municipality", "trollhattan"),  # a municipality in a municipality
        ("region", "ITH57"),  # a region in a region
        ("country", "SE"),  # a country in a country
    ],
)
def test_save_refuses_a_parent_that_is_not_larger(app, kind, parent):
    message = save_fails(kind=kind, code="SE999" if kind == "region" else "SE_1489", parent_id=ids(parent).pop())
    assert "lies inside a larger one" in message


def test_save_refuses_a_parent_in_another_country(app):
    assert "same country" in save_fails(country="IT")
    assert "same country" in save_fails(parent_id=territories.by_code("ITH57").id)


def test_save_refuses_a_cycle(app):
    """Sweden made a municipality inside its own region would lie inside itself: refused, nothing changed."""
    sweden = territories.by_code("SE")
    message = save_fails(sweden, code="SE", slug="sweden", kind="municipality")
    assert "inside itself" in message
    db.session.expire_all()
    assert (sweden.kind, sweden.parent_id) == ("country", None)


@pytest.mark.parametrize("kind", ["region", "municipality"])
def test_save_refuses_a_region_or_municipality_without_parent(app, kind):
    assert "Choose the territory" in save_fails(kind=kind, code="SE999", parent_id=None)
    assert "Choose the territory" in save_fails(kind=kind, code="SE999", parent_id=10**6)


def test_save_adds_a_country_without_parent(app):
    norway = territories.save(
        None, **fields(code="NO", slug="norway", kind="country", parent_id=None, name="Norge", country="NO")
    )
    assert norway.parent_id is None and norway.kind == "country"


@pytest.mark.parametrize("code", ["", "S", "1487", "SE_", "SE 1487", "SE2323", "SE_14!87", "S1_1487", "SE_" + "1" * 31])
def test_save_refuses_a_bad_code(app, code):
    assert "starts with the country" in save_fails(code=code)


@pytest.mark.parametrize("slug", ["", "bad slug", "-alingsas", "alingsas-", "alings--as", "alingsås", "a_b"])
def test_save_refuses_a_bad_slug(app, slug):
    assert "lower-case letters" in save_fails(slug=slug)


@pytest.mark.parametrize("changes", [{"code": "SE_1487"}, {"code": "se_1488"}, {"slug": "vanersborg"}])
def test_save_refuses_a_taken_code_or_slug_and_the_session_goes_on(app, changes):
    assert "already exists" in save_fails(**changes)
    territories.save(None, **fields())  # the failed attempt left nothing behind
    db.session.commit()
    assert territories.by_code("SE_1489").slug == "alingsas"
    assert db.session.scalar(db.select(db.func.count()).select_from(Territory)) == len(territories.SEED) + 1


# --- names by language ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "sweden", "pori"),
    [
        ("en", "Sweden", "Pori"),
        ("sv", "Sverige", "Björneborg"),
        ("it", "Svezia", "Pori"),
        ("fi", "Ruotsi", "Pori"),
        ("hr", "Švedska", "Pori"),
    ],
)
def test_display_name_in_each_language(app, lang, sweden, pori):
    with force_locale(lang):
        assert territories.by_code("SE").display_name == sweden
        assert territories.by_code("pori").display_name == pori


def test_display_name_falls_back_to_the_national_name(app):
    place = territories.save(None, **fields(name="Alingsås kommun", names={}))
    assert place.names == {}
    for lang in ("en", "sv", "hr"):
        with force_locale(lang):
            assert place.display_name == "Alingsås kommun"


# --- property: the recursive query matches the parent links --------------------------------------

KIND_RANK = {"country": 0, "region": 1, "municipality": 2}
new_nodes = st.lists(
    st.tuples(st.sampled_from(list(KIND_RANK)), st.integers(min_value=0, max_value=10**6)), min_size=1, max_size=10
)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nodes=new_nodes)
def test_subtree_matches_a_walk_of_the_parent_links(app, nodes):
    """Random territories added with `save` to the seeded tree, each in a random larger territory of its own
    country: for every territory, `subtree` holds exactly the territories whose chain of parents reaches it."""
    example = db.session.begin_nested()
    try:
        pool = list(db.session.scalars(db.select(Territory)))
        for n, (kind, pick) in enumerate(nodes):
            if kind == "country":
                country, parent, code = f"Q{chr(65 + n)}", None, f"Q{chr(65 + n)}"
            else:
                larger = [t for t in pool if KIND_RANK[t.kind] < KIND_RANK[kind]]
                parent = larger[pick % len(larger)]
                country = parent.country
                code = f"{country}{900 + n}" if kind == "region" else f"{country}_T{n}"
            pool.append(
                territories.save(
                    None,
                    code=code,
                    slug=f"t-{n}",
                    kind=kind,
                    parent_id=parent.id if parent else None,
                    name=f"T{n}",
                    names={},
                    country=country,
                    code_list="",
                )
            )
        parents = dict(db.session.execute(db.select(Territory.id, Territory.parent_id)).all())

        def below(root: int) -> set[int]:
            found = set()
            for node in parents:
                walk = node
                while walk is not None:
                    if walk == root:
                        found.add(node)
                        break
                    walk = parents[walk]
            return found

        assert len(parents) == len(territories.SEED) + len(nodes)
        for node in parents:
            assert subtree_ids(node) == below(node)
    finally:
        example.rollback()
