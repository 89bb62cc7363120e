"""Slow clients against the server `make run` starts (not a test).

Opens --slow connections that each send a login POST's headers and then trickle its body at one byte a
second (the attack that took two sync workers down), and meanwhile measures, one request after another,
/healthz and a learner page (the home page, logged in) for --duration seconds. Prints p50/p99/max and
errors of both, and what the slow clients were answered.

    .venv/bin/python bench/slow_clients.py                       # the shipped gunicorn.conf.py
    .venv/bin/python bench/slow_clients.py --server-args "--worker-class sync --workers 2"   # the old setup

Target (issue 10): with 50 slow connections open, p99 of both under 1 s.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import OUT, ROOT, free_port, login_cookie, seed, wait_ready  # noqa: E402


class SlowClients:
    """`n` connections sending a login POST's body one byte a second, from one thread."""

    def __init__(self, port: int, n: int, body_length: int = 1000):
        self.port, self.n, self.body_length = port, n, body_length
        self.answers: dict[str, int] = {}
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        head = (
            "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {self.body_length}\r\n\r\n"
        ).encode()
        for _ in range(self.n):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            s.sendall(head)
            s.setblocking(False)
            self.sockets.append(s)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            for s in list(self.sockets):
                try:
                    data = s.recv(4096)
                    if data:
                        status = data.split(b"\r\n", 1)[0].decode(errors="replace")
                        self.answers[status] = self.answers.get(status, 0) + 1
                        self.sockets.remove(s)
                        s.close()
                        continue
                    if data == b"":
                        self.answers["closed without an answer"] = self.answers.get("closed without an answer", 0) + 1
                        self.sockets.remove(s)
                        continue
                except BlockingIOError:
                    pass
                except OSError as exc:
                    self.answers[type(exc).__name__] = self.answers.get(type(exc).__name__, 0) + 1
                    self.sockets.remove(s)
                    continue
                try:
                    s.send(b"a")
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for s in self.sockets:
            s.close()


def probe(url: str, cookie: str | None, seconds: float) -> dict:
    """Requests one after another for `seconds`: latencies in ms and errors."""
    latencies, errors = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
                if resp.status != 200:
                    errors += 1
        except OSError:
            errors += 1
        latencies.append((time.perf_counter() - start) * 1000)
        time.sleep(0.05)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

    return {"n": len(latencies), "p50": pct(0.50), "p99": pct(0.99), "max": latencies[-1], "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow", type=int, default=50, help="slow connections to hold open")
    parser.add_argument("--duration", type=float, default=20, help="seconds to measure while they are open")
    parser.add_argument("--server-args", default="", help="extra gunicorn arguments (after the config file)")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("UPREST_BENCH_DATABASE_URL") or f"sqlite:///{OUT / 'bench.sqlite'}"
    seed(database_url, 100)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "UPREST_DATABASE_URL": database_url}
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"]
    cmd += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--access-logfile", "/dev/null"]
    cmd += shlex.split(args.server_args) + ["wsgi:app"]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    slow = SlowClients(port, args.slow)
    try:
        wait_ready(base)
        cookie = login_cookie(base)
        slow.start()
        time.sleep(1)
        results = {}

        def measure(name: str, path: str, with_cookie: str | None) -> None:
            results[name] = probe(base + path, with_cookie, args.duration)

        threads = [
            threading.Thread(target=measure, args=("/healthz", "/healthz", None)),
            threading.Thread(target=measure, args=("/ (learner)", "/", cookie)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        still_open = len(slow.sockets)
    finally:
        slow.stop()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=40)

    print(f"\nserver: gunicorn.conf.py {args.server_args}; {args.slow} slow connections, {args.duration:.0f} s\n")
    print("| page | requests | p50 ms | p99 ms | max ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['n']} | {r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | {r['errors']} |")
    print(f"\nslow connections still open at the end: {still_open}; answered: {slow.answers or 'none'}")


if __name__ == "__main__":
    main()
