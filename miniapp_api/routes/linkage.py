"""区街联动 over HTTP: deputies answer invitations and send suggestions; street offices work their
assignments; the district committee drafts, issues, reviews and closes tasks. Scope as for cases:
another street's assignment is 404. Each view calls one service or query of server.linkage."""
from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_openapi3 import FileStorage
from werkzeug.datastructures import FileStorage as WerkzeugFile

from miniapp_api.auth import OFFICES, current_person_id, roles
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.pagination import decode_cursor, encode_cursor
from miniapp_api.schemas.common import In
from miniapp_api.schemas.linkage import (
    ActivityIn,
    ActivityPath,
    AnswerIn,
    AssignmentDetail,
    AssignmentPath,
    AttendanceIn,
    CaseMadeOut,
    CloseTaskIn,
    CollectedOut,
    CollectionIn,
    CreateTaskIn,
    FilePath,
    InvitationList,
    InvitationOut,
    InvitationPath,
    MySuggestionList,
    ResultsIn,
    ReviewIn,
    SuggestionCaseIn,
    SuggestionIn,
    SuggestionOut,
    SuggestionPath,
    TaskDetail,
    TaskListQuery,
    TaskPage,
    TaskPath,
)
from miniapp_api.views import answer
from server.core.errors import ValidationError
from server.files.documents import MAX_DOCUMENT_BYTES
from server.linkage import queries
from server.linkage import service as linkage
from server.linkage.service import Upload
from server.people.rules import Role
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_linkage", __name__, tag="linkage")
DISTRICT = Role.district_committee
TASK_ERRORS = {200: TaskDetail, **errors(403, 404, 409)}
WORK_ERRORS = {200: AssignmentDetail, **errors(403, 404, 409)}


class FileForm(In):
    file: FileStorage


def file_url(file_id: int) -> str:
    return f"/api/v1/linkage/files/{file_id}"


def _with_urls(view: dict[str, Any]) -> dict[str, Any]:
    for key in ("files", "report_files"):
        for item in view.get(key, []):
            item["url"] = file_url(item["id"])
    for activity in view.get("activity_items", []):
        for photo in activity["photos"]:
            photo["url"] = file_url(photo["id"])
    return view


def task_detail(task_id: int, status: int = 200):
    view = queries.get_task(current_runtime().uow(), viewer_id=current_person_id(), task_id=task_id)
    return answer(TaskDetail, _with_urls(view), status)


def work_detail(assignment_id: int, status: int = 200):
    view = queries.get_assignment(current_runtime().uow(), viewer_id=current_person_id(), assignment_id=assignment_id)
    return answer(AssignmentDetail, _with_urls(view), status)


def _offset(cursor: str | None) -> int:
    key = decode_cursor(cursor)
    if key is None:
        return 0
    kind, offset = key
    if kind != "t" or not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValidationError("分页参数无效，请从第一页重新加载", details={"field": "cursor"})
    return offset


# --- The district committee ------------------------------------------------------------------

@bp.get("/linkage/tasks", summary="联动任务（区人大：全部；街道：本街道的任务及其进度）", responses={200: TaskPage})
@roles(OFFICES)
def list_tasks(query: TaskListQuery):
    result = queries.list_tasks(current_runtime().uow(), viewer_id=current_person_id(), state=query.state,
                                kind=query.kind.value if query.kind else None, text=query.q,
                                offset=_offset(query.cursor), limit=query.limit)
    nxt = result["next_offset"]
    return answer(TaskPage, {"items": result["items"], "total": result["total"],
                             "next_cursor": encode_cursor(("t", nxt)) if nxt is not None else None})


@bp.post("/linkage/tasks", summary="起草联动任务（草稿，交办前街道不可见）", responses={201: TaskDetail, **errors(403)})
@roles(DISTRICT)
def create_task(body: CreateTaskIn):
    task = linkage.create_task(current_runtime().uow(), actor_id=current_person_id(), kind=body.kind,
                               title=body.title, brief=body.brief, due_date=body.due_date, street_ids=body.street_ids)
    return task_detail(task.id, 201)


def _upload(form: FileForm) -> list[Upload]:
    if not isinstance(form.file, WerkzeugFile):
        raise ValidationError("请选择要上传的文件", details={"field": "file"})
    return [Upload(form.file.filename or "附件", form.file.stream.read(MAX_DOCUMENT_BYTES + 1))]


@bp.post("/linkage/tasks/<int:task_id>/files", summary="为草稿添加附件（PDF、Word、图片，按内容识别，≤20 MB）",
         responses={200: TaskDetail, **errors(403, 404, 409, 413)})
@roles(DISTRICT)
def add_task_file(path: TaskPath, form: FileForm):
    linkage.add_task_files(current_runtime().uow(), actor_id=current_person_id(), task_id=path.task_id,
                           files=_upload(form))
    return task_detail(path.task_id)


@bp.get("/linkage/tasks/<int:task_id>", summary="任务详情：各街道进度并列、附件、办理记录", responses=TASK_ERRORS)
@roles(OFFICES)
def get_task(path: TaskPath):
    return task_detail(path.task_id)


@bp.post("/linkage/tasks/<int:task_id>/issue", summary="交办（推送各街道人大工委签收）", responses=TASK_ERRORS)
@roles(DISTRICT)
def issue_task(path: TaskPath):
    linkage.issue_task(current_runtime().uow(), actor_id=current_person_id(), task_id=path.task_id)
    return task_detail(path.task_id)


@bp.post("/linkage/tasks/<int:task_id>/close", summary="任务办结", responses=TASK_ERRORS)
@roles(DISTRICT)
def close_task(path: TaskPath, body: CloseTaskIn):
    linkage.close_task(current_runtime().uow(), actor_id=current_person_id(), task_id=path.task_id, note=body.note)
    return task_detail(path.task_id)


@bp.post("/linkage/assignments/<int:assignment_id>/accept", summary="审核通过街道成果", responses=WORK_ERRORS)
@roles(DISTRICT)
def accept(path: AssignmentPath, body: ReviewIn):
    linkage.accept_results(current_runtime().uow(), actor_id=current_person_id(), assignment_id=path.assignment_id,
                           comment=body.comment)
    return work_detail(path.assignment_id)


@bp.post("/linkage/assignments/<int:assignment_id>/return", summary="退回街道修改（须填写意见）", responses=WORK_ERRORS)
@roles(DISTRICT)
def return_(path: AssignmentPath, body: ReviewIn):
    linkage.return_results(current_runtime().uow(), actor_id=current_person_id(), assignment_id=path.assignment_id,
                           comment=body.comment or "")
    return work_detail(path.assignment_id)


# --- The street office -------------------------------------------------------------------------

@bp.get("/linkage/assignments/<int:assignment_id>", summary="街道办理情况：活动、征集、建议、成果", responses=WORK_ERRORS)
@roles(OFFICES)
def get_assignment(path: AssignmentPath):
    return work_detail(path.assignment_id)


@bp.post("/linkage/assignments/<int:assignment_id>/acknowledge", summary="签收", responses=WORK_ERRORS)
@roles(Role.street_office)
def acknowledge(path: AssignmentPath):
    linkage.acknowledge_assignment(current_runtime().uow(), actor_id=current_person_id(),
                                   assignment_id=path.assignment_id)
    return work_detail(path.assignment_id)


@bp.post("/linkage/assignments/<int:assignment_id>/activities", summary="安排视察、调研或会议并邀请代表（推送）",
         responses={201: AssignmentDetail, **errors(403, 404, 409)})
@roles(Role.street_office)
def plan_activity(path: AssignmentPath, body: ActivityIn):
    linkage.plan_activity(current_runtime().uow(), actor_id=current_person_id(), assignment_id=path.assignment_id,
                          kind=body.kind, title=body.title, starts_at=body.starts_at, place=body.place,
                          deputy_ids=body.deputy_ids, note=body.note)
    return work_detail(path.assignment_id, 201)


@bp.post("/linkage/activities/<int:activity_id>/attendance", summary="记录出席（照片在治理端上传）",
         responses=WORK_ERRORS)
@roles(Role.street_office)
def record_attendance(path: ActivityPath, body: AttendanceIn):
    activity = linkage.record_attendance(current_runtime().uow(), actor_id=current_person_id(),
                                         activity_id=path.activity_id, attended_ids=body.attended_ids, note=body.note)
    return work_detail(activity.assignment_id)


@bp.post("/linkage/activities/<int:activity_id>/photos", summary="上传活动现场照片（活动开始后）",
         responses={200: AssignmentDetail, **errors(403, 404, 409, 413)})
@roles(Role.street_office)
def add_photo(path: ActivityPath, form: FileForm):
    activity = linkage.add_activity_photos(current_runtime().uow(), actor_id=current_person_id(),
                                           activity_id=path.activity_id, photos=_upload(form))
    return work_detail(activity.assignment_id)


@bp.post("/linkage/assignments/<int:assignment_id>/files", summary="上传成果附件（PDF、Word、图片）",
         responses={200: AssignmentDetail, **errors(403, 404, 409, 413)})
@roles(Role.street_office)
def add_result_file(path: AssignmentPath, form: FileForm):
    linkage.add_result_files(current_runtime().uow(), actor_id=current_person_id(), assignment_id=path.assignment_id,
                             files=_upload(form))
    return work_detail(path.assignment_id)


@bp.post("/linkage/assignments/<int:assignment_id>/collection", summary="开启居民意见征集（议事厅议题）",
         responses=WORK_ERRORS)
@roles(Role.street_office)
def open_collection(path: AssignmentPath, body: CollectionIn):
    linkage.open_collection(current_runtime().uow(), actor_id=current_person_id(), assignment_id=path.assignment_id,
                            closes_at=body.closes_at, title=body.title, background=body.background)
    return work_detail(path.assignment_id)


@bp.post("/linkage/assignments/<int:assignment_id>/collect", summary="汇总议事厅居民意见为建议（不重复）",
         responses={200: CollectedOut, **errors(403, 404, 409)})
@roles(Role.street_office)
def collect(path: AssignmentPath):
    added = linkage.collect_hall_opinions(current_runtime().uow(), actor_id=current_person_id(),
                                          assignment_id=path.assignment_id)
    return answer(CollectedOut, {"added": added})


@bp.post("/linkage/assignments/<int:assignment_id>/results", summary="提交成果（退回后即重新提交）",
         responses=WORK_ERRORS)
@roles(Role.street_office)
def submit_results(path: AssignmentPath, body: ResultsIn):
    linkage.submit_results(current_runtime().uow(), actor_id=current_person_id(), assignment_id=path.assignment_id,
                           report=body.report)
    return work_detail(path.assignment_id)


@bp.post("/linkage/suggestions/<int:suggestion_id>/case", summary="建议转为民情民意（进入72小时流程）",
         responses={201: CaseMadeOut, **errors(403, 404, 409)})
@roles(OFFICES)
def make_case(path: SuggestionPath, body: SuggestionCaseIn):
    case = linkage.make_case_from_suggestion(current_runtime().uow(), actor_id=current_person_id(),
                                             suggestion_id=path.suggestion_id, unit_id=body.unit_id)
    return answer(CaseMadeOut, {"case_id": case.id, "tracking_number": case.tracking_number}, 201)


# --- Deputies (and the street office entering for them) -----------------------------------------

@bp.get("/linkage/invitations", summary="我的活动邀请（代表）", responses={200: InvitationList})
@roles(Role.deputy)
def my_invitations():
    items = queries.my_invitations(current_runtime().uow(), deputy_id=current_person_id())
    return answer(InvitationList, {"items": items})


@bp.post("/linkage/invitations/<int:invitation_id>/answer", summary="答复邀请：参加 / 不参加",
         responses={200: InvitationOut, **errors(403, 404, 409)})
@roles(Role.deputy)
def answer_invitation(path: InvitationPath, body: AnswerIn):
    rt = current_runtime()
    linkage.answer_invitation(rt.uow(), actor_id=current_person_id(), invitation_id=path.invitation_id,
                              attend=body.attend)
    found = [i for i in queries.my_invitations(rt.uow(), deputy_id=current_person_id(), limit=100)
             if i["id"] == path.invitation_id]
    return answer(InvitationOut, found[0])


@bp.post("/linkage/assignments/<int:assignment_id>/suggestions", summary="提交建议（代表本人，或街道代为录入）",
         responses={201: SuggestionOut, **errors(403, 404, 409)})
@roles(Role.deputy, Role.street_office)
def add_suggestion(path: AssignmentPath, body: SuggestionIn):
    rt = current_runtime()
    made = linkage.add_suggestion(rt.uow(), actor_id=current_person_id(), assignment_id=path.assignment_id,
                                  text=body.text, author_id=body.author_id)
    return answer(SuggestionOut, queries.get_suggestion(rt.uow(), suggestion_id=made.id), 201)


@bp.get("/linkage/suggestions/mine", summary="我提交的建议（代表）", responses={200: MySuggestionList})
@roles(Role.deputy)
def my_suggestions():
    return answer(MySuggestionList, {"items": queries.my_suggestions(current_runtime().uow(),
                                                                     deputy_id=current_person_id())})


@bp.get("/linkage/files/<int:file_id>", summary="任务附件、成果附件、活动照片（仅限有权查看的人）",
        responses={200: {"description": "the file", "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}, **errors(404)})
def get_file(path: FilePath):
    rt = current_runtime()
    found = queries.visible_file(rt.uow(), viewer_id=current_person_id(), file_id=path.file_id)
    response = Response(rt.storage.get(found["sha256"]), mimetype=found["content_type"])
    from urllib.parse import quote

    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(found['filename'])}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.before_request
def _limit_upload_size():
    if request.endpoint in {f"{bp.name}.{name}" for name in ("add_task_file", "add_photo", "add_result_file")}:
        request.max_content_length = MAX_DOCUMENT_BYTES + 64 * 1024
