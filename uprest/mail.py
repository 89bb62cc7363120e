"""The one way to send mail: an outbox in the database and a worker that delivers it.

``send_mail`` renders the message in the recipient's language and adds it to
the outbox, in the caller's transaction: a rolled-back action never sends mail,
and no request ever waits on an SMTP server (or shows by its timing whether an
address exists). ``flask mail worker`` delivers what is pending, beside the web
server; several workers on several servers share the work safely: a message is
claimed by a conditional update (with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL
to pass over rows another worker holds) and the claim is a lease, so a worker
that dies mid-delivery leaves the message to the next one.

Secrets in a mail (a reset or invitation link) are named by the sender: they
are masked in the administrators' view and removed from the stored body once
the message is delivered.

Mail is kept only for ``OUTBOX_RETENTION_DAYS`` after delivery (``purge_outbox``,
run hourly by the worker and by ``flask mail purge``); a person's mail is part of
their data download and goes with their account (``export_mail_for``,
``erase_mail_for``; see docs/privacy-data.md).
"""

from __future__ import annotations

import logging
import re
import secrets as _secrets
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from uprest import outbox
from uprest.extensions import UTCDateTime, db, utcnow

log = logging.getLogger("uprest.mail")

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
REMOVED = "[removed after delivery]"
MASK = "••••••"
#: What replaces an erased person's name and address in mail to other people.
ERASED = "[erased]"
#: Seconds between two purges of old mail by the worker.
PURGE_EVERY = 3600.0


class OutboxMessage(outbox.OutboxRow, db.Model):
    """Every e-mail the platform sends, kept for admins and for retries (attempts, back-off and a worker's
    lease: the ``OutboxRow`` columns)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(db.Text)
    #: The Message-ID header, fixed when the message is written, so a retried delivery is the same message.
    message_id: Mapped[str | None] = mapped_column(String(255))
    #: Substrings of the body that are secrets (links with tokens): masked for admins, removed once sent.
    secrets: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )

    @property
    def status(self) -> str:
        """sent | failed (gave up) | retrying | pending."""
        if self.sent_at is not None:
            return "sent"
        if self.attempts >= MAX_ATTEMPTS:
            return "failed"
        return "retrying" if self.attempts else "pending"

    @property
    def masked_body(self) -> str:
        """The body with its secrets masked, for the administrators' view."""
        body = self.body_text
        for secret in self.secrets or ():
            body = body.replace(secret, MASK)
        return body


class OutboxAttachment(db.Model):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar", "application/pdf"
    data: bytes


# --- writing ------------------------------------------------------------------------------------


def mail_domain() -> str:
    """The domain of the configured sender, used in Message-ID headers."""
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "uprest.local"


def send_mail(
    to: str,
    subject,
    template: str,
    locale: str = "en",
    *,
    secrets: tuple[str, ...] = (),
    attachments: tuple[Attachment, ...] = (),
    **context,
) -> OutboxMessage:
    """Render `template` (text) in the recipient's locale and add it to the outbox.

    `secrets` are values in the context (links with tokens) that must not outlive delivery.
    Flushes, never commits: the caller's commit keeps the message with the action, and the
    worker delivers it after that commit.
    """
    with force_locale(locale):
        subject_text = str(subject)
        body = render_template(template, **context)
    msg = OutboxMessage(
        to_address=to,
        subject=subject_text,
        body_text=body,
        message_id=make_msgid(domain=mail_domain()),
        secrets=[s for s in secrets if s] or None,
        attachments=[
            OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data) for a in attachments
        ],
    )
    db.session.add(msg)
    db.session.flush()
    if not current_app.config.get("SMTP_URL"):
        log.info("Mail kept in the outbox (no SMTP configured)\nTo: %s\nSubject: %s\n\n%s", to, subject_text, body)
    return msg


def outbox_stmt():
    """The outbox, newest first (for the administrators' view)."""
    return db.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


def outbox_message(msg_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, msg_id)


# --- a person's mail (data download, erasure) and retention ---------------------------------------


def _to(address: str):
    """Messages addressed to `address` (addresses compare without case)."""
    return func.lower(OutboxMessage.to_address) == address.strip().lower()


def export_mail_for(address: str) -> list[dict]:
    """The mail sent (or to be sent) to `address`, oldest first, as plain data for the person's data
    download: secrets masked, attachments by name only."""
    messages = db.session.scalars(
        db.select(OutboxMessage)
        .where(_to(address))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .options(selectinload(OutboxMessage.attachments).load_only(OutboxAttachment.filename))
    )
    return [
        {
            "to": m.to_address,
            "subject": m.subject,
            "body": m.masked_body,
            "attachments": [a.filename for a in m.attachments],
            "created_at": m.created_at.isoformat(),
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            "status": m.status,
        }
        for m in messages
    ]


def _delete_messages(*where) -> int:
    """Delete the messages matching `where` with their attachments (flushes). Returns how many."""
    ids = db.select(OutboxMessage.id).where(*where)
    db.session.execute(db.delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(ids)))
    count = db.session.execute(db.delete(OutboxMessage).where(*where)).rowcount
    db.session.flush()
    return count


def erase_mail_for(address: str, *, name: str | None = None) -> int:
    """Erase a person from the outbox (account deletion): every message to `address` is deleted with its
    attachments, sent or not; in mail to other people (an invitation they sent, a note to a business owner
    about them) their address and `name` are replaced by ERASED. Flushes, never commits. Returns how many
    messages were deleted."""
    deleted = _delete_messages(_to(address))
    needles = [n for n in {address.strip(), (name or "").strip()} if len(n) >= 2]
    if not needles:
        return deleted
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in needles), re.IGNORECASE)
    # Candidates in SQL (names are written into mail as stored; lower() catches other cases of ASCII letters),
    # the exact replacement in Python (case-insensitive, whole words only).
    candidates = db.or_(
        *(
            cond
            for n in needles
            for col in (OutboxMessage.subject, OutboxMessage.body_text)
            for cond in (col.contains(n, autoescape=True), func.lower(col).contains(n.lower(), autoescape=True))
        )
    )
    for msg in db.session.scalars(db.select(OutboxMessage).where(candidates)):
        msg.subject = pattern.sub(ERASED, msg.subject)
        msg.body_text = pattern.sub(ERASED, msg.body_text)
        if msg.secrets:
            msg.secrets = [pattern.sub(ERASED, s) for s in msg.secrets]
    db.session.flush()
    return deleted


def purge_outbox(days: int | None = None) -> int:
    """Delete the mail kept longer than the retention period (``OUTBOX_RETENTION_DAYS`` unless `days` is
    given): messages sent more than that many days ago, and messages that gave up (failed
    ``MAX_ATTEMPTS`` times) and were written more than that many days ago. Pending and retrying mail is
    kept. Flushes, never commits. Returns how many messages were deleted."""
    if days is None:
        days = current_app.config["OUTBOX_RETENTION_DAYS"]
    cutoff = utcnow() - timedelta(days=max(0, days))
    return _delete_messages(outbox.kept_too_long(OutboxMessage, cutoff, MAX_ATTEMPTS))


# --- delivering ---------------------------------------------------------------------------------


def as_email(msg: OutboxMessage, sender: str) -> EmailMessage:
    """The outbox row as a complete RFC 5322 message with its attachments."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = msg.to_address
    email["Subject"] = msg.subject
    email["Date"] = format_datetime(msg.created_at)
    email["Message-ID"] = msg.message_id or make_msgid(domain=mail_domain())
    email.set_content(msg.body_text)
    for a in msg.attachments:
        maintype, _, subtype = a.content_type.partition("/")
        email.add_attachment(a.data, maintype=maintype, subtype=subtype or "octet-stream", filename=a.filename)
    return email


def deliver(msg: OutboxMessage) -> bool:
    """Hand one outbox message to SMTP and record the outcome on the row (flushes).

    The message (with its attachments) is read and built before anything is written, so no write
    transaction (on SQLite: the database's write lock) is open while the SMTP server takes its time."""
    email = as_email(msg, current_app.config["MAIL_FROM"])
    try:
        _smtp_send(current_app.config["SMTP_URL"], email)
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.warning("SMTP delivery of outbox message %s failed (attempt %s): %s", msg.id, msg.attempts + 1, exc)
    else:
        error = None
        for secret in msg.secrets or ():
            msg.body_text = msg.body_text.replace(secret, REMOVED)
        msg.secrets = None
    msg.record_attempt(error)
    db.session.flush()
    return error is None


def claim(worker: str, limit: int) -> list[int]:
    """Claim up to `limit` due messages for `worker` and commit the claim (``outbox.claim``: safe with many
    workers, each message goes to exactly one of them)."""
    return outbox.claim(OutboxMessage, worker, limit, lease=LEASE, max_attempts=MAX_ATTEMPTS)


def deliver_pending(limit: int = 100, worker: str | None = None) -> tuple[int, int]:
    """Claim and deliver what is due, committing after each message. Returns (sent, failed)."""
    worker = worker or _secrets.token_hex(8)
    sent = failed = 0
    for msg_id in claim(worker, limit):
        msg = db.session.get(OutboxMessage, msg_id)
        if msg is None or msg.claimed_by != worker or msg.sent_at is not None:
            continue
        if deliver(msg):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


def housekeeping() -> int:
    """The kernel's and every feature's periodic clean-up (expired rate-limit counters, registrations and
    the like); flushes. Rows deleted."""
    from uprest.ratelimit import purge_expired
    from uprest.registry import hooks

    return purge_expired() + sum(task() or 0 for task in hooks("housekeeping"))


def run_outbox_workers(limit: int = 100) -> None:
    """One pass of every feature's outbox (``Feature.outbox_worker``, e.g. xAPI forwarding); a failing one is
    logged and does not stop the others or the worker."""
    from uprest.registry import features, resolve

    for feature in features():
        if not feature.outbox_worker:
            continue
        try:
            sent, failed = resolve(feature.outbox_worker)(limit)
        except Exception:  # noqa: BLE001 - a database or network hiccup must not end the worker
            db.session.rollback()
            log.exception("worker: the %s outbox pass failed; trying again", feature.name)
            continue
        if sent or failed:
            log.info("worker: %s outbox sent %s, failed %s", feature.name, sent, failed)


def run_worker(*, interval: float = 2.0, once: bool = False, limit: int = 100) -> None:
    """Deliver pending mail until stopped (Ctrl-C, SIGTERM). Without SMTP, mail stays in the outbox.
    Once an hour (and on the first pass) mail older than the retention period is deleted (``purge_outbox``)."""
    worker = _secrets.token_hex(8)
    if not current_app.config.get("SMTP_URL"):
        log.info("mail worker: no UPREST_SMTP_URL; messages stay in the outbox")
    next_purge = time.monotonic()
    while True:
        if time.monotonic() >= next_purge:
            next_purge = time.monotonic() + PURGE_EVERY
            try:
                purged = purge_outbox() + housekeeping()
                db.session.commit()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
                db.session.rollback()
                log.exception("mail worker: purge failed; trying again in an hour")
            else:
                if purged:
                    log.info("mail worker: housekeeping deleted %s expired rows", purged)
        if current_app.config.get("SMTP_URL"):
            try:
                sent, failed = deliver_pending(limit, worker)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
                db.session.rollback()
                log.exception("mail worker: pass failed; trying again")
                sent = failed = 0
            if sent or failed:
                log.info("mail worker: sent %s, failed %s", sent, failed)
        run_outbox_workers(limit)
        db.session.remove()
        if once:
            return
        time.sleep(interval)


def _smtp_send(url: str, email: EmailMessage) -> None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = parts.hostname or "localhost"
    use_ssl = parts.scheme == "smtps"
    port = parts.port or (465 if use_ssl else 25)
    timeout = float(query.get("timeout", ["10"])[0])
    context = ssl.create_default_context()
    cls = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
    kwargs = {"context": context} if use_ssl else {}
    # The name given in EHLO: ?helo=mail.example.org, else the machine's own name (looked up by smtplib).
    kwargs["local_hostname"] = query.get("helo", [None])[0]
    with cls(host, port, timeout=timeout, **kwargs) as smtp:
        if not use_ssl and query.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
            smtp.starttls(context=context)
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(email)
