"""`minyi journal`: the host's inbound journal (messages the webhook took while the database was down)."""
from __future__ import annotations

import json
import signal
import threading

import click

from server.cli.common import opened_runtime


@click.group()
def journal() -> None:
    """The inbound journal of this host (<instance>/journal)."""


@journal.command("status")
def journal_status() -> None:
    """How many journalled messages wait for the database, and where the files are."""
    from server.chat.journal import inbound_journal

    with opened_runtime() as runtime:
        book = inbound_journal(runtime)
        waiting = len(book.pending()) if book.has_pending() else 0
        set_aside = len(book.failed_path.read_bytes().splitlines()) if book.failed_path.exists() else 0
    click.echo(json.dumps({"waiting": waiting, "set_aside": set_aside, "journal": str(book.path)}))


@journal.command("replay")
@click.option("--every", type=click.FloatRange(min=0.5), default=None, metavar="SECONDS",
              help="Keep replaying every SECONDS until stopped (the replayer service); once without it.")
def journal_replay(every: float | None) -> None:
    """Turn journalled messages into what they would have been, in order, once the database is back."""
    from server.chat.journal import inbound_journal, replay_journal
    from server.web.access_log import configure_logging

    with opened_runtime() as runtime:
        configure_logging(runtime.settings.log_format)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while True:
            result = replay_journal(runtime.uow, inbound_journal(runtime))
            if every is None:
                click.echo(json.dumps(result, ensure_ascii=False))
                return
            if stop.wait(every):
                return
