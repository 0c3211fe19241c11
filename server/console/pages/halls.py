"""居民议事 for organisers: street offices (their street) and the district (any street) create, schedule,
moderate, close and conclude halls; download the QR code and the A4 poster; see a hall's figures."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.formatting import when
from server.console.menu import menu_item
from server.core.clock import LOCAL_ZONE
from server.core.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from server.files import uploads
from server.files.service import MAX_IMAGE_BYTES
from server.halls import opinions, organizing, outcomes, posters, queries, service
from server.halls.rules import MAX_BACKGROUND, MAX_TITLE, STATE_LABELS, TopicState
from server.people.rules import Role
from server.places import queries as places
from server.web.runtime import current_runtime

ORGANISERS = (Role.street_office, Role.district_committee)
PAGE_SIZE = 20
STATE_COLOURS = {"draft": "grey", "open": "blue", "closed": "orange", "concluded": "green"}

menu_item(group="居民议事", label="议题管理", endpoint="console.halls", roles=ORGANISERS, order=10)
menu_item(group="居民议事", label="新建议题", endpoint="console.hall_new", roles=ORGANISERS, order=20)


@bp.app_template_filter("iso_when")
def iso_when(value: str | None) -> str:
    """A time the halls' read views give as ISO text, shown as the console shows every time."""
    return when(datetime.fromisoformat(value)) if value else "—"


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def _uow():
    return current_runtime().uow()


def _me() -> int:
    return current_principal().person.id


def _street_scope() -> int | None:
    """A street office sees its own street's halls; the district every street's."""
    principal = current_principal()
    return principal.person.street_id if principal.role == Role.street_office else None


def _organised(topic_id: int) -> None:
    try:
        organizing.check_organizes(_uow(), viewer_id=_me(), topic_id=topic_id)
    except NotFoundError:
        abort(404)


def _local(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=LOCAL_ZONE) if value is not None else None


class TopicForm(FlaskForm):
    title = StringField("议题标题", validators=[DataRequired("请填写议题标题"), Length(max=MAX_TITLE)])
    background = TextAreaField("议题背景", validators=[DataRequired("请填写议题背景"), Length(max=MAX_BACKGROUND)])
    street_id = SelectField("所属街道", coerce=int, validate_choice=False)
    community_id = SelectField("所属社区", coerce=int, validate_choice=False)
    opens_at = DateTimeLocalField("开放时间", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField("截止时间", validators=[DataRequired("请选择截止时间")], format="%Y-%m-%dT%H:%M")
    photos = MultipleFileField("附件图片")

    def fill_choices(self) -> None:
        scope = _street_scope()
        streets = [s for s in places.list_streets(_uow()) if scope is None or s["id"] == scope]
        self.street_id.choices = options([(s["id"], s["name"]) for s in streets])
        self.community_id.choices = options([(0, "整个街道")] + [(c["id"], f"{s['name']} · {c['name']}")
                                                             for s in streets for c in s["communities"]])


FIELD_OF = {"议题标题": "title", "议题背景": "background", "street_id": "street_id", "community_id": "community_id",
            "opens_at": "opens_at", "closes_at": "closes_at"}


def _upload_photos(form: TopicForm) -> list[int]:
    ids = []
    for photo in form.photos.data or []:
        if not getattr(photo, "filename", ""):
            continue
        data = photo.stream.read(MAX_IMAGE_BYTES + 1)
        ids.append(uploads.upload_image(_uow(), person_id=_me(), data=data).id)
    return uploads.require_own_uploads(_uow(), person_id=_me(), attachment_ids=ids)


def _place_error(form: TopicForm, exc: DomainError) -> None:
    name = FIELD_OF.get(str(exc.details.get("field", "")), "title" if "标题" in exc.message else "closes_at")
    getattr(form, name).errors = [*getattr(form, name).errors, exc.message]


def _save(form: TopicForm, save: Callable[[list[int]], Any]) -> Any:
    """Store the uploaded photos, then create or change the topic; None with the errors on the form."""
    try:
        attachment_ids = _upload_photos(form)
    except DomainError as exc:
        form.photos.errors = [exc.message]
        return None
    try:
        return save(attachment_ids)
    except PermissionDeniedError as exc:
        form.street_id.errors = [exc.message]
    except DomainError as exc:
        _place_error(form, exc)
    return None


@bp.get("/halls")
@staff_required(*ORGANISERS)
def halls():
    page = max(request.args.get("page", 1, type=int), 1)
    state = request.args.get("state") or None
    scope = _street_scope()
    street = scope or request.args.get("street_id", type=int)
    try:
        listing = queries.list_topics(_uow(), viewer_id=_me(), state=state, street_id=street,
                                      offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    except ValidationError:
        listing = queries.list_topics(_uow(), viewer_id=_me(), street_id=street, limit=PAGE_SIZE)
        state = None
    pages = max((listing["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("console/halls/list.html", topics=listing["items"], state=state, street_id=street,
                           streets=[] if scope else places.list_streets(_uow()), states=STATE_LABELS,
                           colours=STATE_COLOURS, figures=outcomes.hall_figures(_uow(), street_id=street),
                           page={"number": page, "pages": pages, "total": listing["total"]})


@bp.route("/halls/new", methods=["GET", "POST"])
@staff_required(*ORGANISERS)
def hall_new():
    form = TopicForm()
    form.fill_choices()
    if request.method == "GET" and _street_scope():
        form.street_id.data = _street_scope()
    if form.validate_on_submit():
        topic = _save(form, lambda ids: service.create_topic(
            _uow(), actor_id=_me(), title=form.title.data, background=form.background.data,
            street_id=form.street_id.data or None, community_id=form.community_id.data or None,
            opens_at=_local(form.opens_at.data), closes_at=_local(form.closes_at.data), attachment_ids=ids))
        if topic is not None:
            flash("已创建议题" + ("，将按时开放" if topic.opens_at else "（草稿，可随时开放）"), "success")
            return redirect(url_for("console.hall", topic_id=topic.id))
    return render_template("console/halls/form.html", form=form, topic=None)


@bp.route("/halls/<int:topic_id>/edit", methods=["GET", "POST"])
@staff_required(*ORGANISERS)
def hall_edit(topic_id: int):
    _organised(topic_id)
    topic = queries.get_topic(_uow(), topic_id=topic_id, viewer_id=_me())
    if topic["state"] != TopicState.draft:
        flash("已开放的议题不能修改，只能延期", "warning")
        return redirect(url_for("console.hall", topic_id=topic_id))
    form = TopicForm(data=None if request.method == "POST" else {
        "title": topic["title"], "background": topic["background"], "street_id": topic["street_id"],
        "community_id": topic["community_id"] or 0,
        "opens_at": datetime.fromisoformat(topic["opens_at"]).astimezone(LOCAL_ZONE) if topic["opens_at"] else None,
        "closes_at": datetime.fromisoformat(topic["closes_at"]).astimezone(LOCAL_ZONE)})
    form.fill_choices()
    if form.validate_on_submit():
        saved = _save(form, lambda ids: service.edit_topic(
            _uow(), actor_id=_me(), topic_id=topic_id, title=form.title.data, background=form.background.data,
            street_id=form.street_id.data or None, community_id=form.community_id.data or None,
            opens_at=_local(form.opens_at.data), clear_opens_at=form.opens_at.data is None,
            closes_at=_local(form.closes_at.data), attachment_ids=ids or None))
        if saved is not None:
            flash("已保存议题", "success")
            return redirect(url_for("console.hall", topic_id=topic_id))
    return render_template("console/halls/form.html", form=form, topic=topic)


def _detail(topic_id: int, *, errors: dict | None = None, values: dict | None = None):
    uow = _uow()
    topic = queries.get_topic(uow, topic_id=topic_id, viewer_id=_me())
    page = max(request.args.get("page", 1, type=int), 1)
    listing = queries.list_opinions(uow, topic_id=topic_id, viewer_id=_me(), sort="supports",
                                    offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max((listing["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    visible = [] if topic["state"] != TopicState.closed else \
        [o for o in queries.list_opinions(uow, topic_id=topic_id, viewer_id=_me(), limit=100)["items"]
         if not o["hidden"]]
    return render_template(
        "console/halls/detail.html", topic=topic, opinions=listing["items"], visible=visible,
        figures=outcomes.topic_figures(uow, topic_id=topic_id), timeline=organizing.topic_timeline(uow, topic_id=topic_id),
        units=places.list_units(uow, street_id=topic["street_id"]), colours=STATE_COLOURS,
        page={"number": page, "pages": pages, "total": listing["total"]}, errors=errors or {}, values=values or {},
    )


@bp.get("/halls/<int:topic_id>")
@staff_required(*ORGANISERS)
def hall(topic_id: int):
    _organised(topic_id)
    return _detail(topic_id)


def _act(topic_id: int, command: Callable[[], object], done: str, *, form_key: str | None = None):
    """Run one organiser command; a bad input shows the page again with the message next to the form
    (`form_key`) and the typed values kept, anything else as a message at the top."""
    _organised(topic_id)
    try:
        command()
    except (NotFoundError, PermissionDeniedError):
        abort(404)
    except DomainError as exc:
        if form_key is None:
            flash(exc.message, "error")
            return redirect(url_for("console.hall", topic_id=topic_id))
        return _detail(topic_id, errors={form_key: exc.message}, values=request.form.to_dict(flat=False))
    flash(done, "success")
    return redirect(url_for("console.hall", topic_id=topic_id) + ("#opinions" if "意见" in done else ""))


@bp.post("/halls/<int:topic_id>/open")
@staff_required(*ORGANISERS)
def hall_open(topic_id: int):
    return _act(topic_id, lambda: service.open_topic(_uow(), actor_id=_me(), topic_id=topic_id),
                "已开放议题，已通知订阅的居民和议事会议成员")


@bp.post("/halls/<int:topic_id>/close")
@staff_required(*ORGANISERS)
def hall_close(topic_id: int):
    return _act(topic_id, lambda: service.close_topic(_uow(), actor_id=_me(), topic_id=topic_id,
                                                      note=request.form.get("note")), "已截止议题")


@bp.post("/halls/<int:topic_id>/extend")
@staff_required(*ORGANISERS)
def hall_extend(topic_id: int):
    def command():
        try:
            closes_at = datetime.strptime(request.form.get("closes_at", ""), "%Y-%m-%dT%H:%M").replace(tzinfo=LOCAL_ZONE)
        except ValueError:
            raise ValidationError("请选择新的截止时间") from None
        service.extend_topic(_uow(), actor_id=_me(), topic_id=topic_id, closes_at=closes_at,
                             reason=request.form.get("reason", ""))
    return _act(topic_id, command, "已延期", form_key="extend")


@bp.post("/halls/<int:topic_id>/opinions/<int:opinion_id>/<any(hide, unhide, pin, unpin, reply, case):verb>")
@staff_required(*ORGANISERS)
def hall_moderate(topic_id: int, opinion_id: int, verb: str):
    _organised(topic_id)
    if organizing.opinion_topic_id(_uow(), opinion_id=opinion_id) != topic_id:
        abort(404)
    uow, me, form = _uow(), _me(), request.form
    commands = {
        "hide": (lambda: opinions.hide_opinion(uow, actor_id=me, opinion_id=opinion_id, reason=form.get("reason", "")),
                 "已隐藏该意见"),
        "unhide": (lambda: opinions.unhide_opinion(uow, actor_id=me, opinion_id=opinion_id), "已恢复显示该意见"),
        "pin": (lambda: opinions.pin_opinion(uow, actor_id=me, opinion_id=opinion_id), "已置顶该意见"),
        "unpin": (lambda: opinions.pin_opinion(uow, actor_id=me, opinion_id=opinion_id, pinned=False), "已取消置顶"),
        "reply": (lambda: opinions.reply_to_opinion(uow, actor_id=me, opinion_id=opinion_id, text=form.get("text", "")),
                  "已回复该意见，作者会收到通知"),
        "case": (lambda: outcomes.create_case_from_opinion(uow, actor_id=me, opinion_id=opinion_id,
                                                           unit_id=form.get("unit_id", type=int) or None),
                 "已将该意见转为民情民意事项"),
    }
    command, done = commands[verb]
    key = f"{verb}-{opinion_id}" if verb in ("hide", "reply") else None
    return _act(topic_id, command, done, form_key=key)


@bp.post("/halls/<int:topic_id>/conclude")
@staff_required(*ORGANISERS)
def hall_conclude(topic_id: int):
    form = request.form
    cases = [outcomes.OpinionCase(opinion_id=int(oid), unit_id=form.get(f"unit-{oid}", type=int) or None)
             for oid in form.getlist("make_case") if oid.isdigit()]
    adopted = [int(oid) for oid in form.getlist("adopt") if oid.isdigit()]
    follow_ups = [line.strip() for line in form.get("follow_ups", "").splitlines() if line.strip()]
    return _act(topic_id, lambda: outcomes.conclude_topic(
        _uow(), actor_id=_me(), topic_id=topic_id, summary=form.get("summary", ""), adopted_opinion_ids=adopted,
        case_requests=cases, follow_ups=follow_ups), "已公布议事结果，已通知参与的居民", form_key="conclude")


@bp.post("/halls/<int:topic_id>/follow-ups/<int:follow_up_id>/done")
@staff_required(*ORGANISERS)
def hall_follow_up_done(topic_id: int, follow_up_id: int):
    _organised(topic_id)
    topic = queries.get_topic(_uow(), topic_id=topic_id, viewer_id=_me())
    if follow_up_id not in {f["id"] for f in topic["follow_ups"]}:
        abort(404)
    return _act(topic_id, lambda: outcomes.complete_follow_up(_uow(), actor_id=_me(), follow_up_id=follow_up_id),
                "已标记后续事项完成")


def _gateway():
    runtime = current_runtime()
    return runtime.wechat if runtime.settings.wechat_configured else None


@bp.get("/halls/<int:topic_id>/<any(qr, poster):what>.<any(png, pdf, svg):fmt>")
@staff_required(*ORGANISERS)
def hall_download(topic_id: int, what: str, fmt: str):
    _organised(topic_id)
    if (what, fmt) not in {("qr", "png"), ("qr", "svg"), ("poster", "pdf"), ("poster", "png")}:
        abort(404)
    make = posters.topic_qr if what == "qr" else posters.topic_poster
    data = make(_uow(), topic_id=topic_id, fmt=fmt, gateway=_gateway())
    name = f"topic-{topic_id}-{'qrcode' if what == 'qr' else 'poster'}.{fmt}"
    return Response(data, mimetype=posters.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/halls/<int:topic_id>/files/<int:attachment_id>")
@staff_required(*ORGANISERS)
def hall_file(topic_id: int, attachment_id: int):
    _organised(topic_id)
    try:
        found = organizing.topic_file(_uow(), topic_id=topic_id, attachment_id=attachment_id)
    except NotFoundError:
        abort(404)
    response = Response(current_runtime().storage.get(found.sha256), mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
