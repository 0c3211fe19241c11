"""`python -m bench [--smoke] [--only webhook,sweep,dashboard,outbox,console,figures] [--out PATH]`.

Runs each benchmark, writes the results as JSON (default bench/results/latest.json for the full run,
bench/results/smoke.json for the smoke run, so the test suite never overwrites the full figures) and
prints the Markdown table. Exits 1 when a benchmark failed to run (a subject that has not landed yet
is reported as pending, not as a failure).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from . import env, report
from .sizes import FULL, SMOKE

SECTIONS = ("webhook", "sweep", "dashboard", "outbox", "console", "figures")


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _section(name: str):
    if name == "webhook":
        from . import webhook
        return webhook.run
    if name == "sweep":
        from . import sweep
        return sweep.run
    if name == "dashboard":
        from . import dashboard
        return dashboard.run
    if name == "console":
        from . import console
        return console.run
    if name == "figures":
        from . import figures
        return figures.run
    from . import outbox
    return outbox.run


def webhook_baseline_variable() -> str:
    from .webhook import BASELINE_VARIABLE
    return BASELINE_VARIABLE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness, not the speed")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated subset of " + ", ".join(SECTIONS))
    parser.add_argument("--out", type=Path, help="where to write the JSON results")
    parser.add_argument("--baseline", metavar="GIT_REF",
                        help="also run Minyi as of this commit in the webhook rounds (before/after side by side)")
    args = parser.parse_args(argv)
    if args.baseline:
        os.environ[webhook_baseline_variable()] = args.baseline
    sizes = SMOKE if args.smoke else FULL
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    out = args.out or env.BENCH_DIR / "results" / ("latest.json" if sizes is FULL else "smoke.json")

    reason = env.pg_reachable()
    if reason:
        _log(f"PostgreSQL is required: {reason}")
        return 2
    results: dict = {"meta": {"mode": sizes.name, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                              "machine": env.machine(), "git_commit": _git_commit(), "sizes": sizes.__dict__}}
    started = time.monotonic()
    failed = False
    for name in only:
        _log(f"{name}: starting")
        section_started = time.monotonic()
        try:
            results[name] = _section(name)(sizes, _log)
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            failed = True
            results[name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}",
                             "traceback": traceback.format_exc().splitlines()[-12:]}
            _log(f"{name}: FAILED: {exc}")
        results[name].setdefault("seconds", round(time.monotonic() - section_started, 1))
        _log(f"{name}: done in {results[name]['seconds']} s")
    results["meta"]["seconds"] = round(time.monotonic() - started, 1)
    results["memory"] = report.memory(results)
    results["summary"] = report.summary(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(report.markdown(results))
    _log(f"results written to {out}")
    return 1 if failed else 0


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=env.ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


if __name__ == "__main__":
    sys.exit(main())
