"""Exports: CSV with a BOM and the Chinese intact, XLSX that openpyxl opens, the monthly PDF rendered by pdftoppm."""
from __future__ import annotations

import csv
import io
import os
import subprocess
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from server.core.figures import Period
from server.statistics import exports, queries
from server.statistics.report import monthly_report
from server.statistics.rollup import rebuild_figures
from tests.statistics.story import tell_story

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def test_every_table_exports_as_csv_and_xlsx(world, runtime, clock):
    tell_story(world, runtime, clock)
    rebuild_figures(runtime.uow())
    for table in exports.TABLES:
        exported = exports.export_table(runtime.uow(), queries.Scope(NOVEMBER), table)
        data = exports.to_csv(exported)
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0] == exported.headers and len(rows) == len(exported.rows) + 1
        book = load_workbook(io.BytesIO(exports.to_xlsx(exported)))
        sheet = book.active
        assert [cell.value for cell in sheet[1]] == exported.headers
        assert sheet.max_row == len(exported.rows) + 1
    streets = exports.export_table(runtime.uow(), queries.Scope(NOVEMBER, street_id=world.street("hubin").id),
                                   "category", street_name="湖滨街道")
    assert streets.file_stem == "全景视窗_类别_2026-11-01至2026-11-30_湖滨街道"
    text = exports.to_csv(streets).decode("utf-8-sig")
    assert "城市管理·绿化环境,5," in text
    ranking = exports.export_table(runtime.uow(), queries.Scope(NOVEMBER), "ranking_streets")
    # 0.3 × 5/6 + 0.4 × 3/4 + 0.3 × 2/3 = 0.75: yellow (≥ 0.75), not green (≥ 0.9)
    assert ranking.rows[0] == [1, "湖滨街道", 75.0, "黄色", 83.3, 75.0, 66.7, 6, "上月未排名"]


def test_the_monthly_report_is_a_pdf_that_renders(world, runtime, clock, tmp_path):
    tell_story(world, runtime, clock)
    rebuild_figures(runtime.uow())
    pdf = monthly_report(runtime.uow(), date(2026, 11, 1))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2 and all(page.stat().st_size > 10_000 for page in pages)
    info = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansSC" in info.replace(" ", "")
    keep = os.environ.get("MINYI_SCREENSHOTS")  # e.g. docs/screenshots: pictures for a person to look at
    for page in pages if keep else ():
        (Path(keep) / page.name.replace("page", "monthly-report")).write_bytes(page.read_bytes())
