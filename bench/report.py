"""The summary keys, the goals and the Markdown tables printed after a run."""
from __future__ import annotations

GOALS = [
    # key, description, target text, test
    ("ratio_to_limit", "webhook req/s ÷ limit (16 conns)", "≥ 0.5", lambda v: v >= 0.5),
    ("ratio_to_peer", "webhook req/s ÷ WeRoBot (16 conns)", "≥ 3", lambda v: v >= 3),
    ("p99_ms_16", "webhook p99 at 16 conns", "< 25 ms", lambda v: v < 25),
    ("sweep_ratio", "sweep time 1M ÷ 100k open cases", "≤ 1.5", lambda v: v <= 1.5),
    ("dashboard_p95_ms", "slowest statistics query p95 at 1M cases", "< 150 ms", lambda v: v < 150),
    ("console_p95_ms", "slowest console page p95 at 1M cases", "< 50 ms", lambda v: v < 50),
    ("figures_view_p95_ms", "panoramic window: slowest view p95 (roll-ups)", "< 100 ms", lambda v: v < 100),
    ("figures_day_rollup_s", "panoramic window: one day's roll-up", "< 5 s", lambda v: v < 5),
    ("outbox_sends_per_s", "outbox sends/s, 10 % transient failures", "≥ 500", lambda v: v >= 500),
    ("outbox_lost", "pushes lost", "0", lambda v: v == 0),
    ("outbox_duplicates", "pushes sent twice", "0", lambda v: v == 0),
]


def _ok(section: dict | None) -> bool:
    return isinstance(section, dict) and section.get("status") not in ("pending", "error")


def summary(results: dict) -> dict:
    """The headline keys; the webhook ones take the worse of SQLite and PostgreSQL."""
    out: dict = {key: None for key, *_ in GOALS}
    web = results.get("webhook")
    if _ok(web):
        for key, pick in (("ratio_to_limit", min), ("ratio_to_peer", min), ("p99_ms_16", max)):
            values = [web.get(f"{key}_{b}") for b in ("sqlite", "pg") if web.get(f"{key}_{b}") is not None]
            out[key] = pick(values) if values else None
        checks = [row["exactly_once"]["passed"] for row in web["subjects"].values() if "exactly_once" in row]
        out["webhook_exactly_once"] = all(checks) if checks else None
    sweep = results.get("sweep")
    if _ok(sweep):
        out["sweep_ratio"] = sweep.get("ratio")
    dash = results.get("dashboard")
    if _ok(dash):
        out["dashboard_p95_ms"] = dash.get("max_p95_ms")
    console = results.get("console")
    if _ok(console):
        out["console_p95_ms"] = console.get("max_p95_ms")
    figures = results.get("figures")
    if _ok(figures):
        out["figures_view_p95_ms"] = figures.get("max_view_p95_ms")
        out["figures_day_rollup_s"] = figures.get("day_rollup_max_s")
    box = results.get("outbox")
    if _ok(box):
        out["outbox_sends_per_s"] = box.get("sends_per_s")
        out["outbox_lost"] = box.get("lost")
        out["outbox_duplicates"] = box.get("duplicates")
    out["goals_met"] = {key: (test(out[key]) if out[key] is not None else None) for key, _d, _t, test in GOALS}
    return out


def memory(results: dict) -> dict:
    """Peak RSS (MiB) of a web worker per subject and of the scheduler-side job processes."""
    out: dict = {}
    web = results.get("webhook")
    if _ok(web):
        for name, row in web["subjects"].items():
            out[f"web_worker_{name}"] = row.get("worker_peak_rss_mib")
    jobs = []
    for section in ("sweep", "outbox"):
        value = results.get(section)
        if _ok(value) and value.get("scheduler_peak_rss_mib") is not None:
            out[f"scheduler_{section}"] = value["scheduler_peak_rss_mib"]
            jobs.append(value["scheduler_peak_rss_mib"])
    out["scheduler_peak_rss_mib"] = max(jobs) if jobs else None
    return out


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _pending(name: str, section: dict | None) -> list[str]:
    if section is None:
        return []
    if section.get("status") == "pending":
        return [f"_{name}: pending — {section['reason']}_", ""]
    if section.get("status") == "error":
        return [f"_{name}: FAILED — {section['error']}_", ""]
    return []


def markdown(results: dict) -> str:
    meta = results["meta"]
    m = meta["machine"]
    lines = [f"### Minyi benchmark ({meta['mode']} run, {meta['started_at']}, commit {meta.get('git_commit')})", "",
             f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB RAM, load average at start "
             f"{', '.join(map(str, m['load_average']))}; Python {m['python']}; whole run {meta['seconds']} s.", ""]
    lines += _goals_table(results["summary"])
    lines += _webhook_table(results.get("webhook"))
    lines += _sweep_table(results.get("sweep"))
    lines += _dashboard_table(results.get("dashboard"))
    lines += _outbox_table(results.get("outbox"))
    lines += _console_table(results.get("console"))
    lines += _figures_table(results.get("figures"))
    lines += _memory_table(results.get("memory", {}))
    return "\n".join(lines)


def _goals_table(summary_: dict) -> list[str]:
    lines = ["| goal | target | measured | met |", "|---|---|---:|:---:|"]
    for key, description, target, _test in GOALS:
        lines.append(f"| {description} (`{key}`) | {target} | {_fmt(summary_.get(key), 2)} | "
                     f"{_fmt(summary_['goals_met'].get(key))} |")
    if summary_.get("webhook_exactly_once") is not None:
        lines.append(f"| every 200 made exactly one case | all | — | {_fmt(summary_['webhook_exactly_once'])} |")
    return lines + [""]


def _webhook_table(web: dict | None) -> list[str]:
    if web is None:
        return []
    head = _pending("webhook", web)
    if head and web.get("status") == "error":
        return head
    lines = ["#### Webhook (" + web["server"] + "; " + web["load_generator"] + ")", ""]
    if web.get("minyi_pending"):
        lines += [f"_Minyi: pending — {web['minyi_pending']}_", ""]
    lines += ["| subject | conns | req/s | p50 ms | p99 ms | errors | vs limit | vs peer |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    subjects = web["subjects"]
    for row in subjects.values():
        for key, agg in row.items():
            if not (isinstance(agg, dict) and "rounds" in agg):
                continue
            limit = subjects.get("limit", {}).get(key, {}).get("rps")
            peer = subjects.get("peer", {}).get(key, {}).get("rps")
            lines.append(f"| {row['label']} | {key} | {_fmt(agg['rps'])} | {_fmt(agg['p50_ms'], 2)} | "
                         f"{_fmt(agg['p99_ms'], 2)} | {agg['errors']} | "
                         f"{_fmt(agg['rps'] / limit, 2) if limit else '—'} | {_fmt(agg['rps'] / peer, 2) if peer else '—'} |")
    lines.append("")
    for row in subjects.values():
        check = row.get("exactly_once")
        if check:
            lines.append(f"- {row['label']}: {check['ok_responses']:,} answers 200, {check['cases']:,} cases, "
                         f"{check['inbound_messages']:,} inbound rows, {check['unanswered']} requests cut off by "
                         f"wrk's stop → exactly one case per message: {_fmt(check['passed'])}")
    gen = web.get("load_generator_check") or {}
    if gen:
        lines.append(f"- Load generator: in the fastest run ({gen['fastest_run']['subject']}, "
                     f"{gen['fastest_run']['connections']} conns, {_fmt(gen['fastest_run']['rps'])} req/s) wrk used "
                     f"{gen['wrk_cpu_share_of_one_core']:.0%} of one core (capacity ≈ {gen['wrk_capacity_rps_estimate']:,} "
                     f"req/s) while the machine was {gen['machine_busy_share']:.0%} busy: {gen['verdict']}.")
    return lines + [""]


def _sweep_table(sweep: dict | None) -> list[str]:
    if sweep is None:
        return []
    head = _pending("deadline sweep", sweep)
    if head:
        return head
    lines = ["#### Deadline sweep (PostgreSQL)", "", "| open cases | due | sweep s | result |", "|---:|---:|---:|---|"]
    for size, row in sweep["sizes"].items():
        lines.append(f"| {int(size):,} | {row['due']:,} | {row['seconds']:.3f} | {row.get('result_text', '')} |")
    per = " and ".join(f"{v:.1f} ({int(k):,} open)" for k, v in sweep.get("ms_per_due_case", {}).items())
    lines.append(f"\nratio large ÷ small, same due cases: **{_fmt(sweep['ratio'], 2)}**; ms per due case: {per}.")
    return lines + [""]


def _dashboard_table(dash: dict | None) -> list[str]:
    if dash is None:
        return []
    head = _pending("dashboard", dash)
    if head:
        return head
    lines = [f"#### Statistics queries (PostgreSQL, {dash['cases']:,} cases over a year)", "",
             f"_{dash['subject']}_", "", "| query | p50 ms | p95 ms | calls |", "|---|---:|---:|---:|"]
    for name, row in dash["queries"].items():
        lines.append(f"| {name} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['calls']} |")
    return lines + [""]


def _console_table(console: dict | None) -> list[str]:
    if console is None:
        return []
    head = _pending("console", console)
    if head:
        return head
    lines = [f"#### Console pages (PostgreSQL, {console['cases']:,} cases over a year, "
             f"{console['open_cases']:,} open)", "", f"_{console['subject']}_", "",
             "| page | p50 ms | p95 ms | web CPU p50 ms | SQL statements | calls |", "|---|---:|---:|---:|---:|---:|"]
    for name, row in console["pages"].items():
        lines.append(f"| {name} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row.get('cpu_p50_ms', 0):.1f} "
                     f"| {row.get('statements', '—')} | {row['calls']} |")
    return lines + [""]


def _figures_table(figures: dict | None) -> list[str]:
    if figures is None:
        return []
    head = _pending("figures", figures)
    if head:
        return head
    lines = [f"#### Panoramic window from daily roll-ups (PostgreSQL, {figures['cases']:,} cases over "
             f"{figures['days']:,} days)", "",
             f"Full rebuild: {figures['rebuild']['seconds']:.1f} s ({figures['rebuild']['rows']:,} roll-up rows); "
             f"one day's roll-up: p50 {figures['day_rollup_p50_s']:.3f} s, max {figures['day_rollup_max_s']:.3f} s "
             f"({figures['day_cases']:,} cases that day).", "",
             "| view | p50 ms | p95 ms | calls |", "|---|---:|---:|---:|"]
    for name, row in figures["views"].items():
        lines.append(f"| {name} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['calls']} |")
    return lines + [""]


def _outbox_table(box: dict | None) -> list[str]:
    if box is None:
        return []
    head = _pending("outbox", box)
    if head:
        return head
    return ["#### Outbox through the sandbox", "",
            "| pushes | injected failure rate | sends/s | retries | duplicates | lost | dead | seconds |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {box['pushes']:,} | {box['failure_rate']:.0%} | {_fmt(box['sends_per_s'])} | {box['retries']:,} | "
            f"{box['duplicates']} | {box['lost']} | {box['dead']} | {box['seconds']:.1f} |", ""]


def _memory_table(mem: dict) -> list[str]:
    rows = [(k, v) for k, v in mem.items() if v is not None]
    if not rows:
        return []
    return ["#### Peak RSS (MiB)", "", "| process | peak RSS MiB |", "|---|---:|",
            *[f"| {k} | {v:.1f} |" for k, v in rows], ""]
