"""Load test: N concurrent clients for T seconds against gunicorn on loopback, first with one
worker and then with two, over the same store (the seeds, ingested into a temp dir first).

    python bench/load.py [--clients 8] [--seconds 20] [--workers 1 2] [--json FILE]

Reports requests/s, p50 and p95 latency and errors for each worker count, and the throughput
ratio of each against the first (target: 2 workers >= 1.6x one worker, zero errors). Both runs
happen in this one invocation, so the ratio compares like with like on this machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Did the Taliban take control of Panjshir?",
    "What did Fahim Dashti say about the talks?",
    "Who leads the resistance in Panjshir?",
    "What happened in Andarab?",
    "What did Zabihullah Mujahid say?",
    "How many Taliban fighters were killed or captured?",
    "Was a ceasefire agreed between the Taliban and the resistance?",
    "What is the price of wheat in Argentina?",  # an abstention costs a retrieval too
]
TARGET_RATIO = 1.6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(conn: http.client.HTTPConnection, question: str) -> int:
    body = json.dumps({"question": question})
    conn.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status == 200:
        json.loads(data)["answer"]  # a 200 must carry a real answer
    return resp.status


class Server:
    """``gunicorn -c gunicorn.conf.py server:app`` with ``workers`` workers on a free port."""

    def __init__(self, data_dir: Path, workers: int, log: Path, extra_env: dict | None = None):
        self.port = free_port()
        env = {**os.environ, "QA_DATA_DIR": str(data_dir), "QA_WORKERS": str(workers),
               "QA_BIND": f"127.0.0.1:{self.port}", "QA_RATE_LIMIT_PER_MINUTE": "0",
               "QA_LOG_LEVEL": "warning", **(extra_env or {})}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "server:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers = workers

    def wait_ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not become ready")

    def worker_pids(self) -> list[int]:
        """The worker processes (the master's children), read from /proc."""
        pids = []
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    stat = (d / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(d.name))
        return sorted(pids)

    def warm(self, clients: int) -> None:
        """Every worker loads its models and BM25 index before the clock starts."""
        def one(i: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            for q in QUESTIONS[i % 2::2]:
                request(conn, q)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(max(clients, 4 * self.workers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()


def load(port: int, clients: int, seconds: float) -> dict:
    """``clients`` keep-alive clients asking in a loop for ``seconds``."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = i
        start.wait()
        while time.monotonic() < stop_at[0]:
            t0 = time.perf_counter()
            try:
                status = request(conn, QUESTIONS[n % len(QUESTIONS)])
                err = None if status == 200 else f"HTTP {status}"
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                err = f"{type(exc).__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            dt = time.perf_counter() - t0
            with lock:
                if err:
                    errors.append(err)
                else:
                    latencies.append(dt)
            n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + seconds
    t0 = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    lat = sorted(latencies)
    return {
        "requests": len(lat), "errors": len(errors), "seconds": round(elapsed, 1),
        "rps": round(len(lat) / elapsed, 2),
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 1) if lat else None,
        "error_samples": sorted(set(errors))[:5],
    }


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the table; exit 1 when a target is missed."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    p.add_argument("--seconds", type=float, default=20, help="measured seconds per run")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts")
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="qa-load-") as tmp:
        data_dir = Path(tmp) / "var"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "ingest.py", "--data-dir", str(data_dir), "data"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        print(f"ingested the seeds in {time.perf_counter() - t0:.1f}s; "
              f"{args.clients} clients, {args.seconds:g}s per run, {os.cpu_count()} cores")
        results = []
        for workers in args.workers:
            server = Server(data_dir, workers, Path(tmp) / f"gunicorn-{workers}.log")
            try:
                server.wait_ready()
                server.warm(args.clients)
                r = load(server.port, args.clients, args.seconds)
            finally:
                server.stop()
            r["workers"] = workers
            results.append(r)
            print(f"  {workers} worker(s): {r['rps']:7.2f} req/s  p50 {r['p50_ms']} ms  "
                  f"p95 {r['p95_ms']} ms  errors {r['errors']}/{r['requests'] + r['errors']}"
                  + (f"  e.g. {r['error_samples'][0]}" if r["error_samples"] else ""))
    base = results[0]["rps"] or float("nan")
    for r in results:
        r["ratio"] = round(r["rps"] / base, 2)
    ok = all(r["errors"] == 0 for r in results)
    for r in results[1:]:
        verdict = "meets" if r["ratio"] >= TARGET_RATIO else "misses"
        print(f"throughput {r['workers']}w/{results[0]['workers']}w = {r['ratio']:.2f}x "
              f"({verdict} the {TARGET_RATIO}x target)")
        ok = ok and (r["workers"] != 2 * results[0]["workers"] or r["ratio"] >= TARGET_RATIO)
    if args.json:
        args.json.write_text(json.dumps({"clients": args.clients, "seconds": args.seconds,
                                         "cores": os.cpu_count(), "runs": results}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
