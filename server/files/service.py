"""Accepting images: checked by content, decoded in bounded memory, re-encoded without any metadata
(EXIF and so GPS, XMP, ICC profiles, comments), stored once by content hash."""
from __future__ import annotations

import io
from typing import BinaryIO

from PIL import Image, ImageCms, UnidentifiedImageError
from sqlalchemy import select

from server.core.errors import ValidationError
from server.core.uow import UnitOfWork
from server.files import decoding
from server.files.models import Attachment

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": ("JPEG", "image/jpeg"), "PNG": ("PNG", "image/png"), "WEBP": ("WEBP", "image/webp"),
           "MPO": ("JPEG", "image/jpeg")}
# The only entry of Pillow's `info` a re-encoded picture may carry: which palette entry is see-through.
KEPT_INFO = ("transparency",)
FILE = {"field": "file"}
T = Image.Transpose
UPRIGHT = {2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM, 5: T.TRANSPOSE, 6: T.ROTATE_270,
           7: T.TRANSVERSE, 8: T.ROTATE_90}


def _size_of(source: BinaryIO) -> int:
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


def clean_image(data: bytes | BinaryIO) -> tuple[bytes, str, int, int]:
    """Re-encode an image without its metadata; raise ValidationError for anything that is not one.

    `data` may be a file (an upload spooled to disk): it is read as the decoder needs it, never whole."""
    source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    size = _size_of(source)
    if not size:
        raise ValidationError("图片为空", details=FILE)
    if size > MAX_IMAGE_BYTES:
        raise ValidationError("图片不能超过 10 MB", details=FILE)
    decoding.return_freed_memory_to_the_system()
    try:
        with Image.open(source) as probe:
            probe.verify()
        source.seek(0)
        fmt, width, height, mode = _header(source)
        out_format, content_type = FORMATS[fmt]
        with decoding.process_budget().reserve(decoding.decoded_bytes(width, height, fmt, mode)):
            # Decoded in a function of its own: when it returns, the full-size pixels (and WebP's
            # decoder buffer) are gone before the next decode may start.
            cleaned = _decode_small(source)
            encoded = _encode(cleaned, out_format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError("无法识别的图片文件", details=FILE) from exc
    return encoded, content_type, cleaned.width, cleaned.height


def _header(source: BinaryIO) -> tuple[str, int, int, str]:
    """Format, size and mode from the header alone; refuse what we do not take before decoding."""
    with Image.open(source) as image:
        fmt, width, height, mode = image.format, image.width, image.height, image.mode
    source.seek(0)
    limit = decoding.MAX_WEBP_PIXELS if fmt == "WEBP" else MAX_PIXELS
    if fmt not in FORMATS or width * height > limit:
        raise ValidationError(f"只支持 JPEG、PNG（不超过 {MAX_PIXELS // 10_000} 万像素）和 WebP（不超过 "
                              f"{decoding.MAX_WEBP_PIXELS // 10_000} 万像素）格式的图片", details=FILE)
    return fmt, width, height, mode


def _decode_small(source: BinaryIO) -> Image.Image:
    """Decode at most MAX_EDGE on the long side, upright, in sRGB, with no metadata left in `info`."""
    image = Image.open(source)
    want = decoding.target_size(image.width, image.height)
    orientation = image.getexif().get(0x0112)
    icc = image.info.get("icc_profile")
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB" if image.mode not in ("L", "CMYK") else image.mode, want)
    image.load()
    small = decoding.shrink(image, want)
    if small is image:
        small = image.copy()
    image.close()
    del image
    if orientation in UPRIGHT:  # the orientation tag goes with the rest: turn the pixels instead
        small = small.transpose(UPRIGHT[orientation])
    if icc:
        small = _to_srgb(small, icc)
    if small.mode not in ("RGB", "RGBA", "L", "LA", "P", "I;16", "I"):
        small = small.convert("RGB")
    small.info = {key: small.info[key] for key in KEPT_INFO if key in small.info}
    return small


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Pixels in another colour space (Display P3, Adobe RGB, CMYK) are converted; the profile is dropped."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(profile).lower().replace(" ", ""):
            return image
        mode = "RGBA" if image.mode in ("RGBA", "LA") else "RGB"
        return ImageCms.profileToProfile(image, profile, ImageCms.createProfile("sRGB"), outputMode=mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unreadable profile: the colours stay as they are, the profile still goes


def _encode(image: Image.Image, out_format: str) -> bytes:
    if out_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=out_format, **({"quality": 88} if out_format != "PNG" else {}))
    return buffer.getvalue()


def store_image(uow: UnitOfWork, data: bytes | BinaryIO) -> Attachment:
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
