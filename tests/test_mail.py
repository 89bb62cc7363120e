"""Mail: outbox always, SMTP when configured, and a failing SMTP server never loses the user's action."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import csrf_token
from uprest.accounts.models import OutboxMessage, PasswordResetToken


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture()
def smtp_server():
    sink = Sink()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def test_mail_delivered_by_smtp(app, client, create_user, db, smtp_server):
    """With UPREST_SMTP_URL set, the reset mail reaches the SMTP server and is marked sent."""
    sink, port = smtp_server
    user = create_user(email="smtp@example.org")
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        client.post("/password/forgot", data={"email": user.email,
                                              "csrf_token": csrf_token(client, "/password/forgot")})
    finally:
        app.config["SMTP_URL"] = None
    assert len(sink.messages) == 1
    assert sink.messages[0].rcpt_tos == ["smtp@example.org"]
    assert b"/password/reset/" in sink.messages[0].content
    msg = db.session.scalar(db.select(OutboxMessage))
    assert msg.sent_at is not None and msg.attempts == 1


def test_smtp_failure_keeps_action_and_outbox(app, client, create_user, db):
    """When SMTP is down the reset is still recorded, the message stays in the outbox with the error."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    user = create_user(email="down@example.org")
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{dead_port}?timeout=2"
    try:
        resp = client.post("/password/forgot", data={"email": user.email,
                                                     "csrf_token": csrf_token(client, "/password/forgot")})
    finally:
        app.config["SMTP_URL"] = None
    assert resp.status_code == 302
    assert db.session.scalar(db.select(db.func.count(PasswordResetToken.id))) == 1
    msg = db.session.scalar(db.select(OutboxMessage))
    assert msg.sent_at is None and msg.attempts == 1 and "Error" in msg.last_error


def test_retry_delivers_pending(app, db, smtp_server, create_user):
    """`flask mail retry` sends what is still pending once SMTP is back."""
    sink, port = smtp_server
    db.session.add(OutboxMessage(to_address="later@example.org", subject="Hello", body_text="Body"))
    db.session.commit()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        result = app.test_cli_runner().invoke(args=["mail", "retry"])
    finally:
        app.config["SMTP_URL"] = None
    assert "sent 1, failed 0" in result.output
    assert len(sink.messages) == 1


def test_mail_in_recipient_language(app, client, create_user, db):
    """The reset mail is written in the recipient's saved language."""
    user = create_user(email="it@example.org", locale="it")
    client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")})
    msg = db.session.scalar(db.select(OutboxMessage))
    assert "Ciao" in msg.body_text or "password" in msg.body_text.lower()
