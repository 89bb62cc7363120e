"""How the app meets the network: whole requests under a deadline, before the application sees them.

The server (gunicorn with gevent workers, see ``gunicorn.conf.py`` and docs/operations.md) keeps every
connection in a greenlet, so a slow client costs a little memory, not a worker. Gunicorn bounds the
time to send a request's headers (its ``keepalive`` setting); this middleware bounds the time to send
the body: it reads the whole body into memory (at most MAX_CONTENT_LENGTH) with a deadline of
``CLIENT_TIMEOUT`` seconds before the application runs. A client that misses it is answered
408 Request Timeout by the app's own error page (400 if it hung up mid-body), and nothing of its
request is acted on.

Only requests served by gunicorn are buffered here (the ``gunicorn.socket`` the deadline is set on);
the development and test servers pass through unchanged.

Kernel: imports no feature.
"""

from __future__ import annotations

import contextlib
import io
import sys

from flask import abort, request

TIMED_OUT = "uprest.client_timed_out"
INCOMPLETE = "uprest.body_incomplete"
CHUNK = 64 * 1024


class WholeRequests:
    """WSGI middleware: the request body is read completely, within `timeout` seconds, up front."""

    def __init__(self, app, *, timeout: float, max_length: int | None):
        self.app = app
        self.timeout = timeout
        self.max_length = max_length

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is not None and _has_body(environ):
            self._buffer(environ, sock)
        return self.app(environ, start_response)

    def _buffer(self, environ, sock) -> None:
        length = environ.get("CONTENT_LENGTH") or ""
        limit = self.max_length
        if length.isdigit() and limit is not None and int(length) > limit:
            return  # the application answers 413 without reading it
        stream, body = environ["wsgi.input"], io.BytesIO()
        previous = sock.gettimeout()
        try:
            # The deadline is for the whole body. Under gevent a Timeout interrupts the read wherever
            # it is; elsewhere the socket's timeout bounds each silence (a trickle can outlast it).
            sock.settimeout(self.timeout)
            with _deadline(self.timeout):
                while chunk := stream.read(CHUNK):
                    body.write(chunk)
                    if limit is not None and body.tell() > limit:
                        break  # werkzeug answers 413 on the length it finds
        except (TimeoutError, OSError):
            environ[TIMED_OUT] = True
            body = io.BytesIO()
        finally:
            try:
                sock.settimeout(previous)
            except OSError:
                pass
        if length.isdigit() and body.tell() < int(length) and not environ.get(TIMED_OUT):
            environ[INCOMPLETE] = True  # the client went away mid-body: nothing of it is acted on
        body.seek(0)
        environ["wsgi.input"] = body
        environ["CONTENT_LENGTH"] = str(len(body.getbuffer()))
        environ["wsgi.input_terminated"] = True
        environ.pop("HTTP_TRANSFER_ENCODING", None)


def _deadline(seconds: float):
    """A context that raises TimeoutError after `seconds` (gevent workers), or does nothing."""
    gevent = sys.modules.get("gevent")
    if gevent is not None and gevent.monkey.is_module_patched("socket"):
        return gevent.Timeout(seconds, TimeoutError)
    return contextlib.nullcontext()


def _has_body(environ) -> bool:
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        return True
    length = environ.get("CONTENT_LENGTH") or "0"
    return not length.isdigit() or int(length) > 0


def refuse_timed_out_requests() -> None:
    """before_request: a request whose body did not arrive in time is answered 408, one whose body ended
    before its Content-Length 400; neither is acted on."""
    if request.environ.get(TIMED_OUT):
        abort(408)
    if request.environ.get(INCOMPLETE):
        abort(400)


def install(app) -> None:
    app.wsgi_app = WholeRequests(
        app.wsgi_app, timeout=app.config["CLIENT_TIMEOUT"], max_length=app.config.get("MAX_CONTENT_LENGTH")
    )
    app.before_request(refuse_timed_out_requests)
