"""Forwarding statements to an external LRS (``XAPI_FORWARD_URL``), from an outbox, never during a request.

``record`` queues a ``ForwardItem`` in the learner's transaction; the worker (``flask mail worker``, through
``Feature.outbox_worker``, or ``flask xapi forward`` for one pass) sends what is due in batches with
``POST <XAPI_FORWARD_URL>/statements``. Several workers on several servers share the work as the mail outbox
does: an item is claimed by a conditional update (with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and the
claim is a lease, so each statement is sent by one worker, and a worker that dies leaves its items to the
next one after the lease. A failed batch is retried later with exponential back-off, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.orm import selectinload

from uprest import outbox
from uprest.extensions import db, utcnow
from uprest.outbox import retry_delay as retry_delay  # re-exported: forward.retry_delay is the back-off used here
from uprest.xapi.models import ForwardItem
from uprest.xapi.services import forwarding_enabled

log = logging.getLogger("uprest.xapi")

MAX_ATTEMPTS = 10
#: Longer than a batch can take (TIMEOUT per request, a retry of a batch one by one included).
LEASE = timedelta(minutes=5)
TIMEOUT = 10.0
BATCH = 50
XAPI_VERSION = "1.0.3"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: the statements and the credentials go to the configured address only."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def statements_url() -> str:
    base = current_app.config["XAPI_FORWARD_URL"].strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"UPREST_XAPI_FORWARD_URL={base!r} is not an http(s) address")
    return base.rstrip("/") + "/statements"


def post_statements(documents: list[dict]) -> int:
    """POST `documents` (a batch) to the external LRS; its HTTP status. Raises OSError (urllib's errors, a
    timeout) or ValueError (a bad address); an answer other than 2xx raises urllib.error.HTTPError."""
    cfg = current_app.config
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
    if cfg.get("XAPI_FORWARD_USERNAME") or cfg.get("XAPI_FORWARD_PASSWORD"):
        pair = f"{cfg.get('XAPI_FORWARD_USERNAME') or ''}:{cfg.get('XAPI_FORWARD_PASSWORD') or ''}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    body = json.dumps(documents, separators=(",", ":")).encode()
    req = urllib.request.Request(statements_url(), data=body, headers=headers, method="POST")
    with _opener.open(req, timeout=TIMEOUT) as resp:
        return resp.status


def _describe(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        detail = ""
        try:
            detail = exc.read(200).decode("utf-8", "replace")
        except OSError:
            pass
        return f"HTTP {exc.code}: {detail}".strip()[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def send(documents: list[dict]) -> list[str | None]:
    """Send a batch; for each statement None when the LRS took it, else why not. When the LRS refuses a batch
    for one of its statements (400 Bad Request) or because it already holds one of them (409 Conflict: an
    earlier attempt reached it), the batch is sent again one by one; a single statement it already holds
    counts as sent (our statement ids are never reused)."""
    try:
        post_statements(documents)
    except urllib.error.HTTPError as exc:
        if exc.code in (400, 409) and len(documents) > 1:
            return [send([doc])[0] for doc in documents]
        if exc.code == 409:
            return [None]
        return [_describe(exc)] * len(documents)
    except (OSError, ValueError) as exc:
        return [_describe(exc)] * len(documents)
    return [None] * len(documents)


def claim(worker: str, limit: int) -> list[int]:
    """Claim up to `limit` due items for `worker` and commit the claim (``outbox.claim``: safe with many
    workers, each item goes to exactly one of them)."""
    return outbox.claim(ForwardItem, worker, limit, lease=LEASE, max_attempts=MAX_ATTEMPTS)


def _finish(outcomes: dict[int, str | None], worker: str) -> None:
    """Record each item's outcome (None: sent, else the error) on the items this worker still holds; commits."""
    now = utcnow()
    items = db.session.scalars(
        db.select(ForwardItem).where(ForwardItem.id.in_(list(outcomes)), ForwardItem.claimed_by == worker)
    )
    for item in items:
        item.record_attempt(outcomes[item.id], now=now)
    db.session.commit()


def forward_pending(limit: int = 100, worker: str | None = None) -> tuple[int, int]:
    """Claim what is due and send it in batches, committing after each. Returns (sent, failed) statements.
    Does nothing when no XAPI_FORWARD_URL is configured. No transaction is open while the LRS answers."""
    if not forwarding_enabled():
        return 0, 0
    worker = worker or secrets.token_hex(8)
    sent = failed = 0
    claimed = claim(worker, limit)
    for start in range(0, len(claimed), BATCH):
        chunk = claimed[start : start + BATCH]
        items = list(
            db.session.scalars(
                db.select(ForwardItem)
                .where(ForwardItem.id.in_(chunk), ForwardItem.claimed_by == worker)
                .order_by(ForwardItem.id)
                .options(selectinload(ForwardItem.statement))
            )
        )
        ids = [item.id for item in items]
        documents = [item.statement.document for item in items]
        db.session.commit()  # ends the read transaction before the network
        if not documents:
            continue
        errors = send(documents)
        failures = [e for e in errors if e is not None]
        sent += len(errors) - len(failures)
        failed += len(failures)
        if failures:
            log.warning("xAPI forwarding: %s of %s statements failed: %s", len(failures), len(errors), failures[0])
        _finish(dict(zip(ids, errors, strict=True)), worker)
    return sent, failed


def housekeeping() -> int:
    """Delete forward items kept longer than OUTBOX_RETENTION_DAYS: sent ones, and those that gave up. Flushes.
    (The statements themselves stay in our LRS.)"""
    cutoff = utcnow() - timedelta(days=max(0, current_app.config["OUTBOX_RETENTION_DAYS"]))
    count = db.session.execute(
        db.delete(ForwardItem).where(outbox.kept_too_long(ForwardItem, cutoff, MAX_ATTEMPTS))
    ).rowcount
    db.session.flush()
    return count


def queue_counts() -> dict[str, int]:
    """How many items are waiting, sent and given up (for the administrators' page)."""
    count = db.func.count(ForwardItem.id)
    return {
        "waiting": db.session.scalar(
            db.select(count).where(ForwardItem.sent_at.is_(None), ForwardItem.attempts < MAX_ATTEMPTS)
        ),
        "sent": db.session.scalar(db.select(count).where(ForwardItem.sent_at.is_not(None))),
        "failed": db.session.scalar(
            db.select(count).where(ForwardItem.sent_at.is_(None), ForwardItem.attempts >= MAX_ATTEMPTS)
        ),
    }
