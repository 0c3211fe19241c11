"""系统管理 · 推送失败 and 操作日志 (the district only): dead-lettered and skipped pushes with a retry, and
the audit log of staff actions from the cases', the halls' and the administration's own records,
filterable by person, action and period and exportable as CSV (UTF-8 with BOM, for Excel)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from heapq import merge

from flask import Response, abort, flash, redirect, render_template, request, url_for

from server.audit import queries as admin_actions
from server.audit.rules import ACTION_LABELS as ADMIN_LABELS
from server.cases import staff_log as case_actions
from server.cases.rules import ACTION_LABELS as CASE_LABELS
from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.core.clock import LOCAL_ZONE
from server.core.errors import DomainError, NotFoundError
from server.halls import organizing as hall_actions
from server.halls.rules import ACTION_LABELS as HALL_LABELS
from server.people import admin, directory
from server.people.rules import Role
from server.privacy import queries as privacy_queries
from server.pushes import dispatch, failures
from server.web.runtime import current_runtime

ADMIN = Role.district_committee
PAGE_SIZE = 30
MAX_ROWS = 10_000  # the export's bound; a longer period is exported in parts
SOURCES = {"case": ("民情民意", case_actions.staff_actions, CASE_LABELS),
           "hall": ("居民议事", hall_actions.staff_actions, HALL_LABELS),
           "admin": ("系统管理", admin_actions.staff_actions, ADMIN_LABELS),
           "contact": ("个人信息", privacy_queries.contact_view_entries, privacy_queries.CONTACT_VIEW_ACTIONS)}

menu_item(group="系统管理", label="推送失败", endpoint="console.admin_pushes", roles={ADMIN}, order=30)
menu_item(group="系统管理", label="操作日志", endpoint="console.admin_audit", roles={ADMIN}, order=40)


def _uow():
    return current_runtime().uow()


@bp.get("/admin/pushes")
@staff_required(ADMIN)
def admin_pushes():
    page = max(request.args.get("page", 1, type=int), 1)
    total, rows = failures.list_failed(_uow(), status=request.args.get("status") or None,
                                       offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template("console/admin/pushes.html", pushes=rows, statuses=failures.STATUS_LABELS,
                           page={"number": page, "pages": max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), "total": total})


@bp.post("/admin/pushes/<int:outbox_id>/retry")
@staff_required(ADMIN)
def admin_push_retry(outbox_id: int):
    actor = admin.load_admin(_uow(), person_id=current_principal().person.id)
    try:
        dispatch.retry_dead(_uow(), outbox_id=outbox_id, actor=actor)
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"已重新排队发送推送 #{outbox_id}", "success")
    return redirect(url_for("console.admin_pushes", **request.args.to_dict()))


def _day(name: str, errors: dict) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "日期格式不正确"
        return None


def _filters() -> tuple[dict, dict]:
    """The audit log's filters from the address: person, action (`source:action`), period in local days."""
    errors: dict[str, str] = {}
    since, until = _day("since", errors), _day("until", errors)
    if since and until and since > until:
        errors["until"] = "结束日期不能早于开始日期"
    source, _, action = (request.args.get("action") or "").partition(":")
    if source and source not in SOURCES:
        errors["action"] = "操作类型不正确"
    filters = {
        "actor_id": request.args.get("person", type=int), "source": source or None, "action": action or None,
        "since": datetime.combine(since, time(), LOCAL_ZONE) if since and not errors else None,
        "until": datetime.combine(until + timedelta(days=1), time(), LOCAL_ZONE) if until and not errors else None,
    }
    return filters, errors


def _entries(filters: dict, limit: int) -> tuple[int, list[dict]]:
    """The newest `limit` entries of every source that the filters allow, merged by time."""
    total, lists = 0, []
    for key, (_label, read, _labels) in SOURCES.items():
        if filters["source"] not in (None, key):
            continue
        count, rows = read(_uow(), actor_id=filters["actor_id"], action=filters["action"], since=filters["since"],
                           until=filters["until"], limit=limit)
        total += count
        lists.append(rows)
    rows = list(merge(*lists, key=lambda row: row["at"], reverse=True))[:limit]
    return total, rows


def _action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(label, [(f"{key}:{action}", text) for action, text in labels.items()])
            for key, (label, _read, labels) in SOURCES.items()]


@bp.get("/admin/audit")
@staff_required(ADMIN)
def admin_audit():
    filters, errors = _filters()
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_ROWS // PAGE_SIZE)
    total, rows = (0, []) if errors else _entries(filters, page * PAGE_SIZE)
    rows = rows[(page - 1) * PAGE_SIZE:]
    pages = min(max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), MAX_ROWS // PAGE_SIZE)
    shown = f"{MAX_ROWS}+" if total > MAX_ROWS else total  # the case log counts no further than that
    return render_template("console/admin/audit.html", rows=rows, errors=errors, people=directory.staff_choices(_uow()),
                           actions=_action_choices(), sources=SOURCES,
                           page={"number": page, "pages": pages, "total": shown})


@bp.get("/admin/audit.csv")
@staff_required(ADMIN)
def admin_audit_csv():
    filters, errors = _filters()
    if errors:
        return redirect(url_for("console.admin_audit", **request.args.to_dict()))
    _total, rows = _entries(filters, MAX_ROWS)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(["时间", "操作人", "角色", "类别", "操作", "对象", "说明"])
    for row in rows:
        writer.writerow([row["at"].astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M"), row["actor_name"], row["actor_role_label"], SOURCES[row["kind"]][0],
                         row["action_label"], row["subject"], _cell(row["note"])])
    stamp = current_runtime().clock.now().astimezone(LOCAL_ZONE).strftime("%Y%m%d-%H%M")
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'})


def _cell(value: str) -> str:
    """A spreadsheet must not run what staff or residents typed: a leading = + - @ is shown as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
