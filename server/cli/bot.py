"""The bot's commands: `minyi sandbox` (the WeChat sandbox on its own) and `minyi wechat ...`."""
from __future__ import annotations

import json
import sys

import click

from server.cli.common import opened_runtime, settings_or_exit


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--bot-url", default=None, help="the webhook to post to [default: MINYI_PUBLIC_URL/wechat]")
def sandbox(host: str, port: int, bot_url: str | None) -> None:
    """Run the WeChat sandbox on its own (API side, user side, chat page at /sandbox)."""
    from waitress import serve as waitress_serve

    from server.sandbox.app import create_sandbox_app

    settings = settings_or_exit()
    bot_url = bot_url or f"{settings.public_url}/wechat"
    click.echo(f"WeChat sandbox on http://{host}:{port}/sandbox  (posting to {bot_url}; "
               f"set the server's WECHAT_API_BASE=http://{host}:{port}/sandbox/api)")
    waitress_serve(create_sandbox_app(settings, bot_url=bot_url), host=host, port=port, threads=8, ident="minyi")


@click.group()
def wechat() -> None:
    """The official account: custom menu, bind codes."""


@wechat.command("push-menu")
def wechat_push_menu() -> None:
    """Push the custom menu (我要反映 / 我的进度 / 更多: 议事厅, 帮助) to WeChat (cgi-bin/menu/create)."""
    from server.chat import MENU
    from server.wechat import WeChatError, build_gateway

    settings = settings_or_exit()
    try:
        build_gateway(settings).create_menu(MENU)
    except WeChatError as exc:
        click.echo(f"minyi: WeChat refused the menu: {exc}", err=True)
        sys.exit(1)
    click.echo(f"menu pushed to {settings.effective_wechat_api_base}")


@wechat.command("bind-code")
@click.argument("person")
def wechat_bind_code(person: str) -> None:
    """Make a one-time bind code for PERSON (a deputy's or staff member's id or exact name)."""
    from server.core.errors import DomainError
    from server.people import queries as people_queries
    from server.people import service as people

    with opened_runtime() as runtime:
        ids = people_queries.find_person_ids(runtime.uow(), person)
        if len(ids) != 1:
            click.echo(f"minyi: {len(ids)} people match {person!r}; give an id", err=True)
            sys.exit(1)
        try:
            code = people.create_bind_code(runtime.uow(), person_id=ids[0])
        except DomainError as exc:
            click.echo(f"minyi: {exc.message}", err=True)
            sys.exit(1)
    click.echo(json.dumps({"code": code.code, "scene": f"bind:{code.code}",
                           "expires_at": code.expires_at.isoformat()}, ensure_ascii=False))
