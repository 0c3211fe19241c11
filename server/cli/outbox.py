"""`minyi outbox ...`: send due pushes by hand, list the dead letters, retry one."""
from __future__ import annotations

import json

import click

from server.cli.common import opened_runtime


@click.group()
def outbox() -> None:
    """The push outbox (WeChat notifications)."""


@outbox.command("dispatch")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
def dispatch(limit: int) -> None:
    """Send the pushes that are due now, once, and print a JSON summary."""
    from server.pushes.dispatch import dispatch_due

    with opened_runtime() as runtime:
        click.echo(json.dumps(dispatch_due(runtime.uow(), runtime.wechat, limit=limit)))


@outbox.command("failed")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def failed(limit: int) -> None:
    """List dead-lettered and skipped pushes, newest first (one JSON object a line)."""
    from server.pushes.dispatch import list_failed_pushes

    with opened_runtime() as runtime:
        for row in list_failed_pushes(runtime.uow(), limit=limit):
            click.echo(json.dumps({"id": row.id, "kind": row.kind, "status": row.status,
                                   "recipient_id": row.recipient_id, "case_id": row.case_id,
                                   "attempts": row.attempts, "last_error": row.last_error,
                                   "created_at": row.created_at.isoformat()}, ensure_ascii=False))


@outbox.command("retry")
@click.argument("outbox_id", type=int)
def retry(outbox_id: int) -> None:
    """Make a dead or skipped push pending again, with fresh attempts."""
    from server.core.errors import DomainError
    from server.pushes.dispatch import retry_dead

    with opened_runtime() as runtime:
        try:
            retry_dead(runtime.uow(), outbox_id=outbox_id)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"outbox {outbox_id}: pending again")
