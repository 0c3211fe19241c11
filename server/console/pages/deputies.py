"""代表工作 in the console: contact stations and reception days (street office), my reception days and
recording visits and matters (deputies); each view calls one service or query of server.deputies."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.core.clock import LOCAL_ZONE
from server.core.errors import DomainError
from server.deputies import queries, receptions, service
from server.people.rules import Role
from server.web.runtime import current_runtime

OFFICE = (Role.street_office,)
RECORDERS = (Role.street_office, Role.deputy)
PER_PAGE = 20

menu_item(group="代表工作", label="接待日", endpoint="console.receptions", roles={Role.street_office}, order=10)
menu_item(group="代表工作", label="联络站", endpoint="console.stations", roles={Role.street_office}, order=20)
menu_item(group="待办", label="我的接待日", endpoint="console.my_receptions", roles={Role.deputy}, order=30)


class StationForm(FlaskForm):
    name = StringField("联络站名称", validators=[DataRequired("请填写联络站名称"), Length(max=80)])
    address = StringField("地址", validators=[DataRequired("请填写地址"), Length(max=200)])
    opening_hours = StringField("开放时间", validators=[DataRequired("请填写开放时间"), Length(max=200)])
    phone = StringField("联系电话（联络站值班电话，可不填）", validators=[Optional(), Length(max=32)])


class ReceptionForm(FlaskForm):
    station_id = SelectField("联络站", coerce=int, validators=[InputRequired("请选择联络站")])
    day = DateField("日期", validators=[InputRequired("请选择日期")])
    start = TimeField("开始时间", validators=[InputRequired("请填写开始时间")])
    end = TimeField("结束时间", validators=[InputRequired("请填写结束时间")])
    deputy_ids = SelectMultipleField("值班代表", coerce=int, widget=ListWidget(prefix_label=False),
                                     option_widget=CheckboxInput())
    slot_minutes = IntegerField("每个时段（分钟）", default=30,
                                validators=[InputRequired("请填写时段长度"), NumberRange(10, 240, "须为 10 到 240 分钟")])
    slot_capacity = IntegerField("每个时段可预约人数", default=3,
                                 validators=[InputRequired("请填写人数"), NumberRange(1, 50, "须为 1 到 50 人")])
    topic = StringField("接待主题（可不填）", validators=[Optional(), Length(max=120)])


class VisitForm(FlaskForm):
    visitor_name = StringField("来访群众姓名", validators=[DataRequired("请填写来访群众姓名"), Length(max=32)])
    phone = StringField("手机号码（可不填）", validators=[Optional(), Length(max=32)])
    community_id = SelectField("所在社区", coerce=int, validators=[Optional()])
    matters = TextAreaField("反映的诉求（每行一件）", validators=[Optional(), Length(max=4000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("取消原因", validators=[DataRequired("请填写取消原因"), Length(max=500)])


class SummaryForm(FlaskForm):
    summary = TextAreaField("接待小结（可不填）", validators=[Optional(), Length(max=2000)])


def _field_error(form: FlaskForm, error: DomainError, fallback: str, names: dict[str, str] | None = None) -> None:
    """The service's message next to the field it names (through `names`), else next to `fallback`."""
    name = (error.details or {}).get("field")
    name = (names or {}).get(name, name)
    target = getattr(form, name, None) if isinstance(name, str) else None
    (target if target is not None and hasattr(target, "errors") else getattr(form, fallback)).errors.append(error.message)


def _actor() -> int:
    return current_principal().person.id


@bp.route("/deputies/stations", methods=["GET", "POST"])
@staff_required(*OFFICE)
def stations():
    rt = current_runtime()
    street_id = current_principal().person.street_id
    form = StationForm()
    status = 200
    if form.validate_on_submit():
        try:
            station = service.create_station(rt.uow(), actor_id=_actor(), street_id=street_id, name=form.name.data,
                                             address=form.address.data, opening_hours=form.opening_hours.data,
                                             phone=form.phone.data or None)
        except DomainError as exc:
            _field_error(form, exc, "name")
            status = 200  # the form again with the errors next to the fields, as for any form
        else:
            flash(f"已新建{station.name}", "success")
            return redirect(url_for("console.stations"))
    elif request.method == "POST":
        status = 200  # the form again with the errors next to the fields, as for any form
    items = queries.list_stations(rt.uow(), street_id=street_id)
    return render_template("console/deputies_stations.html", stations=items, form=form), status


@bp.route("/deputies/stations/<int:station_id>", methods=["GET", "POST"])
@staff_required(*OFFICE)
def station_edit(station_id: int):
    rt = current_runtime()
    station = next((s for s in queries.list_stations(rt.uow(), street_id=current_principal().person.street_id)
                    if s["id"] == station_id), None)
    if station is None:
        return render_template("console/error.html", status=404, message="找不到该联络站"), 404
    form = StationForm(data=station)
    status = 200
    if form.validate_on_submit():
        try:
            service.update_station(rt.uow(), actor_id=_actor(), station_id=station_id, name=form.name.data,
                                   address=form.address.data, opening_hours=form.opening_hours.data,
                                   phone=form.phone.data or None)
        except DomainError as exc:
            _field_error(form, exc, "name")
            status = 200  # the form again with the errors next to the fields, as for any form
        else:
            flash("已保存联络站信息", "success")
            return redirect(url_for("console.stations"))
    elif request.method == "POST":
        status = 200  # the form again with the errors next to the fields, as for any form
    return render_template("console/deputies_station_edit.html", station=station, form=form), status


def _reception_list(mine: bool):
    rt = current_runtime()
    number = max(1, request.args.get("page", 1, type=int))
    state = request.args.get("state") or None
    if state not in (None, "scheduled", "held", "cancelled"):
        state = None
    data = queries.list_receptions(rt.uow(), actor_id=_actor(), state=state, mine=mine,
                                   limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    page = {"number": number, "total": data["total"], "pages": max(1, -(-data["total"] // PER_PAGE))}
    return render_template("console/deputies_receptions.html", items=data["items"], page=page, state=state,
                           mine=mine, endpoint="console.my_receptions" if mine else "console.receptions")


@bp.get("/deputies/receptions", endpoint="receptions")
@staff_required(Role.street_office, Role.district_committee)
def receptions_list():
    return _reception_list(mine=False)


@bp.get("/deputies/my-receptions")
@staff_required(Role.deputy)
def my_receptions():
    return _reception_list(mine=True)


@bp.route("/deputies/receptions/new", methods=["GET", "POST"])
@staff_required(*OFFICE)
def reception_new():
    rt = current_runtime()
    street_id = current_principal().person.street_id
    form = ReceptionForm()
    form.station_id.choices = [(s["id"], s["name"]) for s in queries.list_stations(rt.uow(), street_id=street_id)]
    form.deputy_ids.choices = [(d["id"], d["name"]) for d in queries.street_deputies(rt.uow(), actor_id=_actor())]
    if request.method == "GET":
        tomorrow = rt.clock.now().astimezone(LOCAL_ZONE).date() + timedelta(days=1)
        form.day.data = tomorrow
        form.start.data, form.end.data = datetime.strptime("09:00", "%H:%M").time(), \
            datetime.strptime("11:30", "%H:%M").time()
    status = 200
    if form.validate_on_submit():
        starts_at = datetime.combine(form.day.data, form.start.data, LOCAL_ZONE)
        ends_at = datetime.combine(form.day.data, form.end.data, LOCAL_ZONE)
        try:
            reception = receptions.schedule_reception(
                rt.uow(), actor_id=_actor(), station_id=form.station_id.data, starts_at=starts_at, ends_at=ends_at,
                deputy_ids=form.deputy_ids.data, slot_minutes=form.slot_minutes.data,
                slot_capacity=form.slot_capacity.data, topic=form.topic.data or None)
        except DomainError as exc:
            _field_error(form, exc, "deputy_ids", {"starts_at": "start", "ends_at": "end"})
            status = 200  # the form again with the errors next to the fields, as for any form
        else:
            flash("已安排接待日，已通知值班代表和订阅的居民", "success")
            return redirect(url_for("console.reception_detail", reception_id=reception.id))
    elif request.method == "POST":
        status = 200  # the form again with the errors next to the fields, as for any form
    return render_template("console/deputies_reception_new.html", form=form), status


@bp.get("/deputies/receptions/<int:reception_id>")
@staff_required(*RECORDERS, Role.district_committee)
def reception_detail(reception_id: int, forms: dict | None = None, status: int = 200):
    rt = current_runtime()
    try:
        reception = queries.get_reception(rt.uow(), actor_id=_actor(), reception_id=reception_id)
    except DomainError:
        return render_template("console/error.html", status=404, message="找不到该接待日"), 404
    forms = forms or {}
    visit_form = forms.get("visit") or VisitForm(formdata=None)
    visit_form.community_id.choices = [(0, "（不清楚）")] + [
        (c["id"], c["name"]) for c in queries.street_communities(rt.uow(), street_id=reception["street_id"])]
    principal = current_principal()
    on_duty = principal.person.name in reception["deputy_names"] and principal.role == Role.deputy
    may_record = principal.role == Role.street_office or on_duty
    return render_template("console/deputies_reception.html", r=reception, visit_form=visit_form,
                           reason_form=forms.get("reason") or ReasonForm(formdata=None),
                           summary_form=forms.get("summary") or SummaryForm(formdata=None),
                           may_record=may_record, may_cancel=principal.role == Role.street_office), status


def _back(reception_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("console.reception_detail", reception_id=reception_id))


@bp.post("/deputies/receptions/<int:reception_id>/visits")
@staff_required(*RECORDERS)
def reception_visit(reception_id: int):
    rt = current_runtime()
    booking_id = request.form.get("booking_id", type=int)
    try:
        if booking_id:
            receptions.record_visit(rt.uow(), actor_id=_actor(), reception_id=reception_id, booking_id=booking_id)
            return _back(reception_id, "已登记来访")
        form = VisitForm()
        form.community_id.choices = [(0, "")] + [(c["id"], c["name"]) for c in queries.street_communities(
            rt.uow(), street_id=current_principal().person.street_id)]
        if not form.validate_on_submit():
            return reception_detail(reception_id, {"visit": form}, 200)
        matters = [line.strip() for line in (form.matters.data or "").splitlines() if line.strip()]
        receptions.record_visit(rt.uow(), actor_id=_actor(), reception_id=reception_id,
                                visitor_name=form.visitor_name.data, phone=form.phone.data or None,
                                community_id=form.community_id.data or None, matters=matters)
    except DomainError as exc:
        if booking_id:
            flash(exc.message, "error")
            return redirect(url_for("console.reception_detail", reception_id=reception_id))
        _field_error(form, exc, "visitor_name")
        return reception_detail(reception_id, {"visit": form}, 200)
    return _back(reception_id, f"已登记来访群众{form.visitor_name.data}")


@bp.post("/deputies/receptions/matters/<int:matter_id>/case")
@staff_required(*RECORDERS)
def matter_case(matter_id: int):
    reception_id = request.form.get("reception_id", type=int) or 0
    try:
        case = receptions.raise_case_from_matter(current_runtime().uow(), actor_id=_actor(), matter_id=matter_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.reception_detail", reception_id=reception_id))
    return _back(reception_id, f"已转为民情件 {case.tracking_number}，由代表接收")


@bp.post("/deputies/receptions/<int:reception_id>/close")
@staff_required(*RECORDERS)
def reception_close(reception_id: int):
    form = SummaryForm()
    try:
        receptions.close_reception(current_runtime().uow(), actor_id=_actor(), reception_id=reception_id,
                                   summary=form.summary.data or None)
    except DomainError as exc:
        form.summary.errors = [exc.message]
        return reception_detail(reception_id, {"summary": form}, 200)
    return _back(reception_id, "已标记接待完成")


@bp.post("/deputies/receptions/<int:reception_id>/cancel")
@staff_required(*OFFICE)
def reception_cancel(reception_id: int):
    form = ReasonForm()
    if not form.validate_on_submit():
        return reception_detail(reception_id, {"reason": form}, 200)
    try:
        receptions.cancel_reception(current_runtime().uow(), actor_id=_actor(), reception_id=reception_id,
                                    reason=form.reason.data)
    except DomainError as exc:
        form.reason.errors = [exc.message]
        return reception_detail(reception_id, {"reason": form}, 200)
    return _back(reception_id, "已取消接待日，已通知预约的群众和值班代表")


menu_item(group="代表工作", label="代表资料", endpoint="console.deputy_profiles", roles={Role.street_office}, order=30)


class ProfileForm(FlaskForm):
    title = StringField("代表职务", validators=[DataRequired("请填写代表职务"), Length(max=64)])
    station_id = SelectField("所属联络站", coerce=int)
    community_ids = SelectMultipleField("选区社区（不选即全街道）", coerce=int, widget=ListWidget(prefix_label=False),
                                        option_widget=CheckboxInput())
    introduction = TextAreaField("简介（可不填）", validators=[Optional(), Length(max=500)])


@bp.get("/deputies/profiles")
@staff_required(*OFFICE)
def deputy_profiles():
    rt = current_runtime()
    street_id = current_principal().person.street_id
    names = {c["id"]: c["name"] for c in queries.street_communities(rt.uow(), street_id=street_id)}
    deputies = [d | {"community_names": [names[i] for i in d["community_ids"] if i in names]}
                for d in queries.street_deputies(rt.uow(), actor_id=_actor())]
    return render_template("console/deputies_profiles.html", deputies=deputies)


@bp.route("/deputies/profiles/<int:deputy_id>", methods=["GET", "POST"])
@staff_required(*OFFICE)
def deputy_profile(deputy_id: int):
    rt = current_runtime()
    street_id = current_principal().person.street_id
    deputy = next((d for d in queries.street_deputies(rt.uow(), actor_id=_actor()) if d["id"] == deputy_id), None)
    if deputy is None:
        return render_template("console/error.html", status=404, message="找不到该代表"), 404
    form = ProfileForm(data={"title": deputy["title"], "station_id": deputy["station_id"] or 0,
                             "community_ids": deputy["community_ids"], "introduction": deputy["introduction"]})
    form.station_id.choices = [(0, "（未指定）")] + [(s["id"], s["name"]) for s in
                                                    queries.list_stations(rt.uow(), street_id=street_id)]
    form.community_ids.choices = [(c["id"], c["name"]) for c in queries.street_communities(rt.uow(),
                                                                                             street_id=street_id)]
    if form.validate_on_submit():
        try:
            service.update_deputy_profile(rt.uow(), actor_id=_actor(), deputy_id=deputy_id, title=form.title.data,
                                          station_id=form.station_id.data or None,
                                          community_ids=form.community_ids.data,
                                          introduction=form.introduction.data or None)
        except DomainError as exc:
            _field_error(form, exc, "title")
        else:
            flash(f"已保存{deputy['name']}的资料", "success")
            return redirect(url_for("console.deputy_profiles"))
    return render_template("console/deputies_profile_edit.html", deputy=deputy, form=form)
