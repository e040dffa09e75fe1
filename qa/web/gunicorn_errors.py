"""gunicorn's own error responses in the service's JSON error shape.

gunicorn answers some requests before the app sees them (a request line over
``limit_request_line``: 414; too many or too large headers: 431; a malformed request: 400) with
a small HTML page. ``install()``, called from ``gunicorn.conf.py`` in the master before the
workers fork, replaces the one function gunicorn writes those pages with
(``gunicorn.util.write_error``) by one that writes ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
import re


def _code(reason: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (reason or "error").lower()).strip("_") or "error"


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """What ``gunicorn.util.write_error`` writes, as JSON (same signature)."""
    from gunicorn import util

    body = json.dumps({"error": {"code": _code(reason), "message": mesg or reason}}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    """Makes gunicorn write its own errors as JSON."""
    from gunicorn import util

    util.write_error = write_json_error
