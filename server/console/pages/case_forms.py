"""The forms of the case pages: each field's label and its Chinese error; the choices come from queries."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

REQUIRED = "请填写此项"


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select field."""
    return [SelectChoice(value, label) for value, label in pairs]


def label_of(field, value) -> str:
    """The label a select field shows for a (coerced) value."""
    return next((c.label for c in field.choices if c.value == value), "")


def fill_route(form: RouteForm, routing: list[dict]) -> None:
    """The routing rule's suggested unit first and marked; any unit may also assist."""
    form.unit_id.choices = choices((o["id"], o["name"] + ("（建议）" if o["suggested"] else "")) for o in routing)
    form.assisting_unit_ids.choices = choices((o["id"], o["name"]) for o in routing)
CHOOSE = "请选择"
# A value not in the list (an old page, a tampered form): said in Chinese, as every message here.
PICK = {"invalid_choice_message": "请从列表中选择", "invalid_value_message": "请从列表中选择"}


class RouteForm(FlaskForm):
    unit_id = SelectField("牵头承办单位", **PICK, coerce=int, validators=[InputRequired(CHOOSE + "承办单位")])
    assisting_unit_ids = SelectMultipleField("协办单位（可多选）", **PICK, coerce=int, validators=[Optional()])
    note = TextAreaField("流转说明", validators=[Optional(), Length(max=1000, message="不能超过 1000 字")])


class CategoryForm(FlaskForm):
    category_id = SelectField("分类", **PICK, coerce=int, validators=[InputRequired(CHOOSE + "分类")])


class RejectForm(FlaskForm):
    reason = TextAreaField("不予受理理由", validators=[DataRequired("请填写不予受理理由"), Length(max=1000)])


class MergeForm(FlaskForm):
    into_case_id = HiddenField("合并至", validators=[DataRequired("请先搜索并选择要合并到的反映")])
    note = StringField("合并说明", validators=[Optional(), Length(max=1000)])


class EscalateForm(FlaskForm):
    reason = TextAreaField("提级理由", validators=[DataRequired("请填写提级理由"), Length(max=1000)])


class NoteForm(FlaskForm):
    text = TextAreaField("内部备注（群众看不到）", validators=[DataRequired("请填写备注"), Length(max=1000)])


class ResolveForm(FlaskForm):
    feedback = TextAreaField("办理结果（将发送给群众）", validators=[DataRequired("请填写办理结果"), Length(max=2000)])
    photos = MultipleFileField("现场照片（最多 9 张）")


class AssignForm(FlaskForm):
    assignee_id = SelectField("经办人", **PICK, coerce=int, validators=[InputRequired(CHOOSE + "经办人")])


class RerouteRequestForm(FlaskForm):
    reason = TextAreaField("申请重新流转的理由", validators=[DataRequired("请填写理由"), Length(max=1000)])


class BulkForm(FlaskForm):
    action = SelectField("批量操作", **PICK, choices=choices([("route", "批量流转"), ("recategorize", "批量调整分类")]))
    unit_id = SelectField("承办单位", **PICK, coerce=int, validators=[Optional()])
    category_id = SelectField("分类", **PICK, coerce=int, validators=[Optional()])


class TemplateForm(FlaskForm):
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=30, message="不能超过 30 字")])
    category_id = SelectField("适用分类", **PICK, coerce=int)
    body = TextAreaField("回复内容", validators=[DataRequired("请填写回复内容"), Length(max=1000)])


ACTION_FORMS = {
    "route": RouteForm, "recategorize": CategoryForm, "reject": RejectForm, "merge": MergeForm,
    "escalate": EscalateForm, "note": NoteForm, "resolve": ResolveForm, "assign": AssignForm,
    "reroute": RerouteRequestForm,
}
