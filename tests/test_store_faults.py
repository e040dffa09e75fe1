"""What a real deployment does to the store, tried on a real gunicorn: articles ingested by another
process while the server runs, a Chroma server that is down when the workers boot, and one that
stops answering (SIGSTOP). The service must keep serving what it can, say 503 for the rest within
a bound, and recover without a restart."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from qa.config import Settings, StoreSettings

from .chroma_server import free_port
from .conftest import ROOT, SEED_IDS, SEEDS
from .service_process import ServiceProcess

NEW_ARTICLE = "004_ccca31a72ddb13aa"
ABOUT_NEW = "What town at the entrance to the valley did the Taliban say they captured?"
WHO_LEADS = "Who leads the resistance in Panjshir?"


def ingest_cli(data_dir: Path, *paths: Path) -> str:
    """``python ingest.py`` in its own process, as the README's workflow runs it."""
    out = subprocess.run([sys.executable, str(ROOT / "ingest.py"), "--data-dir", str(data_dir),
                          *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


def cited(reply) -> set[str]:
    return {c["article_id"] for c in reply.json["citations"]}


def test_articles_ingested_while_gunicorn_serves_are_answered_without_a_restart(tmp_path):
    """The README's workflow: serve the embedded store, then ingest new articles. Each worker's
    embedded client kept its vector index from before the ingest: every /api/ask answered 503
    ("Error finding id") while /readyz said ready, until a restart."""
    articles = tmp_path / "articles"
    articles.mkdir()
    for aid in SEED_IDS[:4]:
        shutil.copy(SEEDS / f"{aid}.txt", articles)
    data_dir = tmp_path / "svc" / "var"
    assert ingest_cli(data_dir, articles).startswith("added 4,")

    with ServiceProcess(tmp_path / "svc", workers=2, threads=2) as svc:
        before = svc.request("POST", "/api/ask", {"question": ABOUT_NEW})
        assert before.status == 200 and NEW_ARTICLE not in cited(before)
        assert svc.request("GET", "/readyz").json["articles"] == 4
        pids = worker_pids(svc)

        # Questions keep coming while another process ingests the new article.
        statuses: list[int] = []
        stop = threading.Event()

        def ask_meanwhile():
            while not stop.is_set():
                statuses.append(svc.request("POST", "/api/ask", {"question": WHO_LEADS}).status)

        asker = threading.Thread(target=ask_meanwhile)
        asker.start()
        try:
            shutil.copy(SEEDS / f"{NEW_ARTICLE}.txt", articles)
            assert ingest_cli(data_dir, articles).startswith("added 1, updated 0, unchanged 4,")
        finally:
            stop.set()
            asker.join(120)
        assert statuses and set(statuses) == {200}, statuses
        for _ in range(4):  # both workers count the new article at once
            ready = svc.request("GET", "/readyz")
            assert ready.status == 200 and ready.json["articles"] == 5, ready.body

        # Every worker answers from the new article (new connections spread over both).
        for _ in range(6):
            after = svc.request("POST", "/api/ask", {"question": ABOUT_NEW})
            assert after.status == 200, after.body[:300]
            assert NEW_ARTICLE in cited(after), after.json["answer"][:200]
        ready = svc.request("GET", "/readyz")
        assert ready.status == 200 and ready.json["articles"] == 5
        assert worker_pids(svc) == pids, "no worker was restarted"
        assert "Error finding id" not in svc.log_tail(20_000)


def worker_pids(svc: ServiceProcess) -> set[int]:
    """The worker processes of ``svc`` (children of the gunicorn master), read from /proc."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process has gone
        if int(fields[1]) == svc.proc.pid:  # the field after the state is the parent's PID
            pids.add(int(stat.parent.name))
    return pids


def test_gunicorn_boots_while_chroma_is_down_and_serves_once_it_is_up(make_chroma_server,
                                                                      make_service, tmp_path):
    """A worker that could not reach Chroma at boot failed to boot, and gunicorn's master
    exited with it: /healthz, the page and Slack went down with the store."""
    port = free_port()  # nothing listens here yet
    env = {"QA_CHROMA_URL": f"http://127.0.0.1:{port}", "QA_CHROMA_TIMEOUT_S": "2"}
    with ServiceProcess(tmp_path / "svc", env, workers=2, threads=2) as svc:
        assert svc.request("GET", "/healthz").json == {"status": "ok"}
        assert svc.request("GET", "/").status == 200
        for method, path, body in [("GET", "/readyz", None),
                                   ("POST", "/api/ask", {"question": WHO_LEADS}),
                                   ("GET", "/api/articles", None), ("GET", "/api/sources", None)]:
            resp = svc.request(method, path, body)
            assert resp.status == 503, (path, resp.status, resp.body[:300])
            assert resp.json["error"]["code"] == "store_unavailable", path
        pids = worker_pids(svc)
        assert len(pids) == 2 and svc.alive()

        server = make_chroma_server(port=port)
        writer = make_service(Settings(store=StoreSettings(chroma_url=server.url,
                                                           data_dir=tmp_path / "writer")))
        assert writer.ingest([SEEDS]).added == 5
        deadline = time.monotonic() + 30
        while svc.request("GET", "/readyz").status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert svc.request("GET", "/readyz").json["articles"] == 5
        for _ in range(4):  # both workers
            answer = svc.request("POST", "/api/ask", {"question": WHO_LEADS})
            assert answer.status == 200 and "000_e5d721c452f0de90" in cited(answer)
        assert worker_pids(svc) == pids, "the workers were not restarted"


def test_a_hung_chroma_server_is_a_503_within_the_timeout(make_chroma_server, make_service,
                                                          tmp_path):
    """With the Chroma server stopped by SIGSTOP, /readyz and /api/ask hung past 45 s and held
    the worker's threads."""
    server = make_chroma_server()
    writer = make_service(Settings(store=StoreSettings(chroma_url=server.url,
                                                       data_dir=tmp_path / "writer")))
    writer.ingest([SEEDS])
    env = {"QA_CHROMA_URL": server.url, "QA_CHROMA_TIMEOUT_S": "1.5"}
    with ServiceProcess(tmp_path / "svc", env, workers=1, threads=2) as svc:
        assert svc.request("POST", "/api/ask", {"question": WHO_LEADS}).status == 200
        server.pause()
        try:
            for path, body in [("/readyz", None), ("/api/ask", {"question": WHO_LEADS}),
                               ("/api/articles/000_e5d721c452f0de90", None)]:
                resp = svc.request("POST" if body else "GET", path, body, timeout=60)
                assert resp.status == 503, (path, resp.status, resp.body[:300])
                assert resp.json["error"]["code"] == "store_unavailable", path
                assert resp.seconds < 15, (path, resp.seconds)  # a few timeouts, not a hang
            # More requests than the worker has threads: none is held for good.
            with ThreadPoolExecutor(4) as pool:
                replies = list(pool.map(
                    lambda _: svc.request("POST", "/api/ask", {"question": WHO_LEADS}, timeout=60),
                    range(4)))
            assert [r.status for r in replies] == [503] * 4
            assert max(r.seconds for r in replies) < 30
            assert svc.request("GET", "/healthz", timeout=15).status == 200
        finally:
            server.resume()
        assert svc.request("GET", "/readyz").status == 200
        assert svc.request("POST", "/api/ask", {"question": WHO_LEADS}).status == 200
