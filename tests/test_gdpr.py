"""The person's own data: the download holds everything that is theirs, deleting the account leaves no trace
of their name or address in any table, and mail is kept only for the retention period."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace as NS

import pytest
from sqlalchemy import JSON, LargeBinary, String

from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import (
    count_rows,
    make_assessment_frameworks,
    make_assessment_run,
    make_business,
    make_invitation,
    make_module,
    make_reset_token,
)
from uprest.accounts import services as accounts
from uprest.accounts.models import Invitation, Organisation, User
from uprest.assessments import services as assessments
from uprest.assessments.models import AssessmentResponse
from uprest.catalog import editing
from uprest.catalog import services as catalog
from uprest.catalog.models import Module, ModuleEditor, ModuleVersion
from uprest.config import from_environment
from uprest.extensions import utcnow
from uprest.frameworks.models import CompetenceRecord, Item, TargetProfile
from uprest.mail import (
    ERASED,
    MASK,
    MAX_ATTEMPTS,
    Attachment,
    OutboxAttachment,
    OutboxMessage,
    erase_mail_for,
    export_mail_for,
    purge_outbox,
    run_worker,
    send_mail,
)

NAME = "Zoë Quillfeather"
EMAIL = "zoe.quillfeather@example.org"
NEEDLES = (NAME, EMAIL, "Quillfeather")


@pytest.fixture()
def frameworks(app):
    return make_assessment_frameworks()


def traces(db, needles=NEEDLES) -> set[tuple[str, str]]:
    """(table, column) of every text, JSON or binary value in the database that contains one of `needles`
    (without regard to case)."""
    wanted = [n.casefold() for n in needles]
    found = set()
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | JSON | LargeBinary)]
        if not columns:
            continue
        for row in db.session.execute(db.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes):
                    text = value.decode("utf-8", "replace")
                elif isinstance(value, str):
                    text = value
                else:
                    text = json.dumps(value, ensure_ascii=False)
                if any(n in text.casefold() for n in wanted):
                    found.add((table.name, column.name))
    return found


def _delete_account(client):
    path = "/account/delete"
    return client.post(path, data={"password": PASSWORD, "confirm": "y", "csrf_token": csrf_token(client, path)})


def _person(create_user, db):
    """Zoë: a trainer who reads Swedish; one item of the assessment has a Swedish text."""
    zoe = create_user(role="trainer", name=NAME, email=EMAIL, locale="sv")
    item = db.session.scalar(db.select(Item).where(Item.key == "s1").order_by(Item.id))
    item.text = {**item.text, "sv": "Jag kan söka på nätet."}
    db.session.commit()
    return zoe, item


def _mail_with_attachment(user, db):
    """A mail to `user` with a calendar attachment naming them, already delivered."""
    msg = send_mail(
        user.email,
        "Your session",
        "email/password_reset.txt",
        user=user,
        link="https://uprest.example/x",
        hours=1,
        attachments=(
            Attachment("session.ics", "text/calendar", f"ATTENDEE;CN={user.name}:mailto:{user.email}".encode()),
        ),
    )
    msg.sent_at = utcnow()
    db.session.commit()
    return msg


def _catalog_and_profiles(zoe, create_user, db):
    """Zoë owns a published module whose provider is her own name, edits a colleague's module (she wrote its
    draft) and changed a target profile last."""
    own = make_module(zoe, "zoe-module")
    draft = catalog.draft_of(own)
    draft.provider = NAME
    catalog.refresh(draft)
    catalog.publish(own)
    colleague = create_user(role="trainer", name="Pia Trainer", email="pia@example.org")
    shared = make_module(colleague, "pia-module", publish=True)
    catalog.share(shared, zoe.email)
    editing.save_lesson(shared, zoe, None, "en", "zoe-lesson", "Added by a colleague", "More.")
    profile = db.session.scalar(db.select(TargetProfile).order_by(TargetProfile.id))
    profile.updated_by_id = zoe.id
    db.session.commit()
    return own, shared


def test_export_download_is_never_cached(client, login_as):
    """The data download tells browsers and proxies not to keep a copy."""
    login_as()
    resp = client.get("/account/export.json")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Pragma"] == "no-cache"


def test_export_holds_everything_that_is_theirs(app, client, create_user, db, frameworks):
    """The download holds the profile, the business's details, raw answers (text in the person's language,
    the choice given) with results, competence records, the mail sent to them (secrets masked), invitations
    they wrote and addressed to them, and the modules they own or edit."""
    zoe, item = _person(create_user, db)
    org = make_business(zoe, name="Guesthouse by the lake", size="small")
    make_invitation(org, "friend@example.org")
    olga = create_user(name="Olga Owner", email="olga@example.org")
    make_invitation(make_business(olga, name="Hotel Vänern"), EMAIL)
    token = make_reset_token(zoe)
    run = make_assessment_run(zoe, rating=4, choice=1, job_role="owner")
    open_run = make_assessment_run(zoe, submitted=False)
    assessments.save_answers(open_run, {item.id: 2}, go_to_page=1)
    db.session.commit()
    _catalog_and_profiles(zoe, create_user, db)
    assert login(client, EMAIL).status_code == 302

    data = client.get("/account/export.json").json

    assert data["profile"]["name"] == NAME and data["profile"]["email"] == EMAIL
    assert data["business"] | {"created_at": None} == {
        "name": "Guesthouse by the lake",
        "role": "owner",
        "shares_results_with_owner": True,
        "subsector": "accommodation",
        "size": "small",
        "municipality": "Vänersborg",
        "created_at": None,
        "members": 1,
    }
    invitations = {(i["business"], i["email"], i["created_by_you"], i["addressed_to_you"]) for i in data["invitations"]}
    assert invitations == {
        ("Guesthouse by the lake", "friend@example.org", True, False),
        ("Hotel Vänern", EMAIL, False, True),
    }
    assert len(data["password_resets"]) == 1 and data["password_resets"][0]["used_at"] is None
    assert [m["to"] for m in data["mail"]] == [EMAIL, EMAIL]  # Olga's invitation and the reset link
    invitation_mail, reset_mail = data["mail"]
    assert "Hotel Vänern" in invitation_mail["subject"]
    assert token not in reset_mail["body"] and MASK in reset_mail["body"] and reset_mail["sent_at"] is None

    submitted, still_open = data["assessments"]
    assert submitted["run_id"] == run.id and submitted["competences"]
    answers = submitted["answers"]
    assert len(answers) == count_rows(AssessmentResponse, AssessmentResponse.run_id == run.id) > 0
    swedish = next(a for a in answers if a["competence"] == item.competence.key and a["item"] == "s1")
    assert swedish["text"] == "Jag kan söka på nätet." and swedish["value"] == 4 and swedish["answered_at"]
    knowledge = next(a for a in answers if a["kind"] == "knowledge")
    assert knowledge["value"] == 1 and knowledge["choice"] == "A wrong answer"  # no Swedish text: English
    english = next(a for a in answers if a["item"] == "s2")
    assert english["text"].startswith("I can do ")
    assert still_open["submitted_at"] is None
    assert [(a["item"], a["value"]) for a in still_open["answers"]] == [("s1", 2)]

    records = data["competence_records"]
    assert records and {r["evidence"]["type"] for r in records} == {"assessment_run"}
    assert {(m["code"], m["role"]) for m in data["modules"]} == {("zoe-module", "owner"), ("pia-module", "editor")}
    assert {(v["module"], v["version"]) for v in data["module_versions_written"]} == {
        ("zoe-module", 1),
        ("pia-module", 2),
    }
    assert len(data["target_profiles_changed"]) == 1


@pytest.mark.parametrize("place", ["owner", "member"])
def test_deleted_account_leaves_no_name_or_address_in_any_table(app, client, create_user, db, frameworks, place):
    """After deleting an account with data in every feature, no text, JSON or binary column of any table holds
    the person's name or e-mail address; what others own stays, anonymous totals stay."""
    zoe, _item = _person(create_user, db)
    olga = create_user(name="Olga Owner", email="olga@example.org")
    olgas = make_business(olga, name="Hotel Vänern")
    if place == "owner":  # her business is named after her; she invited a friend by mail and made a link
        own_business = make_business(zoe, name=f"{NAME}'s Guesthouse")
        make_invitation(own_business, "friend@example.org")
        make_invitation(own_business)
        make_invitation(olgas, EMAIL)  # an open invitation addressed to her
    else:  # she joined Olga's business by an invitation to her address, shares, and Olga was told of her results
        _inv, token = make_invitation(olgas, EMAIL)
        accounts.accept_invitation(token, zoe)
        accounts.set_sharing(zoe, True)
        db.session.commit()
    make_reset_token(zoe)
    _mail_with_attachment(zoe, db)
    make_assessment_run(zoe, job_role="reception")
    open_run = make_assessment_run(zoe, submitted=False)
    assessments.save_answers(open_run, {_item.id: 3}, go_to_page=1)
    db.session.commit()
    own_module, shared_module = _catalog_and_profiles(zoe, create_user, db)
    users_before = count_rows(User)
    before = traces(db)
    assert {
        ("users", "name"),
        ("users", "email"),
        ("invitations", "email"),
        ("outbox_messages", "to_address"),
        ("outbox_messages", "body_text"),
        ("outbox_attachments", "data"),
        ("module_versions", "provider"),
        ("module_versions", "search_text"),
    } <= before
    if place == "owner":
        assert ("organisations", "name") in before
        assert ("outbox_messages", "body_text") in before  # the friend's invitation names her
    else:
        assert count_rows(OutboxMessage, OutboxMessage.to_address == olga.email) == 1  # "Zoë has completed …"

    assert login(client, EMAIL).status_code == 302
    assert _delete_account(client).status_code == 302

    assert traces(db) == set()
    zoe = db.session.get(User, zoe.id)
    assert not zoe.is_active_account and zoe.organisation_id is None
    assert count_rows(User) == users_before  # the anonymised row keeps the totals by municipality
    assert count_rows(OutboxMessage, db.func.lower(OutboxMessage.to_address) == EMAIL) == 0
    assert count_rows(OutboxAttachment) == 0
    assert count_rows(Invitation, db.or_(Invitation.email == EMAIL, Invitation.created_by_id == zoe.id)) == 0
    assert count_rows(CompetenceRecord, CompetenceRecord.user_id == zoe.id) == 0
    assert count_rows(ModuleVersion, ModuleVersion.created_by_id == zoe.id) == 0
    assert count_rows(ModuleEditor, ModuleEditor.user_id == zoe.id) == 0
    assert count_rows(TargetProfile, TargetProfile.updated_by_id == zoe.id) == 0
    assert count_rows(Module) == 2 and db.session.get(Module, own_module.id).owner_id is None
    assert db.session.get(Organisation, olgas.id).name == "Hotel Vänern"  # others' businesses stay
    if place == "owner":
        assert count_rows(Organisation) == 1  # hers is gone, with its invitations
        friend = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == "friend@example.org"))
        assert ERASED in friend.one().body_text
    else:
        to_olga = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_address == olga.email)).one()
        assert "Olga Owner" in to_olga.body_text and ERASED in to_olga.body_text


# --- the mail kernel --------------------------------------------------------------------------------


def _message(to="someone@example.org", body="Hello.", **kwargs) -> OutboxMessage:
    return OutboxMessage(to_address=to, subject=kwargs.pop("subject", "Subject"), body_text=body, **kwargs)


def test_erase_mail_for_deletes_theirs_and_erases_them_from_others(app, db):
    """Mail to the address (in any case) goes with its attachments; in mail to others the name and address
    are replaced, whole words only; other mail is untouched."""
    mine = _message("Ann.Lee@Example.org", "For Ann.")
    mine.attachments.append(OutboxAttachment(filename="a.ics", content_type="text/calendar", data=b"x"))
    about = _message(body="Ann Lee (ann.lee@example.org) invited you. Annual Ann Leeway report.", subject="Ann Lee")
    other = _message(body="Nothing about her.")
    db.session.add_all([mine, about, other])
    db.session.commit()

    assert erase_mail_for("ann.lee@example.org", name="Ann Lee") == 1
    db.session.commit()

    assert count_rows(OutboxMessage) == 2 and count_rows(OutboxAttachment) == 0
    db.session.refresh(about)
    assert about.subject == ERASED
    assert about.body_text == f"{ERASED} ({ERASED}) invited you. Annual Ann Leeway report."
    assert db.session.get(OutboxMessage, other.id).body_text == "Nothing about her."


def test_export_mail_for_lists_their_mail_with_secrets_masked(app, db):
    """A person's mail is exported oldest first, with links that give access masked and attachments by name."""
    now = utcnow()
    first = _message("me@example.org", "Open https://x/reset/SECRET now.", secrets=["https://x/reset/SECRET"])
    first.created_at = now - timedelta(days=2)
    second = _message("me@example.org", "Sent.", created_at=now - timedelta(days=1), sent_at=now)
    second.attachments.append(OutboxAttachment(filename="c.pdf", content_type="application/pdf", data=b"%PDF"))
    db.session.add_all([second, first, _message("other@example.org")])
    db.session.commit()

    exported = export_mail_for("ME@example.org")

    assert [m["body"] for m in exported] == [f"Open {MASK} now.", "Sent."]
    assert exported[0]["status"] == "pending" and exported[0]["sent_at"] is None
    assert exported[1]["attachments"] == ["c.pdf"] and exported[1]["sent_at"] == now.isoformat()


def _aged(app, db):
    """One message of each kind, old and new; returns them by name."""
    now = utcnow()
    old = now - timedelta(days=app.config["OUTBOX_RETENTION_DAYS"] + 1)
    recent = now - timedelta(days=10)
    rows = {
        "old_sent": _message(created_at=old, sent_at=old, attempts=1),
        "recent_sent": _message(created_at=recent, sent_at=recent, attempts=1),
        "old_failed": _message(created_at=old, attempts=MAX_ATTEMPTS),
        "recent_failed": _message(created_at=recent, attempts=MAX_ATTEMPTS),
        "old_retrying": _message(created_at=old, attempts=3),
        "old_pending": _message(created_at=old),
    }
    rows["old_sent"].attachments.append(OutboxAttachment(filename="a", content_type="text/plain", data=b"a"))
    db.session.add_all(rows.values())
    db.session.commit()
    return {name: msg.id for name, msg in rows.items()}


def _left(db) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(db.select(OutboxMessage.id)))


def test_purge_deletes_sent_and_failed_mail_after_the_retention_period(app, db):
    """Sent mail and mail that gave up are deleted once older than OUTBOX_RETENTION_DAYS (90 by default);
    newer mail and mail still to be delivered are kept."""
    assert app.config["OUTBOX_RETENTION_DAYS"] == 90
    ids = _aged(app, db)
    assert purge_outbox() == 2
    db.session.commit()
    assert _left(db) == {ids[n] for n in ("recent_sent", "recent_failed", "old_retrying", "old_pending")}
    assert count_rows(OutboxAttachment) == 0


def test_mail_purge_command(app, db):
    """`flask mail purge` deletes what is past the retention period; --days overrides the setting."""
    ids = _aged(app, db)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 messages older than 90 days" in result.output
    result = runner.invoke(args=["mail", "purge", "--days", "0"])
    assert "deleted 2 messages older than 0 days" in result.output
    assert _left(db) == {ids["old_retrying"], ids["old_pending"]}


def test_worker_purges_on_start_and_then_once_an_hour(app, db, monkeypatch):
    """The mail worker purges on its first pass and again when an hour has passed, not on every pass."""

    class Stop(Exception):
        pass

    clock = {"now": 1000.0}
    seen = []
    ids = _aged(app, db)

    def sleep(_seconds):
        seen.append(_left(db))
        if len(seen) == 1:  # a minute later: more old mail arrives, but it is not yet time to purge
            clock["now"] += 60
            ids.update(_aged(app, db))
        elif len(seen) == 2:
            clock["now"] += 3600
        else:
            raise Stop

    monkeypatch.setattr("uprest.mail.time", NS(monotonic=lambda: clock["now"], sleep=sleep))
    with pytest.raises(Stop):
        run_worker(interval=1)
    first, second, third = seen
    assert len(first) == 4 and len(second) == 10 and len(third) == 8


def test_retention_is_a_typed_setting(app):
    """UPREST_OUTBOX_RETENTION_DAYS is read as a whole number."""
    assert from_environment({"UPREST_OUTBOX_RETENTION_DAYS": "30"}) == {"OUTBOX_RETENTION_DAYS": 30}


def test_privacy_page_states_the_retention_period(app, client):
    """The privacy notice says how long copies of mail are kept, from the setting."""
    assert "deleted 90 days after they were sent" in client.get("/privacy").get_data(as_text=True)
    app.config["OUTBOX_RETENTION_DAYS"] = 30
    try:
        assert "deleted 30 days after they were sent" in client.get("/privacy").get_data(as_text=True)
    finally:
        app.config["OUTBOX_RETENTION_DAYS"] = 90
