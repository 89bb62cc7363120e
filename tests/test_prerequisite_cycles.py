"""Cycles of prerequisites are refused: by the courses/ importer (with the catalogue and within one import) and
by authoring in the browser (a translated form error), and nothing is stored."""

from __future__ import annotations

import io

import flask_babel
import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from tests.conftest import csrf_token, login
from tests.factories import (
    dump,
    import_modules,
    import_statuses,
    make_competences,
    make_module,
    module_doc,
    module_form,
    write_module,
)
from uprest.catalog import catalogue, editing, services
from uprest.catalog.models import Module


@pytest.fixture()
def competences(app, db):
    make_competences()


def errors_of(report, code) -> list[str]:
    (result,) = [r for r in report.results if r.file == code]
    return [str(e) for e in result.errors]


def stored(db, code) -> list[str] | None:
    """The prerequisites of the module's published version; None when there is no such module."""
    db.session.expire_all()
    module = db.session.scalar(db.select(Module).where(Module.code == code))
    return None if module is None else list(module.published_version.prerequisites)


def needs(folder, *codes) -> None:
    doc = yaml.safe_load((folder / "module.yaml").read_text())
    doc["prerequisites"] = list(codes)
    (folder / "module.yaml").write_text(dump(doc), encoding="utf-8")


# --- the importer ----------------------------------------------------------------------------------


def test_cycle_within_one_import_refuses_every_module_on_it(competences, db, tmp_path):
    """a needs b, b needs a, in the same import: both refused, each error naming the cycle from that module and
    the line of `prerequisites:`; a module that only needs one of them is not refused for it."""
    write_module(tmp_path, "mod-a", doc=module_doc("mod-a", prerequisites=["mod-b"]))
    write_module(tmp_path, "mod-b", doc=module_doc("mod-b", prerequisites=["mod-a"]))
    write_module(tmp_path, "mod-c")
    report = import_modules(tmp_path)
    assert import_statuses(report) == {"mod-a": "refused", "mod-b": "refused", "mod-c": "created"}
    line = next(
        n
        for n, t in enumerate((tmp_path / "modules/mod-a/module.yaml").read_text().splitlines(), 1)
        if t.startswith("prerequisites:")
    )
    assert errors_of(report, "mod-a") == [
        f"mod-a/module.yaml:{line}: prerequisites: the prerequisites form a cycle: mod-a → mod-b → mod-a "
        "(each module needs the next)"
    ]
    assert "mod-b → mod-a → mod-b" in errors_of(report, "mod-b")[0]
    assert stored(db, "mod-a") is None and stored(db, "mod-b") is None


def test_cycle_with_the_catalogue_is_refused_and_the_published_version_kept(competences, db, tmp_path):
    """A changed module that would close a cycle with modules already imported is refused; it keeps its version."""
    basics = write_module(tmp_path, "basics")
    write_module(tmp_path, "middle", doc=module_doc("middle", prerequisites=["basics"]))
    write_module(tmp_path, "advanced", doc=module_doc("advanced", prerequisites=["middle"]))
    assert import_modules(tmp_path).ok
    needs(basics, "advanced")
    report = import_modules(tmp_path)
    assert import_statuses(report)["basics"] == "refused"
    assert "basics → advanced → middle → basics" in errors_of(report, "basics")[0]
    assert stored(db, "basics") == []


def test_a_self_made_cycle_through_the_catalogue_in_one_folder_import(competences, db, tmp_path):
    """Importing one module folder alone is checked against the catalogue too."""
    write_module(tmp_path, "basics")
    write_module(tmp_path, "advanced", doc=module_doc("advanced", prerequisites=["basics"]))
    import_modules(tmp_path)
    needs(tmp_path / "modules" / "basics", "advanced")
    report = import_modules(tmp_path / "modules" / "basics")
    assert import_statuses(report) == {"basics": "refused"} and "cycle" in errors_of(report, "basics")[0]


def test_a_module_refused_for_a_cycle_keeps_its_catalogue_version_which_is_checked_too(competences, db, tmp_path):
    """mod-a (in the catalogue: needs mod-b) is changed into a cycle with mod-d and refused, so it keeps needing
    mod-b; mod-b, changed to need mod-a, would then make a cycle with it and is refused as well."""
    write_module(tmp_path, "mod-b")
    write_module(tmp_path, "mod-a", doc=module_doc("mod-a", prerequisites=["mod-b"]))
    assert import_modules(tmp_path).ok
    needs(tmp_path / "modules" / "mod-a", "mod-d")
    write_module(tmp_path, "mod-d", doc=module_doc("mod-d", prerequisites=["mod-a"]))
    needs(tmp_path / "modules" / "mod-b", "mod-a")
    report = import_modules(tmp_path)
    assert import_statuses(report) == {"mod-a": "refused", "mod-b": "refused", "mod-d": "refused"}
    assert "mod-b → mod-a → mod-b" in errors_of(report, "mod-b")[0]
    assert stored(db, "mod-a") == ["mod-b"] and stored(db, "mod-b") == [] and stored(db, "mod-d") is None


def test_a_chain_without_a_cycle_imports(competences, db, tmp_path):
    """Prerequisites that form a chain (even in reverse name order) are fine."""
    write_module(tmp_path, "mod-a")
    write_module(tmp_path, "mod-b", doc=module_doc("mod-b", prerequisites=["mod-c"]))
    write_module(tmp_path, "mod-c", doc=module_doc("mod-c", prerequisites=["mod-a"]))
    assert import_modules(tmp_path).ok


# --- authoring in the browser -------------------------------------------------------------------


@pytest.fixture()
def two_modules(competences, create_user, db):
    """Two published modules of one trainer; the draft of "mod-b" needs "mod-a"."""
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner, "mod-a", publish=True)
    b = make_module(owner, "mod-b", publish=True)
    data = {"prerequisites": ["mod-a"]}
    editing.update_metadata(b, owner, "en", data, [editing.OutcomeRow("digcomp:1.1", 1, 3, "")])
    db.session.commit()
    return owner


def _meta(**over) -> dict:
    return module_form(**{"title": "Title mod-a", **over})


def _post_a_cycle(client):
    login(client, "owner@example.org")
    token = csrf_token(client, "/courses")
    return client.post("/authoring/mod-a/edit?lang=en", data={**_meta(prerequisites="mod-b"), "csrf_token": token})


def test_authoring_refuses_a_cycle_with_a_form_error(client, two_modules, db):
    """Choosing a prerequisite that needs this module (here in its unpublished draft) re-shows the form with the
    cycle named at the field; nothing is saved."""
    resp = _post_a_cycle(client)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "error-summary" in html
    assert "These prerequisites would form a cycle: mod-a → mod-b → mod-a." in html
    db.session.expire_all()
    module = db.session.scalar(db.select(Module).where(Module.code == "mod-a"))
    assert [v.prerequisites for v in module.versions] == [[]]


def test_authoring_cycle_error_is_translated(client, two_modules, db, monkeypatch):
    """The form error goes through gettext with a named placeholder: a Swedish trainer reads it in Swedish."""
    catalog = Catalog(locale="sv")
    catalog.add(
        "These prerequisites would form a cycle: %(cycle)s.",
        "Förkunskapskraven skulle bilda en cirkel: %(cycle)s.",
    )
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    swedish = Translations(buf)
    original = flask_babel.Domain.get_translations
    monkeypatch.setattr(
        flask_babel.Domain,
        "get_translations",
        lambda self: swedish if str(flask_babel.get_locale()) == "sv" else original(self),
    )
    two_modules.locale = "sv"
    db.session.commit()
    html = _post_a_cycle(client).get_data(as_text=True)
    assert "Förkunskapskraven skulle bilda en cirkel: mod-a → mod-b → mod-a." in html


def test_authoring_accepts_prerequisites_without_a_cycle(client, two_modules, db):
    """The other direction is fine: mod-b's draft needs mod-a, and mod-a may need nothing new."""
    login(client, "owner@example.org")
    resp = client.post(
        "/authoring/mod-b/edit?lang=en",
        data={**_meta(title="Title mod-b", prerequisites="mod-a"), "csrf_token": csrf_token(client, "/courses")},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]


def test_the_service_refuses_a_cycle_too(app, two_modules, db):
    """Whatever calls it, update_metadata raises a translated CatalogError naming the cycle."""
    a = services.module_by_code("mod-a")
    with app.test_request_context(), pytest.raises(services.CatalogError, match="mod-a → mod-b → mod-a"):
        editing.update_metadata(a, two_modules, "en", {"prerequisites": ["mod-b"]}, [])
    db.session.rollback()
    assert catalogue.prerequisite_cycle("mod-a", []) is None
    assert catalogue.prerequisite_graph()["mod-b"] == {"mod-a"}
