"""Error pages keep the headers of the HTTP error they answer."""

from __future__ import annotations


def test_405_keeps_allow_header_on_pages(client):
    """A POST to a GET-only page answers 405 with our page and the Allow header."""
    resp = client.post("/privacy")
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD", "OPTIONS"}
    assert "text/html" in resp.headers["Content-Type"]


def test_405_keeps_allow_header_in_api(client):
    """A DELETE on a read-only API resource answers JSON 405 with the Allow header."""
    resp = client.delete("/api/v1/modules")
    assert resp.status_code == 405
    assert "GET" in resp.headers["Allow"]
    assert resp.json == {"error": "Method Not Allowed", "status": 405}


def test_404_page_and_json(client):
    """Unknown pages get the HTML 404 page; unknown API paths get JSON."""
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "text/html" in page.headers["Content-Type"]
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json["status"] == 404
