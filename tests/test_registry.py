"""The feature registry and the cross-feature signals."""

from __future__ import annotations

import gc

import pytest
from flask import Blueprint

from tests.conftest import login
from tests.factories import complete_assessment, latest_run, make_assessment_frameworks, start_assessment
from uprest import create_app, registry
from uprest.accounts import services as account_services
from uprest.accounts import userdata
from uprest.assessments import services as assessment_services
from uprest.mail import OutboxMessage
from uprest.registry import Card, Feature
from uprest.signals import SIGNALS, assessment_submitted


@pytest.fixture()
def frameworks(app):
    return make_assessment_frameworks()


def test_every_declared_reference_resolves(app):
    """Every feature's declared blueprint, CLI, hook and receiver exists (a typo fails the suite)."""
    names = [f.name for f in registry.features()]
    assert names[0] == "main" and {"accounts", "frameworks", "assessments", "catalog", "admin", "api"} <= set(names)
    for feature in registry.features():
        for ref in registry.references(feature):
            assert registry.resolve(ref) is not None, (feature.name, ref)


def test_misdeclared_feature_stops_the_start(monkeypatch):
    """A feature that declares a hook that does not exist stops create_app with the feature and the name."""
    broken = Feature("broken", dashboard_cards="uprest.accounts.services:no_such_hook")
    declared = registry.features()
    monkeypatch.setattr(registry, "features", lambda: (*declared, broken))
    with pytest.raises(RuntimeError, match="'broken' declares 'uprest.accounts.services:no_such_hook'"):
        create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://"})


def test_unknown_signal_is_refused():
    """A feature cannot declare a receiver for a signal that does not exist."""
    with pytest.raises(ValueError, match="unknown signals"):
        Feature("broken", receivers={"assesment_submitted": "x:y"})


def test_receivers_survive_garbage_collection_and_second_app(app):
    """Receivers are module-level functions: they stay connected after gc and a second create_app."""
    create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://"})
    gc.collect()
    connected = {r.__name__ for r in assessment_submitted.receivers_for(app)}
    assert "notify_owner_of_assessment" in connected
    for feature in registry.features():
        for signal_name, ref in feature.receivers.items():
            assert registry.resolve(ref) in SIGNALS[signal_name].receivers_for(app)


fake_bp = Blueprint("fake_feature", __name__)


@fake_bp.route("/fake-feature")
def fake_page():
    return "fake feature page"


def fake_cards(user):
    return [Card("Fake feature card", "Declared once.", "/fake-feature", "Open it")]


def fake_export(user):
    return {"fake_feature": {"user": user.email}}


def test_new_feature_is_wired_by_declaring_it_once(app, monkeypatch, tmp_path):
    """A feature declared once gets its blueprint routed, its card on the home page and its part of the
    data export, with no other list to edit."""
    fake = Feature(
        "fake",
        order=99,
        blueprints=(f"{__name__}:fake_bp",),
        dashboard_cards=f"{__name__}:fake_cards",
        export_user_data=f"{__name__}:fake_export",
    )
    declared = registry.features()
    monkeypatch.setattr(registry, "features", lambda: (*declared, fake))
    app2 = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fake.sqlite'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8192,
            "ARGON2_PARALLELISM": 1,
        }
    )
    from uprest.extensions import db

    with app2.app_context():
        db.create_all()
        user = account_services.register_user(
            name="Fay",
            email="fay@example.org",
            password="correct horse battery",
            locale="en",
            territory_id=None,
            role="learner",
        )
        db.session.commit()
        assert userdata.export_user_data(user)["fake_feature"] == {"user": "fay@example.org"}
    c = app2.test_client()
    assert c.get("/fake-feature").get_data(as_text=True) == "fake feature page"
    login(c, "fay@example.org")
    assert "Fake feature card" in c.get("/").get_data(as_text=True)
    with app2.app_context():
        db.drop_all()
        db.engine.dispose()


# --- signals end to end ----------------------------------------------------------------------------


def _business_with_member(app, db, create_user, territory, *, shares=True):
    owner = create_user(locale="sv")
    org = account_services.create_organisation(
        owner, name="Camping Pori", subsector="accommodation", size="micro", territory_id=territory().id
    )
    member = create_user(name="Mia Member")
    member.organisation_id = org.id
    member.shares_with_organisation = shares
    db.session.commit()
    return owner, member


def _owner_mails(db, owner):
    db.session.expire_all()
    return db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == owner.email)).all()


def test_assessment_submitted_reaches_owner_receiver(app, db, create_user, territory, frameworks):
    """A sharing member submits an assessment over HTTP: the accounts feature's receiver of
    `assessment_submitted` mails the owner (in the owner's language), once, even on a double submit."""
    owner, member = _business_with_member(app, db, create_user, territory)
    c = app.test_client()
    login(c, member.email)
    run = complete_assessment(c, member)
    c.post(f"/assessment/{run.id}/submit", data={})  # a second submit: no second event
    mails = _owner_mails(db, owner)
    assert len(mails) == 1
    assert "Mia Member" in mails[0].body_text and "Camping Pori" in mails[0].subject
    assert "/assessment/business" in mails[0].body_text


def test_no_mail_when_member_does_not_share(app, db, create_user, territory, frameworks):
    """A member who does not share results with the business triggers no mail to the owner."""
    owner, member = _business_with_member(app, db, create_user, territory, shares=False)
    c = app.test_client()
    login(c, member.email)
    complete_assessment(c, member)
    assert _owner_mails(db, owner) == []


def test_receiver_runs_inside_senders_transaction(app, db, create_user, territory, frameworks):
    """The receiver's work is part of the sender's transaction: a rolled-back submit leaves no mail."""
    owner, member = _business_with_member(app, db, create_user, territory)
    c = app.test_client()
    login(c, member.email)
    assert start_assessment(c).status_code == 302
    run = latest_run(member)
    from tests.factories import answer_all

    answer_all(c, run.id)
    seen = []

    def spy(sender, **event):
        seen.append(event["run"].id)

    assessment_submitted.connect(spy)
    try:
        with app.test_request_context("/"):
            run = latest_run(member)
            assert assessment_services.submit_run(run) is True
            assert seen == [run.id]
            assert len(_owner_mails(db, owner)) == 1  # written by the receiver, not committed
            db.session.rollback()
    finally:
        assessment_submitted.disconnect(spy)
    assert _owner_mails(db, owner) == []
    assert latest_run(member).submitted_at is None


def test_worker_runs_every_features_housekeeping(app, db):
    """The mail worker's hourly pass runs the declared housekeeping: an expired registration is deleted."""
    from datetime import timedelta

    from tests.factories import make_pending_registration
    from uprest.accounts.models import PendingRegistration
    from uprest.extensions import utcnow
    from uprest.mail import run_worker

    with app.test_request_context("/"):
        make_pending_registration("late@example.org")
        make_pending_registration("fresh@example.org")
    late = db.session.scalar(db.select(PendingRegistration).where(PendingRegistration.email == "late@example.org"))
    late.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    run_worker(once=True)
    db.session.expire_all()
    left = db.session.scalars(db.select(PendingRegistration.email)).all()
    assert left == ["fresh@example.org"]
