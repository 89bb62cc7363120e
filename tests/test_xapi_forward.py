"""Forwarding statements to an external LRS: a tiny local LRS (http.server in a thread) receives them."""

from __future__ import annotations

import base64
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import complete_assessment, count_rows, make_assessment_frameworks
from uprest.extensions import db, utcnow
from uprest.xapi import forward, services
from uprest.xapi.models import ForwardItem, Statement
from uprest.xapi.statements import Activity, Result

LESSON = Activity(path="/courses/web-basics/lessons/1", type="lesson", name={"en": "First lesson"})


class FakeLrs(ThreadingHTTPServer):
    """Records every POST; answers `status` (or what `answer(statements)` says)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.status = 200
        self.answer = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/lrs/"

    def received_ids(self) -> list[str]:
        return [s["id"] for r in self.requests if r["status"] < 300 for s in r["body"]]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.server.answer(body) if self.server.answer else self.server.status
        with self.server.lock:
            self.server.requests.append({"path": self.path, "headers": self.headers, "body": body, "status": status})
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        payload = json.dumps([s["id"] for s in body]).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture()
def lrs_server():
    server = FakeLrs()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture()
def forwarding(app, monkeypatch, lrs_server):
    """Forwarding configured to the fake LRS with Basic credentials."""
    monkeypatch.setitem(app.config, "XAPI_FORWARD_URL", lrs_server.url)
    monkeypatch.setitem(app.config, "XAPI_FORWARD_USERNAME", "uprest")
    monkeypatch.setitem(app.config, "XAPI_FORWARD_PASSWORD", "s3cret:with colon")
    return lrs_server


def closed_port_url() -> str:
    """An address where nothing listens (the LRS is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/lrs"


def record(user, n: int = 1) -> list[Statement]:
    rows = [services.record(user, "progressed", LESSON, result=Result(progress=0.5)) for _ in range(n)]
    db.session.commit()
    return rows


def items() -> list[ForwardItem]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(ForwardItem).order_by(ForwardItem.id)))


def test_nothing_is_queued_without_forwarding(app, create_user):
    """Without XAPI_FORWARD_URL record queues nothing and a worker pass does nothing."""
    record(create_user(), 2)
    assert count_rows(ForwardItem) == 0
    assert forward.forward_pending() == (0, 0)


def test_statements_are_forwarded_in_a_batch(forwarding, create_user):
    """Queued statements are POSTed once, as one batch, to <url>/statements with the version header and Basic
    credentials; they are then marked sent and a second pass sends nothing."""
    rows = record(create_user(), 3)
    assert count_rows(ForwardItem) == 3
    assert forwarding.requests == []  # nothing is sent while recording
    assert forward.forward_pending() == (3, 0)
    (req,) = forwarding.requests
    assert req["path"] == "/lrs/statements"
    assert req["headers"]["X-Experience-API-Version"] == "1.0.3"
    assert req["headers"]["Content-Type"] == "application/json"
    expected = "Basic " + base64.b64encode(b"uprest:s3cret:with colon").decode()
    assert req["headers"]["Authorization"] == expected
    assert req["body"] == [r.document for r in rows]
    assert all(i.sent_at is not None and i.attempts == 1 and i.claimed_by is None for i in items())
    assert forward.forward_pending() == (0, 0)
    assert len(forwarding.requests) == 1


def test_lrs_down_does_not_affect_the_learner(app, client, login_as, monkeypatch, lrs_server):
    """With the LRS down a learner still submits an assessment; the statement waits, the pass fails with the
    error kept and a later retry time, and it is sent once the LRS is back and the retry is due."""
    monkeypatch.setitem(app.config, "XAPI_FORWARD_URL", closed_port_url())
    make_assessment_frameworks()
    user = login_as("learner")
    run = complete_assessment(client, user)  # asserts the 302 to the result page
    assert run.submitted_at is not None
    (item,) = items()
    assert item.sent_at is None and item.attempts == 0

    assert forward.forward_pending() == (0, 1)
    (item,) = items()
    assert item.attempts == 1 and item.sent_at is None and item.claimed_by is None
    assert "Connection" in item.last_error or "Errno" in item.last_error
    assert item.next_attempt_at > utcnow()
    assert forward.forward_pending() == (0, 0)  # not due yet: nothing is tried

    monkeypatch.setitem(app.config, "XAPI_FORWARD_URL", lrs_server.url)
    item.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert forward.forward_pending() == (1, 0)
    assert lrs_server.received_ids() == [item.statement.statement_id]
    (item,) = items()
    assert item.sent_at is not None and item.attempts == 2 and item.last_error is None


def test_retries_back_off_and_give_up(forwarding, create_user):
    """Each failure waits longer (1, 2, 4 ... minutes, at most 6 h); after MAX_ATTEMPTS the item is given up."""
    assert [forward.retry_delay(n) for n in (1, 2, 3, 10, 30)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=360),
        timedelta(minutes=360),
    ]
    forwarding.status = 500
    record(create_user())
    (item,) = items()
    item.attempts = forward.MAX_ATTEMPTS - 1
    db.session.commit()
    assert forward.forward_pending() == (0, 1)
    (item,) = items()
    assert item.attempts == forward.MAX_ATTEMPTS and item.last_error.startswith("HTTP 500")
    item.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    forwarding.status = 200
    assert forward.forward_pending() == (0, 0)  # given up: never tried again
    assert forward.queue_counts() == {"waiting": 0, "sent": 0, "failed": 1}


def test_redirect_is_not_followed(forwarding, create_user):
    """A redirect is a failure: statements and credentials go to the configured address only."""
    forwarding.status = 302
    record(create_user())
    assert forward.forward_pending() == (0, 1)
    assert len(forwarding.requests) == 1
    assert items()[0].last_error.startswith("HTTP 302")


def test_one_refused_statement_does_not_block_the_batch(forwarding, create_user):
    """A batch refused with 400 is sent again one by one: only the statement the LRS refuses fails; a 409 for
    a statement the LRS already holds counts as sent."""
    rows = record(create_user(), 3)
    bad, held = rows[0].statement_id, rows[1].statement_id

    def answer(body):
        ids = {s["id"] for s in body}
        if bad in ids:
            return 400
        return 409 if held in ids else 200

    forwarding.answer = answer
    assert forward.forward_pending() == (2, 1)
    outcome = {i.statement.statement_id: i.sent_at is not None for i in items()}
    assert outcome == {bad: False, held: True, rows[2].statement_id: True}


def test_claimed_items_are_not_sent_by_another_worker(forwarding, create_user):
    """Items claimed by one worker are invisible to another until the lease ends."""
    rows = record(create_user(), 4)
    mine = forward.claim("worker-a", 100)
    assert len(mine) == 4
    assert forward.claim("worker-b", 100) == []
    assert forward.forward_pending(worker="worker-b") == (0, 0)
    assert forwarding.requests == []
    # worker-a dies; after its lease the items are due again, for anyone
    for item in items():
        item.claimed_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert forward.forward_pending(worker="worker-b") == (4, 0)
    assert sorted(forwarding.received_ids()) == sorted(r.statement_id for r in rows)


def test_two_workers_never_send_a_statement_twice(app, forwarding, create_user, monkeypatch):
    """Two workers running at the same time send every statement exactly once between them."""
    monkeypatch.setattr(forward, "BATCH", 5)
    rows = record(create_user(), 30)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def work(name):
        try:
            with app.app_context():
                barrier.wait()
                total = [0, 0]
                while True:
                    sent, failed = forward.forward_pending(limit=7, worker=name)
                    if not sent and not failed:
                        break
                    total[0] += sent
                    total[1] += failed
                results[name] = tuple(total)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    received = forwarding.received_ids()
    assert len(received) == len(set(received)) == 30
    assert set(received) == {r.statement_id for r in rows}
    assert sum(sent for sent, _ in results.values()) == 30
    assert all(i.sent_at is not None for i in items())


def test_worker_loop_and_cli_forward(app, forwarding, create_user):
    """The mail worker's tick forwards statements (Feature.outbox_worker); so does `flask xapi forward`."""
    from uprest.accounts.models import User
    from uprest.mail import run_worker

    user_id = create_user().id
    record(db.session.get(User, user_id))
    run_worker(once=True)  # ends with db.session.remove()
    assert len(forwarding.received_ids()) == 1
    record(db.session.get(User, user_id))
    result = app.test_cli_runner().invoke(args=["xapi", "forward"])
    assert result.exit_code == 0 and "sent 1, failed 0" in result.output
    assert len(forwarding.received_ids()) == 2


def test_cli_without_forwarding_url_fails(app):
    """`flask xapi forward` without UPREST_XAPI_FORWARD_URL says so and exits with an error."""
    result = app.test_cli_runner().invoke(args=["xapi", "forward"])
    assert result.exit_code != 0 and "XAPI_FORWARD_URL" in result.output


def test_housekeeping_deletes_old_forward_items(app, forwarding, create_user):
    """Sent items older than the retention period are deleted; recent and waiting ones are kept."""
    record(create_user(), 3)
    old, recent, waiting = items()
    old.sent_at = utcnow() - timedelta(days=app.config["OUTBOX_RETENTION_DAYS"] + 1)
    recent.sent_at = utcnow()
    db.session.commit()
    assert forward.housekeeping() == 1
    db.session.commit()
    assert [i.id for i in items()] == [recent.id, waiting.id]
    assert count_rows(Statement) == 3


def test_failing_outbox_worker_does_not_stop_the_worker(app, monkeypatch, caplog):
    """An outbox pass that raises is logged and rolled back; the worker's tick goes on."""
    from uprest.mail import run_outbox_workers

    def broken(limit):
        raise RuntimeError("database went away")

    monkeypatch.setattr(forward, "forward_pending", broken)
    run_outbox_workers(10)
    assert "the xapi outbox pass failed" in caplog.text
