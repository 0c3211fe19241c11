"""The upload benchmark at smoke size, end to end: one gunicorn process, concurrent worst-case pictures
(pixel-bomb PNGs, full-quality JPEGs with comments, WebPs), every one accepted, and the process's peak
resident set within the goal. The full size (16 at once, 40 megapixels) is `python -m bench.uploads`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_concurrent_worst_case_uploads_stay_within_the_memory_goal(tmp_path):
    out = tmp_path / "uploads-smoke.json"
    result = subprocess.run([sys.executable, "-m", "bench.uploads", "--smoke", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert [r["kind"] for r in figures["rounds"]] == ["png", "jpeg", "webp"]
    for round_ in figures["rounds"]:
        assert round_["statuses"] == {"201": figures["concurrent"]}, round_
    assert figures["rss_before_mib"] < figures["peak_rss_mib"] < figures["goal_mib"]
