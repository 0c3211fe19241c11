"""POST /uploads (an image: checked by content, decoded in bounded memory, every metadata segment removed,
stored by hash); GET /attachments/{id}."""
from __future__ import annotations

from flask import Response, request
from flask_openapi3 import FileStorage
from werkzeug.datastructures import FileStorage as WerkzeugFile

from miniapp_api.auth import current_person_id
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.schemas.common import DbId, In, Out
from server.cases import queries as case_queries
from server.core.errors import ValidationError
from server.files import uploads
from server.files.service import MAX_IMAGE_BYTES
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_uploads", __name__, tag="uploads")
# Multipart framing adds a little to the image itself.
UPLOAD_REQUEST_LIMIT = MAX_IMAGE_BYTES + 64 * 1024


class UploadForm(In):
    file: FileStorage


class UploadOut(Out):
    id: int
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    url: str


class AttachmentPath(In):
    attachment_id: DbId


@bp.before_request
def _limit_upload_size():
    # Refuse oversized bodies while reading them (413), not after buffering 100 MB.
    if request.endpoint == f"{bp.name}.upload":
        request.max_content_length = UPLOAD_REQUEST_LIMIT


def attachment_url(attachment_id: int) -> str:
    return f"/api/v1/attachments/{attachment_id}"


@bp.post("/uploads", summary="上传图片（JPEG/PNG/WebP，≤10 MB，去除 EXIF 等元数据）",
         responses={201: UploadOut, **errors(413)})
def upload(form: UploadForm):
    if not isinstance(form.file, WerkzeugFile):
        raise ValidationError("请选择要上传的图片", details={"field": "file"})
    # The parser spooled the file to disk: the decoder reads what it needs, the body is never held whole.
    attachment = uploads.upload_image(current_runtime().uow(), person_id=current_person_id(), data=form.file.stream)
    body = UploadOut(id=attachment.id, content_type=attachment.content_type, size_bytes=attachment.size_bytes,
                     width=attachment.width, height=attachment.height, url=attachment_url(attachment.id))
    return body.model_dump(mode="json"), 201


@bp.get("/attachments/<int:attachment_id>", summary="查看图片（仅限能看到所属反映的人）",
        responses={200: {"description": "the image", "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/webp": {"schema": {"type": "string", "format": "binary"}}}}, **errors(404)})
def attachment(path: AttachmentPath):
    rt = current_runtime()
    found = case_queries.visible_attachment(rt.uow(), actor_id=current_person_id(),
                                            attachment_id=path.attachment_id)
    response = Response(rt.storage.get(found.sha256), mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
