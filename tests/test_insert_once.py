"""insert_once (uprest/extensions.py): a row inserted once, whatever the parallel requests, on the xAPI pseudonyms
(unique user_id, the expected conflict; unique name, another one)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from uprest.extensions import db, insert_once
from uprest.xapi.models import Actor


def actor_of(user_id: int) -> Actor | None:
    return db.session.scalar(db.select(Actor).where(Actor.user_id == user_id))


def names() -> dict[int, str]:
    """Every stored pseudonym, by user id (read afresh)."""
    db.session.expire_all()
    return dict(db.session.execute(db.select(Actor.user_id, Actor.name)).all())


def not_called():
    raise AssertionError("existing() is called only after a conflict")


def test_a_new_row_is_added_and_flushed(app, create_user):
    """Without a conflict the object is added and flushed (it has its id) and returned with created=True."""
    user = create_user()
    actor = Actor(user_id=user.id)
    assert insert_once(actor, not_called) == (actor, True)
    assert actor.id is not None and actor in db.session
    db.session.commit()
    assert names() == {user.id: actor.name}


def test_a_row_inserted_meanwhile_is_returned_instead(app, create_user):
    """When a parallel request stored the row first, its row is returned with created=False; the loser is not
    kept and the caller's transaction goes on with what it did before."""
    first, second = create_user(), create_user()
    with db.engine.begin() as other:  # the parallel request, committed
        other.execute(insert(Actor).values(user_id=first.id, name="the-winner"))
    kept = Actor(user_id=second.id)
    db.session.add(kept)
    db.session.flush()
    loser = Actor(user_id=first.id)
    row, created = insert_once(loser, lambda: actor_of(first.id))
    assert (row.name, created) == ("the-winner", False)
    assert loser not in db.session
    db.session.commit()
    assert names() == {first.id: "the-winner", second.id: kept.name}


def test_another_conflict_is_raised(app, create_user):
    """When existing() finds nothing, the conflict was not the expected one: the IntegrityError is raised and only
    the savepoint is rolled back."""
    first, second = create_user(), create_user()
    taken = Actor(user_id=first.id)
    db.session.add(taken)
    db.session.flush()
    with pytest.raises(IntegrityError):
        insert_once(Actor(user_id=second.id, name=taken.name), lambda: actor_of(second.id))
    db.session.commit()
    assert names() == {first.id: taken.name}


def test_parallel_inserts_leave_one_row(app, create_user):
    """Eight requests inserting the same row at the same moment leave one row; one of them created it and all
    return it."""
    user_id = create_user().id
    barrier = threading.Barrier(8, timeout=30)

    def request(_n: int) -> tuple[str, bool]:
        with app.app_context():
            barrier.wait()
            row, created = insert_once(Actor(user_id=user_id), lambda: actor_of(user_id))
            outcome = (row.name, created)
            db.session.commit()
            db.session.remove()
        return outcome

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(request, range(8)))  # a request's exception is raised here
    (name,) = names().values()
    assert sorted(outcomes, key=lambda o: not o[1]) == [(name, True)] + [(name, False)] * 7


def test_a_row_this_session_holds_is_returned_without_a_second_instance(app, create_user):
    """A row with a composite key that the session has loaded (and still holds) is returned as it is: adding a
    second instance with the same identity would make SQLAlchemy warn at the flush (an error in the tests), or not,
    depending on when the first one was garbage-collected (seen as a flaky `flask seed-demo` run on PostgreSQL)."""
    from tests.factories import make_provider
    from uprest.accounts.models import Role
    from uprest.sessions.models import ProviderStaff

    trainer = create_user(role=Role.TRAINER.value)
    provider = make_provider()
    held = ProviderStaff(provider_id=provider.id, user_id=trainer.id)
    db.session.add(held)
    db.session.commit()
    held = db.session.get(ProviderStaff, (provider.id, trainer.id))  # loaded and held
    again = ProviderStaff(provider_id=provider.id, user_id=trainer.id)
    assert insert_once(again, not_called) == (held, False)
    assert again not in db.session
    db.session.flush()  # no second instance: no warning
