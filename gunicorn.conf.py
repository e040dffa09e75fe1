"""Production serving: ``gunicorn -c gunicorn.conf.py server:app``.

Environment:
- ``QA_BIND`` (default ``127.0.0.1:8000``), ``QA_WORKERS`` (default: one per core, at most 8),
  ``QA_THREADS`` per worker (default 4: slow readers of an answer stream do not hold a
  worker's only thread), ``QA_WORKER_TIMEOUT`` seconds (default 120).
- Every worker opens its own store client (``preload_app`` is off: Chroma clients and ONNX
  sessions must not cross a fork), on first use: a worker boots while its store is down. With ``QA_CHROMA_URL`` all workers share one Chroma server;
  with the embedded store they share the directory ``QA_DATA_DIR``. Chat sessions live in
  ``$QA_DATA_DIR/sessions.sqlite3`` and are shared by the workers of a host.
- With several workers, ``QA_EMBED_THREADS`` defaults to cores / workers so that the workers'
  ONNX thread pools do not fight over the cores, and Prometheus metrics are collected across
  workers in ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary directory unless set).
"""

import os
import shutil
import tempfile

_cores = os.cpu_count() or 1

bind = os.environ.get("QA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("QA_WORKERS", min(_cores, 8)))
worker_class = "gthread"
threads = int(os.environ.get("QA_THREADS", 4))
preload_app = False
timeout = int(os.environ.get("QA_WORKER_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# Request line and headers stay small; bodies are limited by the app (QA_MAX_BODY_BYTES).
limit_request_line = 8190
limit_request_fields = 100
accesslog = os.environ.get("QA_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("QA_LOG_LEVEL", "info")

# gunicorn's own errors (414 for a request line over the limit, 431, 400) in the service's
# JSON error shape, not its HTML page.
from qa.web.gunicorn_errors import install as _json_errors  # noqa: E402

_json_errors()

if workers > 1:
    os.environ.setdefault("QA_EMBED_THREADS", str(max(1, _cores // workers)))
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="qa-metrics-")
        _own_metrics_dir = True


def on_starting(server):
    """Clears samples left by an earlier run in a reused metrics directory."""
    d = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if d and os.path.isdir(d):
        for name in os.listdir(d):
            if name.endswith(".db"):
                os.remove(os.path.join(d, name))


def child_exit(server, worker):
    """Folds a dead worker's gauges out of the shared metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Removes the temporary metrics directory this config made."""
    if globals().get("_own_metrics_dir"):
        shutil.rmtree(os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""), ignore_errors=True)
