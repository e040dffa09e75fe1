"""A real Chroma server (``chroma run``) on loopback, for tests of the server mode.

``ChromaServer`` starts the CLI that ships with chromadb as a child process, waits for its
heartbeat, and can be stopped, killed, paused (SIGSTOP) and restarted on the same port and data
path, so tests can show what the service does while its store is down or hung and after it
comes back. ``conftest.py``
exposes it as the ``chroma_server`` fixture; other fixtures can build their own with
``ChromaServer(path).start()``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chroma_cli() -> Path:
    """The ``chroma`` command of the interpreter running the tests (the project's .venv)."""
    cli = Path(sys.executable).parent / "chroma"
    if not cli.exists():
        raise RuntimeError(f"{cli} is missing: chromadb's CLI is installed with chromadb")
    return cli


class ChromaServer:
    """One ``chroma run --path PATH --host 127.0.0.1 --port PORT`` process."""

    def __init__(self, path: Path, port: int | None = None, start_timeout_s: float = 60.0):
        self.path = Path(path)
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.start_timeout_s = start_timeout_s
        self.log_path = self.path.parent / f"{self.path.name}-server.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """What ``QA_CHROMA_URL`` should be set to."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def heartbeat(self, timeout_s: float = 2.0) -> bool:
        """True when the server answers ``/api/v2/heartbeat``."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=timeout_s) as r:
                return r.status == 200 and "nanosecond heartbeat" in json.loads(r.read())
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def start(self) -> "ChromaServer":
        """Starts the server (same port and path as before on a restart) and waits until it
        answers; raises with the server's log when it dies or does not answer in time."""
        if self.running:
            raise RuntimeError(f"the Chroma server on port {self.port} is already running")
        self.path.mkdir(parents=True, exist_ok=True)
        cmd = [str(chroma_cli()), "run", "--path", str(self.path), "--host", self.host,
               "--port", str(self.port)]
        log = open(self.log_path, "ab")
        try:
            # Its own process group, so a stop never reaches the test runner.
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        finally:
            log.close()
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self.heartbeat(timeout_s=1.0):
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"chroma run gave no heartbeat in {self.start_timeout_s}s:\n{self.log_tail()}")

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stops the server gracefully (SIGTERM), killing it if it lingers."""
        self._end(signal.SIGTERM, timeout_s)

    def kill(self) -> None:
        """Kills the server outright (SIGKILL), as a crash would."""
        self._end(signal.SIGKILL, 15.0)

    def pause(self) -> None:
        """Freezes the server (SIGSTOP to its process group): connections are still accepted by
        the kernel, but nothing answers, as with a hung host."""
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Lets a paused server run again (SIGCONT)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGCONT)

    def restart(self) -> "ChromaServer":
        """Stops and starts the server on the same port and path."""
        self.stop()
        return self.start()

    def _end(self, sig: int, timeout_s: float) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.resume()  # a paused server would not act on SIGTERM
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout_s)
        self.proc = None
        # Wait until the port is closed, so what follows really runs against a dead server.
        deadline = time.monotonic() + timeout_s
        while self.heartbeat(timeout_s=0.5) and time.monotonic() < deadline:
            time.sleep(0.05)

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's output, for failure messages."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> "ChromaServer":
        return self.start() if not self.running else self

    def __exit__(self, *exc) -> None:
        self.stop()
