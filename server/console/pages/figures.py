"""全景视窗 in the console: the figures with filters, drill-down to the cases, exports, the weights editor.

A street office (and a deputy) sees its own street only: another street's figures answer 404. The
district sees every street and edits the ranking's weights and colour thresholds.
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange

from server.console.auth import current_principal, staff_required
from server.console.blueprint import bp
from server.console.menu import menu_item
from server.core.errors import ValidationError
from server.people.rules import Role
from server.places.queries import list_streets
from server.statistics import boards, drill, exports, texts
from server.statistics.queries import DIMENSION_LABELS, Scope
from server.statistics.report import monthly_report
from server.statistics.rollup import local_day
from server.statistics.rules import DIMENSIONS
from server.statistics.window import GRAINS, console_window, parse_period
from server.web.dashboard import jsonable
from server.web.runtime import current_runtime

VIEWERS = (Role.street_office, Role.deputy, Role.district_committee)
GRAIN_LABELS = {"day": "按日", "week": "按周", "month": "按月"}

menu_item(group="全景视窗", label="数据总览", endpoint="console.figures", roles=VIEWERS, order=10)
menu_item(group="全景视窗", label="排名规则", endpoint="console.figures_weights", roles={Role.district_committee},
          order=20)


def _streets() -> list[dict]:
    return list_streets(current_runtime().uow())


def _scope() -> tuple[Scope, dict[str, str]]:
    """The period and street from the query string; a person tied to a street sees only theirs."""
    errors: dict[str, str] = {}
    uow = current_runtime().uow()
    today = local_day(uow.clock.now())
    try:
        period = parse_period(request.args.get("from"), request.args.get("to"), today)
    except ValidationError as exc:
        errors[exc.details.get("field", "from")] = exc.message
        period = parse_period(None, None, today)
    person = current_principal().person
    wanted = request.args.get("street", type=int)
    if person.role != Role.district_committee:
        if person.street_id is None or (wanted is not None and wanted != person.street_id):
            abort(404)  # figures are of one's own street; someone of no street has none to see
        return Scope(period, person.street_id), errors
    if wanted is not None and wanted not in {street["id"] for street in _streets()}:
        abort(404)
    return Scope(period, wanted), errors


def _street_name(scope: Scope) -> str | None:
    return next((s["name"] for s in _streets() if s["id"] == scope.street_id), None)


@bp.get("/figures")
@staff_required(*VIEWERS)
def figures():
    scope, errors = _scope()
    dimension = request.args.get("dimension", "street")
    grain = request.args.get("grain", "day")
    if dimension not in DIMENSIONS:
        errors["dimension"], dimension = "统计维度不正确", "street"
    if grain not in GRAINS:
        errors["grain"], grain = "趋势粒度不正确", "day"
    window = console_window(current_runtime().uow(), scope, dimension, grain)
    query = {"from": scope.period.first.isoformat(), "to": scope.period.last.isoformat()}
    if scope.street_id is not None:
        query["street"] = scope.street_id
    return render_template(
        "console/figures.html", w=window, scope=scope, errors=errors, dimension=dimension, grain=grain,
        query=query, street_name=_street_name(scope), streets=_streets(), texts=texts, dimensions=DIMENSION_LABELS,
        grains=GRAIN_LABELS, tables=exports.TABLES, metrics=drill.METRICS,
        may_choose_street=current_principal().role == Role.district_committee,
        trend_json=jsonable(window["trend"])), 400 if errors else 200


@bp.get("/figures/cases")
@staff_required(*VIEWERS)
def figures_cases():
    scope, errors = _scope()
    if errors:
        abort(400)
    dimension = request.args.get("dimension") or None
    try:
        page = drill.cases_behind(current_runtime().uow(), scope, metric=request.args.get("metric", "received"),
                                  dimension=dimension, member_id=request.args.get("member", type=int),
                                  page=request.args.get("page", 1, type=int))
    except ValidationError as exc:
        return render_template("console/error.html", message=exc.message), 400
    back = {key: value for key, value in request.args.items() if key not in ("metric", "member", "page")}
    return render_template("console/figures_cases.html", page=page, scope=scope, back=back,
                           metric=request.args.get("metric", "received"), metrics=drill.METRICS,
                           street_name=_street_name(scope))


@bp.get("/figures/export.<fmt>")
@staff_required(*VIEWERS)
def figures_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    scope, errors = _scope()
    if errors:
        return render_template("console/error.html", message="；".join(errors.values())), 400
    try:
        table = exports.export_table(current_runtime().uow(), scope, request.args.get("table", "district"),
                                     street_name=_street_name(scope), grain=request.args.get("grain", "day"))
    except (ValidationError, KeyError):
        return render_template("console/error.html", message="没有这张表"), 400
    data = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table)
    mimetype = ("text/csv; charset=utf-8" if fmt == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from io import BytesIO

    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"{table.file_stem}.{fmt}")


@bp.get("/figures/report.pdf")
@staff_required(*VIEWERS)
def figures_report():
    from io import BytesIO

    try:
        month = date.fromisoformat(request.args.get("month", "") + "-01")
    except ValueError:
        month = local_day(current_runtime().clock.now()).replace(day=1)
    data = monthly_report(current_runtime().uow(), month)
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"全景视窗月报_{month.year}年{month.month}月.pdf")


class WeightsForm(FlaskForm):
    response_rate = DecimalField("响应率权重", places=None, validators=[
        InputRequired("请填写权重"), NumberRange(0, 100, "权重须在 0 到 100 之间")])
    resolution_rate = DecimalField("按期办结率权重", places=None, validators=[
        InputRequired("请填写权重"), NumberRange(0, 100, "权重须在 0 到 100 之间")])
    satisfaction_rate = DecimalField("满意率权重", places=None, validators=[
        InputRequired("请填写权重"), NumberRange(0, 100, "权重须在 0 到 100 之间")])
    green_at = DecimalField("绿色起点（综合得分）", places=None, validators=[
        InputRequired("请填写分数"), NumberRange(0, 100, "分数须在 0 到 100 之间")])
    yellow_at = DecimalField("黄色起点（综合得分）", places=None, validators=[
        InputRequired("请填写分数"), NumberRange(0, 100, "分数须在 0 到 100 之间")])


@bp.route("/figures/weights", methods=["GET", "POST"])
@staff_required(Role.district_committee)
def figures_weights():
    key = request.args.get("scheme", "streets")
    if key not in boards.SCHEME_DIMENSIONS:
        abort(404)
    uow = current_runtime().uow()
    scheme = boards.get_scheme(uow, key)
    weights = {c.figure: c.weight for c in scheme.criteria}
    form = WeightsForm(data={name: weights.get(name, 0) for name in texts.SCHEME_FIGURES}
                       | {"green_at": scheme.bands.green_at * 100, "yellow_at": scheme.bands.yellow_at * 100})
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                boards.update_scheme(uow, actor_id=current_principal().person.id, key=key,
                                     weights={name: float(form[name].data) for name in texts.SCHEME_FIGURES},
                                     green_at=float(form.green_at.data) / 100, yellow_at=float(form.yellow_at.data) / 100)
            except ValidationError as exc:
                form.yellow_at.errors = [*form.yellow_at.errors, exc.message]
                status = 400
            else:
                flash(f"已更新{scheme.title}的权重和分色阈值", "success")
                return redirect(url_for("console.figures_weights", scheme=key))
        else:
            status = 400
    return render_template("console/figures_weights.html", form=form, scheme=scheme, key=key,
                           schemes={k: boards.get_scheme(uow, k).title for k in boards.SCHEME_DIMENSIONS},
                           changes=boards.scheme_changes(uow, key), labels=texts.FIGURE_LABELS), status
