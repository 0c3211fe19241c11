"""Peak memory of one web process under concurrent maximum-size uploads.

`python -m bench.uploads [--smoke] [--out FILE]` starts Minyi as one gunicorn process (gthread, as
many threads as uploads at once) with production settings on a scratch SQLite database, signs in a
resident, and posts CONCURRENT uploads at once, round after round, of the worst pictures the API
accepts: PNG pixel bombs just under the 40-megapixel cap (a few hundred KB that decode to 160 MB
each), JPEGs of 40 megapixels and nearly 10 MB, and WebPs just under their 12-megapixel cap. Each upload carries a
different JPEG comment or PNG text, so no two bodies are the same. The figure is the worker's VmHWM
(peak resident set) over the whole run; its resident set before and after is reported as well.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import struct
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from . import env

FULL = {"concurrent": 16, "width": 7999, "height": 5000, "rounds": ("png", "jpeg", "webp")}
SMOKE = {"concurrent": 4, "width": 2400, "height": 1800, "rounds": ("png", "jpeg", "webp")}
GOAL_MIB = 400


def _png_bomb(width: int, height: int, n: int) -> bytes:
    """An RGBA PNG of almost no bytes: rows of one colour compress to nothing."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((n % 256, 80, 160, 255)) * width
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    text = f"Comment\x00upload {n} 13812345678".encode()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", text) + chunk(b"IDAT", data) + \
        chunk(b"IEND", b"")


def _noise_picture(width: int, height: int):
    from PIL import Image

    tile = Image.frombytes("RGB", (500, 500), os.urandom(500 * 500 * 3))
    picture = Image.new("RGB", (width, height))
    for x in range(0, width, 500):
        for y in range(0, height, 500):
            picture.paste(tile, (x, y))
    return picture


def _largest_jpeg(picture, limit: int) -> bytes:
    for quality in (95, 90, 85, 80, 75, 70, 60, 50, 40, 30, 20, 10):
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=quality)
        if buffer.tell() <= limit:
            return buffer.getvalue()
    raise env.BenchError("no JPEG quality fits the upload limit")


def _with_comment(jpeg: bytes, n: int) -> bytes:
    comment = f"upload {n} 13812345678 <script>".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


def payloads(kind: str, width: int, height: int, count: int, limit: int) -> tuple[list[bytes], tuple[int, int]]:
    if kind == "png":
        return [_png_bomb(width, height, n) for n in range(count)], (width, height)
    from PIL import Image

    if kind == "jpeg":
        base = _largest_jpeg(_noise_picture(width, height), limit - 4096)
        return [_with_comment(base, n) for n in range(count)], (width, height)
    from server.files.decoding import MAX_WEBP_PIXELS

    while width * height > MAX_WEBP_PIXELS:  # the largest WebP accepted, same aspect
        width, height = width * 19 // 20, height * 19 // 20
    picture = Image.new("RGB", (width, height), (30, 120, 200))
    out = []
    for n in range(count):
        buffer = io.BytesIO()
        picture.putpixel((0, 0), (n, n, n))
        picture.save(buffer, format="WEBP", quality=50, method=0)
        out.append(buffer.getvalue())
    return out, (width, height)


def _prepare(url: str, scratch: str, settings_env: dict[str, str]) -> str:
    """Schema, one resident, an access token (the same secret key as the server's)."""
    from datetime import UTC, datetime

    from server.core.migrations import upgrade
    from server.core.runtime import build_runtime
    from server.core.settings import load_settings
    from server.people import sessions
    from server.people.models import Person
    from server.people.rules import Role

    upgrade(url)
    runtime = build_runtime(load_settings(settings_env))
    with runtime.uow().transaction() as session:
        person = Person(name="压测居民", role=Role.resident, created_at=datetime.now(UTC))
        session.add(person)
        session.flush()
        person_id = person.id
    return sessions.start_session(runtime.uow(), person_id=person_id, method="password").access_token


def run(smoke: bool, log) -> dict:
    from server.files.service import MAX_IMAGE_BYTES

    size = SMOKE if smoke else FULL
    venv_bin = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="minyi-bench-uploads-") as scratch:
        url = f"sqlite:///{scratch}/uploads.sqlite3"
        settings_env = {"DATABASE_URL": url, "MINYI_INSTANCE_DIR": scratch, "MINYI_ENV": "production",
                        "MINYI_SECRET_KEY": "bench-uploads-secret", "WECHAT_APP_ID": "wxbench",
                        "WECHAT_APP_SECRET": "bench", "WECHAT_TOKEN": "bench-token"}
        token = _prepare(url, scratch, settings_env)
        server = env.start_gunicorn("uploads", gunicorn=str(venv_bin / "gunicorn"), app="server:create_app()",
                                    cwd=env.ROOT, log_dir=Path(scratch), workers=1, threads=size["concurrent"],
                                    ready_path="/healthz", ready_status=(200,),
                                    env={**os.environ, **settings_env, "PYTHONPATH": str(env.ROOT)})
        try:
            worker = server.workers[0]
            before = _rss_mib(worker)
            rounds = []
            for kind in size["rounds"]:
                bodies, (width, height) = payloads(kind, size["width"], size["height"], size["concurrent"],
                                                   MAX_IMAGE_BYTES)
                log(f"uploads: {size['concurrent']} × {kind} {width}×{height}, "
                    f"largest {max(map(len, bodies)) / 1e6:.2f} MB")
                started = time.monotonic()
                with ThreadPoolExecutor(size["concurrent"]) as pool:
                    statuses = list(pool.map(lambda body: _post(server.url, token, body), bodies))
                rounds.append({"kind": kind, "width": width, "height": height, "bytes_max": max(map(len, bodies)),
                               "seconds": round(time.monotonic() - started, 1),
                               "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
                               "peak_rss_mib_so_far": env.peak_rss_mib(worker)})
            return {"status": "ok", "mode": "smoke" if smoke else "full", "concurrent": size["concurrent"],
                    "pixels": size["width"] * size["height"], "rss_before_mib": before,
                    "peak_rss_mib": env.peak_rss_mib(worker), "rss_after_mib": _rss_mib(worker),
                    "goal_mib": GOAL_MIB, "rounds": rounds}
        finally:
            server.stop()


def _post(base: str, token: str, body: bytes) -> int:
    response = requests.post(f"{base}/api/v1/uploads", headers={"Authorization": f"Bearer {token}"},
                             files={"file": ("photo", body, "application/octet-stream")}, timeout=300)
    return response.status_code


def _rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.uploads", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.smoke, lambda message: print(f"[bench {time.strftime('%H:%M:%S')}] {message}",
                                                   file=sys.stderr, flush=True))
    text = json.dumps(result, indent=2)
    out = args.out or env.BENCH_DIR / "results" / ("uploads-smoke.json" if args.smoke else "uploads.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
