"""The monthly report an office prints: the district's figures, the rankings and the charts, as an A4 PDF.

Drawn with matplotlib (its Agg and PDF back ends: no display needed) in the Chinese font the install
brings (Noto Sans SC from `pylopdf-fonts-zh-cn`), so it never depends on the machine's fonts.
"""
from __future__ import annotations

import io
from datetime import date, timedelta
from functools import cache
from typing import Any

from server.core.figures import Period
from server.core.uow import UnitOfWork
from server.statistics import boards, queries, texts
from server.statistics.modules import all_module_figures
from server.statistics.rules import month_start, next_month

A4 = (8.27, 11.69)
BAND_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828", "none": "#9aa5b1"}


@cache
def _font() -> str:
    from matplotlib import font_manager
    from pylopdf_fonts_zh_cn import sans_path

    font_manager.fontManager.addfont(str(sans_path()))
    return font_manager.FontProperties(fname=str(sans_path())).get_name()


def _pct(value: float | None) -> str:
    return texts.percent(value)


def _hours(value: int | None) -> str:
    return "—" if value is None else str(value)


def _page(pdf, title: str, subtitle: str):
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4)
    figure.text(0.5, 0.965, title, ha="center", va="top", fontsize=17, weight="bold")
    figure.text(0.5, 0.935, subtitle, ha="center", va="top", fontsize=10, color="#52606d")
    return figure


def _table(axes, headers: list[str], rows: list[list[Any]], colours: list[str] | None = None,
           widths: list[float] | None = None) -> None:
    axes.axis("off")
    if not rows:
        axes.text(0.5, 0.5, "暂无数据", ha="center", va="center", fontsize=11)
        return
    table = axes.table(cellText=[[str(cell) for cell in row] for row in rows], colLabels=headers,
                       loc="upper center", cellLoc="center", colWidths=widths)
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1, 1.35)
    for (row, _), cell in table.get_celld().items():
        if row == 0:
            cell.set_facecolor("#f0f2f5")
    for index, colour in enumerate(colours or [], start=1):
        table[index, 0].set_facecolor(colour)
        table[index, 0].get_text().set_color("white")


def monthly_report(uow: UnitOfWork, month: date) -> bytes:
    """The report of one month (its 1st to its last day, or to today for the current month)."""
    from matplotlib.backends.backend_pdf import PdfPages

    font = _font()
    import matplotlib

    matplotlib.rcParams["font.family"] = [font]
    matplotlib.rcParams["axes.unicode_minus"] = False
    first = month_start(month)
    period = Period(first, next_month(first) - timedelta(days=1))
    scope = queries.Scope(period)
    district = queries.district_figures(uow, scope)
    modules = all_module_figures(uow, period)
    streets = boards.frozen_board(uow, "streets", first) or boards.live_ranking(uow, "streets", period)
    units = boards.live_ranking(uow, "units", period)
    trend = queries.trend(uow, scope, "day")
    title = f"上城区街道人大工作月报 · {texts.month_label(first)}"
    subtitle = f"统计区间 {period.first.isoformat()} 至 {period.last.isoformat()}（北京时间）"
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": "民意 Minyi"}) as pdf:
        figure = _page(pdf, title, subtitle)
        rates = figure.add_axes((0.06, 0.70, 0.88, 0.2))
        _table(rates, ["指标", "数值", "说明"], [
            ["响应率", _pct(district["response_rate"]), texts.FIGURE_NOTES["response_rate"]],
            ["按期办结率", _pct(district["resolution_rate"]), texts.FIGURE_NOTES["resolution_rate"]],
            ["满意率", _pct(district["satisfaction_rate"]), texts.FIGURE_NOTES["satisfaction_rate"]],
            ["受理 / 办结", f"{district['received']} / {district['resolved']} 件", "合并的重复反映只计一次"],
            ["办理中 / 超时 / 提级 / 重办",
             f"{district['open']} / {district['overdue']} / {district['escalated']} / {district['reopened']}", ""],
            ["办结用时 中位数 / 90%", f"{_hours(district['median_hours_to_resolve'])} / "
                                f"{_hours(district['p90_hours_to_resolve'])} 小时", "按提交到办结的整小时计"],
            ["日均活跃人数", f"{district['daily_active_average']}", f"单日最高 {district['daily_active_peak']} 人"]])
        module_rows = [[module.title, "，".join(f"{f.label} {f.value if f.value is not None else '—'}{f.unit}"
                                              for f in module.figures)] for module in modules]
        _table(figure.add_axes((0.06, 0.50, 0.88, 0.16)), ["模块", "本月数据"], module_rows)
        chart = figure.add_axes((0.1, 0.08, 0.84, 0.34))
        days = [row["start"][5:] for row in trend]
        chart.bar(days, [row["received"] for row in trend], color="#5470c6", label="受理")
        chart.plot(days, [row["resolved"] for row in trend], color="#2e7d32", marker="o", markersize=3, label="办结")
        chart.set_title("每日受理与办结（件）", fontsize=11)
        chart.tick_params(axis="x", labelrotation=90, labelsize=7)
        chart.legend(fontsize=9)
        pdf.savefig(figure)

        figure = _page(pdf, f"赛马晾晒 · {texts.month_label(first)}", subtitle)
        rows = streets["rows"]
        _table(figure.add_axes((0.06, 0.62, 0.88, 0.28)), ["名次", "街道", "综合得分", "响应率", "按期办结率", "满意率", "较上月"],
               [[row["rank"], row["name"], texts.score_text(row["score"]), _pct(row.get("response_rate")),
                 _pct(row.get("resolution_rate")), _pct(row.get("satisfaction_rate")), row["change_text"]]
                for row in rows], [BAND_COLOURS[row["band"]] for row in rows])
        scheme = streets["scheme"]
        weights = " + ".join(f"{c['label']}×{c['weight']:g}" for c in scheme["criteria"])
        figure.text(0.06, 0.6, f"综合得分 = ({weights}) ÷ 权重之和；绿色 ≥ {scheme['green_at'] * 100:g} 分，"
                               f"黄色 ≥ {scheme['yellow_at'] * 100:g} 分，其余红色。", fontsize=9)
        scores = figure.add_axes((0.2, 0.36, 0.72, 0.2))
        ordered = list(reversed(rows))
        scores.barh([row["name"] for row in ordered], [(row["score"] or 0) * 100 for row in ordered],
                    color=[BAND_COLOURS[row["band"]] for row in ordered])
        scores.set_xlim(0, 100)
        scores.set_title("街道综合得分", fontsize=11)
        unit_rows = [row for row in units["rows"] if row["score"] is not None][:12]
        _table(figure.add_axes((0.06, 0.04, 0.88, 0.27)), ["名次", "承办单位", "综合得分", "按期办结率", "满意率", "受理"],
               [[row["rank"], row["name"], texts.score_text(row["score"]), _pct(row["resolution_rate"]),
                 _pct(row["satisfaction_rate"]), row["received"]] for row in unit_rows],
               [BAND_COLOURS[row["band"]] for row in unit_rows], widths=[0.08, 0.4, 0.13, 0.13, 0.13, 0.13])
        pdf.savefig(figure)
    return buffer.getvalue()
