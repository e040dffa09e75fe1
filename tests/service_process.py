"""The service as an operator runs it: ``gunicorn -c gunicorn.conf.py server:app`` (or ``python
server.py``) as a child process on a free loopback port, with its settings in the environment.

``ServiceProcess`` starts it, waits until ``/healthz`` answers, sends real HTTP requests to it
(``request`` and ``raw``: a socket, for what an HTTP library will not send), and stops it;
``log_tail()`` is for failure messages. Tests of faults (a store that is down, stalled or
changed by another process; slow clients; limits shared by workers) use it.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .chroma_server import free_port
from .conftest import ROOT


@dataclass
class Reply:
    """One HTTP response: status, headers (lower-case names), body, and JSON when it is."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def json(self):
        return json.loads(self.body)


class ServiceProcess:
    """One gunicorn master with its workers (``dev=True``: the development server)."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None, *, workers: int = 1,
                 threads: int = 4, dev: bool = False, start_timeout_s: float = 120.0):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.host = "127.0.0.1"
        self.dev = dev
        self.start_timeout_s = start_timeout_s
        self.env = {**os.environ, "QA_BIND": f"{self.host}:{self.port}",
                    "QA_WORKERS": str(workers), "QA_THREADS": str(threads),
                    "QA_DATA_DIR": str(self.workdir / "var"),
                    # Tests send many requests from one address; those about limits set one.
                    "QA_RATE_LIMIT_PER_MINUTE": "0", **(env or {})}
        self.log_path = self.workdir / ("server.log" if dev else "gunicorn.log")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ServiceProcess":
        """Starts it and waits until ``/healthz`` says ok; raises with its log otherwise."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.dev:
            cmd = [sys.executable, str(ROOT / "server.py"), "--host", self.host,
                   "--port", str(self.port)]
        else:
            # No control socket: several test servers may run at once.
            cmd = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                   "--no-control-socket", "server:app"]
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the service exited with {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                if self.request("GET", "/healthz", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"no /healthz within {self.start_timeout_s}s:\n{self.log_tail()}")

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                timeout: float = 60.0) -> Reply:
        """One request on a new connection; ``body`` is JSON-encoded unless it is bytes."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        t0 = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data,
                         time.monotonic() - t0)
        finally:
            conn.close()

    def connect(self, timeout: float = 30.0) -> socket.socket:
        """A raw connection, for requests an HTTP library would not send."""
        return socket.create_connection((self.host, self.port), timeout=timeout)

    def raw(self, data: bytes, timeout: float = 30.0) -> Reply:
        """Sends ``data`` as is and reads the response until the server closes or it is whole."""
        t0 = time.monotonic()
        with self.connect(timeout) as s:
            s.sendall(data)
            return read_reply(s, t0)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to the group if it lingers."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout_s)
        self.proc = None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> "ServiceProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def read_reply(s: socket.socket, t0: float | None = None) -> Reply:
    """Reads one HTTP/1.1 response from ``s`` (Content-Length or up to the close)."""
    t0 = time.monotonic() if t0 is None else t0
    data = b""
    while b"\r\n\r\n" not in data:
        part = s.recv(65536)
        if not part:
            break
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", -1))
    while length < 0 or len(body) < length:
        try:
            part = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not part:
            break
        body += part
    return Reply(status, headers, body, time.monotonic() - t0)
