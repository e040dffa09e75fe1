"""Request bodies, read whole before the app sees them, within a size and a time limit.

A gunicorn ``gthread`` worker reads a body on one of its few threads, and the client sets the
pace: four clients sending a byte every 2 s held every thread of a ``QA_THREADS=2`` worker, and
``/healthz`` went unanswered. A socket timeout bounds each wait, not the whole body, so a
watchdog thread shuts the connection's read side once ``timeout_s`` has passed: the blocked read
returns, the request is answered 408 and the thread is free. The same read counts the bytes of
a chunked body (which has no Content-Length to check in advance) and stops past the limit: 413.

The middleware does not answer by itself: it puts the error in the WSGI environ under
``BODY_ERROR`` and the app's request guard raises it, so the one error handler makes the JSON.
"""

from __future__ import annotations

import heapq
import io
import itertools
import socket
import threading
import time

from ..errors import BadRequest, PayloadTooLarge, QAError, RequestTimeout

BODY_ERROR = "qa.body_error"
CHUNK = 65536


class _Ticket:
    __slots__ = ("deadline", "sock", "fired", "done")

    def __init__(self, deadline: float, sock: socket.socket):
        self.deadline, self.sock, self.fired, self.done = deadline, sock, False, False


class Watchdog:
    """One thread that shuts the read side of sockets whose deadline has passed."""

    def __init__(self):
        self._heap: list[tuple[float, int, _Ticket]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket, timeout_s: float) -> _Ticket:
        """Starts watching ``sock``; ``disarm`` the ticket once the body is read."""
        ticket = _Ticket(time.monotonic() + timeout_s, sock)
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                # Started on first use, so a gunicorn worker starts its own after the fork.
                self._thread = threading.Thread(target=self._run, name="body-watchdog",
                                                daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (ticket.deadline, next(self._order), ticket))
            self._cond.notify()
        return ticket

    def disarm(self, ticket: _Ticket) -> None:
        with self._cond:
            ticket.done = True

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                ticket = heapq.heappop(self._heap)[2]
                ticket.fired = True
            try:
                ticket.sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass  # already closed by the client


def _content_length(environ) -> int | None:
    raw = environ.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isdigit() else None


def _chunked(environ) -> bool:
    return "chunked" in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower()


class RequestBodies:
    """WSGI middleware: the body of every request, read within ``max_bytes`` and
    ``timeout_s`` (see the module docstring), handed on as a complete in-memory stream."""

    def __init__(self, app, max_bytes: int, timeout_s: float):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.watchdog = Watchdog()

    def __call__(self, environ, start_response):
        length = _content_length(environ)
        chunked = _chunked(environ)
        if (length is None or length == 0 or length > self.max_bytes) and not chunked:
            # No body, or one the guard refuses by its Content-Length without reading it.
            return self.app(environ, start_response)
        try:
            body = self._read(environ, None if chunked else length)
        except QAError as exc:
            environ[BODY_ERROR] = exc
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = False
        return self.app(environ, start_response)

    def _read(self, environ, length: int | None) -> bytes:
        stream = environ["wsgi.input"]
        sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        ticket = self.watchdog.arm(sock, self.timeout_s) if isinstance(sock, socket.socket) else None
        parts: list[bytes] = []
        got = 0
        try:
            while length is None or got < length:
                try:
                    part = stream.read(CHUNK if length is None else min(CHUNK, length - got))
                except Exception as exc:  # noqa: BLE001 - a broken chunked encoding, a reset
                    if ticket is not None and ticket.fired:
                        raise self._timeout() from None
                    raise BadRequest(f"the request body could not be read: {exc}") from None
                if not part:
                    break
                got += len(part)
                if got > self.max_bytes:
                    if sock is not None:
                        _stop_reading(sock)  # or the server would drain the rest of it
                    raise PayloadTooLarge(f"the body is over the limit of {self.max_bytes} bytes")
                parts.append(part)
        finally:
            if ticket is not None:
                self.watchdog.disarm(ticket)
        if ticket is not None and ticket.fired and (length is None or got < length):
            raise self._timeout()
        if length is not None and got < length:
            raise BadRequest(f"the body ended after {got} of its {length} bytes")
        return b"".join(parts)

    def _timeout(self) -> RequestTimeout:
        return RequestTimeout(f"the request body took longer than {self.timeout_s:g} s to arrive")


def _stop_reading(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
