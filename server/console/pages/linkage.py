"""区街联动 in the console: the district's task list, draft/issue form, task page with every street side by
side and review; the street office's assignments, 签收, activities, collection, attendance, suggestions and
results. Views only translate forms to service calls and errors back to the fields."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.core.clock import LOCAL_ZONE
from server.core.errors import DomainError, NotFoundError
from server.linkage import queries
from server.linkage import service as linkage
from server.linkage.rules import ACTIVITY_LABELS, KIND_LABELS, STATE_LABELS, TASK_STATE_LABELS
from server.linkage.service import Upload
from server.people.rules import Role
from server.places.queries import list_streets
from server.web.runtime import current_runtime

DISTRICT = Role.district_committee
OFFICE = Role.street_office
PAGE_SIZE = 20
TASK_COLOURS = {"draft": "grey", "issued": "blue", "closed": "green"}
STATE_COLOURS = {"issued": "grey", "acknowledged": "blue", "in_progress": "blue", "submitted": "orange",
                 "returned": "red", "accepted": "green"}

menu_item(group="区街联动", label="联动任务", endpoint="console.linkage_tasks", roles={DISTRICT, OFFICE}, order=10)
menu_item(group="区街联动", label="交办新任务", endpoint="console.linkage_new", roles={DISTRICT}, order=11)


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TaskForm(FlaskForm):
    kind = SelectField("任务类型", choices=_choices((k.value, v) for k, v in KIND_LABELS.items()))
    title = StringField("任务标题", validators=[DataRequired("请填写任务标题"), Length(max=80)])
    brief = TextAreaField("任务要求", validators=[DataRequired("请填写任务要求"), Length(max=5000)])
    due_date = DateField("完成期限", validators=[DataRequired("请选择完成期限")])
    # Not DataRequired: the browser would then require every checkbox; the service says "请至少选择一个街道".
    street_ids = MultiCheckbox("交办街道", coerce=int, validators=[Optional()])
    files = MultipleFileField("附件（PDF、Word、图片）")


class NoteForm(FlaskForm):
    note = TextAreaField("说明", validators=[Optional(), Length(max=1000)])


class ActivityForm(FlaskForm):
    kind = SelectField("活动类型", choices=_choices((k.value, v) for k, v in ACTIVITY_LABELS.items()))
    title = StringField("活动名称", validators=[DataRequired("请填写活动名称"), Length(max=80)])
    starts_at = DateTimeLocalField("活动时间", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请选择活动时间")])
    place = StringField("活动地点", validators=[DataRequired("请填写活动地点"), Length(max=120)])
    deputy_ids = MultiCheckbox("邀请代表", coerce=int, validators=[Optional()])
    note = TextAreaField("活动说明", validators=[Optional(), Length(max=1000)])


class CollectionForm(FlaskForm):
    title = StringField("征集主题", validators=[Optional(), Length(max=80)])
    closes_at = DateTimeLocalField("截止时间", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请选择截止时间")])


class AttendanceForm(FlaskForm):
    attended_ids = MultiCheckbox("实到代表", coerce=int, validators=[Optional()])
    note = TextAreaField("活动情况", validators=[Optional(), Length(max=1000)])
    photos = MultipleFileField("活动照片")


class SuggestionForm(FlaskForm):
    author_id = SelectField("提出建议的代表", coerce=int)
    text = TextAreaField("建议内容", validators=[DataRequired("请填写建议内容"), Length(max=2000)])


class ResultsForm(FlaskForm):
    report = TextAreaField("成果报告", validators=[DataRequired("请填写成果报告"), Length(max=20000)])
    files = MultipleFileField("附件（PDF、Word、图片）")


class ReviewForm(FlaskForm):
    comment = TextAreaField("审核意见", validators=[Optional(), Length(max=1000)])


def _uow():
    return current_runtime().uow()


def _me() -> int:
    return current_principal().person.id


def _uploads(field) -> list[Upload]:
    return [Upload(f.filename or "附件", f.read()) for f in (field.data or []) if getattr(f, "filename", "")]


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=LOCAL_ZONE)


def _fail(form: FlaskForm, exc: DomainError, fallback: str) -> None:
    """The service's Chinese message next to the field it names (or the form's first field)."""
    name = (exc.details or {}).get("field")
    field = getattr(form, name, None) if isinstance(name, str) else None
    field = field if field is not None and hasattr(field, "errors") else getattr(form, fallback)
    if isinstance(field.errors, tuple):
        field.errors = list(field.errors)
    field.errors.append(exc.message)


@bp.app_template_filter("linkage_colour")
def linkage_colour(state: str, of: str = "assignment") -> str:
    """A task's state (`of="task"`) or a street's assignment state as the tag's colour (UI.md)."""
    return (TASK_COLOURS if of == "task" else STATE_COLOURS).get(state, "grey")


@bp.get("/linkage/tasks")
@staff_required(DISTRICT, OFFICE)
def linkage_tasks():
    number = max(1, request.args.get("page", 1, type=int))
    state, kind, text = request.args.get("state") or None, request.args.get("kind") or None, request.args.get("q") or None
    try:
        result = queries.list_tasks(_uow(), viewer_id=_me(), state=state, kind=kind, text=text,
                                    offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    except DomainError as exc:
        flash(exc.message, "error")
        result = {"items": [], "total": 0}
    page = {"number": number, "total": result["total"], "pages": max(1, -(-result["total"] // PAGE_SIZE))}
    states = TASK_STATE_LABELS if current_principal().role == DISTRICT else STATE_LABELS
    return render_template("console/linkage_tasks.html", result=result, page=page, kinds=KIND_LABELS,
                           states=states, district=current_principal().role == DISTRICT)


@bp.route("/linkage/tasks/new", methods=["GET", "POST"])
@staff_required(DISTRICT)
def linkage_new():
    form = TaskForm()
    form.street_ids.choices = _choices((s["id"], s["name"]) for s in list_streets(_uow()))
    status = 200
    if form.validate_on_submit():
        try:
            task = linkage.create_task(_uow(), actor_id=_me(), kind=form.kind.data, title=form.title.data,
                                       brief=form.brief.data, due_date=form.due_date.data,
                                       street_ids=form.street_ids.data or [], files=_uploads(form.files))
        except DomainError as exc:
            _fail(form, exc, "title")
            status = 422
        else:
            flash("已保存草稿，核对后请点击“交办”", "success")
            return redirect(url_for("console.linkage_task", task_id=task.id))
    elif request.method == "POST":
        status = 422
    return render_template("console/linkage_new.html", form=form), status


@bp.get("/linkage/tasks/<int:task_id>")
@staff_required(DISTRICT, OFFICE)
def linkage_task(task_id: int):
    try:
        task = queries.get_task(_uow(), viewer_id=_me(), task_id=task_id)
    except NotFoundError:
        abort(404)
    if current_principal().role == OFFICE:
        return redirect(url_for("console.linkage_assignment", assignment_id=task["assignments"][0]["id"]))
    return render_template("console/linkage_task.html", task=task, close_form=NoteForm())


def _task_action(task_id: int, service, done: str, **kwargs):
    try:
        service(_uow(), actor_id=_me(), task_id=task_id, **kwargs)
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("console.linkage_task", task_id=task_id))


@bp.post("/linkage/tasks/<int:task_id>/issue")
@staff_required(DISTRICT)
def linkage_issue(task_id: int):
    return _task_action(task_id, linkage.issue_task, "已交办，各街道已收到通知")


@bp.post("/linkage/tasks/<int:task_id>/close")
@staff_required(DISTRICT)
def linkage_close(task_id: int):
    form = NoteForm()
    return _task_action(task_id, linkage.close_task, "任务已办结", note=form.note.data if form.validate() else None)


def _assignment_page(assignment_id: int, status: int = 200, **forms):
    try:
        work = queries.get_assignment(_uow(), viewer_id=_me(), assignment_id=assignment_id)
    except NotFoundError:
        abort(404)
    deputies = queries.street_deputies(_uow(), viewer_id=_me(), assignment_id=assignment_id)
    choices = _choices((d["id"], f"{d['name']}（{d['street_name']}）") for d in deputies)
    now = current_runtime().clock.now().astimezone(LOCAL_ZONE).replace(tzinfo=None, second=0, microsecond=0)
    activity = forms.get("activity") or ActivityForm(formdata=None, starts_at=now + timedelta(days=3))
    activity.deputy_ids.choices = choices
    if not activity.deputy_ids.data:
        activity.deputy_ids.data = [d["id"] for d in deputies if d["own_street"]]
    collection = forms.get("collection") or CollectionForm(
        formdata=None, closes_at=datetime.combine(work["task"]["due_date"], time(18, 0)))
    suggestion = forms.get("suggestion") or SuggestionForm(formdata=None)
    suggestion.author_id.choices = choices
    attendance = {}
    for item in work["activity_items"]:
        form = forms.get(f"attendance-{item['id']}") or AttendanceForm(
            formdata=None, prefix=f"a{item['id']}",
            attended_ids=[i["deputy_id"] for i in item["invitations"] if i["attended"] or (
                i["attended"] is None and i["answer"] == "attend")])
        form.attended_ids.choices = _choices((i["deputy_id"], i["deputy_name"]) for i in item["invitations"])
        attendance[item["id"]] = form
    return render_template(
        "console/linkage_assignment.html", work=work, activity_form=activity, collection_form=collection,
        suggestion_form=suggestion, attendance_forms=attendance, results_form=forms.get("results") or ResultsForm(formdata=None),
        review_form=forms.get("review") or ReviewForm(formdata=None), district=current_principal().role == DISTRICT,
        now=current_runtime().clock.now()), status


def _deputy_choices(assignment_id: int) -> list[SelectChoice]:
    try:
        deputies = queries.street_deputies(_uow(), viewer_id=_me(), assignment_id=assignment_id)
    except NotFoundError:
        abort(404)
    return _choices((d["id"], d["name"]) for d in deputies)


@bp.get("/linkage/assignments/<int:assignment_id>")
@staff_required(DISTRICT, OFFICE)
def linkage_assignment(assignment_id: int):
    return _assignment_page(assignment_id)


def _act(assignment_id: int, form: FlaskForm, key: str, fallback: str, call, done: str):
    """Validate `form`, run `call()`; on an error show the page again with the message next to the field."""
    if form.validate():
        try:
            call()
        except NotFoundError:
            abort(404)
        except DomainError as exc:
            _fail(form, exc, fallback)
        else:
            flash(done, "success")
            return redirect(url_for("console.linkage_assignment", assignment_id=assignment_id))
    return _assignment_page(assignment_id, 422, **{key: form})


@bp.post("/linkage/assignments/<int:assignment_id>/acknowledge")
@staff_required(OFFICE)
def linkage_acknowledge(assignment_id: int):
    try:
        linkage.acknowledge_assignment(_uow(), actor_id=_me(), assignment_id=assignment_id)
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("已签收", "success")
    return redirect(url_for("console.linkage_assignment", assignment_id=assignment_id))


@bp.post("/linkage/assignments/<int:assignment_id>/activities")
@staff_required(OFFICE)
def linkage_plan(assignment_id: int):
    form = ActivityForm()
    form.deputy_ids.choices = _deputy_choices(assignment_id)
    return _act(assignment_id, form, "activity", "title", lambda: linkage.plan_activity(
        _uow(), actor_id=_me(), assignment_id=assignment_id, kind=form.kind.data, title=form.title.data,
        starts_at=_local(form.starts_at.data), place=form.place.data, deputy_ids=form.deputy_ids.data or [],
        note=form.note.data), "已安排活动，受邀代表已收到通知")


@bp.post("/linkage/assignments/<int:assignment_id>/collection")
@staff_required(OFFICE)
def linkage_collection(assignment_id: int):
    form = CollectionForm()
    return _act(assignment_id, form, "collection", "closes_at", lambda: linkage.open_collection(
        _uow(), actor_id=_me(), assignment_id=assignment_id, closes_at=_local(form.closes_at.data),
        title=form.title.data or None), "已开启意见征集，居民可在议事厅发表意见")


@bp.post("/linkage/activities/<int:activity_id>/attendance")
@staff_required(OFFICE)
def linkage_attendance(activity_id: int):
    assignment_id = request.args.get("assignment", type=int) or abort(404)
    form = AttendanceForm(prefix=f"a{activity_id}")
    form.attended_ids.choices = _choices((int(v), v) for v in request.form.getlist(form.attended_ids.name) if v.isdigit())
    return _act(assignment_id, form, f"attendance-{activity_id}", "note", lambda: linkage.record_attendance(
        _uow(), actor_id=_me(), activity_id=activity_id, attended_ids=form.attended_ids.data or [],
        note=form.note.data, photos=_uploads(form.photos)), "已记录出席情况")


@bp.post("/linkage/assignments/<int:assignment_id>/suggestions")
@staff_required(OFFICE)
def linkage_suggest(assignment_id: int):
    form = SuggestionForm()
    form.author_id.choices = _deputy_choices(assignment_id)
    return _act(assignment_id, form, "suggestion", "text", lambda: linkage.add_suggestion(
        _uow(), actor_id=_me(), assignment_id=assignment_id, text=form.text.data, author_id=form.author_id.data),
        "已录入代表建议")


@bp.post("/linkage/assignments/<int:assignment_id>/collect")
@staff_required(OFFICE)
def linkage_collect(assignment_id: int):
    try:
        added = linkage.collect_hall_opinions(_uow(), actor_id=_me(), assignment_id=assignment_id)
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"已汇总议事厅居民意见 {added} 条", "success")
    return redirect(url_for("console.linkage_assignment", assignment_id=assignment_id))


@bp.post("/linkage/suggestions/<int:suggestion_id>/case")
@staff_required(DISTRICT, OFFICE)
def linkage_make_case(suggestion_id: int):
    assignment_id = request.args.get("assignment", type=int) or abort(404)
    try:
        case = linkage.make_case_from_suggestion(_uow(), actor_id=_me(), suggestion_id=suggestion_id)
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"已转为民情民意 {case.tracking_number}，进入72小时办理流程", "success")
    return redirect(url_for("console.linkage_assignment", assignment_id=assignment_id))


@bp.post("/linkage/assignments/<int:assignment_id>/results")
@staff_required(OFFICE)
def linkage_submit(assignment_id: int):
    form = ResultsForm()
    return _act(assignment_id, form, "results", "report", lambda: linkage.submit_results(
        _uow(), actor_id=_me(), assignment_id=assignment_id, report=form.report.data, files=_uploads(form.files)),
        "已提交办理成果，等待区人大常委会审核")


@bp.post("/linkage/assignments/<int:assignment_id>/review")
@staff_required(DISTRICT)
def linkage_review(assignment_id: int):
    form = ReviewForm()
    accept = request.form.get("decision") == "accept"
    service = linkage.accept_results if accept else linkage.return_results
    return _act(assignment_id, form, "review", "comment", lambda: service(
        _uow(), actor_id=_me(), assignment_id=assignment_id, comment=form.comment.data),
        "已审核通过" if accept else "已退回街道修改")


@bp.get("/linkage/files/<int:file_id>")
@staff_required(DISTRICT, OFFICE)
def linkage_file(file_id: int):
    try:
        found = queries.visible_file(_uow(), viewer_id=_me(), file_id=file_id)
    except NotFoundError:
        abort(404)
    response = Response(current_runtime().storage.get(found["sha256"]), mimetype=found["content_type"])
    inline = found["content_type"].startswith("image/") or found["content_type"] == "application/pdf"
    from urllib.parse import quote

    response.headers["Content-Disposition"] = (f"{'inline' if inline else 'attachment'}; "
                                               f"filename*=UTF-8''{quote(found['filename'])}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
