"""Profile one Minyi webhook request path in-process with pyinstrument (`pip install -e ".[bench]"`):

    .venv/bin/python -m bench.profile [--backend sqlite|postgresql] [-n 300]

Prepares a database as the webhook benchmark does, posts `n` signed text messages through Flask's
test client (no HTTP server, so the profile shows only Minyi's own work), prints the profile and the
SQL statements by total time. py-spy works on the running gunicorn workers too:
`py-spy record -o profile.svg --pid <worker pid>` during `python -m bench --only webhook`.
"""
from __future__ import annotations

import argparse
import hashlib
import secrets
import tempfile
import time
from pathlib import Path

from . import env, webhook


def _signed_query() -> str:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = hashlib.sha1("".join(sorted([webhook.TOKEN, timestamp, nonce])).encode()).hexdigest()
    return f"signature={signature}&timestamp={timestamp}&nonce={nonce}&openid=obench"


def _body(index: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_minyi_bench]]></ToUserName><FromUserName><![CDATA[obench{index:08d}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[祖庙巷51号小区内绿化枯萎需要补种，麻烦尽快处理 {index}]]></Content>"
            f"<MsgId>{9_000_000_000 + index}</MsgId></xml>").encode()


def _python_calls(client, first: int, n: int) -> int:
    """Function calls made by `n` webhook requests: a measure of work that machine load does not move."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for index in range(first, first + n):
        client.post(f"/wechat?{_signed_query()}", data=_body(index))
    profile.disable()
    return pstats.Stats(profile).total_calls


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("-n", type=int, default=300)
    args = parser.parse_args()
    from pyinstrument import Profiler

    from server import create_app

    from .jobs import StatementTimes

    with tempfile.TemporaryDirectory() as scratch:
        if args.backend == "sqlite":
            url_context = None
            url = f"sqlite:///{Path(scratch) / 'profile.sqlite3'}"
        else:
            url_context = env.pg_database("profile")
            url = url_context.__enter__()
        try:
            webhook.prepare_minyi_database(url)
            app = create_app({"DATABASE_URL": url, "MINYI_INSTANCE_DIR": scratch, "MINYI_ENV": "production",
                              "MINYI_SECRET_KEY": secrets.token_hex(32), "WECHAT_TOKEN": webhook.TOKEN,
                              "WECHAT_APP_ID": "wxbench00000000001", "WECHAT_APP_SECRET": "bench-secret",
                              "REDIS_URL": env.REDIS_URL, "MINYI_REDIS_PREFIX": f"minyi-profile-{secrets.token_hex(3)}"})
            client = app.test_client()
            times = StatementTimes(app.extensions["minyi"].engine)
            for index in range(20):   # warm up
                assert client.post(f"/wechat?{_signed_query()}", data=_body(index)).status_code == 200
            started, cpu_started = time.perf_counter(), time.process_time()
            for index in range(20, 20 + args.n):
                client.post(f"/wechat?{_signed_query()}", data=_body(index))
            plain, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            times.totals.clear()
            profiler = Profiler(interval=0.001)
            started = time.perf_counter()
            profiler.start()
            for index in range(20 + args.n, 20 + 2 * args.n):
                client.post(f"/wechat?{_signed_query()}", data=_body(index))
            profiler.stop()
            elapsed = time.perf_counter() - started
            statements = sum(row["calls"] for row in times.top(10_000)) / args.n
            top = times.top(12)
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            calls = _python_calls(client, 20 + 2 * args.n, args.n)
            print(f"{args.n} requests: {plain / args.n * 1000:.2f} ms each ({cpu / args.n * 1000:.2f} ms of this "
                  f"process's CPU), {elapsed / args.n * 1000:.2f} ms profiled")
            print(f"{calls / args.n:,.0f} Python function calls per request (cProfile; a count that does not "
                  f"depend on the machine's load), {statements:.1f} SQL statements per request")
            for row in top:
                print(f"{row['total_ms'] / args.n:7.3f} ms/request {row['calls'] / args.n:5.1f}x  {row['statement'][:110]}")
            app.extensions["minyi"].dispose()
        finally:
            if url_context is not None:
                url_context.__exit__(None, None, None)


if __name__ == "__main__":
    main()
