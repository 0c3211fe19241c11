"""The street office's triage queue (待办) and every staff role's case page with its actions.

Views read through `server.cases` queries and act through its services: the scope and the rules are
the API's, a case out of the caller's scope is a 404 page, and every action ends in a flash message.
"""
from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from server.cases import queries as case_queries
from server.cases import service as cases
from server.cases import teamwork, worklists
from server.cases.states import OPEN_STATES, STATE_LABELS, CaseState
from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.console.pages.case_forms import ACTION_FORMS, BulkForm, choices, fill_route, label_of
from server.core.errors import DomainError, NotFoundError, ValidationError
from server.files.service import thumbnail
from server.files.uploads import MAX_PHOTOS, upload_image
from server.people.rules import Role
from server.places.queries import list_categories, list_streets, list_units
from server.privacy import service as privacy
from server.replies.queries import list_templates
from server.web.runtime import current_runtime

OFFICES = (Role.street_office, Role.district_committee)
STAFF = (Role.street_office, Role.district_committee, Role.handling_unit)

menu_item(group="待办", label="研判流转", endpoint="console.triage_queue", roles={Role.street_office}, order=10)
menu_item(group="民情民意", label="全部反映", endpoint="console.all_cases", roles=set(OFFICES), order=20)


def _uow():
    return current_runtime().uow()


def _actor_id() -> int:
    return current_principal().person.id


def _int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def read_filters(**fixed: Any) -> worklists.WorkFilter:
    """The list filters from the query string (a wrong value is ignored, as a link may be old)."""
    state = request.args.get("state") or None
    return worklists.WorkFilter(
        state=state if state in CaseState.__members__ else None, category_id=_int("category"),
        community_id=_int("community"), street_id=_int("street"), overdue=request.args.get("overdue") == "1",
        text=request.args.get("q", "")[:60], **fixed)


def filter_choices() -> dict[str, Any]:
    uow = _uow()
    street_id = current_principal().person.street_id
    streets = list_streets(uow)
    communities = [c for s in streets if s["id"] == street_id for c in s["communities"]]
    return {"states": [(s.value, STATE_LABELS[s]) for s in CaseState], "categories": list_categories(uow),
            "communities": communities, "streets": streets if street_id is None else []}


def render_queue(template: str, title: str, endpoint: str, filters: worklists.WorkFilter, *,
                 bulk: bool = False, **extra: Any) -> str:
    page = worklists.work_list(_uow(), actor_id=_actor_id(), filters=filters, page=_int("page") or 1)
    context: dict[str, Any] = {"page": page, "title": title, "endpoint": endpoint, **filter_choices(), **extra}
    if bulk:
        form = BulkForm()
        form.unit_id.choices = choices((u["id"], u["name"]) for u in
                                       list_units(_uow(), street_id=current_principal().person.street_id))
        form.category_id.choices = choices([(c["id"], c["name"]) for c in context["categories"]])
        context["bulk_form"] = form
    return render_template(template, **context)


@bp.get("/cases/queue")
@staff_required(Role.street_office)
def triage_queue():
    return render_queue("console/cases/queue.html", "研判流转", "console.triage_queue", read_filters(), bulk=True)


@bp.get("/cases")
@staff_required(*OFFICES)
def all_cases():
    return render_queue("console/cases/queue.html", "全部反映", "console.all_cases", read_filters(),
                        bulk=current_principal().role == Role.street_office)


@bp.post("/cases/bulk")
@staff_required(Role.street_office)
def bulk_action():
    form = BulkForm()
    form.unit_id.choices = choices((u["id"], u["name"]) for u in
                                   list_units(_uow(), street_id=current_principal().person.street_id))
    form.category_id.choices = choices([(c["id"], c["name"]) for c in list_categories(_uow())])
    ids = [int(i) for i in request.form.getlist("case_ids") if i.isdigit()][:100]
    back = request.form.get("back") or url_for("console.triage_queue")
    back = back if back.startswith("/console/") else url_for("console.triage_queue")
    if not form.validate() or not ids:
        flash("请先勾选反映" if not ids else "请选择批量操作的内容", "error")
        return redirect(back)
    done, failed = 0, []
    for case_id in ids:
        try:
            if form.action.data == "route" and form.unit_id.data:
                cases.route_case(_uow(), actor_id=_actor_id(), case_id=case_id, unit_id=form.unit_id.data)
            elif form.action.data == "recategorize" and form.category_id.data:
                cases.recategorize_case(_uow(), actor_id=_actor_id(), case_id=case_id,
                                        category_id=form.category_id.data)
            else:
                flash("请选择承办单位或分类", "error")
                return redirect(back)
            done += 1
        except DomainError as exc:
            failed.append(exc.message)
    label = label_of(form.unit_id, form.unit_id.data) if form.action.data == "route" else \
        label_of(form.category_id, form.category_id.data)
    verb = "流转至" if form.action.data == "route" else "调整分类为"
    if done:
        flash(f"已将 {done} 件反映{verb}{label}", "success")
    for message in dict.fromkeys(failed):
        flash(f"{failed.count(message)} 件未能处理：{message}", "error")
    return redirect(back)


def case_page(case_id: int, *, forms: dict[str, Any] | None = None, status: int = 200):
    uow, actor_id, role = _uow(), _actor_id(), current_principal().role
    data = worklists.case_page(uow, actor_id=actor_id, case_id=case_id)
    detail, team, routing = data["case"], data["team"], data["routing"]
    allowed = team["allowed"]
    if detail.get("contact_consent") and detail.get("reporter"):
        # The page shows the reporter's name and phone: a trace for the audit log (PIPL), as the API leaves.
        privacy.record_contact_views(uow, viewer_id=actor_id, viewer_role=role, channel="console.case_page",
                                     shown=[(case_id, detail["reporter"]["id"])])
    forms = dict(forms or {})
    for name, form_class in ACTION_FORMS.items():
        forms.setdefault(name, form_class(formdata=None))
    fill_route(forms["route"], routing)
    if forms["route"].unit_id.data is None and routing:
        forms["route"].unit_id.data = routing[0]["id"]
    categories = list_categories(uow)
    forms["recategorize"].category_id.choices = choices([(c["id"], c["name"]) for c in categories])
    if forms["recategorize"].category_id.data is None and detail["category"]:
        forms["recategorize"].category_id.data = detail["category"]["id"]
    forms["assign"].assignee_id.choices = choices([(p["id"], p["name"]) for p in team["unit_staff"]])
    templates = list_templates(uow, category_id=detail["category"]["id"] if detail["category"] else None)
    # A refused action whose form this page does not show (another's change, a unit that only assists):
    # its reason goes at the top instead.
    unshown = [error for name, form in forms.items() if ENGINE_ACTION[name] not in allowed
               or (name == "assign" and not team["is_unit_head"]) for error in getattr(form, MAIN_FIELD[name]).errors]
    return render_template("console/cases/case.html", case=detail, team=team, allowed=allowed, forms=forms,
                           unshown_errors=unshown, templates=templates, timeline=list(reversed(detail["timeline"])),
                           duplicates=role in OFFICES and detail["state"] in OPEN_STATES,
                           back=_back_link(role)), status


def _back_link(role: Role) -> str:
    return {Role.street_office: url_for("console.triage_queue"), Role.handling_unit: url_for("console.unit_cases"),
            Role.district_committee: url_for("console.district_watch")}.get(role, url_for("console.home"))


@bp.get("/cases/<int:case_id>")
@staff_required(*STAFF)
def show_case(case_id: int):
    return case_page(case_id)


def _route(form, case_id: int) -> str:
    case = cases.route_case(_uow(), actor_id=_actor_id(), case_id=case_id, unit_id=form.unit_id.data,
                            assisting_unit_ids=form.assisting_unit_ids.data or (), note=form.note.data)
    helpers = [label_of(form.assisting_unit_ids, i) for i in (form.assisting_unit_ids.data or [])
               if i != case.handling_unit_id]
    lead = label_of(form.unit_id, form.unit_id.data).removesuffix("（建议）")
    return f"已流转至{lead}" + (f"，{'、'.join(helpers)}协办" if helpers else "")


def _recategorize(form, case_id: int) -> str:
    cases.recategorize_case(_uow(), actor_id=_actor_id(), case_id=case_id, category_id=form.category_id.data)
    return f"已调整分类为{label_of(form.category_id, form.category_id.data)}"


def _reject(form, case_id: int) -> str:
    cases.reject_case(_uow(), actor_id=_actor_id(), case_id=case_id, reason=form.reason.data)
    return "已不予受理，并告知反映人理由"


def _merge(form, case_id: int) -> str:
    if not str(form.into_case_id.data).isdigit():
        raise NotFoundError("找不到要合并到的反映")
    into = case_queries.get_case_detail(_uow(), actor_id=_actor_id(), case_id=int(form.into_case_id.data))
    cases.merge_case(_uow(), actor_id=_actor_id(), case_id=case_id, into_case_id=into["id"], note=form.note.data)
    return f"已合并至 {into['tracking_number']}"


def _escalate(form, case_id: int) -> str:
    cases.escalate_case(_uow(), actor_id=_actor_id(), case_id=case_id, reason=form.reason.data)
    return "已提级至区人大常委会办理"


def _note(form, case_id: int) -> str:
    teamwork.add_note(_uow(), actor_id=_actor_id(), case_id=case_id, text=form.text.data)
    return "已添加内部备注"


def _resolve(form, case_id: int) -> str:
    files = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    if len(files) > MAX_PHOTOS:
        raise _FieldError("photos", f"最多上传 {MAX_PHOTOS} 张图片")
    # Checked against the case first, so nothing is stored for a case the caller may not resolve.
    case_queries.check_case_visible(_uow(), actor_id=_actor_id(), case_id=case_id)
    ids = []
    for upload in files:
        try:
            ids.append(upload_image(_uow(), person_id=_actor_id(), data=upload.read()).id)
        except DomainError as exc:
            raise _FieldError("photos", f"{upload.filename}：{exc.message}") from exc
    cases.resolve_case(_uow(), actor_id=_actor_id(), case_id=case_id, feedback=form.feedback.data,
                       attachment_ids=ids)
    return "已办结并反馈群众" + (f"（附 {len(ids)} 张照片）" if ids else "")


def _assign(form, case_id: int) -> str:
    teamwork.assign_case(_uow(), actor_id=_actor_id(), case_id=case_id, assignee_id=form.assignee_id.data)
    return f"已指派给{label_of(form.assignee_id, form.assignee_id.data)}"


def _reroute(form, case_id: int) -> str:
    teamwork.request_reroute(_uow(), actor_id=_actor_id(), case_id=case_id, reason=form.reason.data)
    return "已申请街道重新流转"


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


ENGINE_ACTION = {name: name for name in ACTION_FORMS} | {"reroute": "request_reroute"}
MAIN_FIELD = {"route": "unit_id", "recategorize": "category_id", "reject": "reason", "merge": "into_case_id",
              "escalate": "reason", "note": "text", "resolve": "feedback", "assign": "assignee_id",
              "reroute": "reason"}
ACTIONS = {"route": _route, "recategorize": _recategorize, "reject": _reject, "merge": _merge,
           "escalate": _escalate, "note": _note, "resolve": _resolve, "assign": _assign, "reroute": _reroute}


@bp.post("/cases/<int:case_id>/<action>")
@staff_required(*STAFF)
def act_on_case(case_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    case_queries.check_case_visible(_uow(), actor_id=_actor_id(), case_id=case_id)  # 404 out of scope
    form = ACTION_FORMS[action]()
    if action == "route":
        routing = case_queries.routing_options(_uow(), actor_id=_actor_id(), case_id=case_id)
        fill_route(form, routing)
    elif action == "recategorize":
        form.category_id.choices = choices([(c["id"], c["name"]) for c in list_categories(_uow())])
    elif action == "assign":
        team = worklists.case_teamwork(_uow(), actor_id=_actor_id(), case_id=case_id)
        form.assignee_id.choices = choices([(p["id"], p["name"]) for p in team["unit_staff"]])
    # A form with errors comes back with them next to its fields, as 200 like the sign-in form; a refusal
    # of the engine (another's change, a wrong state, no permission) keeps its HTTP status.
    if not form.validate():
        return case_page(case_id, forms={action: form})
    try:
        message = ACTIONS[action](form, case_id)
    except _FieldError as exc:
        getattr(form, exc.field).errors = [exc.message]
        return case_page(case_id, forms={action: form})
    except NotFoundError:
        raise
    except DomainError as exc:
        # The engine's reason (a wrong state, another's change, a field) next to the form's main field.
        getattr(form, MAIN_FIELD[action]).errors = [exc.message]
        return case_page(case_id, forms={action: form},
                         status=200 if isinstance(exc, ValidationError) else exc.http_status)
    flash(message, "success")
    return redirect(url_for("console.show_case", case_id=case_id))


@bp.get("/cases/<int:case_id>/duplicates")
@staff_required(*OFFICES)
def duplicates_panel(case_id: int):
    """The "possible duplicates" panel, loaded by htmx once the case page is shown."""
    similar = case_queries.similar_cases(_uow(), actor_id=_actor_id(), case_id=case_id)
    return render_template("console/cases/_duplicates.html", similar=similar)


@bp.get("/cases/<int:case_id>/merge-search")
@staff_required(*OFFICES)
def merge_search(case_id: int):
    found = worklists.merge_targets(_uow(), actor_id=_actor_id(), case_id=case_id, query=request.args.get("q", ""))
    return render_template("console/cases/_merge_results.html", found=found, case_id=case_id,
                           query=request.args.get("q", ""))


@bp.get("/files/<int:attachment_id>")
@bp.get("/files/<int:attachment_id>/<size>")
@staff_required(*STAFF)
def case_photo(attachment_id: int, size: str = "full"):
    if size not in ("full", "thumb"):
        abort(404)
    runtime = current_runtime()
    photo = case_queries.visible_attachment(runtime.uow(), actor_id=_actor_id(), attachment_id=attachment_id)
    data = runtime.storage.get(photo.sha256)
    response = Response(thumbnail(data) if size == "thumb" else data,
                        mimetype="image/jpeg" if size == "thumb" else photo.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
