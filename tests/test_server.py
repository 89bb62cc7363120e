"""The server `make run` and the systemd unit start (gunicorn.conf.py), run for real.

It runs on a SQLite file (the embedded default), and in the suite's PostgreSQL pass on a PostgreSQL
database of its own.

What a municipality's one small server must survive, tested as behaviour (no timings asserted; the
figures are in docs/operations.md, from bench/slow_clients.py): slow clients do not take the site down
and are cut off with 408, rate limits hold across the workers, a reload and a stop drop no request.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS = 3
CLIENT_TIMEOUT = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A SQLite file (the embedded default), or, in the suite's PostgreSQL pass, a database of its own."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import TEST_DB_URL

    if not TEST_DB_URL or not TEST_DB_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('server-db') / 'app.sqlite'}"
        return
    url = make_url(TEST_DB_URL)
    name = f"{url.database}_server"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory, database_url):
    tmp = tmp_path_factory.mktemp("server")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("UPREST_") and key not in ("WEB_CONCURRENCY", "FLASK_APP")
    }
    env.update(
        UPREST_DATABASE_URL=database_url,
        UPREST_SECRET_KEY="server-test-secret-key-0123456789abcdef",
        UPREST_CLIENT_TIMEOUT=str(CLIENT_TIMEOUT),
        UPREST_RATELIMIT_LOGIN_PER_ACCOUNT="3 per hour",
    )
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = _free_port()
    log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if _get(base + "/healthz", timeout=2) == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + (tmp / "gunicorn.log").read_text()[-2000:])
    yield {"base": base, "port": port, "proc": proc, "log": tmp / "gunicorn.log"}
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    log.close()


def _slow_post(port: int, declared: int = 200) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {declared}\r\n\r\n".encode()
    )
    return s


def test_slow_clients_do_not_take_the_site_down_and_are_cut_off(server):
    """Far more slow clients than workers, each trickling a login body: others are still served, and
    each slow one is answered 408 once its time to send the body is up."""
    slow = [_slow_post(server["port"]) for _ in range(4 * WORKERS)]
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for s in slow:
                try:
                    s.send(b"a")
                except OSError:
                    pass
            stop.wait(0.5)

    dripper = threading.Thread(target=trickle, daemon=True)
    dripper.start()
    try:
        assert [_get(server["base"] + "/healthz") for _ in range(10)] == [200] * 10
        assert _get(server["base"] + "/login") == 200
        answers = []
        for s in slow:
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(1024)
                if not chunk:
                    break
                data += chunk
            answers.append(data.split(b" ", 2)[1])
    finally:
        stop.set()
        dripper.join()
        for s in slow:
            s.close()
    assert answers == [b"408"] * len(slow)


def test_a_body_cut_short_is_not_acted_on(server):
    s = _slow_post(server["port"], declared=500)
    s.sendall(b"email=a%40example.org&password=x")
    s.shutdown(socket.SHUT_WR)
    data = s.recv(1024)
    s.close()
    assert data.startswith(b"HTTP/1.1 400")


class _Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def login(self, email: str, password: str) -> int:
        html = self.opener.open(self.base + "/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        try:
            with self.opener.open(self.base + "/login", data=data, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code


def test_login_limit_holds_across_workers(server):
    """3 attempts per account (set for this server) on 3 workers: the 4th and later are refused, whichever
    worker takes them (with per-worker counters, up to 9 would pass)."""
    browser = _Browser(server["base"])
    statuses = [browser.login("across@example.org", "wrong password") for _ in range(8)]
    assert statuses == [200] * 3 + [429] * 5


SETUP = """
from tests.conftest import PASSWORD
from tests.factories import make_competences, make_module
from uprest import create_app
from uprest.accounts import services
from uprest.extensions import db

app = create_app()
with app.app_context(), app.test_request_context():
    make_competences()
    trainer = services.register_user(name="T", email="trainer@example.org", password=PASSWORD, locale="en", territory_id=None, role="trainer")
    services.register_user(name="L", email="learner@example.org", password=PASSWORD, locale="en", territory_id=None, role="learner")
    make_module(trainer, "parallel", publish=True)
    db.session.commit()
"""


def _post_all(browser: _Browser, path: str, data: dict, n: int = 20) -> list[int]:
    body = urllib.parse.urlencode(data, doseq=True).encode()
    barrier = threading.Barrier(n)

    def post(_):
        barrier.wait()
        try:
            with browser.opener.open(browser.base + path, data=body, timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(post, range(n)))


def test_parallel_learning_posts_across_workers_leave_one_record(server, database_url):
    """The same enrolment, lesson completion, quiz start and quiz submission, each sent 20 times at once to
    several workers, leave one record each."""
    from sqlalchemy import create_engine, text

    from tests.conftest import PASSWORD

    env = {k: v for k, v in os.environ.items() if not k.startswith("UPREST_")}
    env.update(UPREST_DATABASE_URL=database_url, UPREST_SECRET_KEY="server-test-secret-key-0123456789abcdef")
    subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True)
    browser = _Browser(server["base"])
    assert browser.login("learner@example.org", PASSWORD) == 200
    html = browser.opener.open(server["base"] + "/courses/parallel", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    engine = create_engine(database_url)

    def count(sql: str) -> int:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()

    try:
        assert set(_post_all(browser, "/learn/parallel/enrol", {"csrf_token": token})) == {200}
        assert count("SELECT count(*) FROM enrolments") == 1
        assert set(_post_all(browser, "/learn/parallel/lessons/1/read", {"csrf_token": token})) == {200}
        assert count("SELECT count(*) FROM lesson_progress") == 1
        assert set(_post_all(browser, "/learn/parallel/quiz/start", {"csrf_token": token})) == {200}
        assert count("SELECT count(*) FROM quiz_attempts") == 1
        answers = {"csrf_token": token, "attempt": "1", "q_q1": "0"}
        assert set(_post_all(browser, "/learn/parallel/quiz/1/submit", answers)) == {200}
        assert count("SELECT count(*) FROM quiz_attempts WHERE submitted_at IS NOT NULL") == 1
        assert count("SELECT count(*) FROM attempt_answers") == 1
    finally:
        engine.dispose()


def _hammer(base: str, seconds: float) -> list:
    end = time.monotonic() + seconds

    def worker(_):
        results = []
        while time.monotonic() < end:
            try:
                results.append(_get(base + "/login", timeout=20))
            except OSError as exc:
                results.append(repr(exc))
        return results

    with ThreadPoolExecutor(max_workers=6) as pool:
        return [r for batch in pool.map(worker, range(6)) for r in batch]


def test_a_reload_drops_no_request(server):
    """`systemctl reload uprest` sends HUP: new workers start, the old ones finish what they serve."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        load = pool.submit(_hammer, server["base"], 5.0)
        time.sleep(1.5)
        os.kill(server["proc"].pid, signal.SIGHUP)
        results = load.result()
    assert len(results) > 20
    assert set(results) == {200}
    assert "Hang up" in server["log"].read_text()


def test_a_stop_lets_requests_in_flight_finish(server):
    """A stop (TERM) closes the door to new connections but answers the request already being sent."""
    s = _slow_post(server["port"], declared=10)
    s.sendall(b"email=")
    time.sleep(0.5)
    os.kill(server["proc"].pid, signal.SIGTERM)
    time.sleep(0.5)
    s.sendall(b"abcd")  # the rest of the body, after the stop began
    data = s.recv(1024)
    s.close()
    assert data.startswith(b"HTTP/1.1 400")  # answered (the form lacks its CSRF token), not reset
    assert server["proc"].wait(timeout=60) == 0
