"""Uploaded pictures keep no metadata segment and are decoded within a per-process memory budget."""
from __future__ import annotations

import io
import struct
import threading

import pytest
from PIL import Image, ImageCms

from server.files import decoding
from server.files.service import clean_image

SECRET = b"tel 13812345678 <script>alert(1)</script>"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
       b"<dc:creator>13812345678</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>")


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def hostile_jpeg(size=(64, 48), orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MinyiTestCam"
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG", exif=exif, comment=SECRET, xmp=XMP,
                                               icc_profile=srgb_icc())
    return buffer.getvalue()


def jpeg_segments(data: bytes) -> list[int]:
    """The markers before the image data (SOI … SOS)."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(data):
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: only entropy-coded data follows
            return markers
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        at += 2 + length
    return markers


def png_chunks(data: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        chunks.append(data[at + 4:at + 8])
        at += 12 + length
    return chunks


def test_a_jpeg_comment_xmp_icc_and_exif_do_not_survive():
    original = hostile_jpeg()
    before = jpeg_segments(original)
    assert 0xFE in before and 0xE1 in before and 0xE2 in before  # COM, APP1 (EXIF, XMP), APP2 (ICC)
    assert SECRET in original
    cleaned, content_type, width, height = clean_image(original)
    assert content_type == "image/jpeg" and (width, height) == (64, 48)
    after = jpeg_segments(cleaned)
    assert not [m for m in after if m == 0xFE or 0xE1 <= m <= 0xEF], [hex(m) for m in after]
    for needle in (b"13812345678", b"<script>", b"MinyiTestCam", b"xmpmeta", b"ICC_PROFILE"):
        assert needle not in cleaned


def test_orientation_is_applied_to_the_pixels_before_the_tag_goes():
    cleaned, _, width, height = clean_image(hostile_jpeg(size=(64, 48), orientation=6))
    assert (width, height) == (48, 64)
    assert not Image.open(io.BytesIO(cleaned)).getexif()


def test_a_png_keeps_only_its_pixels_and_transparency():
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    exif = Image.Exif()
    exif[0x010F] = "MinyiTestCam"
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 100)).save(buffer, format="PNG", pnginfo=info, exif=exif,
                                                       icc_profile=srgb_icc())
    assert {b"tEXt", b"iTXt", b"eXIf", b"iCCP"} <= set(png_chunks(buffer.getvalue()))
    cleaned, content_type, _, _ = clean_image(buffer.getvalue())
    assert content_type == "image/png"
    assert set(png_chunks(cleaned)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    assert Image.open(io.BytesIO(cleaned)).getpixel((1, 1)) == (0, 0, 255, 100)


def test_a_webp_keeps_no_exif_xmp_or_icc():
    exif = Image.Exif()
    exif[0x010F] = "MinyiTestCam"
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "green").save(buffer, format="WEBP", exif=exif, xmp=XMP, icc_profile=srgb_icc())
    assert b"EXIF" in buffer.getvalue() and b"XMP " in buffer.getvalue()
    cleaned, content_type, _, _ = clean_image(buffer.getvalue())
    assert content_type == "image/webp"
    for chunk in (b"EXIF", b"XMP ", b"ICCP", b"MinyiTestCam", b"13812345678"):
        assert chunk not in cleaned


def test_a_wide_gamut_photo_is_converted_to_srgb_and_untagged():
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    p3ish = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB", colorTemp=9300)).tobytes()
    for icc in (p3ish, lab):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, format="JPEG", icc_profile=icc)
        cleaned, *_ = clean_image(buffer.getvalue())
        assert 0xE2 not in jpeg_segments(cleaned)


def test_a_big_jpeg_is_decoded_at_a_reduced_scale_and_kept_at_the_maximum_edge():
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 5000), (90, 90, 90)).save(buffer, format="JPEG", quality=30)
    assert decoding.decoded_bytes(8000, 5000, "JPEG") == 4000 * 2500 * 4  # draft at 1/2, not 160 MB
    _, _, width, height = clean_image(buffer.getvalue())
    assert (width, height) == (decoding.MAX_EDGE, 1600)


def test_a_pixel_bomb_png_is_shrunk_and_more_than_40_megapixels_is_refused():
    buffer = io.BytesIO()
    Image.new("L", (7000, 5000)).save(buffer, format="PNG")  # 35 MP of zeros: a few dozen KB
    assert len(buffer.getvalue()) < 200_000
    _, _, width, height = clean_image(buffer.getvalue())
    assert max(width, height) == decoding.MAX_EDGE
    bigger = io.BytesIO()
    Image.new("1", (8000, 5001)).save(bigger, format="PNG")
    with pytest.raises(Exception, match="4000 万像素"):
        clean_image(bigger.getvalue())


def test_the_budget_never_lets_more_than_its_bytes_or_slots_decode_at_once():
    budget = decoding.DecodeBudget(capacity_bytes=100, slots=2)
    inside, most, lock = [0, 0], [0, 0], threading.Lock()
    start = threading.Barrier(8)

    def decode(cost):
        start.wait()
        with budget.reserve(cost, timeout=10):
            with lock:
                inside[0] += 1
                inside[1] += min(cost, 100)
                most[0], most[1] = max(most[0], inside[0]), max(most[1], inside[1])
            threading.Event().wait(0.02)
            with lock:
                inside[0] -= 1
                inside[1] -= min(cost, 100)

    threads = [threading.Thread(target=decode, args=(cost,)) for cost in (60, 60, 30, 30, 500, 10, 90, 45)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] <= 2 and most[1] <= 100 and budget.peak_in_flight <= 100


def test_a_decode_that_waits_too_long_is_answered_busy():
    budget = decoding.DecodeBudget(capacity_bytes=100, slots=1)
    with budget.reserve(10), pytest.raises(decoding.DecoderBusyError):
        with budget.reserve(10, timeout=0.05):
            pass


def test_a_webp_over_12_megapixels_is_refused_before_it_is_decoded():
    buffer = io.BytesIO()
    Image.new("RGB", (4100, 3000)).save(buffer, format="WEBP", quality=10, method=0)
    with pytest.raises(Exception, match="1200 万像素"):
        clean_image(buffer.getvalue())
