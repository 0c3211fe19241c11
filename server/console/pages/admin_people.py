"""系统管理 · 人员与角色 (the district only): accounts, their role and scope, disable and enable, a new
password, and a WeChat binding code shown as a QR code to scan."""
from __future__ import annotations

import base64

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.core.clock import LOCAL_ZONE
from server.core.errors import DomainError, NotFoundError
from server.halls.poster_art import qr_png
from server.people import admin, directory
from server.people.rules import Role
from server.people.texts import ROLE_LABELS
from server.places import queries as places
from server.web.runtime import current_runtime

ADMIN = Role.district_committee
PAGE_SIZE = 20
ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in admin.ACCOUNT_ROLES]


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value=value, label=label) for value, label in pairs]

menu_item(group="系统管理", label="人员与角色", endpoint="console.admin_people", roles={ADMIN}, order=10)


def _uow():
    return current_runtime().uow()


def _actor():
    return admin.load_admin(_uow(), person_id=current_principal().person.id)


class AccountForm(FlaskForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=32)])
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=32)])
    role = SelectField("角色", choices=options(ROLE_CHOICES))
    phone = StringField("手机号码", validators=[Length(max=20)])
    street_id = SelectField("所属街道", coerce=int, validate_choice=False)
    community_id = SelectField("所属社区", coerce=int, validate_choice=False)
    unit_id = SelectField("承办单位", coerce=int, validate_choice=False)
    password = PasswordField("初始密码", validators=[DataRequired("请设置初始密码")])

    def fill_choices(self) -> None:
        streets = places.list_streets(_uow())
        self.street_id.choices = options([(0, "—")] + [(s["id"], s["name"]) for s in streets])
        self.community_id.choices = options([(0, "—")] + [(c["id"], f"{s['name']} · {c['name']}")
                                                          for s in streets for c in s["communities"]])
        self.unit_id.choices = options([(0, "—")] + [(u["id"], u["name"]) for u in places.list_units(_uow())])

    def scope(self) -> dict:
        return {"street_id": self.street_id.data or None, "community_id": self.community_id.data or None,
                "unit_id": self.unit_id.data or None}


def _field_error(form: FlaskForm, exc: DomainError, fallback: str = "name") -> None:
    name = str(exc.details.get("field") or fallback)
    field = getattr(form, name, None) or getattr(form, fallback)
    field.errors = [*field.errors, exc.message]


@bp.get("/admin/people")
@staff_required(ADMIN)
def admin_people():
    page = max(request.args.get("page", 1, type=int), 1)
    active = {"1": True, "0": False}.get(request.args.get("active", ""))
    total, rows = directory.list_accounts(_uow(), role=request.args.get("role") or None,
                                          street_id=request.args.get("street_id", type=int),
                                          text=request.args.get("q", ""), active=active,
                                          offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template("console/admin/people.html", people=rows, roles=ROLE_CHOICES,
                           streets=places.list_streets(_uow()),
                           page={"number": page, "pages": max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), "total": total})


@bp.route("/admin/people/new", methods=["GET", "POST"])
@staff_required(ADMIN)
def admin_person_new():
    form = AccountForm()
    form.fill_choices()
    if form.validate_on_submit():
        try:
            person = admin.create_account(_uow(), actor=_actor(), name=form.name.data, username=form.username.data,
                                          role=form.role.data, password=form.password.data, phone=form.phone.data,
                                          **form.scope())
        except DomainError as exc:
            _field_error(form, exc)
        else:
            flash(f"已新建账号 {person.username}", "success")
            return redirect(url_for("console.admin_person", person_id=person.id))
    return render_template("console/admin/person_form.html", form=form, person=None)


@bp.route("/admin/people/<int:person_id>", methods=["GET", "POST"])
@staff_required(ADMIN)
def admin_person(person_id: int):
    try:
        person = directory.get_account(_uow(), person_id=person_id)
    except NotFoundError:
        abort(404)
    form = AccountForm(data=None if request.method == "POST" else {
        **person, "community_id": person["community_id"] or 0, "street_id": person["street_id"] or 0,
        "unit_id": person["unit_id"] or 0})
    del form.username, form.password
    form.fill_choices()
    if form.validate_on_submit():
        try:
            admin.update_account(_uow(), actor=_actor(), person_id=person_id, name=form.name.data, role=form.role.data,
                                 phone=form.phone.data, **form.scope())
        except NotFoundError:
            abort(404)
        except DomainError as exc:
            _field_error(form, exc)
        else:
            flash("已保存账号信息", "success")
            return redirect(url_for("console.admin_person", person_id=person_id))
    return render_template("console/admin/person_form.html", form=form, person=person,
                           password_error=None)


@bp.post("/admin/people/<int:person_id>/<any(enable, disable):verb>")
@staff_required(ADMIN)
def admin_person_active(person_id: int, verb: str):
    try:
        ended = admin.set_active(_uow(), actor=_actor(), person_id=person_id, active=verb == "enable")
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("已启用账号" if verb == "enable" else f"已停用账号，结束了 {ended} 个登录会话", "success")
    return redirect(url_for("console.admin_person", person_id=person_id))


@bp.post("/admin/people/<int:person_id>/password")
@staff_required(ADMIN)
def admin_person_password(person_id: int):
    try:
        admin.reset_password(_uow(), actor=_actor(), person_id=person_id, password=request.form.get("password", ""))
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        person = directory.get_account(_uow(), person_id=person_id)
        form = AccountForm(data={**person, "community_id": person["community_id"] or 0,
                                 "street_id": person["street_id"] or 0, "unit_id": person["unit_id"] or 0})
        del form.username, form.password
        form.fill_choices()
        return render_template("console/admin/person_form.html", form=form, person=person,
                               password_error=exc.message)
    flash("已重置密码，该账号需用新密码重新登录", "success")
    return redirect(url_for("console.admin_person", person_id=person_id))


@bp.post("/admin/people/<int:person_id>/bind-code")
@staff_required(ADMIN)
def admin_person_bind_code(person_id: int):
    try:
        code = admin.issue_bind_code(_uow(), actor=_actor(), person_id=person_id)
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.admin_person", person_id=person_id))
    runtime = current_runtime()
    content = admin.bind_qr_content(code.code, runtime.wechat if runtime.settings.wechat_configured else None)
    image = base64.b64encode(qr_png(content, box_size=8)).decode()
    return render_template("console/admin/bind_code.html", person=directory.get_account(_uow(), person_id=person_id),
                           code=code.code, image=image, content=content,
                           expires=code.expires_at.astimezone(LOCAL_ZONE))
