"""The learner's competence state in the kernel: records with generic evidence, current levels, history,
and the account's data download and erasure of records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tests.conftest import PASSWORD, csrf_token
from tests.factories import count_rows, make_framework
from uprest.frameworks import services
from uprest.frameworks.models import CompetenceRecord

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture()
def comps(app, db):
    """digcomp:1.1 in an old revision (4 levels) and the current one (8 levels), and digcomp:1.2."""
    old = make_framework("digcomp", levels=4, revision=1, is_current=False, areas={"1": [("1.1", "Browsing")]})
    new = make_framework("digcomp", levels=8, revision=2, areas={"1": [("1.1", "Browsing"), ("1.2", "Evaluating")]})
    db.session.commit()
    by_code = {c.code: c for c in new.competences}
    return {"old 1.1": old.competences[0], "1.1": by_code["1.1"], "1.2": by_code["1.2"]}


def test_record_flushes_and_keeps_history(app, db, create_user, comps):
    """A record is flushed (not committed) with its evidence; later records add to the history, oldest first."""
    user = create_user()
    first = services.record_competence(
        user.id, comps["1.1"].id, 3, "self", evidence=("assessment_run", 7), recorded_at=T0
    )
    assert first.id is not None and first.evidence == ("assessment_run", 7)
    services.record_competence(
        user.id, comps["1.1"].id, 5, "module", evidence=("module", 2), recorded_at=T0 + timedelta(days=1)
    )
    services.record_competence(user.id, comps["1.2"].id, 2, "trainer", recorded_at=T0 + timedelta(days=2))
    history = services.competence_history(user)
    assert [(r.competence.key, r.level, r.source, r.evidence) for r in history] == [
        ("digcomp:1.1", 3, "self", ("assessment_run", 7)),
        ("digcomp:1.1", 5, "module", ("module", 2)),
        ("digcomp:1.2", 2, "trainer", None),
    ]
    db.session.rollback()  # nothing was committed
    assert count_rows(CompetenceRecord) == 0


def test_one_piece_of_evidence_records_a_competence_once(app, db, create_user, comps):
    """The database refuses a second record of a competence from the same evidence; other evidence, another
    competence, or no evidence at all may record again."""
    user = create_user()
    services.record_competence(user.id, comps["1.1"].id, 3, "self", evidence=("assessment_run", 7))
    services.record_competence(user.id, comps["1.2"].id, 3, "self", evidence=("assessment_run", 7))
    services.record_competence(user.id, comps["1.1"].id, 4, "module", evidence=("module", 7))
    services.record_competence(user.id, comps["1.1"].id, 4, "trainer")
    services.record_competence(user.id, comps["1.1"].id, 5, "trainer")
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        services.record_competence(user.id, comps["1.1"].id, 6, "self", evidence=("assessment_run", 7))
    db.session.commit()
    assert count_rows(CompetenceRecord) == 5


def test_half_an_evidence_reference_is_refused(app, db, create_user, comps):
    """Evidence is a type and an id together: the service refuses half of one, and so does the database."""
    user = create_user()
    for evidence in [("assessment_run", None), ("", 3)]:
        with pytest.raises(ValueError):
            services.record_competence(user.id, comps["1.1"].id, 3, "self", evidence=evidence)
    with pytest.raises(ValueError):
        services.record_competence(user.id, comps["1.1"].id, 0, "self")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            CompetenceRecord(
                user_id=user.id, competence_id=comps["1.1"].id, level=2, source="self", evidence_type="module"
            )
        )
        db.session.flush()


def test_current_levels_take_the_latest_record_across_revisions(app, db, create_user, comps):
    """Per stable competence key, the latest record counts, whichever framework revision it was made in;
    other learners' records never count."""
    user, other = create_user(), create_user()
    services.record_competence(user.id, comps["1.1"].id, 6, "self", recorded_at=T0)
    services.record_competence(user.id, comps["old 1.1"].id, 2, "trainer", recorded_at=T0 + timedelta(days=3))
    services.record_competence(user.id, comps["1.2"].id, 4, "quiz", recorded_at=T0 + timedelta(days=1))
    services.record_competence(user.id, comps["1.2"].id, 3, "module", recorded_at=T0 + timedelta(days=1))
    services.record_competence(other.id, comps["1.2"].id, 8, "self", recorded_at=T0 + timedelta(days=9))
    db.session.commit()
    levels = services.current_levels(user)
    assert levels == {
        "digcomp:1.1": (2, "trainer", T0 + timedelta(days=3)),
        "digcomp:1.2": (3, "module", T0 + timedelta(days=1)),  # same time: the later record
    }
    assert levels["digcomp:1.1"].source == "trainer"
    assert services.current_levels(create_user()) == {}


def test_export_and_erase_of_records(app, db, create_user, comps):
    """The kernel exports a learner's records as plain data and erases them, and only theirs."""
    user, other = create_user(), create_user()
    services.record_competence(user.id, comps["1.1"].id, 3, "self", evidence=("assessment_run", 7), recorded_at=T0)
    services.record_competence(other.id, comps["1.1"].id, 4, "self")
    db.session.commit()
    assert services.export_user_data(user) == {
        "competence_records": [
            {
                "competence": "digcomp:1.1",
                "level": 3,
                "source": "self",
                "evidence": {"type": "assessment_run", "id": 7},
                "recorded_at": T0.isoformat(),
            },
        ],
        "target_profiles_changed": [],
    }
    services.erase_user_data(user)
    db.session.commit()
    assert count_rows(CompetenceRecord, CompetenceRecord.user_id == user.id) == 0
    assert count_rows(CompetenceRecord) == 1


def test_account_download_and_deletion_include_records(client, login_as, db, comps):
    """The account's data download lists the competence records, and deleting the account erases them."""
    user = login_as()
    services.record_competence(user.id, comps["1.2"].id, 5, "trainer", recorded_at=T0)
    db.session.commit()
    data = client.get("/account/export.json").json
    assert data["competence_records"] == [
        {"competence": "digcomp:1.2", "level": 5, "source": "trainer", "evidence": None, "recorded_at": T0.isoformat()}
    ]
    path = "/account/delete"
    resp = client.post(path, data={"password": PASSWORD, "confirm": "y", "csrf_token": csrf_token(client, path)})
    assert resp.status_code == 302
    assert count_rows(CompetenceRecord) == 0
