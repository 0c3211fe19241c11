"""GET /metrics: Prometheus metrics for the operator (prometheus-client's text format).

What is counted where:
- the webhook's latency is a histogram each process observes (`observe_webhook`). Under gunicorn set
  PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py does): every worker then writes its samples to a file
  there and any worker's /metrics adds them all up (prometheus-client's multiprocess mode), so the count
  is the same whichever worker Prometheus reaches;
- everything else is read at scrape time, so every process reports the same figure: the outbox's depth,
  oldest age and dead letters, overdue open cases and each periodic job's lag (now − its last successful
  run, from `job_runs`) from the database; the inbound journal's depth from this host's journal file.

Readable from this host (no proxy header: behind nginx, requests arrive from 127.0.0.1 with
X-Forwarded-For) or with `Authorization: Bearer <MINYI_METRICS_TOKEN>`; anyone else gets a 403.
"""
from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from server.chat.journal import inbound_journal
from server.core.runtime import Runtime
from server.operations.queries import operating_figures
from server.web.errors import error_response
from server.web.runtime import current_runtime

bp = Blueprint("metrics", __name__)

LOCAL_ADDRESSES = frozenset({"127.0.0.1", "::1"})
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")
# WeChat waits 5 s; the database budget is 1.5 s: the buckets are finer below a second.
WEBHOOK_SECONDS = Histogram("minyi_webhook_seconds", "Time to answer a WeChat message (POST /wechat)",
                            ["status"], registry=None,
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0))


def observe_webhook(seconds: float, status: int) -> None:
    WEBHOOK_SECONDS.labels(status=str(status)).observe(seconds)


class OperatingFigures(Collector):
    """Gauges computed when scraped, from the database and the journal file."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        journal = inbound_journal(self.runtime)
        yield GaugeMetricFamily("minyi_journal_depth", "Inbound messages journalled on this host, not yet replayed",
                                value=len(journal.pending()) if journal.has_pending() else 0)
        try:
            figures = operating_figures(self.runtime.uow(), datetime.now(UTC))
        except Exception:  # the database is away: say so rather than fail the whole scrape
            yield GaugeMetricFamily("minyi_database_up", "Could /metrics read the database", value=0)
            return
        yield GaugeMetricFamily("minyi_database_up", "Could /metrics read the database", value=1)
        yield GaugeMetricFamily("minyi_outbox_depth", "Pushes waiting to be sent (pending or being sent)",
                                value=figures.outbox_pending)
        yield GaugeMetricFamily("minyi_outbox_oldest_age_seconds", "How long the oldest waiting push has waited",
                                value=figures.outbox_oldest_seconds)
        yield GaugeMetricFamily("minyi_outbox_dead", "Pushes given up on (minyi outbox failed)",
                                value=figures.outbox_dead)
        yield GaugeMetricFamily("minyi_overdue_cases", "Open cases past their 72 hours", value=figures.overdue_cases)
        lag = GaugeMetricFamily("minyi_scheduler_lag_seconds", "Now minus the last successful run of each job",
                                labels=["job"])
        ok = GaugeMetricFamily("minyi_job_last_run_ok", "1 if the job's last run succeeded", labels=["job"])
        for name in sorted(figures.job_lag_seconds):
            lag.add_metric([name], figures.job_lag_seconds[name])
            ok.add_metric([name], 1 if figures.job_ok[name] else 0)
        yield lag
        yield ok


def _allowed() -> bool:
    token = current_runtime().settings.metrics_token
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    return request.remote_addr in LOCAL_ADDRESSES and not any(request.headers.get(h) for h in PROXY_HEADERS)


@bp.get("/metrics")
def metrics():
    if not _allowed():
        return error_response("forbidden", "仅限本机或持有监控令牌访问", 403)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(WEBHOOK_SECONDS)
    registry.register(OperatingFigures(current_runtime()))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
