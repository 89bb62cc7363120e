"""Validation of a module's images (``images/``): names, size, and the content of each file. Pure: no Flask, no
database."""

from __future__ import annotations

import hashlib
from pathlib import Path

from uprest.catalog import rules
from uprest.content import LoadError


def validate_images(img_dir: Path, code: str) -> tuple[dict[str, bytes], dict[str, dict], list[LoadError]]:
    """(bytes by name, {name: sha256, mime, size}, errors) of the images/ folder."""
    blobs: dict[str, bytes] = {}
    images: dict[str, dict] = {}
    errors: list[LoadError] = []
    for path in sorted(img_dir.iterdir()) if img_dir.is_dir() else []:
        if not path.is_file():
            continue
        raw, problem = read_image(path)
        if problem:
            errors.append(LoadError(f"{code}/images/{path.name}", "", problem))
            continue
        blobs[path.name] = raw
        images[path.name] = {
            "sha256": hashlib.sha256(raw).hexdigest(),
            "mime": rules.sniff_image(raw),
            "size": len(raw),
        }
    return blobs, images, errors


def read_image(path: Path) -> tuple[bytes, None] | tuple[None, str]:
    """The bytes of an image file, or why it cannot be one (its content decides, not its name)."""
    if not rules.IMAGE_NAME_RE.match(path.name):
        return None, "invalid image file name (letters, digits, '.', '-', '_')"
    if path.stat().st_size > rules.MAX_IMAGE_BYTES:
        return None, f"larger than {rules.MAX_IMAGE_BYTES // (1024 * 1024)} MB"
    raw = path.read_bytes()
    problem = rules.image_problem(raw)
    if problem == "not_image":
        return None, "not a PNG, JPEG, GIF or WebP image (checked by its content)"
    if problem:
        return None, "empty file"
    return raw, None
