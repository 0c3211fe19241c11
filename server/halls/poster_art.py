"""Drawing QR codes (PNG, SVG) and the printable A4 hall poster (PNG, PDF) with `qrcode` and Pillow.

The Chinese font is Noto Sans SC from the `pylopdf-fonts-zh-cn` package (SIL OFL 1.1), installed by
setup.cfg, so posters never depend on fonts that happen to be on the machine.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import qrcode
import qrcode.image.svg
from PIL import Image, ImageDraw, ImageFont
from pylopdf_fonts_zh_cn import sans_path

A4_PX = (1240, 1754)  # A4 at 150 dpi
DPI = 150
RED = (176, 24, 36)
INK = (33, 33, 33)
GREY = (96, 96, 96)


@dataclass(frozen=True)
class PosterText:
    title: str
    place: str  # street, and community if the topic has one
    window: str  # e.g. "征集时间：11月28日 09:00 至 12月1日 09:00"
    call: str = "扫码参与议事"
    header: str = "居民议事厅"
    footer: str = "上城区人大 · 民意"


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(sans_path()), size)


def _qr(content: str, **kwargs) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, **kwargs)
    code.add_data(content)
    code.make(fit=True)
    return code


def qr_image(content: str, box_size: int = 10) -> Image.Image:
    return _qr(content, box_size=box_size).make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def qr_png(content: str, box_size: int = 10) -> bytes:
    buffer = io.BytesIO()
    qr_image(content, box_size).save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(content: str) -> bytes:
    """An SVG with a white background, scalable for print shops."""
    buffer = io.BytesIO()
    _qr(content).make_image(image_factory=qrcode.image.svg.SvgFillImage).save(buffer)
    return buffer.getvalue()


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Break by character (Chinese has no spaces); the last line ends with … if the text is longer."""
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=face) > width:
            lines.append(line)
            line = char
        else:
            line += char
    lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and draw.textlength(lines[-1] + "…", font=face) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return lines


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, face, fill) -> int:
    width = draw.textlength(text, font=face)
    draw.text(((A4_PX[0] - width) / 2, y), text, font=face, fill=fill)
    return y + int(face.size * 1.35)


def render_poster(text: PosterText, qr_content: str) -> Image.Image:
    page = Image.new("RGB", A4_PX, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, A4_PX[0], 200), fill=RED)
    _centered(draw, 55, text.header, font(76), "white")
    y = 270
    for line in _wrap(draw, text.title, font(72), A4_PX[0] - 160, 3):
        y = _centered(draw, y, line, font(72), INK)
    y = _centered(draw, y + 20, text.place, font(40), GREY)
    y = _centered(draw, y, text.window, font(36), GREY)
    qr = qr_image(qr_content, box_size=20)
    side = min(720, A4_PX[1] - y - 330)
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    page.paste(qr, ((A4_PX[0] - side) // 2, y + 30))
    y = _centered(draw, y + side + 60, text.call, font(64), RED)
    draw.line((120, A4_PX[1] - 110, A4_PX[0] - 120, A4_PX[1] - 110), fill=(220, 220, 220), width=2)
    _centered(draw, A4_PX[1] - 90, text.footer, font(30), GREY)
    return page


def poster_png(text: PosterText, qr_content: str) -> bytes:
    buffer = io.BytesIO()
    render_poster(text, qr_content).save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


def poster_pdf(text: PosterText, qr_content: str) -> bytes:
    buffer = io.BytesIO()
    render_poster(text, qr_content).save(buffer, format="PDF", resolution=DPI, title=text.title)
    return buffer.getvalue()
