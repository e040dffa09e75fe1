"""The Slack bot, end to end: requests signed with Slack's real algorithm go through the real
Flask app and slack-bolt's real verification; the bot's Web API calls go to a local HTTP server
that speaks the Slack Web API (``tests/slack_api_server.py``), and the tests read what the bot
posted there: blocks, links, threads."""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import yaml

from qa.config import Settings, SlackSettings, StoreSettings, WebSettings
from qa.domain import Answer, Citation, Claim, Contest, ContestSide
from qa.web import create_app
from qa.web.slack_blocks import CONTEXT_ELEMENTS, MAX_BLOCKS, SECTION_CHARS, Links, render_answer
from qa.web.slack_text import clean_question, history_from_replies
from tests.conftest import ROOT, SEED_IDS
from tests.slack_api_server import BOT_ID, BOT_USER_ID, TEAM_ID, FakeSlack, block_errors

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
PUBLIC = "https://news.example.org"
CHANNEL = "C0NEWS001"
DM = "D0ALICE01"
ALICE = "UALICE01"
CONTESTED = "Did the Taliban take control of Panjshir?"
LINK_RE = re.compile(r"<([^|>]+)\|([^>]*)>")
_ids = itertools.count(1)


# --- the workspace around the app ----------------------------------------------------------------
def signature(body: str, timestamp: int | str, secret: str = SECRET) -> str:
    """Slack's signing algorithm: HMAC-SHA256 over ``v0:timestamp:body``, hex, prefixed ``v0=``."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class Workspace:
    """What Slack does around the bot: stores what people write, then delivers it signed."""

    def __init__(self, client, fake: FakeSlack, bot):
        self.client, self.fake, self.bot = client, fake, bot

    def deliver(self, path: str, body: str, content_type: str, *, timestamp: int | None = None,
                secret: str = SECRET, headers: dict | None = None):
        ts = int(time.time()) if timestamp is None else timestamp
        all_headers = {"X-Slack-Request-Timestamp": str(ts),
                       "X-Slack-Signature": signature(body, ts, secret),
                       "Content-Type": content_type, **(headers or {})}
        return self.client.post(path, data=body.encode(), headers=all_headers)

    def event_body(self, event: dict, event_id: str | None = None) -> str:
        return json.dumps({
            "token": "legacy-verification-token", "team_id": TEAM_ID, "api_app_id": "A0NEWSQA",
            "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                                "is_bot": True, "is_enterprise_install": False}],
        })

    def send_event(self, event: dict, event_id: str | None = None, **kw):
        return self.deliver("/slack/events", self.event_body(event, event_id),
                            "application/json", **kw)

    def mention(self, question: str, channel: str = CHANNEL, thread_ts: str | None = None,
                user: str = ALICE):
        """A person writes ``@newsqa question`` (in a thread when ``thread_ts``); Slack stores
        it and sends ``app_mention``. Returns the stored message and the bot's response."""
        msg = self.fake.add_message(channel, f"<@{BOT_USER_ID}> {question}", user=user,
                                    thread_ts=thread_ts)
        event = {"type": "app_mention", "user": user, "text": msg["text"], "ts": msg["ts"],
                 "channel": channel, "event_ts": msg["ts"], "team": TEAM_ID}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return msg, self.send_event(event)

    def direct_message(self, text: str, thread_ts: str | None = None, user: str | None = ALICE,
                       **extra):
        msg = self.fake.add_message(DM, text, user=user, thread_ts=thread_ts, **extra)
        event = {"type": "message", "channel": DM, "text": text, "ts": msg["ts"],
                 "event_ts": msg["ts"], "channel_type": "im", "team": TEAM_ID,
                 **{k: v for k, v in msg.items() if k in ("user", "bot_id", "subtype")}}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return msg, self.send_event(event)

    def command(self, text: str, channel: str = CHANNEL, name: str = "/ask", **kw):
        body = urlencode({
            "token": "legacy-verification-token", "team_id": TEAM_ID, "team_domain": "newsqa",
            "channel_id": channel, "channel_name": "news", "user_id": ALICE,
            "user_name": "alice", "command": name, "text": text, "api_app_id": "A0NEWSQA",
            "is_enterprise_install": "false",
            "response_url": f"{self.fake.url}/response/T0NEWSQA/{next(_ids)}/abc",
            "trigger_id": f"{next(_ids)}.17653672481.0a1b2c3d",
        })
        return self.deliver("/slack/commands", body, "application/x-www-form-urlencoded", **kw)

    def answer_in(self, channel: str, thread_ts: str) -> dict:
        """Waits for the bot's finished reply in the thread and returns it."""
        return self.fake.wait_for(lambda: next(iter(self.fake.answered(channel, thread_ts)),
                                               None))


@pytest.fixture
def fake_slack():
    with FakeSlack(TOKEN) as fake:
        yield fake


def slack_settings(api_url: str, state_dir: Path) -> Settings:
    """The web edge's settings; its store directory only holds the bot's delivery record (the
    service keeps its own settings and the session's seed store)."""
    return Settings(store=StoreSettings(data_dir=state_dir), web=WebSettings(public_url=PUBLIC),
                    slack=SlackSettings(signing_secret=SECRET, bot_token=TOKEN, api_url=api_url))


@pytest.fixture
def workspace(seed_service, fake_slack, tmp_path):
    app = create_app(seed_service, slack_settings(fake_slack.api_url, tmp_path / "web"))
    bot = app.extensions["slack"]
    yield Workspace(app.test_client(), fake_slack, bot)
    assert bot.executor.wait_idle(60), "an answer was still running at the end of the test"
    bot.executor.shutdown()


# --- reading what the bot posted -----------------------------------------------------------------
def _blocks(message) -> list[dict]:
    """Blocks of a message as the fake Slack holds it (a dict) or as rendered (SlackMessage)."""
    return (message.get("blocks") if isinstance(message, dict) else message.blocks) or []


def texts(message) -> list[str]:
    """Every mrkdwn/plain text in the message's blocks, in order."""
    out = []
    for b in _blocks(message):
        if b.get("text"):
            out.append(b["text"]["text"])
        for e in b.get("elements") or []:
            if e.get("text"):
                out.append(e["text"] if isinstance(e["text"], str) else e["text"]["text"])
    return out


def block(message, block_id: str) -> dict:
    return next(b for b in _blocks(message) if b.get("block_id") == block_id)


def linked_articles(mrkdwn: str) -> list[str]:
    """Article IDs of the page links in a mrkdwn string (URLs are entity-escaped in mrkdwn)."""
    out = []
    for url, _label in LINK_RE.findall(mrkdwn):
        parts = urlsplit(html.unescape(url))
        if f"{parts.scheme}://{parts.netloc}" == PUBLIC and "article" in parse_qs(parts.query):
            out.append(parse_qs(parts.query)["article"][0])
    return out


def recording(service, monkeypatch) -> list[tuple]:
    """Records every ``service.ask`` call (arguments as the bot passed them) and still answers."""
    calls, real = [], service.ask

    def ask(question, history=(), filters=None):
        calls.append((question, list(history)))
        return real(question, history=history, filters=filters)

    monkeypatch.setattr(service, "ask", ask)
    return calls


# --- answering -----------------------------------------------------------------------------------
def test_a_mention_is_answered_in_its_thread_with_the_cited_articles_as_links(
        workspace, seed_service, monkeypatch):
    calls = recording(seed_service, monkeypatch)
    question = "What did Ahmadullah Wasiq say?"
    msg, resp = workspace.mention(question)
    assert resp.status_code == 200

    reply = workspace.answer_in(CHANNEL, msg["ts"])
    assert calls == [(question, [])]  # "<@UQABOT01> " is not part of the question
    expected = seed_service.ask(question)
    cited = {c.article_id for c in expected.citations}
    # Wasiq's words (002) and, since the resistance denies his claim, the articles of both
    # sides of that disagreement.
    assert "002_dc1ae020b261a8f8" in cited
    answer = block(reply, "answer")["text"]["text"]
    assert set(linked_articles(answer)) == cited
    assert "Ahmadullah Wasiq said" in answer
    assert "[002_dc1ae020b261a8f8]" not in answer  # markers became numbered links
    sources = " ".join(texts({"blocks": [block(reply, "sources")]}))
    assert set(linked_articles(sources)) == cited
    assert "Taliban claim control of eight districts in Panjshir" in sources
    # every link points at the quoted span of the article on the web page
    for url, _ in LINK_RE.findall(answer):
        query = parse_qs(urlsplit(html.unescape(url)).query)
        c = next(c for c in expected.citations if c.article_id == query["article"][0])
        assert (int(query["start"][0]), int(query["end"][0])) == (c.start, c.end)
    assert html.unescape(reply["text"]) == expected.text  # the fallback text: the plain answer
    assert block_errors(reply["blocks"]) == []


def test_slack_gets_its_ack_before_the_answer_is_ready(workspace, seed_service, monkeypatch):
    release, started = threading.Event(), threading.Event()
    real = seed_service.ask

    def slow_ask(question, history=(), filters=None):
        started.set()
        assert release.wait(30)
        return real(question, history=history, filters=filters)

    monkeypatch.setattr(seed_service, "ask", slow_ask)
    msg, resp = workspace.mention("Who is Fahim Dashti?")
    assert resp.status_code == 200  # answered while the question is still being worked on
    assert started.wait(30)
    assert workspace.fake.answered(CHANNEL, msg["ts"]) == []
    pending = workspace.fake.bot_messages(CHANNEL, msg["ts"])
    assert [m["text"] for m in pending] == ["Looking into it…"]
    release.set()
    reply = workspace.answer_in(CHANNEL, msg["ts"])
    assert reply["ts"] == pending[0]["ts"]  # the placeholder became the answer
    assert "003_b50cd088e71c6203" in linked_articles(block(reply, "answer")["text"]["text"])


def test_a_direct_message_is_answered_in_a_thread(workspace):
    msg, resp = workspace.direct_message("Who is Fahim Dashti?")
    assert resp.status_code == 200
    reply = workspace.answer_in(DM, msg["ts"])
    assert reply["thread_ts"] == msg["ts"]
    assert "Fahim Dashti" in block(reply, "answer")["text"]["text"]
    assert set(linked_articles(block(reply, "answer")["text"]["text"])) <= set(SEED_IDS)


def test_a_follow_up_in_the_thread_uses_the_earlier_messages_as_history(
        workspace, seed_service, monkeypatch):
    calls = recording(seed_service, monkeypatch)
    first, _ = workspace.mention("What did Ahmadullah Wasiq say?")
    first_reply = workspace.answer_in(CHANNEL, first["ts"])
    workspace.fake.add_message(CHANNEL, "interesting, thanks", user="UBOB0001",
                               thread_ts=first["ts"])
    follow, resp = workspace.mention("Did the resistance deny it?", thread_ts=first["ts"])
    assert resp.status_code == 200
    workspace.fake.wait_for(lambda: len(workspace.fake.answered(CHANNEL, first["ts"])) == 2)

    assert calls[1] == ("Did the resistance deny it?", [
        {"role": "user", "content": "What did Ahmadullah Wasiq say?"},
        {"role": "assistant", "content": first_reply["text"]},
        {"role": "user", "content": "interesting, thanks"},
    ])
    replies = workspace.fake.answered(CHANNEL, first["ts"])
    assert all(r["thread_ts"] == first["ts"] for r in replies)  # same thread, not a new one
    assert replies[1]["blocks"] and replies[1]["ts"] != first_reply["ts"]
    history_call = workspace.fake.calls_to("conversations.replies")[-1]
    assert history_call.args["ts"] == first["ts"] and history_call.args["latest"] == follow["ts"]


def test_a_contested_question_lists_each_side_with_speakers_dates_and_links(workspace):
    msg, _ = workspace.mention(CONTESTED)
    reply = workspace.answer_in(CHANNEL, msg["ts"])
    assert "Sources disagree" in block(reply, "contested")["text"]["text"]
    sides = [b["text"]["text"] for b in reply["blocks"]
             if b.get("block_id", "").startswith("contest-0-side-")]
    assert len(sides) >= 2, texts(reply)
    everything = "\n".join(sides).lower()
    assert "taliban" in everything and ("resistance" in everything or "nrf" in everything)
    for side in sides:
        assert re.search(r"20\d\d-\d\d-\d\d", side), side  # each claim carries its date
        assert set(linked_articles(side)) <= set(SEED_IDS) and linked_articles(side), side
    assert block_errors(reply["blocks"]) == []


def test_the_slash_command_acks_at_once_and_posts_the_answer_to_the_channel(workspace):
    resp = workspace.command("What did Ahmadullah Wasiq say?")
    assert resp.status_code == 200
    assert resp.get_json() == {"response_type": "ephemeral", "text": "Looking into it…"}
    post = workspace.fake.wait_for(lambda: workspace.fake.answered(CHANNEL))[0]
    assert "thread_ts" not in post  # a new message in the channel; follow-ups thread under it
    assert f"<@{ALICE}> asked" in block(post, "question")["elements"][0]["text"]
    assert "002_dc1ae020b261a8f8" in set(linked_articles(block(post, "answer")["text"]["text"]))
    assert post["metadata"]["event_payload"]["question"] == "What did Ahmadullah Wasiq say?"


def test_a_follow_up_under_an_ask_answer_gets_the_asked_question_as_history(
        workspace, seed_service, monkeypatch):
    calls = recording(seed_service, monkeypatch)
    workspace.command("What did Ahmadullah Wasiq say?")
    post = workspace.fake.wait_for(lambda: workspace.fake.answered(CHANNEL))[0]
    workspace.mention("Where was he speaking?", thread_ts=post["ts"])
    workspace.fake.wait_for(
        lambda: len(calls) == 2 and workspace.fake.answered(CHANNEL, post["ts"]))
    assert calls[1][1] == [{"role": "user", "content": "What did Ahmadullah Wasiq say?"},
                           {"role": "assistant", "content": post["text"]}]


def test_the_slash_command_answers_through_response_url_where_the_bot_is_not_a_member(
        workspace):
    workspace.fake.not_member.add("C0PRIVATE1")
    # (renamed in the manifest because another app had /ask: the bot answers it all the same)
    workspace.command("Who is Fahim Dashti?", channel="C0PRIVATE1", name="/newsqa")
    sent = workspace.fake.wait_for(lambda: workspace.fake.calls_to("response_url"))[0]
    assert sent.args["response_type"] == "in_channel"
    answer = next(b for b in sent.args["blocks"] if b.get("block_id") == "answer")
    assert "Fahim Dashti" in answer["text"]["text"]


# --- input that is not a question ----------------------------------------------------------------
def test_an_empty_mention_gets_a_usage_hint(workspace, seed_service, monkeypatch):
    calls = recording(seed_service, monkeypatch)
    msg, _ = workspace.mention("   ")
    hint = workspace.answer_in(CHANNEL, msg["ts"])
    assert "Ask me a question" in hint["text"] and calls == []


def test_an_empty_slash_command_gets_a_usage_hint_and_nothing_is_posted(workspace):
    resp = workspace.command("")
    assert resp.status_code == 200 and "Ask me a question" in resp.get_json()["text"]
    assert workspace.bot.executor.wait_idle(30)
    assert workspace.fake.calls_to("chat.postMessage") == []


def test_an_over_long_question_is_refused_with_the_limit(workspace):
    resp = workspace.command("why " * 1000)
    assert resp.status_code == 200 and "limit is 2000" in resp.get_json()["text"]
    msg, _ = workspace.mention("why " * 1000)
    notice = workspace.answer_in(CHANNEL, msg["ts"])
    assert "limit is 2000" in notice["text"]


# --- failures ------------------------------------------------------------------------------------
def test_a_failure_while_answering_posts_an_apology_in_the_thread(
        workspace, seed_service, monkeypatch):
    def broken(*a, **kw):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(seed_service, "ask", broken)
    msg, resp = workspace.mention("Who is Fahim Dashti?")
    assert resp.status_code == 200
    reply = workspace.answer_in(CHANNEL, msg["ts"])
    assert reply["text"].startswith("Sorry, something went wrong") and not reply.get("blocks")
    assert "store went away" not in json.dumps(reply)  # no internals leak into the channel


def test_a_failing_slash_command_apologises_to_the_asker_only(workspace, seed_service,
                                                            monkeypatch):
    monkeypatch.setattr(seed_service, "ask", lambda *a, **kw: 1 / 0)
    workspace.command("Who is Fahim Dashti?")
    sent = workspace.fake.wait_for(lambda: workspace.fake.calls_to("response_url"))[0]
    assert sent.args["response_type"] == "ephemeral"
    assert sent.args["text"].startswith("Sorry, something went wrong")
    assert workspace.fake.calls_to("chat.postMessage") == []


def test_blocks_slack_refuses_still_end_in_an_apology(workspace):
    workspace.fake.failures["chat.update"] = "invalid_blocks"  # the first update is refused
    msg, _ = workspace.mention("Who is Fahim Dashti?")
    reply = workspace.fake.wait_for(
        lambda: len(workspace.fake.calls_to("chat.update")) == 2
        and workspace.fake.answered(CHANNEL, msg["ts"]))[0]
    assert reply["text"].startswith("Sorry, something went wrong")


# --- security and delivery -----------------------------------------------------------------------
def test_url_verification_is_answered_with_the_challenge(workspace):
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "x", "challenge": challenge, "type": "url_verification"})
    resp = workspace.deliver("/slack/events", body, "application/json")
    assert resp.status_code == 200
    assert resp.get_json() == {"challenge": challenge}


@pytest.mark.parametrize("how", ["wrong secret", "stale", "no signature", "junk timestamp",
                                 "huge timestamp", "body changed"])
def test_unsigned_forged_or_stale_requests_are_refused_with_401(workspace, how):
    msg = workspace.fake.add_message(CHANNEL, f"<@{BOT_USER_ID}> Who is Fahim Dashti?")
    body = workspace.event_body({"type": "app_mention", "user": ALICE, "text": msg["text"],
                                 "ts": msg["ts"], "channel": CHANNEL, "event_ts": msg["ts"]})
    now = int(time.time())
    headers = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": signature(body, now),
               "Content-Type": "application/json"}
    if how == "wrong secret":
        headers["X-Slack-Signature"] = signature(body, now, secret="not-the-secret")
    elif how == "stale":  # correctly signed, six minutes ago
        headers.update({"X-Slack-Request-Timestamp": str(now - 360),
                        "X-Slack-Signature": signature(body, now - 360)})
    elif how == "no signature":
        del headers["X-Slack-Signature"]
    elif how == "junk timestamp":
        headers.update({"X-Slack-Request-Timestamp": "yesterday",
                        "X-Slack-Signature": signature(body, "yesterday")})
    elif how == "huge timestamp":  # slack_sdk's verifier overflowed on it: a 500
        huge = "9" * 400
        headers.update({"X-Slack-Request-Timestamp": huge, "X-Slack-Signature": signature(body, huge)})
    elif how == "body changed":
        body = body.replace("Fahim Dashti", "Ahmed Masood")
    resp = workspace.client.post("/slack/events", data=body.encode(), headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"
    assert workspace.bot.executor.wait_idle(30)
    assert workspace.fake.calls == []  # not even auth.test: nothing reached the bot


def test_a_signed_but_malformed_payload_is_a_400_not_a_500(workspace):
    resp = workspace.deliver("/slack/events", "{not json", "application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"


def _envelope(**fields) -> str:
    return json.dumps({"type": "event_callback", "team_id": TEAM_ID, "event_id": "Ev0BAD",
                       "event": {"type": "app_mention", "user": ALICE, "text": "hi",
                                 "ts": "1.2", "channel": CHANNEL}, **fields})


WRONG_SHAPES = [
    ("a list", "[1, 2]", "application/json"),
    ("a string", '"Who is Fahim Dashti?"', "application/json"),
    ("nested 20,000 deep", "[" * 20_000 + "]" * 20_000, "application/json"),
    ("an object nested 10,000 deep", '{"a":' * 10_000 + "1" + "}" * 10_000, "application/json"),
    ("event a list", _envelope(event=[1]), "application/json"),
    ("event a string", _envelope(event="app_mention"), "application/json"),
    ("event text a number", _envelope(event={"type": "app_mention", "text": 5, "ts": "1.2",
                                             "channel": CHANNEL}), "application/json"),
    ("authorizations not objects", _envelope(authorizations=["x"]), "application/json"),
    ("interactivity payload a list", "payload=%5B1%5D", "application/x-www-form-urlencoded"),
    ("interactivity payload nested", "payload=" + "%5B" * 8_000 + "%5D" * 8_000,
     "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize("body, content_type", [w[1:] for w in WRONG_SHAPES],
                         ids=[w[0] for w in WRONG_SHAPES])
def test_a_signed_payload_of_the_wrong_shape_is_a_400_not_a_500(workspace, body, content_type):
    resp = workspace.deliver("/slack/events", body, content_type)
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["error"]["code"] == "bad_request"
    assert workspace.bot.executor.wait_idle(30)
    assert workspace.fake.calls_to("chat.postMessage") == []


def test_a_replayed_ask_without_a_trigger_id_is_answered_once(workspace):
    """A command body without ``trigger_id`` had no delivery key: its replay within the five
    minutes a signature lasts was answered again."""
    body = urlencode({"team_id": TEAM_ID, "channel_id": CHANNEL, "user_id": ALICE,
                      "command": "/ask", "text": "Who is Fahim Dashti?",
                      "response_url": f"{workspace.fake.url}/response/T0NEWSQA/1/abc"})
    ts = int(time.time())
    for _ in range(3):
        resp = workspace.deliver("/slack/commands", body, "application/x-www-form-urlencoded",
                                 timestamp=ts)
        assert resp.status_code == 200
    workspace.fake.wait_for(lambda: workspace.fake.answered(CHANNEL))
    assert workspace.bot.executor.wait_idle(60)
    assert len(workspace.fake.calls_to("chat.postMessage")) == 1
    # The same words asked again (a new request, signed anew) are answered again.
    workspace.deliver("/slack/commands", body.replace("%2F1%2F", "%2F2%2F"),
                      "application/x-www-form-urlencoded")
    workspace.fake.wait_for(lambda: len(workspace.fake.calls_to("chat.postMessage")) == 2)


def test_ask_is_answered_through_the_response_url_when_the_web_api_is_unreachable(workspace):
    """The answer's chat.postMessage failed with a connection error, which only a Slack API
    error was caught for: no answer and no apology; the asker saw only "Looking into it…"."""
    workspace.fake.unreachable.add("chat.postMessage")
    resp = workspace.command("Who is Fahim Dashti?")
    assert resp.get_json()["text"] == "Looking into it…"
    sent = workspace.fake.wait_for(lambda: workspace.fake.calls_to("response_url"), timeout=30)[0]
    assert workspace.fake.calls_to("chat.postMessage"), "the Web API was tried first"
    assert sent.args["response_type"] == "in_channel"
    answer = next(b for b in sent.args["blocks"] if b.get("block_id") == "answer")
    assert "Fahim Dashti" in answer["text"]["text"]


def test_a_replayed_request_is_not_answered_twice(workspace):
    msg = workspace.fake.add_message(CHANNEL, f"<@{BOT_USER_ID}> Who is Fahim Dashti?")
    body = workspace.event_body({"type": "app_mention", "user": ALICE, "text": msg["text"],
                                 "ts": msg["ts"], "channel": CHANNEL, "event_ts": msg["ts"]})
    ts = int(time.time())
    first = workspace.deliver("/slack/events", body, "application/json", timestamp=ts)
    again = workspace.deliver("/slack/events", body, "application/json", timestamp=ts)  # same bytes
    assert first.status_code == again.status_code == 200
    workspace.answer_in(CHANNEL, msg["ts"])
    assert workspace.bot.executor.wait_idle(60)
    assert len(workspace.fake.bot_messages(CHANNEL, msg["ts"])) == 1
    assert len(workspace.fake.calls_to("chat.postMessage")) == 1


def test_slacks_retry_is_acknowledged_without_a_second_answer(workspace):
    msg = workspace.fake.add_message(CHANNEL, f"<@{BOT_USER_ID}> Who is Fahim Dashti?")
    event = {"type": "app_mention", "user": ALICE, "text": msg["text"], "ts": msg["ts"],
             "channel": CHANNEL, "event_ts": msg["ts"]}
    workspace.send_event(event, event_id="Ev0RETRY01")
    workspace.answer_in(CHANNEL, msg["ts"])
    retry = workspace.send_event(event, event_id="Ev0RETRY01",
                                 headers={"X-Slack-Retry-Num": "1",
                                          "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200 and retry.headers["X-Slack-No-Retry"] == "1"
    # Redelivered without the header, and the same message as a different event (message.im
    # and app_mention both carry a DM that mentions the bot): still one answer.
    assert workspace.send_event(event, event_id="Ev0RETRY01").status_code == 200
    assert workspace.send_event(event, event_id="Ev0OTHER01").status_code == 200
    assert workspace.bot.executor.wait_idle(60)
    assert len(workspace.fake.calls_to("chat.postMessage")) == 1


def test_workers_sharing_a_host_answer_a_redelivered_event_once(workspace, seed_service,
                                                                tmp_path):
    # gunicorn runs several workers; Slack's second delivery may reach another one.
    other_app = create_app(seed_service, slack_settings(workspace.fake.api_url, tmp_path / "web"))
    other = Workspace(other_app.test_client(), workspace.fake, other_app.extensions["slack"])
    msg = workspace.fake.add_message(CHANNEL, f"<@{BOT_USER_ID}> Who is Fahim Dashti?")
    event = {"type": "app_mention", "user": ALICE, "text": msg["text"], "ts": msg["ts"],
             "channel": CHANNEL, "event_ts": msg["ts"]}
    assert workspace.send_event(event, event_id="Ev0TWICE01").status_code == 200
    assert other.send_event(event, event_id="Ev0TWICE01").status_code == 200
    assert workspace.bot.executor.wait_idle(60) and other.bot.executor.wait_idle(60)
    other.bot.executor.shutdown()
    assert len(workspace.fake.calls_to("chat.postMessage")) == 1


def test_a_retry_of_an_event_never_seen_is_still_not_answered(workspace):
    msg = workspace.fake.add_message(CHANNEL, f"<@{BOT_USER_ID}> Who is Fahim Dashti?")
    resp = workspace.send_event({"type": "app_mention", "user": ALICE, "text": msg["text"],
                                 "ts": msg["ts"], "channel": CHANNEL, "event_ts": msg["ts"]},
                                headers={"X-Slack-Retry-Num": "2"})
    assert resp.status_code == 200
    assert workspace.bot.executor.wait_idle(30)
    assert workspace.fake.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("extra", [
    {"user": BOT_USER_ID},  # the bot's own message
    {"bot_id": BOT_ID, "subtype": "bot_message", "user": None},
    {"bot_id": "B0OTHER01"},  # another bot, posting as a user
    {"subtype": "bot_message", "user": None, "username": "rss"},
    {"subtype": "message_changed"},
])
def test_bot_and_non_person_messages_are_ignored(workspace, extra):
    msg, resp = workspace.direct_message("Who is Fahim Dashti?", **extra)
    assert resp.status_code == 200
    assert workspace.bot.executor.wait_idle(30)
    assert workspace.fake.calls_to("chat.postMessage") == []


def test_a_mention_by_another_bot_is_ignored(workspace):
    msg = workspace.fake.add_message(CHANNEL, f"<@{BOT_USER_ID}> Who is Fahim Dashti?",
                                     bot_id="B0OTHER01")
    workspace.send_event({"type": "app_mention", "user": "U0OTHERBOT", "bot_id": "B0OTHER01",
                          "text": msg["text"], "ts": msg["ts"], "channel": CHANNEL,
                          "event_ts": msg["ts"]})
    assert workspace.bot.executor.wait_idle(30)
    assert workspace.fake.calls_to("chat.postMessage") == []


def test_clicking_the_link_button_is_acknowledged(workspace):
    payload = {"type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": ALICE},
               "api_app_id": "A0NEWSQA", "trigger_id": "1.2.3",
               "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1.0"},
               "channel": {"id": CHANNEL},
               "actions": [{"type": "button", "action_id": "qa_open_web", "block_id": "actions",
                            "action_ts": "1700000000.1"}]}
    resp = workspace.deliver("/slack/events", urlencode({"payload": json.dumps(payload)}),
                             "application/x-www-form-urlencoded")
    assert resp.status_code == 200


def test_slack_routes_exist_only_when_slack_is_configured(seed_service):
    app = create_app(seed_service, Settings(store=seed_service.settings.store))
    resp = app.test_client().post("/slack/events", json={"type": "url_verification"})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert "slack" not in app.extensions


# --- rendering (pure functions) ----------------------------------------------------------------
def _citation(i: int) -> Citation:
    return Citation(article_id=f"art_{i:03d}", quote="q", start=10 * i, end=10 * i + 5,
                    title=f"Title {i} <b>&</b>", source=f"Outlet {i}", date="2021-09-06")


def _claim(i: int, stance: str, speaker: str) -> Claim:
    return Claim(speaker=speaker, side=speaker, stance=stance, quote=f"Quote {i} " + "x " * 200,
                 article_id=f"art_{i:03d}", start=i, end=i + 50, date="2021-09-0%d" % (i % 9 + 1))


def test_a_long_answer_is_cut_within_the_section_limit_with_a_link_to_the_full_answer():
    text = " ".join(f"Sentence {i} says something long enough & <odd> [art_{i % 30:03d}]."
                    for i in range(400))
    answer = Answer(text=text, citations=tuple(_citation(i) for i in range(30)))
    msg = render_answer(answer, question="What happened?", links=Links(PUBLIC))
    section = block(msg, "answer")["text"]["text"]
    assert len(section) <= SECTION_CHARS
    assert re.search(r"… <[^>]*\?q=What\+happened%3F\|Read the full answer on the web page>$",
                     section)
    # cut between pieces: every link intact, no half entity, no raw control characters
    body = LINK_RE.sub("", section)
    assert "<" not in body and ">" not in body
    assert re.search(r"&(?!amp;|lt;|gt;)", body) is None
    sources = block(msg, "sources")
    assert len(sources["elements"]) == CONTEXT_ELEMENTS
    assert "more sources" in sources["elements"][-1]["text"]
    assert block_errors(msg.blocks) == []
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in sources["elements"][0]["text"]  # titles escaped


def test_many_contests_stay_within_fifty_blocks_and_link_the_rest():
    contests = tuple(
        Contest(topic=f"Topic {k}", sides=tuple(
            ContestSide(position=f"Position {k}.{s}",
                        claims=tuple(_claim(k * 10 + s + c, "asserts" if s == 0 else "denies",
                                            f"Speaker {s}") for c in range(6)))
            for s in range(6)))
        for k in range(8))
    answer = Answer(text="Both sides claim victory [art_001].", citations=(_citation(1),),
                    contested=contests, notes=("The language model failed.",))
    msg = render_answer(answer, question="Who won?", links=Links(PUBLIC), asked_by=ALICE)
    assert len(msg.blocks) <= MAX_BLOCKS and block_errors(msg.blocks) == []
    flat = "\n".join(texts(msg))
    assert "5 more disagreements on the web page" in flat
    assert "2 more positions on the web page" in flat
    assert "and 3 more on the web page" in flat
    side = block(msg, "contest-0-side-1")["text"]["text"]
    assert side.startswith("*Position 0.1*") and "*Speaker 1* denies, 2021-09-0" in side
    assert linked_articles(side) == ["art_001", "art_002", "art_003"]
    assert len(side) <= SECTION_CHARS


def test_citation_markers_become_numbered_links_and_unknown_brackets_stay_text():
    answer = Answer(text="[ad_1] One [art_001]. Two [art_002, art_001]. Three [art_009].",
                    citations=(_citation(1), _citation(2)))
    msg = render_answer(answer, question="q", links=Links(PUBLIC + "/"))
    section = block(msg, "answer")["text"]["text"]
    assert section.startswith("[ad_1] One <")
    assert [label for _, label in LINK_RE.findall(section)] == ["[1]", "[2]", "[1]"]
    assert linked_articles(section) == ["art_001", "art_002", "art_001"]
    assert "[art_009]" in section  # not a cited article: left as written
    assert f"{PUBLIC}/?article=art_001&amp;start=10&amp;end=15" in section


def test_questions_and_history_are_read_from_slack_text():
    assert clean_question(f"<@{BOT_USER_ID}> Did <@U0BOB|bob> see &lt;this&gt; &amp; "
                          "<https://x.org|that>?", BOT_USER_ID) == "Did @bob see <this> & that?"
    assert clean_question(f"<@{BOT_USER_ID}|newsqa>   ", BOT_USER_ID) == ""
    messages = [
        {"ts": "1.0", "user": ALICE, "text": f"<@{BOT_USER_ID}> first?"},
        {"ts": "2.0", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "Looking into it…",
         "metadata": {"event_type": "qa_pending"}},
        {"ts": "3.0", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "An answer [a].",
         "metadata": {"event_type": "qa_answer", "event_payload": {"question": "first?"}}},
        {"ts": "4.0", "bot_id": "B0OTHER01", "subtype": "bot_message", "text": "rss item"},
        {"ts": "5.0", "user": "UBOB0001", "text": "and then?"},
        {"ts": "6.0", "user": ALICE, "text": "the current message"},
    ]
    assert history_from_replies(messages, before_ts="6.0", bot_user_id=BOT_USER_ID,
                                bot_id=BOT_ID, max_messages=10) == [
        {"role": "user", "content": "first?"},
        {"role": "assistant", "content": "An answer [a]."},
        {"role": "user", "content": "and then?"},
    ]
    assert history_from_replies(messages, before_ts="6.0", bot_user_id=BOT_USER_ID,
                                bot_id=BOT_ID, max_messages=0) == []


# --- the manifest --------------------------------------------------------------------------------
def test_the_manifest_asks_for_what_the_bot_uses_and_points_at_its_routes(seed_service,
                                                                           tmp_path):
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "im:history", "im:read", "im:write",
            "channels:history", "groups:history", "commands"} <= scopes
    events = manifest["settings"]["event_subscriptions"]
    assert set(events["bot_events"]) >= {"app_mention", "message.im"}
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/ask", "/disagreements"}
    app = create_app(seed_service, slack_settings("http://127.0.0.1:9/api/", tmp_path))
    routes = {r.rule for r in app.url_map.iter_rules() if "POST" in r.methods}
    for url in (events["request_url"], *(c["url"] for c in commands.values()),
                manifest["settings"]["interactivity"]["request_url"]):
        assert urlsplit(url).path in routes, url
    assert manifest["features"]["bot_user"]["always_online"] in (True, False)
    assert manifest["settings"]["org_deploy_enabled"] is False
    app.extensions["slack"].executor.shutdown()
    assert Path(ROOT / "README.md").read_text().count("slack/manifest.yaml") >= 1
