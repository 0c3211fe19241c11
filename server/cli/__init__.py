"""The `minyi` command: serve, scheduler, sweep, migrate, check, seed."""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click

from server.cli.bot import sandbox, wechat
from server.cli.common import opened_runtime, served_settings, settings_or_exit
from server.cli.outbox import outbox


@click.group()
def main() -> None:
    """Minyi (民意): residents' reports, deputies, 72-hour case loop, deliberation halls."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--scheduler/--no-scheduler", "with_scheduler", default=True, show_default=True,
              help="Also run the periodic jobs (deadline sweep, outbox dispatcher) in this process.")
def serve(host: str, port: int, threads: int, with_scheduler: bool) -> None:
    """Serve the whole product on one machine (web app; waitress, multi-threaded)."""
    from waitress import serve as waitress_serve

    from server import create_app
    from server.web.access_log import AccessLog

    settings = served_settings(settings_or_exit(), host, port, dict(os.environ))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per job run every few seconds
    app = create_app(settings)
    scheduler = None
    if with_scheduler:
        from server.jobs import build_scheduler

        scheduler = build_scheduler(app.extensions["minyi"])
        scheduler.start()
    click.echo(f"Minyi serving on http://{host}:{port}  (database: {settings.sqlalchemy_url})")
    if settings.env == "development":
        _echo_demo_accounts(app.extensions["minyi"], f"http://{host}:{port}")
    try:
        waitress_serve(AccessLog(app), host=host, port=port, threads=threads, ident="minyi")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def _echo_demo_accounts(runtime, url: str) -> None:
    """In development, who to sign in as: the demo accounts and their shared password."""
    from server.demo.people import DEMO_PASSWORD
    from server.people.queries import list_accounts

    accounts = list_accounts(runtime.uow())
    if not accounts:
        return
    click.echo(f"Console: {url}/console  (demo password for every account: {DEMO_PASSWORD})")
    for account in accounts:
        scope = account["unit"] or account["street"] or "全区"
        click.echo(f"  {account['username']:<22} {account['role_label']:<10} {account['name']:<14} {scope}")


@main.command()
@click.option("--every", "intervals", multiple=True, metavar="JOB=SECONDS",
              help="Override a job's interval, e.g. --every deadlines=30 (repeatable).")
def scheduler(intervals: tuple[str, ...]) -> None:
    """Run the periodic jobs in this process until stopped (production: one or more such processes)."""
    import signal

    from server.core.runtime import build_runtime
    from server.jobs import build_scheduler, parse_intervals, periodic_jobs

    try:
        overrides = parse_intervals(intervals)
        periodic_jobs(overrides)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = build_runtime(settings_or_exit())
    blocking = build_scheduler(runtime, blocking=True, overrides=overrides)
    # SIGTERM (systemd, docker stop) ends the loop like Ctrl-C; an unfinished job's transaction rolls back.
    signal.signal(signal.SIGTERM, lambda *_: blocking.shutdown(wait=False))
    click.echo(f"Minyi scheduler: {', '.join(job.id for job in blocking.get_jobs())}", err=True)
    try:
        blocking.start()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.dispose()


@main.command()
@click.option("--at", "at", default=None, metavar="ISO-8601",
              help="Act as of this instant, e.g. 2026-11-30T09:00+08:00 (no zone given: Asia/Shanghai).")
@click.option("--job", "names", multiple=True, metavar="NAME", help="Run only this job (repeatable).")
def sweep(at: str | None, names: tuple[str, ...]) -> None:
    """Run every periodic job once, now or as of --at, and print a JSON summary."""
    from server.core.clock import ManualClock, SystemClock
    from server.jobs import periodic_jobs, run_all_once

    jobs = periodic_jobs()
    unknown = set(names) - {job.name for job in jobs}
    if unknown:
        raise click.BadParameter(f"no job named {', '.join(sorted(unknown))}; jobs: "
                                 f"{', '.join(job.name for job in jobs)}", param_hint="--job")
    clock = ManualClock(_parse_instant(at)) if at else SystemClock()
    started = clock.now()
    if started > SystemClock().now() and not names:
        # The public panoramic window must not say it was updated at a time that has not come yet.
        jobs = [job for job in jobs if job.name != "street_ranking"]
        click.echo("minyi sweep: --at lies in the future; the street_ranking job is left out", err=True)
    with opened_runtime(clock) as runtime:
        results = run_all_once(runtime, [job for job in jobs if not names or job.name in names])
    click.echo(json.dumps({"at": started.isoformat(), "jobs": results}, ensure_ascii=False, default=str))
    if not all(result["ok"] for result in results.values()):
        sys.exit(1)


def _parse_instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected an ISO-8601 time, e.g. 2026-11-30T09:00+08:00",
                                 param_hint="--at") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return instant.astimezone(UTC)


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from server.core import migrations as migrate

    migrate.upgrade(settings_or_exit().sqlalchemy_url, revision)


@db.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (default: base)."""
    from server.core import migrations as migrate

    migrate.downgrade(settings_or_exit().sqlalchemy_url, revision)


@db.command("check")
def db_check() -> None:
    """Exit 1 when the database is not at head or the models and the migrations differ."""
    from server.core import migrations as migrate

    problems = migrate.check(settings_or_exit().sqlalchemy_url)
    for problem in problems:
        click.echo(f"db check: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("db check: models and migrations agree; database at head")


@main.command("seed-demo")
@click.option("--cases", "case_count", default=300, show_default=True, type=click.IntRange(0, 100_000),
              help="how many past cases to make")
def seed_demo(case_count: int) -> None:
    """Load Shangcheng's streets, units, people and a few hundred past cases (safe to run twice)."""
    from server.demo import load_demo

    with opened_runtime() as runtime:
        summary = load_demo(runtime, case_count=case_count)
    click.echo(json.dumps(summary, ensure_ascii=False))


main.add_command(outbox)
main.add_command(sandbox)
main.add_command(wechat)

if __name__ == "__main__":
    main()
