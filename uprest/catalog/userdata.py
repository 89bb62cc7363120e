"""What the catalogue gives the other features through the registry: the home page's cards and the author's
own data (download and erasure)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from uprest.accounts.models import Role, User
from uprest.catalog.models import (
    Module,
    ModuleEditor,
    ModuleVersion,
)
from uprest.catalog.services import refresh
from uprest.extensions import db

# --- home page and personal data ---------------------------------------------------------------


def dashboard_cards(user: User) -> list:
    from uprest.registry import Card

    cards = []
    if user.role in (Role.TRAINER, Role.ADMIN):
        cards.append(
            Card(
                _l("Course authoring"),
                _l("Create course modules, write lessons and quizzes, translate and publish them."),
                url_for("catalog.authoring"),
                _l("Open authoring"),
            )
        )
    if user.role in (Role.LEARNER, Role.ADMIN):
        cards.append(
            Card(
                _l("Courses"),
                _l("Browse the course modules: short online courses for tourism businesses."),
                url_for("catalog.index"),
                _l("Browse courses"),
            )
        )
    return cards


# --- the author's own data (the account's data download and deletion) ----------------------------


def _authored_versions(user: User):
    """The versions of the modules `user` owns, and the versions they wrote."""
    owned = db.select(Module.id).where(Module.owner_id == user.id)
    return db.select(ModuleVersion).where(
        db.or_(ModuleVersion.module_id.in_(owned), ModuleVersion.created_by_id == user.id)
    )


def export_user_data(user: User) -> dict:
    """The modules the trainer owns or may edit, and the versions they wrote, as plain data."""
    owned = db.session.scalars(db.select(Module).where(Module.owner_id == user.id).order_by(Module.code)).all()
    shared = db.session.execute(
        db.select(Module, ModuleEditor.added_at)
        .join(ModuleEditor, ModuleEditor.module_id == Module.id)
        .where(ModuleEditor.user_id == user.id)
        .order_by(Module.code)
    ).all()
    written = db.session.execute(
        db.select(Module.code, ModuleVersion.version, ModuleVersion.created_at, ModuleVersion.published_at)
        .join(Module, ModuleVersion.module_id == Module.id)
        .where(ModuleVersion.created_by_id == user.id)
        .order_by(Module.code, ModuleVersion.version)
    ).all()
    return {
        "modules": [
            {"code": m.code, "status": m.status, "role": role, "since": since.isoformat()}
            for m, role, since in [*((m, "owner", m.created_at) for m in owned), *((m, "editor", a) for m, a in shared)]
        ],
        "module_versions_written": [
            {
                "module": code,
                "version": number,
                "created_at": created.isoformat(),
                "published_at": published.isoformat() if published else None,
            }
            for code, number, created, published in written
        ],
    }


def erase_user_data(user: User) -> None:
    """Account deletion: the person edits nothing any more; their modules become provider-owned, the versions
    they wrote no longer point to them, and a provider field that names them is emptied (a sole trader's name
    is personal data). The content itself stays for the learners who take it."""
    name = user.name.strip().casefold()
    for version in db.session.scalars(_authored_versions(user)).all():
        if version.created_by_id == user.id:
            version.created_by_id = None
        if len(name) >= 2 and name in (version.provider or "").casefold():
            version.provider = ""
            refresh(version)  # the search text holds the provider too
    db.session.execute(db.delete(ModuleEditor).where(ModuleEditor.user_id == user.id))
    for module in db.session.scalars(db.select(Module).where(Module.owner_id == user.id)).all():
        module.owner_id = None
    db.session.flush()
