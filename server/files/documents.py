"""Accepting documents (PDF, Word) and images as attachments: the type is read from the content, never
from the name or the browser's word for it, and the bytes are stored once by hash like photos."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from server.core.errors import ValidationError
from server.core.uow import UnitOfWork
from server.files.models import Attachment
from server.files.service import clean_image

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_FILENAME = 120
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")
DOCUMENT_TYPES = frozenset({PDF, DOCX, DOC})
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", DOC: ".doc", "image/jpeg": ".jpg", "image/png": ".png",
              "image/webp": ".webp"}


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def sniff_document(data: bytes) -> str | None:
    """The document type the bytes really are (PDF, Word 2007+ .docx, Word 97 .doc), or None."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return PDF
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return DOCX
    if data.startswith(OLE_MAGIC):
        return DOC
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    """The name shown for a file: no path, no control characters, the extension its content deserves."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem or "附件")[:MAX_FILENAME] + EXTENSIONS.get(content_type, "")


def store_file(uow: UnitOfWork, data: bytes) -> Attachment:
    """Store a PDF, a Word file or an image (images are cleaned of EXIF); anything else is refused."""
    if not data:
        raise ValidationError("文件为空", details={"field": "file"})
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError("文件不能超过 20 MB", details={"field": "file"})
    content_type = sniff_document(data)
    width = height = None
    if content_type is None:
        if not data.startswith(IMAGE_MAGIC):
            raise ValidationError("只支持 PDF、Word 文档和 JPEG、PNG、WebP 图片", details={"field": "file"})
        data, content_type, width, height = clean_image(data)
    if uow.storage is None:
        raise RuntimeError("no file storage configured")
    sha256 = uow.storage.put(data)
    with uow.transaction() as session:
        existing = session.scalar(select(Attachment).where(Attachment.sha256 == sha256))
        if existing is not None:
            return existing
        attachment = Attachment(sha256=sha256, content_type=content_type, size_bytes=len(data), width=width,
                                height=height, created_at=uow.clock.now())
        session.add(attachment)
        session.flush()
        return attachment
