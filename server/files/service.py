"""Accepting images: checked by content, EXIF (and so GPS) removed, stored once by content hash."""
from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from server.core.errors import ValidationError
from server.core.uow import UnitOfWork
from server.files.models import Attachment

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": ("JPEG", "image/jpeg"), "PNG": ("PNG", "image/png"), "WEBP": ("WEBP", "image/webp"),
           "MPO": ("JPEG", "image/jpeg")}


def clean_image(data: bytes) -> tuple[bytes, str, int, int]:
    """Re-encode an image without its metadata; raise ValidationError for anything that is not one."""
    if not data:
        raise ValidationError("图片为空")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError("图片不能超过 10 MB")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in FORMATS or image.width * image.height > MAX_PIXELS:
            raise ValidationError("只支持 JPEG、PNG、WebP 格式的图片")
        out_format, content_type = FORMATS[image.format]
        image = ImageOps.exif_transpose(image)  # keep the picture upright once orientation EXIF is gone
        if out_format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format=out_format, **({"quality": 88} if out_format != "PNG" else {}))
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError("无法识别的图片文件") from exc
    return buffer.getvalue(), content_type, image.width, image.height


def store_image(uow: UnitOfWork, data: bytes) -> Attachment:
    """Clean and store an image; the same cleaned bytes give back the same attachment row."""
    cleaned, content_type, width, height = clean_image(data)
    if uow.storage is None:
        raise RuntimeError("no file storage configured")
    sha256 = uow.storage.put(cleaned)
    with uow.transaction() as session:
        existing = session.scalar(select(Attachment).where(Attachment.sha256 == sha256))
        if existing is not None:
            return existing
        attachment = Attachment(sha256=sha256, content_type=content_type, size_bytes=len(cleaned),
                                width=width, height=height, created_at=uow.clock.now())
        session.add(attachment)
        session.flush()
        return attachment


THUMBNAIL_EDGE = 240


def thumbnail(data: bytes, edge: int = THUMBNAIL_EDGE) -> bytes:
    """A small JPEG of a stored (already cleaned) image, its longer side `edge` pixels, for lists and pages."""
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((edge, edge))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=80)
        return buffer.getvalue()
