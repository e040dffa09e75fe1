"""What crafted and slow clients do to the HTTP service, tried on a real gunicorn (and the
development server): slow bodies, chunked bodies over the limit, gunicorn's own errors, limits
shared by workers, headers that name versions."""

from __future__ import annotations

import json
import select
import threading
import time

from .service_process import ServiceProcess, read_reply

PANJSHIR = "Did the Taliban take control of Panjshir?"


def dribble(svc: ServiceProcess, path: str = "/api/ask", every_s: float = 0.5,
            for_s: float = 30.0) -> dict:
    """A client that sends a request's headers, then its body one byte every ``every_s``
    seconds; returns what the server answered (``status``, ``json``, ``seconds``)."""
    body = json.dumps({"question": PANJSHIR}).encode()
    out: dict = {}
    s = svc.connect(timeout=for_s + 30)
    t0 = time.monotonic()
    s.sendall((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode())
    try:
        for byte in body:
            readable, _, _ = select.select([s], [], [], every_s)
            if readable:  # the server answered (or closed): stop sending
                break
            if time.monotonic() - t0 > for_s:
                break
            s.sendall(bytes([byte]))
        reply = read_reply(s, t0)
        out.update(status=reply.status, body=reply.body, seconds=reply.seconds)
    except OSError as exc:
        out.update(status=None, error=repr(exc), seconds=time.monotonic() - t0)
    finally:
        s.close()
    return out


def test_slow_bodies_cannot_hold_every_thread_of_a_worker(tmp_path):
    """Four connections sending a body a byte every 2 s made /healthz time out with
    QA_THREADS=2: each held a thread for as long as it kept sending."""
    env = {"QA_BODY_TIMEOUT_S": "2"}
    with ServiceProcess(tmp_path / "svc", env, workers=1, threads=2) as svc:
        results = [{} for _ in range(4)]
        clients = [threading.Thread(target=lambda r=r: r.update(dribble(svc))) for r in results]
        for c in clients:
            c.start()
        time.sleep(0.5)  # the slow clients hold the threads first
        health = svc.request("GET", "/healthz", timeout=30)
        assert health.status == 200
        assert health.seconds < 15, health.seconds  # two rounds of 2 s, not the 30 s they send
        for c in clients:
            c.join(60)
        for r in results:
            assert r.get("status") == 408, r
            assert json.loads(r["body"])["error"]["code"] == "request_timeout"
            assert r["seconds"] < 20, r


def test_a_body_in_time_is_answered_however_it_is_split(tmp_path):
    env = {"QA_BODY_TIMEOUT_S": "5"}
    with ServiceProcess(tmp_path / "svc", env, workers=1, threads=2) as svc:
        body = json.dumps({"question": "x"}).encode()
        with svc.connect() as s:
            s.sendall(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
            for i in range(0, len(body), 4):
                time.sleep(0.2)
                s.sendall(body[i:i + 4])
            reply = read_reply(s)
        # The body arrived whole: the question reaches the service (an empty store abstains).
        assert reply.status == 200, reply.body[:300]
        assert reply.json["abstained"] is True


def test_a_chunked_body_over_the_limit_is_413_not_malformed_json(tmp_path):
    env = {"QA_MAX_BODY_BYTES": "2000"}
    with ServiceProcess(tmp_path / "svc", env, workers=1, threads=2) as svc:
        body = json.dumps({"question": "x" * 5000}).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 1000]), body[i:i + 1000])
                          for i in range(0, len(body), 1000)) + b"0\r\n\r\n"
        reply = svc.raw(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
        assert reply.status == 413, reply.body[:300]
        assert reply.json["error"]["code"] == "payload_too_large"
        small = json.dumps({"question": ""}).encode()
        ok = svc.raw(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small))
        assert ok.status == 400 and ok.json["error"]["code"] == "bad_request", ok.body[:300]


def _burst(svc: ServiceProcess, n: int, method: str, path: str, headers: dict | None = None,
           body=None) -> list[int]:
    """``n`` requests, eight at a time on new connections, so that every worker takes some."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: svc.request(method, path, body, headers=headers).status,
                             range(n)))


def test_rate_limits_are_shared_by_workers_and_count_wrong_tokens(tmp_path):
    """Limits were per worker (2 workers let 3.6x the limit through) and a request with a wrong
    token was refused before it was counted, so guessing tokens was never limited."""
    env = {"QA_RATE_LIMIT_PER_MINUTE": "10", "QA_API_TOKEN": "s3cret"}
    with ServiceProcess(tmp_path / "svc", env, workers=2, threads=4) as svc:
        wrong = _burst(svc, 30, "GET", "/api/sources", {"Authorization": "Bearer guess"})
        assert set(wrong) == {401, 429}
        assert wrong.count(401) <= 11, wrong  # 10 a minute, and what refills meanwhile
        right = svc.request("GET", "/api/sources", headers={"Authorization": "Bearer s3cret"})
        assert right.status == 429 and right.json["error"]["code"] == "rate_limited"
        assert int(right.headers["retry-after"]) >= 1
        assert svc.request("GET", "/healthz").status == 200  # health checks are not limited

    with ServiceProcess(tmp_path / "svc2", {"QA_RATE_LIMIT_PER_MINUTE": "10"}, workers=2) as svc:
        codes = _burst(svc, 60, "GET", "/api/sources")  # per worker: 13 of 40 got through
        assert codes.count(200) <= 11 and codes.count(429) >= 49, codes


def test_slack_routes_are_rate_limited_too(tmp_path):
    env = {"QA_SLACK_RATE_LIMIT_PER_MINUTE": "10", "QA_RATE_LIMIT_PER_MINUTE": "10",
           "SLACK_SIGNING_SECRET": "secret",
           "SLACK_BOT_TOKEN": "xoxb-1-2-3", "QA_SLACK_API_URL": "http://127.0.0.1:9/api/"}
    with ServiceProcess(tmp_path / "svc", env, workers=2) as svc:
        codes = _burst(svc, 30, "POST", "/slack/events", {"Content-Type": "application/json"},
                       b'{"type": "event_callback"}')
        assert set(codes) == {401, 429} and codes.count(401) <= 11, codes
        # The API keeps its own budget.
        assert svc.request("GET", "/api/sources").status == 200


def test_gunicorns_own_errors_are_json(tmp_path):
    """gunicorn answers a request line over its limit (414), too many headers (431) and a
    malformed request (400) before the app sees them: it sent an HTML page."""
    with ServiceProcess(tmp_path / "svc") as svc:
        cases = [
            (b"GET /api/articles?q=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414,
             "uri_too_long"),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
             + b"".join(b"X-H%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431,
             "request_header_fields_too_large"),
            (b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 400, "bad_request"),
        ]
        for request, status, code in cases:
            reply = svc.raw(request)
            assert reply.status == status, reply.body[:200]
            assert reply.headers["content-type"] == "application/json", reply.headers
            assert reply.json["error"]["code"] == code and reply.json["error"]["message"]
            assert b"<html" not in reply.body


def test_the_development_server_names_no_versions(tmp_path):
    with ServiceProcess(tmp_path / "svc", dev=True) as svc:
        reply = svc.request("GET", "/healthz")
        assert reply.status == 200
        assert reply.headers["server"] == "newsqa"  # was "Werkzeug/3.1.9 Python/3.11.7"


def test_the_services_own_files_are_private(tmp_path):
    """sessions.sqlite3 was created 0644: anyone on the host could read the conversations."""
    env = {"QA_RATE_LIMIT_PER_MINUTE": "100", "SLACK_SIGNING_SECRET": "secret",
           "SLACK_BOT_TOKEN": "xoxb-1-2-3", "QA_SLACK_API_URL": "http://127.0.0.1:9/api/"}
    with ServiceProcess(tmp_path / "svc", env) as svc:
        assert svc.request("POST", "/api/chat", {"question": PANJSHIR}).status == 200
        assert svc.request("POST", "/slack/events", b"{}").status == 401
        var = tmp_path / "svc" / "var"
        names = ["sessions.sqlite3", "rate-limits.sqlite3", "slack-deliveries.sqlite3"]
        files = [p for p in var.iterdir() if p.name.split("-wal")[0].split("-shm")[0] in names]
        assert {p.name for p in files} >= set(names)
        for p in files:
            assert p.stat().st_mode & 0o777 == 0o600, (p.name, oct(p.stat().st_mode))


def test_the_development_server_bounds_a_slow_body_too(tmp_path):
    with ServiceProcess(tmp_path / "svc", {"QA_BODY_TIMEOUT_S": "2"}, dev=True) as svc:
        result = dribble(svc)
        assert result.get("status") == 408, result
        assert result["seconds"] < 15
