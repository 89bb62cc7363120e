"""Mail: written to the outbox in the action's transaction, delivered after the commit by the worker."""

from __future__ import annotations

import email
import socket
import threading
from datetime import timedelta
from email import policy
from types import SimpleNamespace as NS

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import csrf_token, login
from uprest.accounts.models import PasswordResetToken
from uprest.extensions import utcnow
from uprest.mail import (
    MAX_ATTEMPTS,
    REMOVED,
    Attachment,
    OutboxMessage,
    deliver_pending,
    send_mail,
)


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def parsed(self, i=0):
        return email.message_from_bytes(self.messages[i].content, policy=policy.default)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server(app):
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}?helo=localhost"
    yield sink
    app.config["SMTP_URL"] = None
    controller.stop()


def _forgot(client, address):
    return client.post(
        "/password/forgot", data={"email": address, "csrf_token": csrf_token(client, "/password/forgot")}
    )


def _only_message(db) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(db.select(OutboxMessage)).one()


def test_request_never_talks_to_smtp_worker_delivers(app, client, create_user, db, smtp_server):
    """The reset request only writes the outbox; the worker's pass delivers it afterwards and marks it sent."""
    user = create_user(email="smtp@example.org")
    assert _forgot(client, user.email).status_code == 302
    assert smtp_server.messages == []  # nothing left the request
    assert _only_message(db).status == "pending"
    assert deliver_pending() == (1, 0)
    assert smtp_server.messages[0].rcpt_tos == ["smtp@example.org"]
    assert b"/password/reset/" in smtp_server.messages[0].content
    msg = _only_message(db)
    assert msg.sent_at is not None and msg.attempts == 1 and msg.status == "sent"


def test_headers_date_and_message_id_of_configured_domain(app, create_user, db, smtp_server):
    """A delivered mail has Date, a Message-ID in the sender's domain (the same on every attempt) and From."""
    app.config["MAIL_FROM"] = "UPREST Cervia <no-reply@learn.cervia.example>"
    try:
        with app.test_request_context("/"):
            msg = send_mail(
                "a@example.org",
                "Hello",
                "email/invitation.txt",
                org=NS(name="Hotel Vänern"),
                inviter=NS(name="Ann"),
                link="http://x",
                days=3,
            )
            db.session.commit()
        stored_id = msg.message_id
        deliver_pending()
    finally:
        app.config["MAIL_FROM"] = "UPREST <no-reply@uprest.local>"
    parsed = smtp_server.parsed()
    assert parsed["Message-ID"] == stored_id and stored_id.endswith("@learn.cervia.example>")
    assert parsed["Date"] is not None and parsed["Date"].datetime.tzinfo is not None
    assert parsed["From"].addresses[0].addr_spec == "no-reply@learn.cervia.example"


def test_attachments_reach_the_recipient(app, db, smtp_server):
    """An .ics and a PDF attached to a mail arrive as MIME parts with their names, types and bytes."""
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    with app.test_request_context("/"):
        send_mail(
            "b@example.org",
            "Your session",
            "email/invitation.txt",
            org=NS(name="Hotel Vänern"),
            inviter=NS(name="Ann"),
            link="x",
            days=1,
            attachments=(
                Attachment("session.ics", "text/calendar", ics),
                Attachment("certificate.pdf", "application/pdf", pdf),
            ),
        )
        db.session.commit()
    deliver_pending()
    parts = {p.get_filename(): p for p in smtp_server.parsed().iter_attachments()}
    assert parts["session.ics"].get_content_type() == "text/calendar"
    assert parts["certificate.pdf"].get_content_type() == "application/pdf"
    assert parts["certificate.pdf"].get_payload(decode=True) == pdf
    assert parts["session.ics"].get_payload(decode=True) == ics


def test_rolled_back_action_sends_nothing(app, db, smtp_server, create_user):
    """Mail written in a transaction that is rolled back never reaches the outbox or SMTP."""
    user = create_user(email="rollback@example.org")
    with app.test_request_context("/"):
        from uprest.accounts import services

        services.request_password_reset(user.email)
        db.session.rollback()
    assert deliver_pending() == (0, 0)
    assert smtp_server.messages == []
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


def test_smtp_failure_keeps_action_and_backs_off(app, client, create_user, db):
    """When SMTP is down the reset is recorded, the message waits with its error and is not retried
    before its back-off time; after MAX_ATTEMPTS it is marked failed and left alone."""
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}?timeout=2"
    try:
        user = create_user(email="down@example.org")
        assert _forgot(client, user.email).status_code == 302
        assert db.session.scalar(db.select(db.func.count(PasswordResetToken.id))) == 1
        assert deliver_pending() == (0, 1)
        msg = _only_message(db)
        assert msg.attempts == 1 and "Error" in msg.last_error and msg.status == "retrying"
        assert msg.next_attempt_at > utcnow()
        assert deliver_pending() == (0, 0)  # backing off
        msg.attempts, msg.next_attempt_at = MAX_ATTEMPTS, None
        db.session.commit()
        assert deliver_pending() == (0, 0)
        assert _only_message(db).status == "failed"
    finally:
        app.config["SMTP_URL"] = None


def test_secret_link_masked_for_admins_and_removed_after_delivery(app, client, create_user, db, smtp_server):
    """The reset link is hidden in the admin outbox view, delivered intact, then removed from the stored body."""
    user = create_user(email="secret@example.org")
    _forgot(client, user.email)
    msg = _only_message(db)
    link = msg.secrets[0]
    assert "/password/reset/" in link and link in msg.body_text
    admin = create_user(role="admin")
    admin_client = app.test_client()
    login(admin_client, admin.email)
    page = admin_client.get(f"/admin/outbox/{msg.id}").get_data(as_text=True)
    assert link not in page and "/password/reset/" not in page and "Reset your UPREST password" in page
    deliver_pending()
    assert link in smtp_server.parsed().get_content()
    msg = _only_message(db)
    assert link not in msg.body_text and REMOVED in msg.body_text and msg.secrets is None


def test_parallel_workers_deliver_each_message_once(app, db, smtp_server):
    """Four workers passing over the outbox at the same time deliver each of 30 messages exactly once."""
    for i in range(30):
        db.session.add(
            OutboxMessage(to_address=f"p{i}@example.org", subject=f"n{i}", body_text="Body", message_id=f"<{i}@test>")
        )
    db.session.commit()
    errors = []

    def work(name):
        try:
            with app.app_context():
                deliver_pending(limit=10, worker=name)
                deliver_pending(limit=30, worker=name)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    recipients = sorted(m.rcpt_tos[0] for m in smtp_server.messages)
    assert recipients == sorted(f"p{i}@example.org" for i in range(30))
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))) == 0


def test_expired_claim_is_taken_over(app, db, smtp_server):
    """A message claimed by a worker that died is delivered by another once the lease has run out."""
    db.session.add(
        OutboxMessage(
            to_address="lease@example.org",
            subject="s",
            body_text="b",
            claimed_by="dead",
            claimed_until=utcnow() + timedelta(minutes=1),
        )
    )
    db.session.commit()
    assert deliver_pending() == (0, 0)
    msg = _only_message(db)
    msg.claimed_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending() == (1, 0)


def test_worker_and_retry_commands(app, db, smtp_server):
    """`flask mail worker --once` and `flask mail retry` deliver what is pending."""
    db.session.add(OutboxMessage(to_address="later@example.org", subject="Hello", body_text="Body"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 1
    db.session.add(OutboxMessage(to_address="again@example.org", subject="Hello", body_text="Body"))
    db.session.commit()
    assert "sent 1, failed 0" in app.test_cli_runner().invoke(args=["mail", "retry"]).output


def test_mail_in_recipient_language(app, client, create_user, db):
    """The reset mail is written in the recipient's saved language."""
    user = create_user(email="it@example.org", locale="it")
    _forgot(client, user.email)
    assert "Ciao" in _only_message(db).body_text


def test_no_write_is_open_while_smtp_sends(app, db, monkeypatch):
    """Delivery reads and builds the message before writing anything, so no write transaction (SQLite's
    write lock) is held while the SMTP server takes its time."""
    from sqlalchemy import event

    from uprest import mail

    msg = OutboxMessage(to_address="slow@example.org", subject="s", body_text="b")
    msg.attachments.append(mail.OutboxAttachment(filename="a.ics", content_type="text/calendar", data=b"x"))
    db.session.add(msg)
    db.session.commit()
    seen = []

    def statement(_conn, _cursor, sql, *_args):
        seen.append(sql.split()[0].upper())

    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.setattr(mail, "_smtp_send", lambda url, email: seen.append("SEND"))
    mail.claim("w", 10)
    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        assert mail.deliver(db.session.get(OutboxMessage, msg.id)) is True
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
    before_send = seen[: seen.index("SEND")]
    assert not {"UPDATE", "INSERT", "DELETE"} & set(before_send), seen
