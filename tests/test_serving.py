"""uprest.serving: request bodies read whole, under a deadline, before the application runs."""

from __future__ import annotations

import io

from uprest import serving


class FakeSocket:
    def __init__(self):
        self.timeouts = []

    def gettimeout(self):
        return None

    def settimeout(self, value):
        self.timeouts.append(value)


class Trickle(io.RawIOBase):
    """A body that gives `parts` and then raises what a socket raises when its time is up."""

    def __init__(self, parts, then=None):
        self.parts = list(parts)
        self.then = then

    def read(self, size=-1):
        if self.parts:
            return self.parts.pop(0)
        if self.then:
            raise self.then
        return b""


def _run(body, length, *, max_length=1000):
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read()
        return [b""]

    sock = FakeSocket()
    environ = {"gunicorn.socket": sock, "wsgi.input": body, "CONTENT_LENGTH": str(length), "REQUEST_METHOD": "POST"}
    serving.WholeRequests(app, timeout=7, max_length=max_length)(environ, lambda *a: None)
    return seen, sock


def test_a_whole_body_reaches_the_app_buffered():
    seen, sock = _run(Trickle([b"email=a", b"&password=b"]), 18)
    assert seen["body"] == b"email=a&password=b"
    assert seen["CONTENT_LENGTH"] == "18"
    assert serving.TIMED_OUT not in seen and serving.INCOMPLETE not in seen
    assert sock.timeouts == [7, None]  # the deadline while reading, then as before


def test_a_body_that_stops_arriving_is_marked_timed_out_and_dropped():
    seen, _ = _run(Trickle([b"email=a"], then=TimeoutError()), 18)
    assert seen[serving.TIMED_OUT] is True
    assert seen["body"] == b""


def test_a_body_cut_short_is_marked_incomplete():
    seen, _ = _run(Trickle([b"email=a"]), 18)
    assert seen[serving.INCOMPLETE] is True


def test_an_oversized_body_is_left_to_the_app_to_refuse():
    body = Trickle([b"x" * 10])
    seen, sock = _run(body, 5000, max_length=1000)
    assert sock.timeouts == [] and seen["body"] == b"x" * 10  # not buffered: the app answers 413


def test_other_servers_pass_through_unchanged():
    environ = {"wsgi.input": io.BytesIO(b"abc"), "CONTENT_LENGTH": "3"}
    seen = {}
    serving.WholeRequests(lambda e, s: seen.update(e) or [b""], timeout=1, max_length=10)(environ, None)
    assert seen["wsgi.input"] is environ["wsgi.input"] and serving.TIMED_OUT not in seen


def test_a_timed_out_request_is_answered_408_with_our_page_and_not_acted_on(client):
    resp = client.post(
        "/login", data={"email": "a@example.org", "password": "x"}, environ_overrides={serving.TIMED_OUT: True}
    )
    assert resp.status_code == 408
    assert "The request took too long" in resp.get_data(as_text=True)


def test_an_incomplete_request_is_answered_400(client):
    resp = client.post("/login", data={"email": "a@example.org"}, environ_overrides={serving.INCOMPLETE: True})
    assert resp.status_code == 400


def test_the_408_page_is_translated(client):
    resp = client.post("/login", headers={"Accept-Language": "sv"}, environ_overrides={serving.TIMED_OUT: True})
    assert "Begäran tog för lång tid" in resp.get_data(as_text=True)
