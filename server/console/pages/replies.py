"""Reply templates (常用回复), kept by the district committee, offered on every case page's text boxes."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.console.pages.case_forms import TemplateForm, choices
from server.core.errors import DomainError
from server.people.rules import Role
from server.places.queries import list_categories
from server.replies import service
from server.replies.queries import get_template, list_templates
from server.web.runtime import current_runtime

menu_item(group="系统管理", label="常用回复", endpoint="console.reply_templates", roles={Role.district_committee},
          order=60)


def _form(**kwargs) -> TemplateForm:
    form = TemplateForm(**kwargs)
    categories = list_categories(current_runtime().uow())
    form.category_id.choices = choices([(0, "全部分类通用")] + [(c["id"], c["name"]) for c in categories])
    return form


@bp.route("/replies", methods=["GET", "POST"])
@bp.route("/replies/<int:template_id>", methods=["GET", "POST"])
@staff_required(Role.district_committee)
def reply_templates(template_id: int | None = None):
    uow = current_runtime().uow()
    editing = get_template(uow, template_id=template_id) if template_id else None
    if template_id and editing is None:
        return redirect(url_for("console.reply_templates"))
    form = _form(data={"title": editing["title"], "body": editing["body"],
                       "category_id": editing["category"]["id"] if editing["category"] else 0} if editing else None)
    if form.validate_on_submit():
        try:
            service.save_template(uow, actor_id=current_principal().person.id, title=form.title.data,
                                  body=form.body.data, category_id=form.category_id.data or None,
                                  template_id=template_id)
        except DomainError as exc:
            form.body.errors = [exc.message]
        else:
            flash(f"已保存常用回复“{form.title.data.strip()}”", "success")
            return redirect(url_for("console.reply_templates"))
    return render_template("console/replies.html", form=form, editing=editing,
                           templates=list_templates(uow, every=True))


@bp.post("/replies/<int:template_id>/delete")
@staff_required(Role.district_committee)
def delete_reply_template(template_id: int):
    service.delete_template(current_runtime().uow(), actor_id=current_principal().person.id, template_id=template_id)
    flash("已删除常用回复", "success")
    return redirect(url_for("console.reply_templates"))
