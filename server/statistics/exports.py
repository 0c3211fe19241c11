"""Every table of the panoramic window as CSV (UTF-8 with BOM, so Excel reads the Chinese) or XLSX.

`export_table` builds the rows from the same queries the pages use; the file name carries the table,
the period and the street filter, e.g. `全景视窗_街道_2026-11-01至2026-11-30_湖滨街道.csv`.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from server.core.errors import ValidationError
from server.core.uow import UnitOfWork
from server.statistics import boards, queries, texts
from server.statistics.rules import DIMENSIONS

RATE_COLUMNS = ("response_rate", "resolution_rate", "satisfaction_rate")
FIGURE_COLUMNS = ("received", "open", "overdue", "escalated", "reopened", "rejected", "resolved",
                  *RATE_COLUMNS, "median_hours_to_resolve", "p90_hours_to_resolve")
TABLES = {"district": "全区概况", **{d: queries.DIMENSION_LABELS[d] for d in DIMENSIONS},
          "heat": "类别街道热力表", "trend": "趋势", "ranking_streets": "街道排名", "ranking_units": "承办单位排名"}


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    file_stem: str


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _figure_cells(row: dict[str, Any]) -> list[Any]:
    return [_rate(row[name]) if name in RATE_COLUMNS else row[name] for name in FIGURE_COLUMNS]


def _figure_headers() -> list[str]:
    return [texts.FIGURE_LABELS[name] + ("(%)" if name in RATE_COLUMNS else "（小时）" if "hours" in name else "")
            for name in FIGURE_COLUMNS]


def export_table(uow: UnitOfWork, scope: queries.Scope, table: str, *, street_name: str | None = None,
                 grain: str = "day") -> Table:
    if table not in TABLES:
        raise ValidationError("没有这张表", details={"field": "table"})
    period = scope.period
    stem = f"全景视窗_{TABLES[table]}_{period.first.isoformat()}至{period.last.isoformat()}"
    if street_name:
        stem += f"_{street_name}"
    if table == "district":
        row = queries.district_figures(uow, scope)
        return Table(TABLES[table], [*_figure_headers(), "日均活跃人数"],
                     [[*_figure_cells(row), row["daily_active_average"]]], stem)
    if table in DIMENSIONS:
        rows = queries.by_dimension(uow, scope, table)
        return Table(TABLES[table], [queries.DIMENSION_LABELS[table], *_figure_headers()],
                     [[row["name"], *_figure_cells(row)] for row in rows], stem)
    if table == "heat":
        heat = queries.heat_table(uow, scope)
        return Table(TABLES[table], ["类别", *(s["name"] for s in heat["streets"]), "合计"],
                     [[row["name"], *row["cells"], row["total"]] for row in heat["rows"]], stem)
    if table == "trend":
        rows = queries.trend(uow, scope, grain)
        return Table(TABLES[table], ["起始日", "受理", "办结", *(texts.FIGURE_LABELS[r] + "(%)" for r in RATE_COLUMNS)],
                     [[row["start"], row["received"], row["resolved"], *(_rate(row[r]) for r in RATE_COLUMNS)]
                      for row in rows], f"{stem}_按{ {'day': '日', 'week': '周', 'month': '月'}[grain] }")
    ranking = boards.live_ranking(uow, table.removeprefix("ranking_"), period)
    return Table(TABLES[table], ["名次", "名称", "综合得分", "分色", *(texts.FIGURE_LABELS[r] + "(%)" for r in RATE_COLUMNS),
                                 "受理", "较上月"],
                 [[row["rank"], row["name"], _rate(row["score"]), texts.BAND_LABELS[row["band"]],
                   *(_rate(row[r]) for r in RATE_COLUMNS), row["received"], row["change_text"]]
                  for row in ranking["rows"]], stem)


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark: Excel on Windows then opens the Chinese as Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    writer.writerows([["" if cell is None else cell for cell in row] for row in table.rows])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook  # imported when a workbook is asked for, not at every process start
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(row)
    for index, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(10, len(header) * 2 + 2)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
