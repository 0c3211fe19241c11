"""What every `minyi` command needs: the settings (or a one-line error) and a runtime that is disposed."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from server.core.clock import Clock
from server.core.runtime import Runtime, build_runtime
from server.core.settings import ConfigError, Settings, load_settings


def settings_or_exit() -> Settings:
    """The environment's settings; a bad variable stops the command with one line naming it."""
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"minyi: configuration error: {exc}", err=True)
        sys.exit(2)


@contextmanager
def opened_runtime(clock: Clock | None = None) -> Iterator[Runtime]:
    runtime = build_runtime(settings_or_exit(), clock=clock)
    try:
        yield runtime
    finally:
        runtime.dispose()


def served_settings(settings: Settings, host: str, port: int, environ: dict[str, str]) -> Settings:
    """Without MINYI_PUBLIC_URL, links in pushes and the sandbox's WeChat API follow the port served."""
    if environ.get("MINYI_PUBLIC_URL"):
        return settings
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return settings.model_copy(update={"public_url": f"http://{shown}:{port}"})
