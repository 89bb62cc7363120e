"""Gunicorn settings for UPREST, read by `make run` and by the systemd unit (docs/operations.md).

Why these (measured in bench/slow_clients.py, written down in docs/operations.md):

- **gevent workers.** Each connection is a greenlet, so clients that send slowly (a phone on a bad
  line, or someone doing it on purpose) hold a little memory, not a worker: with sync workers two such
  clients took the whole site down. Gunicorn bounds the time to send the headers (``keepalive``); the
  app bounds the time to send the body (``UPREST_CLIENT_TIMEOUT``, uprest/serving.py) and reads it whole
  before any view runs.
- **cores + 1 workers** (the cores this process may use; ``WEB_CONCURRENCY`` or ``--workers`` to change
  it): the work is CPU-bound Python, so more processes than cores only queue; 8 workers on 2 cores were
  slower than 2.
- **Graceful reload and stop.** ``kill -HUP <master>`` (``systemctl reload uprest``) starts new workers
  with the new code and lets the old ones finish what they are serving; a stop (``TERM``) waits up to
  ``graceful_timeout`` for requests in flight. Every setting can be overridden on the command line.
- **Rate limits** are counted in the database (``database://``, uprest/ratelimit.py), so they hold
  across these workers and across servers without another daemon.

Only the standard library is imported here: the gevent workers patch it after the fork, and the app
is loaded after that, in each worker.
"""

import os

bind = "127.0.0.1:5000"  # `--bind` on the command line (the Makefile's HOST and PORT, the systemd unit)
workers = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)) + 1)
worker_class = "gevent"
worker_connections = 1000  # open connections per worker, slow ones included
keepalive = 5  # seconds to send the next request's headers on a kept-alive connection, and the first's
timeout = 60  # a worker that has not checked in for this long (stuck in C code) is restarted
graceful_timeout = 30  # on reload or stop, requests in flight get this long to finish
max_requests = 5000  # recycle workers now and then, staggered, to bound slow memory growth
max_requests_jitter = 500
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
proc_name = "uprest"
control_socket_disable = True  # reload and stop by signal (systemd); no shared socket under $HOME


def post_worker_init(worker):
    """What loading the app made lives as long as the worker: keep it out of the garbage collector's full passes
    (73-96 ms each under the reports at 100,000 assessments; docs/performance.md)."""
    import gc

    gc.freeze()
