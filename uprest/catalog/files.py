"""A module's files: images stored once by content (decoded, metadata removed), added to and removed from
a draft, resolved for lessons, and served only to those who may see them."""

from __future__ import annotations

import hashlib

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from uprest.accounts.models import User
from uprest.catalog import markdown, rules
from uprest.catalog.models import (
    Lesson,
    LessonText,
    Module,
    ModuleFile,
    ModuleVersion,
    VersionFile,
)
from uprest.catalog.services import CONCURRENT, CatalogError, can_edit, editable_version, fail, file_for_name
from uprest.extensions import db


def servable_file(module: Module, sha256: str, user: User) -> ModuleFile | None:
    """An image of the module that a published version uses (or any of it, for its editors)."""
    if not rules.SHA256_RE.match(sha256 or ""):
        return None
    file = db.session.scalar(
        db.select(ModuleFile).where(ModuleFile.module_id == module.id, ModuleFile.sha256 == sha256)
    )
    if file is None:
        return None
    if can_edit(user, module):
        return file
    if module.status == "draft":
        return None
    used = db.session.scalar(
        db.select(VersionFile.id)
        .join(ModuleVersion, VersionFile.version_id == ModuleVersion.id)
        .where(VersionFile.file_id == file.id, ModuleVersion.published_at.is_not(None))
        .limit(1)
    )
    return file if used else None


def image_resolver(module: Module, version: ModuleVersion):
    """For markdown.render: an image name of the version -> its served URL."""
    by_name = {vf.name: vf.file.sha256 for vf in version.files}

    def resolve(name: str) -> str | None:
        sha = by_name.get(name)
        return url_for("catalog.file", code=module.code, sha256=sha) if sha else None

    return resolve


def store_file(module: Module, data: bytes) -> ModuleFile:
    """The module's file with these bytes, stored once (checked by content)."""
    problem = rules.image_problem(data)
    if problem:
        raise CatalogError(IMAGE_MESSAGES[problem])
    try:
        data = rules.clean_image(data)  # decoded by Pillow; EXIF/GPS and other metadata removed
    except ValueError:
        raise CatalogError(IMAGE_MESSAGES["not_image"]) from None
    sha = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(
        db.select(ModuleFile).where(ModuleFile.module_id == module.id, ModuleFile.sha256 == sha)
    )
    if existing is not None:
        return existing
    file = ModuleFile(module=module, sha256=sha, mime=rules.sniff_image(data), size=len(data), data=data)
    db.session.add(file)
    db.session.flush()
    return file


IMAGE_MESSAGES = {
    "empty": _l("The file is empty."),
    "too_large": _l("The image is larger than %(mb)d MB.", mb=rules.MAX_IMAGE_BYTES // (1024 * 1024)),
    "not_image": _l("This is not a PNG, JPEG, GIF or WebP image. (SVG images are not accepted.)"),
}


def add_image(module: Module, user: User, filename: str, data: bytes) -> VersionFile:
    """Store an uploaded image (checked by its content) under a safe name in the draft."""
    problem = rules.image_problem(data)
    if problem:
        raise CatalogError(IMAGE_MESSAGES[problem])
    name = rules.safe_image_name(filename, rules.sniff_image(data))
    v = editable_version(module, user)
    file = store_file(module, data)
    existing = file_for_name(v, name)
    if existing is not None:
        existing.file = file
    else:
        existing = VersionFile(name=name, file=file)
        v.files.append(existing)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise CatalogError(CONCURRENT) from None
    return existing


def delete_image(module: Module, user: User, name: str) -> None:
    v = editable_version(module, user)
    vf = file_for_name(v, name) or fail(_l("There is no image called %(name)s.", name=name))
    v.files.remove(vf)
    db.session.flush()


def lesson_html(module: Module, version: ModuleVersion, lesson: Lesson, lang: str) -> tuple[LessonText, Markup] | None:
    """A lesson's text in `lang` (English when it has none) and its sanitised HTML, images from `version`."""
    text = lesson.text_in(lang) or lesson.text_in("en")
    if text is None:
        return None
    return text, Markup(markdown.render(text.body_md, image_resolver(module, version)))
