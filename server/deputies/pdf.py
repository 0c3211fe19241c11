"""A deputy's year as a PDF for the annual report-back (述职), in Noto Sans SC (pylopdf-fonts-zh-cn)."""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from pylopdf_fonts_zh_cn import sans_path
from sqlalchemy import select

from server.core.clock import LOCAL_ZONE
from server.core.uow import UnitOfWork
from server.deputies import texts
from server.deputies.record import duty_record
from server.files.models import Attachment

FONT = "noto"
RED = (176, 24, 36)
GREY = (102, 102, 102)


def _local(moment: datetime, pattern: str) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime(pattern)


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font(FONT, "", str(sans_path()))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 6, f"{self.footer_text} · 第 {self.page_no()} 页", align="C")

    def heading(self, text: str) -> None:
        self.ln(4)
        self.set_font(FONT, size=13)
        self.set_text_color(*RED)
        self.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RED)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=10)

    def line_text(self, text: str, size: int = 10, colour=(0, 0, 0)) -> None:
        self.set_font(FONT, size=size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)


def record_pdf(record: dict[str, Any], photos: dict[int, bytes] | None = None) -> bytes:
    """The PDF of `record` (record.duty_record's answer); `photos` are the entries' images by attachment id,
    shown as thumbnails under their entry."""
    deputy = record["deputy"]
    document = _Document(texts.PDF_FOOTER.format(generated=_local(record["computed_at"], "%Y-%m-%d %H:%M")))
    document.set_title(texts.PDF_TITLE.format(name=deputy["name"], year=record["year"]))
    document.add_page()
    document.line_text(texts.PDF_TITLE.format(name=deputy["name"], year=record["year"]), size=18, colour=RED)
    station = f" · {deputy['station_name']}" if deputy["station_name"] else ""
    document.line_text(texts.PDF_SUBTITLE.format(title=deputy["title"], street=deputy["street_name"],
                                                 station=station), colour=GREY)
    document.heading(texts.PDF_FIGURES)
    with document.table(col_widths=(70, 30, 30), text_align=("LEFT", "RIGHT", "RIGHT"), line_height=7,
                        headings_style=FontFace(emphasis="", fill_color=(250, 236, 236))) as table:
        table.row(["项目", "数量", "权重"])
        for figure in record["figures"]:
            table.row([figure["label"], str(figure["value"]), f"{figure['weight']:g}"])
    if record["median_hours_to_accept"] is not None:
        document.line_text(f"接收群众反映用时中位数：{record['median_hours_to_accept']} 小时")
    document.line_text(texts.PDF_SCORE.format(score=f"{record['score']:g}"), size=12, colour=RED)
    document.line_text(record["formula"], size=8, colour=GREY)
    document.heading(texts.PDF_RECEPTIONS)
    for item in record["receptions"] or [None]:
        if item is None:
            document.line_text(texts.PDF_NONE)
            continue
        topic = f"，主题：{item['topic']}" if item["topic"] else ""
        document.line_text(f"{_local(item['starts_at'], '%m月%d日')}  {item['station_name']}{topic}  "
                           f"{item['state_label']}，接待群众 {item['visits']} 人次")
    document.heading(texts.PDF_ENTRIES)
    for entry in record["entries"] or [None]:
        if entry is None:
            document.line_text(texts.PDF_NONE)
            continue
        place = f"（{entry['place']}）" if entry["place"] else ""
        document.line_text(f"{entry['happened_on']:%m月%d日}  【{entry['kind_label']}】{entry['title']}{place}")
        if entry["note"]:
            document.line_text(entry["note"], size=9, colour=GREY)
        _thumbnails(document, [photos[i] for i in entry["photo_ids"] if photos and i in photos])
    return bytes(document.output())


def _thumbnails(document: _Document, images: list[bytes], height: float = 28) -> None:
    if not images:
        return
    if document.get_y() + height > document.h - document.b_margin:
        document.add_page()
    x, y = document.l_margin, document.get_y() + 1
    for data in images[:4]:
        info = document.image(io.BytesIO(data), x=x, y=y, h=height)
        x += info.rendered_width + 3
    document.set_y(y + height + 2)


def export_duty_record(uow: UnitOfWork, *, actor_id: int, deputy_id: int, year: int) -> bytes:
    """The year's duty record as a PDF, with the entries' photos, for whoever may read the record."""
    record = duty_record(uow, actor_id=actor_id, deputy_id=deputy_id, year=year)
    wanted = [i for entry in record["entries"] for i in entry["photo_ids"][:4]]
    photos: dict[int, bytes] = {}
    if wanted and uow.storage is not None:
        with uow.transaction() as session:
            for attachment_id, sha256 in session.execute(select(Attachment.id, Attachment.sha256)
                                                          .where(Attachment.id.in_(wanted))):
                if uow.storage.exists(sha256):
                    photos[attachment_id] = uow.storage.get(sha256)
    return record_pdf(record, photos)
