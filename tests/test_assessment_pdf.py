"""The skills-gap report PDF and the one PDF function (uprest/pdf.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.factories import answer_all, latest_run, make_assessment_frameworks, start_assessment, submit_assessment
from uprest.pdf import make_url_fetcher, static_file_for


@pytest.fixture()
def frameworks(app):
    """Two small frameworks and target profiles for every sub-sector and role."""
    return make_assessment_frameworks()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_report_pdf_has_name_date_and_gaps(client, login_as, frameworks, db):
    """The PDF report carries the learner's name and the competences with a gap; it is private and a download."""
    user = login_as(name="Åsa Lindqvist")
    start_assessment(client)
    run = latest_run(user)
    answer_all(client, run.id, rating=3, tourism_rating=1)
    submit_assessment(client, run.id)
    resp = client.get(f"/assessment/{run.id}/report.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    assert "attachment" in resp.headers["Content-Disposition"] and "no-store" in resp.headers["Cache-Control"]
    text = pdf_text(resp.data)
    assert text.count("Åsa Lindqvist") >= 3  # header, details and the running footer of every page
    assert "Online distribution" in text and "booking" in text
    assert "Skills-gap profile" in text


def test_report_pdf_in_learners_language(client, login_as, frameworks, db, app):
    """The PDF is rendered in the learner's language: the date is written the Swedish way."""
    from flask_babel import force_locale, format_date

    user = login_as(locale="sv", name="Sven Svensson")
    start_assessment(client)
    run = latest_run(user)
    answer_all(client, run.id)
    submit_assessment(client, run.id)
    text = pdf_text(client.get(f"/assessment/{run.id}/report.pdf").data)
    run = latest_run(user)
    with app.test_request_context(), force_locale("sv"):
        expected = format_date(run.submitted_at, "long")
    assert expected in text and "Sven Svensson" in text


def test_url_fetcher_serves_only_static_files(app):
    """WeasyPrint may read files under static/ only: no other local files, no traversal, no network."""
    root = Path(app.static_folder).resolve()
    assert static_file_for((root / "css" / "pdf.css").as_uri(), root) == root / "css" / "pdf.css"
    for url in [
        "file:///etc/passwd",
        (root / ".." / "pyproject.toml").as_uri(),
        root.as_uri() + "/../pyproject.toml",
        root.as_uri() + "/%2e%2e/pyproject.toml",
        "http://example.org/x.css",
        "https://127.0.0.1/static/css/site.css",
        "file://evil.example/static/css/site.css",
        (root / "css" / "nope.css").as_uri(),
    ]:
        assert static_file_for(url, root) is None, url
    fetcher = make_url_fetcher(root)
    with pytest.raises(Exception):  # noqa: B017 - WeasyPrint catches any exception and skips the resource
        fetcher("file:///etc/passwd")
    with pytest.raises(Exception):  # noqa: B017
        fetcher("http://example.org/x.css")


def test_render_pdf_does_not_fetch_outside_static(app, monkeypatch, tmp_path):
    """A template that points at a file outside static/ still renders, without that file."""
    import uprest.pdf as pdf

    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    fetched = []
    original = pdf._read

    def spy(url, root):
        fetched.append(url)
        return original(url, root)

    monkeypatch.setattr(pdf, "_read", spy)
    app.jinja_env.globals["_test_secret"] = secret.as_uri()
    try:
        with app.test_request_context():
            from flask import render_template_string

            monkeypatch.setattr(
                pdf,
                "render_template",
                lambda name, **ctx: render_template_string(
                    '<link rel="stylesheet" href="{{ pdf_static(\'css/pdf.css\') }}">'
                    '<link rel="stylesheet" href="{{ _test_secret }}"><p>Hello</p>',
                    **ctx,
                ),
            )
            data = pdf.render_pdf("unused.html", locale="en")
    finally:
        del app.jinja_env.globals["_test_secret"]
    assert data.startswith(b"%PDF") and "Hello" in pdf_text(data)
    assert secret.as_uri() in fetched  # it was asked for, and refused


def test_the_cyclic_collector_is_paused_while_weasyprint_works_and_back_after(app, monkeypatch):
    """render_pdf pauses the cyclic garbage collector around the layout (a quarter of a report's time went to it)
    and turns it on again, also when the layout fails."""
    import gc

    import weasyprint

    import uprest.pdf as pdf

    seen = []
    original = weasyprint.HTML.write_pdf

    def spy(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", spy)
    monkeypatch.setattr(pdf, "render_template", lambda name, **ctx: "<p>Hello</p>")
    with app.test_request_context():
        assert gc.isenabled()
        assert pdf.render_pdf("unused.html", locale="en").startswith(b"%PDF")
        assert seen == [False] and gc.isenabled()

        def broken(self, *args, **kwargs):
            raise RuntimeError("layout failed")

        monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
        with pytest.raises(RuntimeError):
            pdf.render_pdf("unused.html", locale="en")
        assert gc.isenabled()


def test_overlapping_pauses_end_with_the_last_and_keep_a_collector_that_was_off():
    import gc
    import threading

    from uprest.pdf import cyclic_gc_paused

    first_in, second_done = threading.Event(), threading.Event()
    during: list[bool] = []

    def first():
        with cyclic_gc_paused():
            first_in.set()
            second_done.wait(5)
            during.append(gc.isenabled())

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with cyclic_gc_paused():
        pass
    during.append(gc.isenabled())  # the first render is still under way: still paused
    second_done.set()
    thread.join(5)
    assert during == [False, False] and gc.isenabled()

    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
