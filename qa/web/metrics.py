"""Prometheus metrics at ``/metrics``: requests by route and status, latency, answers by engine.

Under gunicorn with several workers, ``gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` so
that every worker writes its samples there and any worker's ``/metrics`` reports the sum.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Methods that get a label of their own; any other (``curl -X M$RANDOM``) counts as "other",
#: so a client cannot add series at will.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class Metrics:
    """The app's metrics, in a registry of its own (several apps may live in one process)."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("qa_http_requests", "HTTP requests by route and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("qa_http_request_duration_seconds",
                                 "Time to the response headers, by route.", ["route"],
                                 buckets=BUCKETS, registry=self.registry)
        self.answers = Counter("qa_answers", "Answers given, by engine and abstention.",
                               ["engine", "abstained", "contested"], registry=self.registry)

    def answered(self, answer_json: dict) -> None:
        """Counts one answer (streams count theirs when the final event is sent)."""
        self.answers.labels(answer_json.get("engine", "?"),
                            str(bool(answer_json.get("abstained"))).lower(),
                            str(bool(answer_json.get("contested"))).lower()).inc()

    def exposition(self) -> bytes:
        """The text format; summed over workers in multiprocess mode."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def install(app: Flask) -> Metrics:
    """Times every request and adds ``GET /metrics``."""
    metrics = Metrics()
    app.extensions["qa_metrics"] = metrics

    @app.before_request
    def _start():
        g.metrics_t0 = time.perf_counter()

    @app.after_request
    def _record(resp):
        # The rule, not the path, so IDs in URLs cannot blow up the label set.
        route = request.url_rule.rule if request.url_rule else "unmatched"
        t0 = g.get("metrics_t0")
        if t0 is not None:
            metrics.latency.labels(route).observe(time.perf_counter() - t0)
        method = request.method if request.method in METHODS else "other"
        metrics.requests.labels(method, route, str(resp.status_code)).inc()
        return resp

    @app.get("/metrics")
    def metrics_view():
        """Prometheus text exposition."""
        return Response(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)

    return metrics
