"""QR codes and posters, decoded by a real QR decoder (zxing-cpp)."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from server.core.errors import NotFoundError
from server.halls import posters
from server.halls.poster_art import font


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def rasterize_svg(data: bytes) -> Image.Image:
    """Draw the SVG's module squares (qrcode writes one <rect> per dark module, in mm) at 10 px per mm."""
    root = ET.fromstring(data)
    size = int(float(root.get("width").removesuffix("mm")))
    image = Image.new("L", (size * 10, size * 10), 255)
    draw = ImageDraw.Draw(image)
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        if rect.get("fill") == "white":
            continue
        x, y, w, h = (float(rect.get(k).removesuffix("mm")) * 10 for k in ("x", "y", "width", "height"))
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=0)
    return image


def pdf_page_image(data: bytes) -> Image.Image:
    """Pillow writes the page as one JPEG stream (DCTDecode): take it out of the PDF and open it."""
    assert data.startswith(b"%PDF-")
    match = re.search(rb"/DCTDecode.*?stream\r?\n(.*?)endstream", data, re.S)
    assert match, "no embedded page image"
    return Image.open(io.BytesIO(match.group(1)))


def test_without_wechat_the_code_links_to_the_topic_page(hall, runtime):
    topic = hall.open_now()
    expected = f"{runtime.settings.public_url}/halls/{topic.id}"
    uow = hall.uow
    png = posters.topic_qr(uow, topic_id=topic.id, fmt="png")
    assert decode(Image.open(io.BytesIO(png))) == [expected]
    svg = posters.topic_qr(uow, topic_id=topic.id, fmt="svg")
    assert decode(rasterize_svg(svg)) == [expected]
    page = Image.open(io.BytesIO(posters.topic_poster(uow, topic_id=topic.id, fmt="png")))
    assert page.size == (1240, 1754)
    assert decode(page) == [expected]
    assert decode(pdf_page_image(posters.topic_poster(uow, topic_id=topic.id, fmt="pdf"))) == [expected]


def test_the_poster_font_is_the_projects_own_and_draws_chinese():
    face = font(40)
    assert "Noto Sans" in " ".join(face.getname())
    # A font without these glyphs draws the same empty box for each; Noto draws them differently.
    boxes = {face.getmask(char).getbbox() for char in "扫码参与议事"}
    assert len(boxes) > 1


def test_an_unknown_topic_has_no_poster(hall):
    with pytest.raises(NotFoundError):
        posters.topic_poster(hall.uow, topic_id=424242)
