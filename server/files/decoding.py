"""Decoding untrusted images in bounded memory.

A small PNG can declare 40 million pixels; decoding it takes 160 MB, and sixteen at once would take a
web process to gigabytes. So each process keeps a budget: at most `DECODE_SLOTS` decodes at a time and
at most `DECODE_BUDGET_BYTES` of decoded pixels in flight (an image bigger than the whole budget runs
alone). JPEGs are decoded at a reduced scale straight away (Pillow's draft mode: the DCT does the
shrinking, so the full-size picture never exists in memory); other formats are decoded and then
reduced at once. What is kept is at most `MAX_EDGE` pixels on its long side: plenty to see a pothole.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image

from server.core.errors import DomainError

MAX_EDGE = 2560
# WebP cannot be decoded at a reduced scale, and its decoder holds the picture three times over
# (its own RGBA buffer, Pillow's copy, the conversion): it is kept to a phone photo's size.
MAX_WEBP_PIXELS = 12_000_000
WEBP_COPIES = 3
# Bytes per pixel of Pillow's image memory, by mode (RGB is stored in 4 bytes too).
PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}
DECODE_SLOTS = 2
DECODE_BUDGET_BYTES = 160 * 1024 * 1024
WAIT_SECONDS = 50.0  # inside the mini-program's 60-second upload timeout
# Allocations above this size are mapped and unmapped, so freed pixels go back to the system.
MMAP_THRESHOLD = 1024 * 1024


class DecoderBusyError(DomainError):
    code = "busy"
    http_status = 503


class DecodeBudget:
    """A per-process semaphore weighted by the bytes a decode will take."""

    def __init__(self, *, capacity_bytes: int = DECODE_BUDGET_BYTES, slots: int = DECODE_SLOTS) -> None:
        self.capacity_bytes = capacity_bytes
        self._free_bytes = capacity_bytes
        self._free_slots = slots
        self._condition = threading.Condition()
        self.peak_in_flight = 0

    @contextmanager
    def reserve(self, nbytes: int, *, timeout: float = WAIT_SECONDS) -> Iterator[None]:
        cost = min(nbytes, self.capacity_bytes)
        with self._condition:
            if not self._condition.wait_for(lambda: self._free_slots > 0 and self._free_bytes >= cost, timeout):
                raise DecoderBusyError("图片处理繁忙，请稍后重试")
            self._free_slots -= 1
            self._free_bytes -= cost
            self.peak_in_flight = max(self.peak_in_flight, self.capacity_bytes - self._free_bytes)
        try:
            yield
        finally:
            with self._condition:
                self._free_slots += 1
                self._free_bytes += cost
                self._condition.notify_all()


_budget = DecodeBudget()
_allocator_lock = threading.Lock()
_allocator_tuned = False


def process_budget() -> DecodeBudget:
    return _budget


def target_size(width: int, height: int, max_edge: int = MAX_EDGE) -> tuple[int, int]:
    """The size kept: the whole picture, at most max_edge on its long side."""
    scale = min(1.0, max_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def decoded_bytes(width: int, height: int, fmt: str | None, mode: str = "RGB") -> int:
    """What decoding will allocate: JPEGs at their draft scale (1/2, 1/4, 1/8 while still big enough)."""
    if fmt == "WEBP":
        return width * height * 4 * WEBP_COPIES
    if fmt in ("JPEG", "MPO"):
        want_w, want_h = target_size(width, height)
        scale = min(width // want_w, height // want_h)
        for factor in (8, 4, 2, 1):
            if factor <= scale:
                width, height = -(-width // factor), -(-height // factor)
                break
    return width * height * PIXEL_BYTES.get(mode, 4)


def shrink(image, want: tuple[int, int]):
    """A decoded picture brought down to `want`: a box reduction by a whole factor, then a resample."""
    factor = min(image.width // want[0], image.height // want[1])
    if factor > 1:
        # Image.reduce first converts RGBA/LA to premultiplied alpha: a full-size copy of a picture
        # that may be 160 MB. Reducing the straight channels is what the budget allows for.
        image = image._new(image.im.reduce((factor, factor), (0, 0, *image.size)))
    if image.size != want:
        image = image.resize(want, Image.Resampling.BICUBIC, reducing_gap=None)
    return image


def return_freed_memory_to_the_system() -> None:
    """glibc raises its mmap threshold after a big block is freed, and then keeps every later big
    block (a decoded picture) in the heap after it is freed: a process that decoded sixteen photos at
    once would stay gigabytes large. A fixed threshold keeps big blocks mapped and returns them."""
    global _allocator_tuned
    with _allocator_lock:
        if _allocator_tuned:
            return
        _allocator_tuned = True
        name = ctypes.util.find_library("c")
        if not name:
            return
        try:
            libc = ctypes.CDLL(name)
            libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
        except (OSError, AttributeError):  # not glibc: its allocator has its own policy
            return
