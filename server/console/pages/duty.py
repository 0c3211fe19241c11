"""代表工作 in the console, the duty record: my record with its PDF and my own entries (deputies), any
deputy's record and the deputies' ranking (street office, district), the score's weights (district)."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.core.clock import LOCAL_ZONE
from server.core.errors import DomainError
from server.deputies import record, service
from server.deputies.pdf import export_duty_record
from server.deputies.rules import ENTRY_KIND_LABELS
from server.files import uploads
from server.people.rules import Role
from server.web.runtime import current_runtime

menu_item(group="代表工作", label="我的履职档案", endpoint="console.my_record", roles={Role.deputy}, order=40)
menu_item(group="代表工作", label="代表履职排名", endpoint="console.deputy_ranking",
          roles={Role.street_office, Role.district_committee}, order=50)
menu_item(group="代表工作", label="履职积分权重", endpoint="console.duty_weights", roles={Role.district_committee},
          order=60)
MAX_PHOTO_BYTES = 10 * 1024 * 1024


class EntryForm(FlaskForm):
    kind = SelectField("履职类型")  # choices: entry_form()
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=120)])
    happened_on = DateField("日期", validators=[InputRequired("请选择日期")])
    place = StringField("地点（可不填）", validators=[Optional(), Length(max=120)])
    note = TextAreaField("内容（可不填）", validators=[Optional(), Length(max=2000)])
    photo = FileField("照片（可不填）", validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], "请上传 JPG、PNG 或 WebP 图片")])


def entry_form(formdata=None) -> EntryForm:
    form = EntryForm() if formdata is not False else EntryForm(formdata=None)
    form.kind.choices = [(kind.value, label) for kind, label in ENTRY_KIND_LABELS.items()]
    return form


def _year() -> int:
    this_year = current_runtime().clock.now().astimezone(LOCAL_ZONE).year
    year = request.args.get("year", this_year, type=int)
    return year if 2000 <= year <= this_year else this_year


def _record_page(deputy_id: int, form: EntryForm | None = None, status: int = 200):
    rt = current_runtime()
    year = _year()
    try:
        data = record.duty_record(rt.uow(), actor_id=current_principal().person.id, deputy_id=deputy_id, year=year)
    except DomainError:
        return render_template("console/error.html", status=404, message="找不到该代表的履职档案"), 404
    own = deputy_id == current_principal().person.id
    this_year = rt.clock.now().astimezone(LOCAL_ZONE).year
    return render_template("console/deputies_record.html", rec=data, own=own, form=form or entry_form(False),
                           years=list(range(this_year, this_year - 5, -1))), status


@bp.get("/deputies/my-record")
@staff_required(Role.deputy)
def my_record():
    return _record_page(current_principal().person.id)


@bp.post("/deputies/my-record/entries")
@staff_required(Role.deputy)
def add_entry():
    rt = current_runtime()
    form = entry_form()
    me = current_principal().person.id
    if not form.validate_on_submit():
        return _record_page(me, form, 200)
    try:
        photos = []
        if form.photo.data:
            data = form.photo.data.read(MAX_PHOTO_BYTES + 1)
            if len(data) > MAX_PHOTO_BYTES:
                form.photo.errors.append("照片不能超过 10 MB")
                return _record_page(me, form, 200)
            photos.append(uploads.upload_image(rt.uow(), person_id=me, data=data).id)
        service.add_duty_entry(rt.uow(), actor_id=me, kind=form.kind.data, title=form.title.data,
                               happened_on=form.happened_on.data, place=form.place.data or None,
                               note=form.note.data or None, attachment_ids=photos)
    except DomainError as exc:
        target = {"happened_on": form.happened_on, "attachment_ids": form.photo}.get(
            (exc.details or {}).get("field"), form.title)
        target.errors.append(exc.message)
        return _record_page(me, form, 200)
    flash(f"已添加履职记录：{form.title.data}", "success")
    return redirect(url_for("console.my_record", year=form.happened_on.data.year))


@bp.get("/deputies/<int:deputy_id>/record")
@staff_required(Role.street_office, Role.district_committee, Role.deputy)
def deputy_record(deputy_id: int):
    return _record_page(deputy_id)


@bp.get("/deputies/<int:deputy_id>/record.pdf")
@staff_required(Role.street_office, Role.district_committee, Role.deputy)
def deputy_record_pdf(deputy_id: int):
    year = _year()
    try:
        data = export_duty_record(current_runtime().uow(), actor_id=current_principal().person.id,
                                  deputy_id=deputy_id, year=year)
    except DomainError:
        return render_template("console/error.html", status=404, message="找不到该代表的履职档案"), 404
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="duty-record-{deputy_id}-{year}.pdf"'
    return response


@bp.get("/deputies/entry-photos/<int:attachment_id>")
@staff_required(Role.street_office, Role.district_committee, Role.deputy)
def entry_photo(attachment_id: int):
    try:
        data, content_type = record.entry_photo(current_runtime().uow(), actor_id=current_principal().person.id,
                                                attachment_id=attachment_id)
    except DomainError:
        return render_template("console/error.html", status=404, message="找不到该照片"), 404
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/deputies/ranking")
@staff_required(Role.street_office, Role.district_committee)
def deputy_ranking():
    rt = current_runtime()
    data = record.deputy_ranking(rt.uow(), actor_id=current_principal().person.id, year=_year())
    shown = [key for key in data["labels"] if any(row["figures"].get(key) for row in data["items"])] or \
        list(data["labels"])[:4]
    this_year = rt.clock.now().astimezone(LOCAL_ZONE).year
    return render_template("console/deputies_ranking.html", data=data, shown=shown,
                           years=list(range(this_year, this_year - 5, -1)))


def _weights_form(items: list[dict]) -> FlaskForm:
    class WeightsForm(FlaskForm):
        pass

    for item in items:
        setattr(WeightsForm, item["key"], FloatField(item["label"], default=item["weight"], validators=[
            InputRequired("请填写权重"), NumberRange(0, 100, "权重须在 0 到 100 之间")]))
    return WeightsForm()


@bp.route("/deputies/weights", methods=["GET", "POST"])
@staff_required(Role.district_committee)
def duty_weights():
    rt = current_runtime()
    current = record.weights_and_formula(rt.uow())
    form = _weights_form(current["weights"])
    status = 200
    if form.validate_on_submit():
        try:
            service.set_duty_weights(rt.uow(), actor_id=current_principal().person.id,
                                     weights={item["key"]: form[item["key"]].data for item in current["weights"]},
                                     known=set(record.score_items()))
        except DomainError as exc:
            form[(exc.details or {}).get("field", current["weights"][0]["key"])].errors.append(exc.message)
            status = 200  # the form again with the errors next to the fields, as for any form
        else:
            flash("已更新履职积分权重，排名按新公式计算", "success")
            return redirect(url_for("console.duty_weights"))
    elif request.method == "POST":
        status = 200  # the form again with the errors next to the fields, as for any form
    return render_template("console/deputies_weights.html", form=form, current=current), status
