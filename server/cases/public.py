"""A case's public page: an unguessable link (`/c/<id>-<signature>`) the resolution push carries, and
what that page may show — the result and the unit's photos, never who reported it.

The signature is an HMAC of the case id under the app's secret key, so knowing one link (or every
tracking number) does not lead to any other case.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from server.cases.models import Case, CaseAttachment
from server.cases.states import STATE_LABELS
from server.core.clock import LOCAL_ZONE
from server.core.errors import NotFoundError
from server.core.masking import mask_personal
from server.core.uow import UnitOfWork
from server.files.models import Attachment
from server.places.models import Category, Community, HandlingUnit, Street

if TYPE_CHECKING:
    from server.core.settings import Settings

SIGNATURE_LENGTH = 24  # hex characters: 96 bits
FEEDBACK = "feedback"


def _signature(secret_key: str, case_id: int) -> str:
    digest = hmac.new(secret_key.encode(), f"minyi-public-case:{case_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:SIGNATURE_LENGTH]


def public_token(settings: Settings, case_id: int) -> str:
    return f"{case_id}-{_signature(settings.secret_key, case_id)}"


def public_link(settings: Settings | None, case_id: int) -> str | None:
    """The page's full address under MINYI_PUBLIC_URL (None without settings: no link to give)."""
    if settings is None:
        return None
    return f"{settings.public_url}/c/{public_token(settings, case_id)}"


def case_id_from_token(settings: Settings, token: str) -> int | None:
    """The case id a `<id>-<signature>` token names, or None when the signature does not match."""
    case_part, _, signature = token.partition("-")
    if not case_part.isdigit() or len(case_part) > 12 or len(signature) != SIGNATURE_LENGTH:
        return None
    case_id = int(case_part)
    if not hmac.compare_digest(signature, _signature(settings.secret_key, case_id)):
        return None
    return case_id


def _name(session, model, row_id: int | None) -> str | None:
    row = session.get(model, row_id) if row_id is not None else None
    return row.name if row is not None else None


def get_public_case(uow: UnitOfWork, *, case_id: int) -> dict[str, Any]:
    """What anyone holding the link may read: numbers masked, no reporter, only the unit's photos."""
    with uow.transaction() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError("找不到该反映")
        photos = session.scalars(
            select(CaseAttachment.attachment_id).where(CaseAttachment.case_id == case.id,
                                                       CaseAttachment.kind == FEEDBACK)
            .order_by(CaseAttachment.id))
        return {
            "id": case.id, "tracking_number": case.tracking_number, "state": case.state.value,
            "state_label": STATE_LABELS[case.state], "category": _name(session, Category, case.category_id),
            "street": _name(session, Street, case.street_id),
            "community": _name(session, Community, case.community_id),
            "unit": _name(session, HandlingUnit, case.handling_unit_id),
            "submitted_at": case.submitted_at, "resolved_at": case.resolved_at,
            "description": mask_personal(case.description), "feedback": mask_personal(case.feedback),
            "photo_ids": list(dict.fromkeys(photos)),
        }


def get_feedback_photo(uow: UnitOfWork, *, case_id: int, attachment_id: int) -> Attachment:
    """A photo the unit added to this case's result; any other attachment is not found."""
    with uow.transaction() as session:
        linked = session.scalar(
            select(CaseAttachment.id).where(CaseAttachment.case_id == case_id, CaseAttachment.kind == FEEDBACK,
                                            CaseAttachment.attachment_id == attachment_id).limit(1))
        attachment = session.get(Attachment, attachment_id) if linked is not None else None
        if attachment is None:
            raise NotFoundError("找不到该图片")
        return attachment


def local_time(value: datetime | None, now: datetime) -> str:
    """`12月2日 09:30` in Beijing time, with the year when it is not the year of `now`."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_ZONE)
    year = f"{local.year}年" if local.year != now.astimezone(LOCAL_ZONE).year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"
