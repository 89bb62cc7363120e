"""The one way to send mail.

Every message is written to the outbox table first (so nothing is lost and
admins can read it). When UPREST_SMTP_URL is set the message is then handed to
the SMTP server; a failure is recorded on the outbox row and retried by
``flask mail retry``, never raised into the user's request.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from uprest.extensions import db, utcnow

log = logging.getLogger("uprest.mail")


def send_mail(to: str, subject: str, template: str, locale: str = "en", **context):
    """Render `template` (text) in the recipient's locale, store it, and deliver it if SMTP is set.

    Flushes, never commits: the caller's commit keeps the message with the action.
    """
    from uprest.accounts.models import OutboxMessage

    with force_locale(locale):
        subject_text = str(subject)
        body = render_template(template, **context)
    msg = OutboxMessage(to_address=to, subject=subject_text, body_text=body)
    db.session.add(msg)
    db.session.flush()
    if current_app.config.get("SMTP_URL"):
        deliver(msg)
    else:
        log.info("Mail kept in the outbox (no SMTP configured)\nTo: %s\nSubject: %s\n\n%s",
                 to, subject_text, body)
    return msg


def deliver(msg) -> bool:
    """Try to hand one outbox message to SMTP; record the outcome on the row."""
    msg.attempts += 1
    try:
        _smtp_send(current_app.config["SMTP_URL"], current_app.config["MAIL_FROM"], msg)
    except (OSError, smtplib.SMTPException) as exc:
        msg.last_error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("SMTP delivery of outbox message %s failed: %s", msg.id, exc)
        return False
    msg.sent_at = utcnow()
    msg.last_error = None
    return True


def retry_pending(limit: int = 100) -> tuple[int, int]:
    """Deliver unsent messages (for the CLI / a cron job). Returns (sent, failed)."""
    from uprest.accounts.models import OutboxMessage

    sent = failed = 0
    pending = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    for msg in pending:
        if deliver(msg):
            sent += 1
        else:
            failed += 1
    db.session.flush()
    return sent, failed


def _smtp_send(url: str, sender: str, msg) -> None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = parts.hostname or "localhost"
    use_ssl = parts.scheme == "smtps"
    port = parts.port or (465 if use_ssl else 25)
    timeout = float(query.get("timeout", ["10"])[0])
    email = EmailMessage()
    email["From"] = sender
    email["To"] = msg.to_address
    email["Subject"] = msg.subject
    email["Message-ID"] = make_msgid(domain="uprest.local")
    email.set_content(msg.body_text)
    context = ssl.create_default_context()
    cls = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
    kwargs = {"context": context} if use_ssl else {}
    with cls(host, port, timeout=timeout, **kwargs) as smtp:
        if not use_ssl and query.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
            smtp.starttls(context=context)
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(email)
