"""gunicorn settings for Minyi's web processes: `gunicorn -c deploy/gunicorn.conf.py 'server:create_app()'`.

- threads: the webhook waits up to MINYI_BOT_DB_BUDGET_SECONDS on the database; threaded workers keep
  answering other messages meanwhile (WeChat's retries of one message arrive concurrently);
- the access log is Minyi's own (`minyi.access`, with the request id); gunicorn's is off;
- Prometheus' multiprocess mode: each worker writes its samples under PROMETHEUS_MULTIPROC_DIR, emptied
  when gunicorn starts; a dead worker's live gauges are dropped (`child_exit`).
Every setting can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""
import multiprocessing
import os
import shutil
from pathlib import Path

bind = os.environ.get("MINYI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MINYI_WEB_WORKERS", str(min(8, multiprocessing.cpu_count() * 2 + 1))))
worker_class = "gthread"
threads = int(os.environ.get("MINYI_WEB_THREADS", "8"))
timeout = 30  # a worker silent this long is killed and replaced: no request takes half of it
graceful_timeout = 20
keepalive = 5  # nginx keeps connections to us open
max_requests = 20000  # recycle workers now and then (leaks in libraries), spread out by the jitter
max_requests_jitter = 2000
forwarded_allow_ips = "127.0.0.1,::1"  # nginx on this host
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"minyi": {"()": "server.web.access_log.log_handler",
                           "fmt": os.environ.get("MINYI_LOG_FORMAT", "json")}},
    "root": {"level": "INFO", "handlers": ["minyi"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["minyi"], "propagate": False},
                "gunicorn.access": {"level": "WARNING", "handlers": ["minyi"], "propagate": False},
                "apscheduler": {"level": "WARNING"}},
}

# Set before any worker imports prometheus_client (the workers inherit the master's environment).
PROMETHEUS_DIR = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/run/minyi/prometheus"))


def on_starting(server):
    shutil.rmtree(PROMETHEUS_DIR, ignore_errors=True)  # samples of a previous run would be added in
    PROMETHEUS_DIR.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
