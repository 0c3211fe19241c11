"""The benchmark harness at tiny sizes, end to end, so it never rots.

Figures are never asserted here (timings do not belong in tests); what is asserted is that every
benchmark ran (or says plainly that its subject has not landed), that the results carry the keys the
issue names, and the correctness checks the harness makes along the way: every webhook 200 made
exactly one case, and the outbox lost and duplicated nothing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import env

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_KEYS = ("ratio_to_limit", "ratio_to_peer", "p99_ms_16", "sweep_ratio", "dashboard_p95_ms",
                "console_p95_ms", "outbox_sends_per_s", "outbox_lost", "outbox_duplicates")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    reason = env.pg_reachable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {reason}")
        pytest.skip(f"PostgreSQL unreachable: {reason}")
    out = tmp_path_factory.mktemp("bench") / "smoke.json"
    result = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert out.exists(), result.stderr[-3000:]
    return result, json.loads(out.read_text())


@pytest.mark.slow
def test_every_benchmark_runs_or_is_plainly_pending(smoke):
    result, data = smoke
    for name in ("webhook", "sweep", "dashboard", "outbox", "console"):
        assert data[name].get("status") != "error", f"{name}: {data[name]}"
    assert result.returncode == 0, result.stderr[-3000:]
    assert all(key in data["summary"] for key in SUMMARY_KEYS)
    assert "| goal | target | measured | met |" in result.stdout


@pytest.mark.slow
def test_webhook_subjects_answer_without_errors_and_each_200_made_one_case(smoke):
    _, data = smoke
    subjects = data["webhook"]["subjects"]
    assert {"limit", "peer"} <= set(subjects)
    for name, row in subjects.items():
        for level in ("1", "16", "64"):
            assert row[level]["errors"] == 0, (name, level, row[level])
            assert row[level]["rps"] > 0
        if name.startswith("minyi"):
            assert row["exactly_once"]["passed"], row["exactly_once"]
    if data["webhook"].get("minyi_pending") is None:
        assert {"minyi_sqlite", "minyi_pg"} <= set(subjects)
    assert data["webhook"]["load_generator_check"]["wrk_capacity_rps_estimate"] > 0


@pytest.mark.slow
def test_outbox_loses_and_duplicates_nothing(smoke):
    _, data = smoke
    box = data["outbox"]
    if box.get("status") == "pending":
        assert "dispatch" in box["reason"]
        return
    assert box["lost"] == 0 and box["duplicates"] == 0, box
    assert box["sent"] == box["pushes"]
