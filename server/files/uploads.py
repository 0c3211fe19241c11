"""Uploads through the API: the image is cleaned and stored by hash, and the uploader is remembered,
because only the uploader may put an attachment on a case (ids are easy to guess)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from sqlalchemy import select

from server.core.db import insert_for
from server.core.errors import ValidationError
from server.core.uow import UnitOfWork
from server.files.models import Attachment, AttachmentUpload
from server.files.service import store_image

MAX_PHOTOS = 9


def upload_image(uow: UnitOfWork, *, person_id: int, data: bytes | BinaryIO) -> Attachment:
    """Store an uploaded image for a person; uploading the same picture again gives the same attachment."""
    with uow.transaction() as session:
        attachment = store_image(uow, data)
        insert = insert_for(session.get_bind().dialect.name)
        session.execute(insert(AttachmentUpload).values(attachment_id=attachment.id, person_id=person_id,
                                                        created_at=uow.clock.now()).on_conflict_do_nothing())
        return attachment


def require_own_uploads(uow: UnitOfWork, *, person_id: int, attachment_ids: Sequence[int]) -> list[int]:
    """The ids, de-duplicated, if the person uploaded every one of them; else a clear error."""
    ids = list(dict.fromkeys(attachment_ids))
    if len(ids) > MAX_PHOTOS:
        raise ValidationError("最多上传 9 张图片", details={"field": "attachment_ids"})
    if not ids:
        return ids
    with uow.transaction() as session:
        own = set(session.scalars(select(AttachmentUpload.attachment_id).where(
            AttachmentUpload.person_id == person_id, AttachmentUpload.attachment_id.in_(ids))))
    missing = [i for i in ids if i not in own]
    if missing:
        raise ValidationError("图片不存在，请重新上传", details={"field": "attachment_ids", "missing": missing})
    return ids
