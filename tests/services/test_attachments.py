from __future__ import annotations

import io

import pytest
from PIL import Image

from server.core.errors import ValidationError
from server.files.service import clean_image, store_image


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "green")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_exif_and_gps_are_removed():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()
    cleaned, content_type, width, height = clean_image(original)
    assert content_type == "image/jpeg" and (width, height) == (64, 48)
    assert not Image.open(io.BytesIO(cleaned)).getexif()


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"0" * 100,
                                  b"GIF89a" + b"\x00" * 10])
def test_non_images_are_refused(data):
    with pytest.raises(ValidationError):
        clean_image(data)


def test_same_photo_is_stored_once(uow):
    first = store_image(uow, jpeg_with_gps())
    second = store_image(uow, jpeg_with_gps())
    assert first.id == second.id
    assert uow.storage.get(first.sha256)[:2] == b"\xff\xd8"
