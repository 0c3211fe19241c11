"""Words of the panoramic window that people read."""
from __future__ import annotations

FIGURE_LABELS = {
    "received": "受理件数", "open": "办理中", "overdue": "超时", "escalated": "提级办理", "reopened": "重办",
    "rejected": "不予受理", "resolved": "已办结", "resolved_on_day": "当期办结",
    "response_rate": "响应率", "resolution_rate": "按期办结率", "satisfaction_rate": "满意率",
    "median_hours_to_resolve": "办结用时中位数", "p90_hours_to_resolve": "90% 办结用时",
    "daily_active_average": "日均活跃人数", "daily_active_peak": "单日最高活跃", "daily_active_last": "最近一日活跃",
}
FIGURE_NOTES = {
    "response_rate": "12 小时内接收、流转或答复的占比",
    "resolution_rate": "72 小时内办结的占已到期反映的比例",
    "satisfaction_rate": "满意与基本满意占已评价的比例",
}
BAND_LABELS = {"green": "绿色", "yellow": "黄色", "red": "红色", "none": "暂无数据"}
DEFAULT_SCHEMES = {
    "streets": {"title": "街道赛马晾晒", "criteria": [{"figure": "response_rate", "weight": 30},
                                                {"figure": "resolution_rate", "weight": 40},
                                                {"figure": "satisfaction_rate", "weight": 30}],
                "green_at": 0.9, "yellow_at": 0.75},
    "units": {"title": "承办单位赛马晾晒", "criteria": [{"figure": "resolution_rate", "weight": 60},
                                                 {"figure": "satisfaction_rate", "weight": 40}],
              "green_at": 0.9, "yellow_at": 0.75},
}
SCHEME_FIGURES = ("response_rate", "resolution_rate", "satisfaction_rate")


def month_label(month) -> str:
    return f"{month.year}年{month.month}月"


def rank_change(change: int | None) -> str:
    if change is None:
        return "上月未排名"
    if change > 0:
        return f"较上月上升{change}位"
    if change < 0:
        return f"较上月下降{-change}位"
    return "与上月持平"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def score_text(score: float | None) -> str:
    return "—" if score is None else f"{score * 100:.1f}"
