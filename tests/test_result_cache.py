"""The cached assessment result page: made once per run and language, changed at once by a framework
change, and never shown to anyone but the run's owner."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.conftest import login
from tests.factories import complete_assessment, make_assessment_frameworks
from uprest.frameworks.models import Competence


@pytest.fixture()
def frameworks(app):
    return make_assessment_frameworks()


def _statements(app, client, path):
    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    from uprest.extensions import db

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        resp = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert resp.status_code == 200
    return len(seen), resp.get_data(as_text=True)


def test_second_view_is_served_from_the_cache(app, client, db, login_as, frameworks):
    """The second view of a result sends only the user, the run and the generation queries."""
    user = login_as()
    run = complete_assessment(client, user)
    first, html = _statements(app, client, f"/assessment/{run.id}/result")
    second, again = _statements(app, client, f"/assessment/{run.id}/result")
    assert again[again.index("<h1>") :] == html[html.index("<h1>") :]  # the first view also had a flash
    assert second <= 4 < first


def test_framework_change_shows_at_once(app, client, db, login_as, frameworks):
    """Renaming a competence (a framework import does this) changes the cached result page at once."""
    user = login_as()
    run = complete_assessment(client, user)
    assert "Browsing and searching" in client.get(f"/assessment/{run.id}/result").get_data(as_text=True)
    comp = db.session.scalar(db.select(Competence).where(Competence.code == "1.1"))
    comp.name = {"en": "Finding things online"}
    db.session.commit()
    html = client.get(f"/assessment/{run.id}/result").get_data(as_text=True)
    assert "Finding things online" in html and "Browsing and searching" not in html


def test_each_language_has_its_own_result_page(app, client, db, login_as, frameworks):
    """The cached page is kept per language: switching to Swedish shows the Swedish page."""
    user = login_as()
    run = complete_assessment(client, user)
    assert "Your top priorities" in client.get(f"/assessment/{run.id}/result").get_data(as_text=True)
    user.locale = "sv"
    db.session.commit()
    swedish = app.test_client()
    login(swedish, user.email)
    html = swedish.get(f"/assessment/{run.id}/result").get_data(as_text=True)
    assert "Your top priorities" not in html and 'lang="sv"' in html


def test_cached_result_is_never_shown_to_another_learner(app, client, db, login_as, create_user, frameworks):
    """Another learner asking for a cached result's URL gets a 404, not the cached page."""
    owner = login_as()
    run = complete_assessment(client, owner)
    assert client.get(f"/assessment/{run.id}/result").status_code == 200
    other = create_user()
    c2 = app.test_client()
    login(c2, other.email)
    assert c2.get(f"/assessment/{run.id}/result").status_code == 404
