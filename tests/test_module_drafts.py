"""A module has at most one draft: the database refuses a second one, and parallel first edits share one draft."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError

from tests.conftest import csrf_token, login
from tests.factories import count_rows, make_competences, make_module
from tests.test_migration_competence_records import NOW, _insert
from tests.test_migrations import empty_app  # noqa: F401  (the fixture: an app on an empty database)
from uprest import ROOT
from uprest.catalog import editing, services
from uprest.catalog.models import ModuleVersion
from uprest.extensions import db

PARALLEL = 8
ONE_DRAFT_REVISION = "95c880859aa1"


@pytest.fixture()
def competences(app):
    make_competences()


def drafts_of(module_id: int) -> int:
    return count_rows(ModuleVersion, ModuleVersion.module_id == module_id, ModuleVersion.published_at.is_(None))


def test_database_refuses_a_second_draft(app, create_user, competences):
    """Inserting a second unpublished version of a module fails in the database itself."""
    trainer = create_user(role="trainer")
    module = make_module(trainer, "one-draft")  # version 1, a draft
    db.session.add(ModuleVersion(module_id=module.id, version=2, title={"en": "Second draft"}))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert drafts_of(module.id) == 1


def test_published_versions_are_not_limited(app, create_user, competences):
    """The limit is on drafts only: a module keeps any number of published versions."""
    trainer = create_user(role="trainer")
    module = make_module(trainer, "many-versions", publish=True)
    for n in range(3):
        editing.save_lesson(module, trainer, 1, "en", "first", f"Round {n}", "Text.")
        services.publish(module)
        db.session.commit()
    assert count_rows(ModuleVersion, ModuleVersion.module_id == module.id) == 4
    assert drafts_of(module.id) == 0


def test_edit_that_loses_the_race_uses_the_winning_draft(app, create_user, competences, monkeypatch):
    """When another request made the draft after this one looked for it, the edit goes to that draft."""
    trainer = create_user(role="trainer")
    module = make_module(trainer, "raced", publish=True)
    winner = services.editable_version(module, trainer)  # the other request's draft, committed first
    db.session.commit()
    real_draft_of = services.draft_of
    calls = []

    def draft_not_seen_yet(mod):
        calls.append(mod.id)
        return None if len(calls) == 1 else real_draft_of(mod)

    monkeypatch.setattr(services, "draft_of", draft_not_seen_yet)
    got = services.editable_version(module, trainer)
    assert got.id == winner.id
    db.session.commit()
    assert drafts_of(module.id) == 1


def test_parallel_first_edits_make_one_draft(app, create_user, competences, monkeypatch):
    """Parallel first edits of a published module (each its own request, session and connection) leave exactly
    one draft, every request succeeds, and the draft holds one of the edits; repeated after each publish."""
    trainer = create_user(role="trainer")
    module = make_module(trainer, "busy-module", publish=True)
    module_id = module.id
    first = app.test_client()
    assert login(first, trainer.email).status_code == 302
    token = csrf_token(first, "/authoring/busy-module/lessons/1")
    clients = []
    for _ in range(PARALLEL):  # the same logged-in browser session, each with its own connection
        c = app.test_client()
        c.set_cookie("session", first.get_cookie("session").value)
        clients.append(c)
    race = _LostRace(monkeypatch)

    for round_ in range(3):
        assert drafts_of(module_id) == 0
        race.start()
        statuses: list[int] = []
        bodies = [f"Round {round_}, edit {n}." for n in range(PARALLEL)]

        def edit(c, body, statuses=statuses):
            resp = c.post(
                "/authoring/busy-module/lessons/1",
                data={"csrf_token": token, "slug": "first", "title": "First lesson", "body": body},
            )
            statuses.append(resp.status_code)
            race.first_done.set()

        threads = [threading.Thread(target=edit, args=(c, b)) for c, b in zip(clients, bodies, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [302] * PARALLEL, statuses
        assert race.waited == PARALLEL - 1, "every request but one looked for the draft before the first made it"
        assert drafts_of(module_id) == 1
        db.session.expire_all()
        module = db.session.get(services.Module, module_id)
        draft = services.draft_of(module)
        assert draft.lessons[0].text_in("en").body_md in bodies
        services.publish(module)
        db.session.commit()


class _LostRace:
    """Makes the race of the issue happen every time (it did under load with several workers): every request
    looks for the draft in `editable_version` and finds none; then one goes on and finishes, and only then do
    the others go on to make their draft."""

    def __init__(self, monkeypatch):
        self.real_draft_of = services.draft_of
        self.real_editable_version = services.editable_version
        self.local = threading.local()
        monkeypatch.setattr(services, "draft_of", self.draft_of)
        monkeypatch.setattr(services, "editable_version", self.editable_version)
        monkeypatch.setattr(editing, "editable_version", self.editable_version)  # where lesson edits look it up

    def start(self):
        self.all_looked = threading.Barrier(PARALLEL)
        self.first_done = threading.Event()
        self.waited = 0

    def editable_version(self, module, user):
        self.local.first_look = True
        return self.real_editable_version(module, user)

    def draft_of(self, module):
        found = self.real_draft_of(module)
        if found is None and getattr(self.local, "first_look", False):
            self.local.first_look = False
            try:
                arrival = self.all_looked.wait(timeout=10)
            except threading.BrokenBarrierError:
                return found
            if arrival != 0:
                self.waited += 1
                self.first_done.wait(timeout=10)
        return found


def test_migration_stops_on_modules_with_several_drafts(empty_app):  # noqa: F811
    """The revision that adds the one-draft index names the modules that already have several drafts and stops;
    once one of them is deleted it applies, and the database then refuses a second draft."""
    directory = str(ROOT / "migrations")
    before = ScriptDirectory(directory).get_revision(ONE_DRAFT_REVISION).down_revision
    with empty_app.app_context():
        upgrade(directory=directory, revision=before)
        with db.engine.begin() as conn:
            twice = _insert(conn, "modules", code="twice", status="published", owner_id=None, published_version_id=None)
            once = _insert(conn, "modules", code="once", status="draft", owner_id=None, published_version_id=None)
            _version(conn, twice, 1, NOW)
            _version(conn, twice, 2, None)
            extra = _version(conn, twice, 3, None)
            _version(conn, once, 1, None)
        config = empty_app.extensions["migrate"].migrate.get_config(directory)
        with pytest.raises(
            RuntimeError, match=r"module twice: version 2 \(id \d+\); module twice: version 3"
        ) as refused:
            command.upgrade(config, ONE_DRAFT_REVISION)  # what `flask db upgrade` runs (it prints the message)
        assert "once" not in str(refused.value)
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM module_versions WHERE id = :id"), {"id": extra})
        upgrade(directory=directory, revision=ONE_DRAFT_REVISION)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _version(conn, once, 2, None)


def _version(conn, module_id: int, number: int, published_at) -> int:
    return _insert(
        conn,
        "module_versions",
        module_id=module_id,
        version=number,
        published_at=published_at,
        participation="online",
        workload_hours=1.0,
        created_by_id=None,
    )
