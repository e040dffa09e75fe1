"""The JSON API over the seed store, through the real Flask app: answers and their citations,
streams, chat sessions, articles, health, metrics, security guards, and bad input. Every
response is validated against the app's own /openapi.json."""

from __future__ import annotations

import json

import pytest

from qa.config import Settings, StoreSettings

from .conftest import SEED_IDS, SEEDS
from .webapp import Contract, make_app, sse_events

PANJSHIR = "Did the Taliban take control of Panjshir?"
DENIALS = {"000_e5d721c452f0de90", "002_dc1ae020b261a8f8", "004_ccca31a72ddb13aa"}


@pytest.fixture(scope="module")
def app(seed_service):
    return make_app(seed_service)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def contract(app) -> Contract:
    return Contract(app.test_client().get("/openapi.json").get_json())


def article_text(client, article_id: str) -> str:
    return client.get(f"/api/articles/{article_id}").get_json()["text"]


# --- asking ------------------------------------------------------------------------------------
def test_ask_cites_seed_articles_with_exact_quotes(client, contract):
    body = contract.check("/api/ask", "post", client.post("/api/ask", json={"question": PANJSHIR}))
    assert not body["abstained"] and body["engine"] == "extractive"
    cited = {c["article_id"] for c in body["citations"]}
    assert cited and cited <= set(SEED_IDS)
    assert cited & DENIALS, "the resistance's denial is part of the answer"
    for c in body["citations"]:
        assert f"[{c['article_id']}]" in body["answer"]
        assert article_text(client, c["article_id"])[c["start"]:c["end"]] == c["quote"]


def test_a_question_the_articles_do_not_answer_is_an_abstention(client, contract):
    body = contract.check("/api/ask", "post", client.post(
        "/api/ask", json={"question": "What is the price of wheat in Argentina?"}))
    assert body["abstained"] and body["citations"] == []


def test_filters_restrict_the_cited_articles(client, contract):
    body = contract.check("/api/ask", "post", client.post("/api/ask", json={
        "question": PANJSHIR, "filters": {"sources": ["TASS"]}}))
    assert body["citations"], body
    assert {c["source"] for c in body["citations"]} == {"TASS"}


def test_client_history_makes_a_follow_up_standalone(client, contract):
    body = contract.check("/api/ask", "post", client.post("/api/ask", json={
        "question": "when did that happen?",
        "history": [{"role": "user", "content": PANJSHIR},
                    {"role": "assistant", "content": "The Taliban said so."}]}))
    assert body["question"] == "When did the Taliban take control of Panjshir?"


def test_stream_sends_deltas_that_add_up_to_the_answer(client, contract):
    resp = client.post("/api/ask/stream", json={"question": PANJSHIR})
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    events = sse_events(resp.get_data(as_text=True))
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1 and kinds.count("delta") > 1
    final = events[-1]["answer"]
    assert not list(contract.schema("Answer").iter_errors(final))
    text = ""
    for e in events[:-1]:
        text = "" if e["type"] == "reset" else text + e.get("text", "")
    assert text == final["answer"]
    assert {c["article_id"] for c in final["citations"]} & DENIALS


def test_ask_with_stream_param_streams_too(client):
    resp = client.post("/api/ask?stream=1", json={"question": PANJSHIR})
    assert resp.mimetype == "text/event-stream"
    assert sse_events(resp.get_data(as_text=True))[-1]["type"] == "answer"


@pytest.mark.parametrize("path", ["/api/ask/stream", "/api/chat/stream", "/api/ask?stream=1"])
def test_streams_reject_bad_input_with_json_before_streaming(client, path):
    resp = client.post(path, json={"question": "  "})
    assert resp.status_code == 400 and resp.mimetype == "application/json"
    assert resp.get_json()["error"]["code"] == "bad_request"


# --- chat --------------------------------------------------------------------------------------
def test_chat_follow_up_uses_the_server_side_session(client, contract):
    first = contract.check("/api/chat", "post", client.post("/api/chat", json={"question": PANJSHIR}))
    sid = first["session_id"]
    second = contract.check("/api/chat", "post", client.post("/api/chat", json={
        "session_id": sid, "question": "and what did the resistance say?"}))
    assert second["session_id"] == sid
    assert second["question"] == "What did the resistance say about the Taliban take control of Panjshir?"
    assert {c["article_id"] for c in second["citations"]} & DENIALS
    third = contract.check("/api/chat", "post", client.post("/api/chat", json={
        "session_id": sid, "question": "when did that happen?"}))
    assert third["question"] == "When did the Taliban take control of Panjshir?"


def test_chat_stream_records_the_turn_for_the_next_question(client):
    resp = client.post("/api/chat/stream", json={"question": PANJSHIR})
    final = sse_events(resp.get_data(as_text=True))[-1]
    assert final["type"] == "answer"
    sid = final["answer"]["session_id"]
    follow = client.post("/api/chat", json={"session_id": sid, "question": "when did that happen?"})
    assert follow.get_json()["question"] == "When did the Taliban take control of Panjshir?"


def test_sessions_are_shared_by_apps_over_the_same_data_dir(seed_service, make_service, client):
    """A second service over the same directory stands for a second gunicorn worker."""
    other = make_app(make_service(seed_service.settings)).test_client()
    sid = client.post("/api/chat", json={"question": PANJSHIR}).get_json()["session_id"]
    follow = other.post("/api/chat", json={"session_id": sid, "question": "when did that happen?"})
    assert follow.status_code == 200
    assert follow.get_json()["question"] == "When did the Taliban take control of Panjshir?"


def test_pronoun_only_follow_ups_keep_the_question_and_the_answer_small(client, seed_service):
    """A 668-byte /api/ask with 13 turns of "they them their" took 5 s and answered 6.4 MB."""
    history = [{"role": "user", "content": "What did Ahmad Massoud say about the Taliban?"}]
    for _ in range(13):
        history += [{"role": "assistant", "content": "x"},
                    {"role": "user", "content": "they them their"}]
    body = json.dumps({"question": "they them their", "history": history[:-1]})
    resp = client.post("/api/ask", data=body, content_type="application/json")
    assert resp.status_code == 200
    assert len(resp.get_data()) < 200_000  # an ordinary answer with its contests, not 6.4 MB
    assert len(resp.get_json()["question"]) < 120


def test_a_chat_session_stores_no_growing_question(client, seed_service):
    sid = client.post("/api/chat", json={
        "question": "What did Ahmad Massoud say about the Taliban?"}).get_json()["session_id"]
    questions = [client.post("/api/chat", json={"session_id": sid, "question": "they them their"}
                             ).get_json()["question"] for _ in range(8)]
    assert max(map(len, questions)) < 120, questions
    history = seed_service.sessions().history(sid, turns=50)
    assert [t["content"] for t in history if t["role"] == "user"][1:] == ["they them their"] * 8


def test_history_user_turns_are_held_to_the_question_limit(client):
    too_long = [{"role": "user", "content": "x" * 2001}]
    resp = client.post("/api/ask", json={"question": "when?", "history": too_long})
    assert resp.status_code == 400 and "2000" in resp.get_json()["error"]["message"]
    answer = [{"role": "assistant", "content": "x" * 2001}]
    assert client.post("/api/ask", json={"question": PANJSHIR, "history": answer}).status_code == 200


def test_an_unknown_session_is_a_404_json(client, contract):
    resp = client.post("/api/chat", json={"session_id": "A" * 24, "question": PANJSHIR})
    assert contract.check("/api/chat", "post", resp)["error"]["code"] == "session_not_found"
    assert resp.status_code == 404


# --- articles, sources, health -----------------------------------------------------------------
def test_article_has_text_and_metadata(client, contract):
    body = contract.check("/api/articles/{article_id}", "get",
                          client.get("/api/articles/000_e5d721c452f0de90"))
    assert body["id"] == "000_e5d721c452f0de90" and body["source"] == "TASS"
    assert body["date"] == "2021-09-01" and "Panjshir" in body["text"] and body["n_chunks"] >= 1


@pytest.mark.parametrize("article_id", ["999_nope", "<script>", "a/b", "%00"])
def test_unknown_article_is_a_404_json(client, contract, article_id):
    resp = client.get(f"/api/articles/{article_id}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"


def test_articles_are_listed_newest_first_and_paged(client, contract):
    everything = contract.check("/api/articles", "get", client.get("/api/articles?limit=100"))
    assert everything["total"] == 5
    assert sorted(a["id"] for a in everything["articles"]) == sorted(SEED_IDS)
    page1 = client.get("/api/articles?limit=2").get_json()
    page2 = client.get("/api/articles?limit=2&offset=2").get_json()
    assert [a["id"] for a in page1["articles"] + page2["articles"]] == \
        [a["id"] for a in everything["articles"]][:4]
    dated = [a["date"] for a in everything["articles"] if a["date"]]
    assert dated == sorted(dated, reverse=True)


def test_articles_are_searched_and_filtered(client, contract):
    tass = contract.check("/api/articles", "get", client.get("/api/articles?source=TASS"))
    assert tass["total"] == 2 and {a["source"] for a in tass["articles"]} == {"TASS"}
    assert client.get("/api/articles?after=2021-09-01").get_json()["total"] == 1
    assert client.get("/api/articles?before=2021-08-31").get_json()["total"] == 1
    found = client.get("/api/articles?q=Shattal").get_json()
    assert [a["id"] for a in found["articles"]] == ["004_ccca31a72ddb13aa"]


def test_sources_lists_the_outlets(client, contract):
    body = contract.check("/api/sources", "get", client.get("/api/sources"))
    assert body == {"sources": ["RT", "TASS"]}


def test_health_and_readiness(client, contract):
    assert contract.check("/healthz", "get", client.get("/healthz")) == {"status": "ok"}
    ready = contract.check("/readyz", "get", client.get("/readyz"))
    assert ready["articles"] == 5 and ready["chunks"] >= 5


def test_metrics_count_requests_by_route_and_answers(client):
    client.post("/api/ask", json={"question": PANJSHIR})
    client.get("/api/articles/999_nope")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'qa_http_requests_total{method="POST",route="/api/ask",status="200"}' in text
    assert 'route="/api/articles/<path:article_id>",status="404"' in text
    assert "qa_http_request_duration_seconds_bucket" in text
    assert 'qa_answers_total{abstained="false",contested=' in text


def test_unknown_methods_add_no_metrics_series(seed_service):
    """``curl -X M$RANDOM`` added a series per method: a client could grow /metrics at will."""
    client = make_app(seed_service).test_client()
    for n in range(40):
        assert client.open("/api/sources", method=f"M{n}XQ").status_code == 405
    text = client.get("/metrics").get_data(as_text=True)
    assert "XQ" not in text
    assert 'qa_http_requests_total{method="other",route="unmatched",status="405"} 40.0' in text


# --- security ----------------------------------------------------------------------------------
def test_the_token_guards_the_api_but_not_the_page_or_health(seed_service):
    client = make_app(seed_service, api_token="s3cret").test_client()
    missing = client.get("/api/sources")
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/sources", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/sources", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.post("/api/ask", json={"question": PANJSHIR},
                       headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/").status_code == 200 and client.get("/healthz").status_code == 200


def test_each_client_is_rate_limited_on_its_own(seed_service):
    client = make_app(seed_service, rate_limit_per_minute=3).test_client()
    codes = [client.get("/api/sources").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/sources")
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    other = client.get("/api/sources", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200
    assert client.get("/healthz").status_code == 200, "health checks are not limited"


def test_oversized_bodies_are_refused(client):
    resp = client.post("/api/ask", data=json.dumps({"question": "x" * 70_000}),
                       content_type="application/json")
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "payload_too_large"


def test_pages_and_answers_carry_security_headers(client):
    for resp in (client.get("/"), client.get("/api/sources"), client.get("/static/app.js")):
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
    assert client.get("/api/sources").headers["Cache-Control"] == "no-store"


def test_cors_is_off_unless_an_origin_is_configured(seed_service, client):
    origin = {"Origin": "https://news.example"}
    assert "Access-Control-Allow-Origin" not in client.get("/api/sources", headers=origin).headers
    assert "Access-Control-Allow-Origin" not in client.options("/api/ask", headers=origin).headers
    cors = make_app(seed_service, cors_origins=["https://news.example"]).test_client()
    pre = cors.options("/api/ask", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    assert cors.get("/api/sources", headers=origin).headers["Access-Control-Allow-Origin"] == \
        "https://news.example"
    stranger = cors.get("/api/sources", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_the_page_loads_nothing_from_elsewhere(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html, "no inline script (the CSP forbids it)"
    assert "//" not in "".join(part.split('"')[0] for part in html.split('src="')[1:])
    assert "//" not in "".join(part.split('"')[0] for part in html.split('href="')[1:])
    for asset in ("/static/app.js", "/static/app.css"):
        body = client.get(asset).get_data(as_text=True)
        assert "@import" not in body and "url(http" not in body and "cdn" not in body.lower()


# --- bad input ---------------------------------------------------------------------------------
JSON = "application/json"
MALFORMED = [
    # (method, path, body bytes or None, content type, status, error code)
    ("POST", "/api/ask", b"{", JSON, 400, "malformed_json"),
    ("POST", "/api/ask", b"", JSON, 400, "malformed_json"),
    ("POST", "/api/ask", b"\xff\xfe{}", JSON, 400, "malformed_json"),
    ("POST", "/api/ask", b"[" * 60_000, JSON, 400, "malformed_json"),
    ("POST", "/api/ask", b'{"question": NaN}', JSON, 400, "malformed_json"),
    ("POST", "/api/ask", b'{"question": "\\ud800 Panjshir"}', JSON, 400, "malformed_json"),
    ("POST", "/api/ask", b"[1, 2]", JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'"Panjshir?"', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b"{}", JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": 42}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": null}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": ""}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": " \\n\\t "}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", json.dumps({"question": "x" * 2001}).encode(), JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "colour": "red"}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "filters": []}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "filters": {"colour": "red"}}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "filters": {"after": "2021-02-30"}}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "filters": {"after": "yesterday"}}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "filters": {"before": 20210901}}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "filters": {"sources": "TASS"}}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "filters": {"sources": [""]}}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "history": "hi"}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "history": [{"role": "system", "content": "x"}]}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok", "history": [{"role": "user"}]}', JSON, 400, "bad_request"),
    ("POST", "/api/ask", b'{"question": "ok"}', "text/plain", 415, "unsupported_media_type"),
    ("POST", "/api/ask", b"question=ok", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("POST", "/api/ask", None, None, 415, "unsupported_media_type"),
    ("POST", "/api/ask/stream", b"{", JSON, 400, "malformed_json"),
    ("POST", "/api/chat", b'{"question": "ok", "session_id": "../../etc/passwd"}', JSON, 400, "bad_request"),
    ("POST", "/api/chat", b'{"question": "ok", "session_id": 7}', JSON, 400, "bad_request"),
    ("POST", "/api/chat", b'{"question": "ok", "history": []}', JSON, 400, "bad_request"),
    ("POST", "/api/chat/stream", b'{"question": []}', JSON, 400, "bad_request"),
    ("GET", "/api/ask", None, None, 405, "method_not_allowed"),
    ("PUT", "/api/chat", None, None, 405, "method_not_allowed"),
    ("POST", "/api/articles", None, None, 405, "method_not_allowed"),
    ("GET", "/api/articles?limit=0", None, None, 400, "bad_request"),
    ("GET", "/api/articles?limit=101", None, None, 400, "bad_request"),
    ("GET", "/api/articles?limit=ten", None, None, 400, "bad_request"),
    ("GET", "/api/articles?limit=1_0", None, None, 400, "bad_request"),
    ("GET", "/api/articles?offset=-1", None, None, 400, "bad_request"),
    ("GET", "/api/articles?after=2021-1-1", None, None, 400, "bad_request"),
    ("GET", "/api/articles?before=", None, None, 400, "bad_request"),
    ("GET", "/api/articles?source=", None, None, 400, "bad_request"),
    ("GET", "/api/articles?colour=red", None, None, 400, "bad_request"),
    ("GET", "/api/articles?q=" + "x" * 201, None, None, 400, "bad_request"),
    ("GET", "/api/nothing-here", None, None, 404, "not_found"),
]


@pytest.mark.parametrize("method, path, body, content_type, status, code", MALFORMED)
def test_malformed_requests_get_a_4xx_json_error(client, method, path, body, content_type,
                                                 status, code):
    resp = client.open(path, method=method, data=body, content_type=content_type)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/json"
    assert resp.get_json()["error"]["code"] == code
    assert resp.get_json()["error"]["message"]


# --- a Chroma server that goes away ------------------------------------------------------------
def test_a_chroma_outage_is_a_503_and_the_service_recovers(make_chroma_server, make_service,
                                                             tmp_path):
    server = make_chroma_server()
    settings = Settings(store=StoreSettings(data_dir=tmp_path / "var", chroma_url=server.url))
    service = make_service(settings)
    assert service.ingest([SEEDS]).added == 5
    client = make_app(service).test_client()
    before = client.post("/api/ask", json={"question": PANJSHIR}).get_json()
    assert before["citations"]

    server.kill()
    for method, path, body in [("GET", "/readyz", None), ("POST", "/api/ask", {"question": PANJSHIR}),
                               ("POST", "/api/ask/stream", {"question": PANJSHIR}),
                               ("POST", "/api/chat", {"question": PANJSHIR}),
                               ("GET", "/api/articles/000_e5d721c452f0de90", None),
                               ("GET", "/api/articles", None), ("GET", "/api/sources", None)]:
        resp = client.open(path, method=method, json=body)
        assert resp.status_code == 503, (path, resp.status_code, resp.get_data(as_text=True)[:300])
        assert resp.mimetype == "application/json", path
        error = resp.get_json()["error"]
        assert error["code"] == "store_unavailable" and "store" in error["message"], path

    server.start()  # same port, same path
    assert client.get("/readyz").status_code == 200
    after = client.post("/api/ask", json={"question": PANJSHIR}).get_json()
    assert [c["article_id"] for c in after["citations"]] == \
        [c["article_id"] for c in before["citations"]]
    assert client.get("/api/articles/000_e5d721c452f0de90").status_code == 200
