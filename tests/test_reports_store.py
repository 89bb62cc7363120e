"""The disclosure rule's decisions over a tree are made once per change of the data and kept in the database
(`uprest.reports.store`): another worker reads them instead of deciding again, a change makes a new one, and the
worker's pass (`reports.worker.warm`) makes them before a page asks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_reports import frameworks, people, staff_client  # noqa: F401 (fixtures)
from uprest import cache
from uprest.extensions import db
from uprest.reports import gapmap, participation, rules, store, worker
from uprest.reports.models import Decision as StoredDecision

names = st.one_of(
    st.tuples(st.sampled_from(["people", "gap"]), st.integers(1, 9), st.sampled_from(["2026Q1", "*"]), st.text()),
    st.tuples(st.sampled_from(["assessed"]), st.integers(1, 9), st.sampled_from(["2026Q1", "all"])),
)


@settings(max_examples=30, derandomize=True)
@given(st.dictionaries(names, st.integers(0, 40), max_size=12), st.sampled_from([3, 5]), st.data())
def test_a_decision_reads_back_exactly_as_it_was_stored(cells, k, data):
    hidden = data.draw(st.sets(st.sampled_from(sorted(cells, key=repr)))) if cells else set()
    decision = rules.Decision(
        k=k,
        shown=frozenset(set(cells) - hidden),
        suppressed=frozenset(hidden),
        primary=frozenset(n for n in hidden if 0 < cells[n] < k),
        shown_counts={n: c for n, c in cells.items() if n not in hidden},
    )
    back = store.decode(store.encode({"*": decision, "c1": decision}))
    for system in ("*", "c1"):
        got = back[system]
        assert (got.k, got.shown, got.suppressed, got.primary) == (
            k,
            decision.shown,
            decision.suppressed,
            decision.primary,
        )
        assert dict(got.shown_counts) == dict(decision.shown_counts)


def stored() -> list[tuple[str, int]]:
    db.session.rollback()  # see what other connections committed
    return sorted(db.session.execute(db.select(StoredDecision.kind, StoredDecision.root_id)).all())


def test_another_worker_reads_the_decision_instead_of_deciding_again(monkeypatch, app, create_user, people):  # noqa: F811
    people(6, rating=1)
    people(5, rating=5, territory="trollhattan")
    client = staff_client(app, create_user)
    first = client.get("/reports/skills-gap.json").get_json()
    assert {kind for kind, _root in stored()} == {"map"}

    cache.pages().clear()  # another worker: nothing in its memory

    def fail(*args, **kwargs):
        raise AssertionError("decided again")

    monkeypatch.setattr(gapmap, "decide", fail)
    assert client.get("/reports/skills-gap.json").get_json() == first
    assert client.get("/reports/participation.json").status_code == 200  # participation reads the map's too
    assert {kind for kind, _root in stored()} == {"map", "participation"}


def test_a_change_of_the_data_makes_a_new_decision_and_drops_the_old(app, create_user, people):  # noqa: F811
    people(6, rating=1)
    client = staff_client(app, create_user)
    before = client.get("/reports/skills-gap.json").get_json()
    key = db.session.scalar(db.select(StoredDecision.data_key))
    people(5, rating=5)
    after = client.get("/reports/skills-gap.json").get_json()
    assert after != before
    db.session.rollback()
    keys = db.session.scalars(db.select(StoredDecision.data_key).where(StoredDecision.kind == "map")).all()
    assert len(keys) == 1 and keys[0] != key  # one decision per tree and k: the current one


def test_the_rules_version_is_part_of_the_key(monkeypatch):
    key = store.data_key("map", 1, 5, "a", "b")
    monkeypatch.setattr(store, "RULE_VERSION", "another")
    assert store.data_key("map", 1, 5, "a", "b") != key


def test_the_workers_pass_decides_every_changed_tree_before_a_page_asks(monkeypatch, app, create_user, people):  # noqa: F811
    cache.pages().clear()  # decisions are kept under a digest of their data: another test's may be in memory
    people(6, rating=1)
    people(5, rating=1, territory="rijeka")
    client = staff_client(app, create_user)
    made, failed = worker.warm()
    assert failed == 0 and made >= 4  # the map and participation of Sweden's and Croatia's trees at least
    assert {"map", "participation"} == {kind for kind, _root in stored()}
    assert worker.warm() == (0, 0)  # nothing changed: nothing to make

    monkeypatch.setattr(gapmap, "decide", lambda *a, **kw: pytest.fail("decided again"))
    monkeypatch.setattr(participation, "decisions", lambda *a, **kw: pytest.fail("decided again"))
    rows = len(stored())
    db.session.execute(db.delete(StoredDecision))  # e.g. replaced by another process's, and the data came back
    db.session.commit()
    assert worker.warm() == (0, 0) and len(stored()) == rows  # stored again from the worker's memory

    cache.pages().clear()
    assert client.get("/reports").status_code == 200
    assert client.get("/reports/participation").status_code == 200


def test_a_busy_database_stores_nothing_and_the_page_still_answers(monkeypatch, app, create_user, people):  # noqa: F811
    from sqlalchemy.exc import OperationalError

    people(6, rating=1)

    class Busy:
        def __enter__(self):
            raise OperationalError("INSERT", {}, Exception("database is locked"))

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(store, "_connect", Busy)
    client = staff_client(app, create_user)
    assert client.get("/reports").status_code == 200
    monkeypatch.undo()
    assert stored() == []


def test_a_login_is_no_change_of_the_people_but_a_move_is(app, create_user):
    """The people's token (what the reports' decisions are kept under) follows a user's territory and business,
    not their last login or language: a login does not make every tree be decided again."""
    from uprest.accounts import territories
    from uprest.accounts.aggregates import people_generation
    from uprest.extensions import utcnow

    user = create_user(territory_code="vanersborg")
    db.session.commit()
    token = people_generation()
    user.last_login_at, user.locale = utcnow(), "sv"
    db.session.commit()
    assert people_generation() == token
    user.territory = territories.by_code("trollhattan")  # the relationship, as a form would set it
    db.session.commit()
    assert people_generation() != token
    token = people_generation()
    create_user(email="new@example.org")
    db.session.commit()
    assert people_generation() != token


def test_a_change_in_another_country_decides_nothing_here_again(monkeypatch, app, create_user, people):  # noqa: F811
    """The decision is kept under a digest of its own tree's data: people assessed in Italy change the generation
    tokens, and Sweden's tree is counted again, but not decided again."""
    people(6, rating=1)
    client = staff_client(app, create_user)
    first = client.get("/reports/skills-gap.json").get_json()
    people(5, rating=1, territory="cervia")
    monkeypatch.setattr(gapmap, "decide", lambda *a, **kw: pytest.fail("decided again"))
    assert client.get("/reports/skills-gap.json").get_json() == first
    people(1, rating=5)  # in Sweden: decided again
    monkeypatch.undo()
    assert client.get("/reports/skills-gap.json").get_json() != first


def test_a_command_that_has_written_stores_the_decision_in_its_own_transaction(caplog, app, people):  # noqa: F811
    """A publish command or the demo's seeding holds the write lock (on SQLite another connection would wait for
    it and give up): the decision goes into the caller's transaction and is there once it commits."""
    from uprest.accounts import territories
    from uprest.reports import services

    cache.pages().clear()
    people(6, rating=1)
    cache.bump("catalog")  # something written, not committed yet
    services.decisions(territories.by_code("vanersborg"), k=5)
    db.session.commit()
    assert [kind for kind, _root in stored()] == ["map"]
    assert "not stored" not in caplog.text


def test_a_worker_waits_for_the_decision_another_process_is_making(monkeypatch, app, create_user, people):  # noqa: F811
    """While another process makes a tree's decision (it holds the maker's lock: a lock file beside SQLite, an
    advisory lock on PostgreSQL), a worker that finds none stored waits for it and reads it, instead of deciding
    the same tree again."""
    import threading
    import time

    from uprest.accounts import territories
    from uprest.reports import services

    people(6, rating=1)
    client = staff_client(app, create_user)
    cache.pages().clear()  # an earlier test may have left the same decision in this process's memory
    first = client.get("/reports/skills-gap.json").get_json()
    db.session.rollback()  # see what the request's own connection committed
    row = db.session.scalar(db.select(StoredDecision).where(StoredDecision.kind == "map"))
    saved = {c.key: getattr(row, c.key) for c in StoredDecision.__table__.columns if c.key != "id"}
    db.session.execute(db.delete(StoredDecision))
    db.session.commit()
    cache.pages().clear()
    monkeypatch.setattr(store, "MAKER_POLL_S", 0.05)
    made, got = store.made(), {}
    root = services.decision_root(territories.by_code("vanersborg"))
    with store._one_maker("map", root.id, saved["k"]):  # the other process, making the map's decision
        asking = threading.Thread(target=lambda: got.update(json=client.get("/reports/skills-gap.json").get_json()))
        asking.start()
        time.sleep(0.5)
        assert asking.is_alive()  # waiting for the maker
        db.session.add(StoredDecision(**saved))  # the other process stores its decision, then lets go
        db.session.commit()
    asking.join(30)
    assert got["json"] == first and store.made() == made  # read, not decided again
