"""Uploaded images are decoded by Pillow; photos lose their EXIF/GPS and other metadata before storing."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from tests.conftest import csrf_token, login
from tests.factories import GIF, make_competences, make_module, png
from uprest.catalog import rules
from uprest.catalog.models import Module

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo(orientation: int = 1, size=(40, 20)) -> bytes:
    """A JPEG 'photo' with a camera name, an orientation and GPS coordinates in its EXIF."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (58.0, 22.0, 30.0), "E", (12.0, 19.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Lena Lärare")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def test_clean_image_removes_exif_and_gps():
    """A photo with EXIF and GPS comes back as a JPEG with no EXIF at all."""
    cleaned = rules.clean_image(photo())
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG" and image.size == (40, 20)
        assert not image.getexif() and "exif" not in image.info
    assert b"PhoneMaker" not in cleaned


def test_clean_image_turns_the_photo_upright():
    """A photo stored turned (EXIF orientation 6) is turned upright before its EXIF is dropped."""
    with Image.open(io.BytesIO(rules.clean_image(photo(orientation=6)))) as image:
        assert image.size == (20, 40) and not image.getexif()


def test_clean_image_removes_png_text_keeps_transparency():
    """PNG text chunks (an author's name) are removed; the alpha channel stays."""
    cleaned = rules.clean_image(png_with_text())
    assert b"Lena" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.mode == "RGBA" and not getattr(image, "text", {})


@pytest.mark.parametrize("data", [png(), GIF, png(width=3, height=2)])
def test_images_without_metadata_are_kept_as_they_are(data):
    """An image without metadata is stored byte for byte (no re-encoding, no loss)."""
    assert rules.clean_image(data) == data


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 200,  # a JPEG header and nothing behind it
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        png()[:-20],  # cut off
        b"GIF89a" + b"\x00" * 30,
    ],
)
def test_undecodable_images_are_refused(data):
    """Bytes that only look like an image are refused."""
    with pytest.raises(ValueError):
        rules.clean_image(data)


def test_uploaded_photo_is_stored_without_gps(client, app, db, create_user):
    """A trainer uploads a phone photo: the stored and served file has no EXIF, GPS or camera name."""
    make_competences()
    owner = create_user("trainer", email="owner@example.org")
    make_module(owner)
    login(client, owner.email)
    token = csrf_token(client, "/authoring/my-module")
    resp = client.post(
        "/authoring/my-module/images",
        data={"image": (io.BytesIO(photo()), "IMG_2041.jpg"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    db.session.expire_all()
    module = db.session.scalar(db.select(Module).where(Module.code == "my-module"))
    stored = module.versions[-1].files[0].file
    assert b"PhoneMaker" not in stored.data
    served = client.get(f"/courses/my-module/files/{stored.sha256}")
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.data)) as image:
        assert not image.getexif()


def test_broken_image_upload_gets_the_translated_error(client, app, db, create_user):
    """An upload that is not a decodable image is refused with the usual message and nothing is stored."""
    make_competences()
    owner = create_user("trainer", email="owner@example.org", locale="sv")
    make_module(owner)
    login(client, owner.email)
    token = csrf_token(client, "/authoring/my-module")
    resp = client.post(
        "/authoring/my-module/images",
        data={"image": (io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 200), "x.jpg"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "flash--error" in html and "SVG" in html
    db.session.expire_all()
    module = db.session.scalar(db.select(Module).where(Module.code == "my-module"))
    assert module.versions[-1].files == []
