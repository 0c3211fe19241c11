"""系统管理 · 基础数据 (the district only): streets and communities, handling units and their platforms
(四平台), categories with their keywords, routing rules (category + street → the unit suggested first)."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for

from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.core.errors import DomainError, NotFoundError
from server.people import admin
from server.people.rules import Role
from server.places import admin as places_admin
from server.web.runtime import current_runtime

ADMIN = Role.district_committee
TABS = {"streets": "街道与社区", "units": "承办单位", "categories": "分类", "rules": "流转规则"}

menu_item(group="系统管理", label="基础数据", endpoint="console.admin_places", roles={ADMIN}, order=20)


def _uow():
    return current_runtime().uow()


def _render(tab: str, *, errors: dict | None = None):
    if tab not in TABS:
        abort(404)
    return render_template("console/admin/places.html", tab=tab, tabs=TABS, data=places_admin.reference_data(_uow()),
                           errors=errors or {}, values=request.form if errors else {})


@bp.get("/admin/places")
@staff_required(ADMIN)
def admin_places():
    return _render(request.args.get("tab", "streets"))


def _int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def _save(tab: str, key: str, command: Callable[..., object], done: str):
    actor = admin.load_admin(_uow(), person_id=current_principal().person.id)
    try:
        command(actor)
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        return _render(tab, errors={key: exc.message, f"{key}:field": exc.details.get("field")})
    flash(done, "success")
    return redirect(url_for("console.admin_places", tab=tab))


@bp.post("/admin/places/<any(street, community, unit, category, rule):kind>")
@staff_required(ADMIN)
def admin_place_save(kind: str):
    uow, form, row_id = _uow(), request.form, _int("id")
    key = f"{kind}-{row_id or 'new'}"
    commands = {
        "street": ("streets", lambda actor: places_admin.save_street(
            uow, actor=actor, street_id=row_id, code=form.get("code", ""), name=form.get("name", "")), "已保存街道"),
        "community": ("streets", lambda actor: places_admin.save_community(
            uow, actor=actor, community_id=row_id, street_id=_int("street_id"), name=form.get("name", "")),
            "已保存社区"),
        "unit": ("units", lambda actor: places_admin.save_unit(
            uow, actor=actor, unit_id=row_id, name=form.get("name", ""), platform=form.get("platform", ""),
            street_id=_int("street_id")), "已保存承办单位"),
        "category": ("categories", lambda actor: places_admin.save_category(
            uow, actor=actor, category_id=row_id, code=form.get("code", ""), name=form.get("name", ""),
            platform=form.get("platform", ""), keywords=form.get("keywords", "")), "已保存分类"),
        "rule": ("rules", lambda actor: places_admin.save_rule(
            uow, actor=actor, category_id=_int("category_id"), street_id=_int("street_id"), unit_id=_int("unit_id")),
            "已保存流转规则"),
    }
    tab, command, done = commands[kind]
    return _save(tab, key, command, done)


@bp.post("/admin/places/rule/<int:rule_id>/delete")
@staff_required(ADMIN)
def admin_rule_delete(rule_id: int):
    return _save("rules", f"rule-{rule_id}",
                 lambda actor: places_admin.delete_rule(_uow(), actor=actor, rule_id=rule_id), "已删除流转规则")
