"""A local HTTP server that speaks the part of the Slack Web API the bot uses, for tests.

It is the one fake the tests need: Slack itself cannot run here. It answers like Slack does
(HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``), checks the bearer
token, keeps channels and threads so ``conversations.replies`` returns what was posted, applies
``chat.update`` to the stored message, refuses blocks over Slack's limits with
``invalid_blocks``, and accepts ``response_url`` posts. Every call is recorded; tests wait on
the record with ``wait_for`` (a condition variable, never a fixed sleep).
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

TEAM_ID = "T0NEWSQA"
BOT_USER_ID = "UQABOT01"
BOT_ID = "BQABOT01"


@dataclass
class Call:
    """One request the server received: the API method (or ``response_url``) and its arguments."""

    method: str
    args: dict
    token: str | None = None
    response: dict = field(default_factory=dict)


def block_errors(blocks) -> list[str]:
    """What Slack would reject in ``blocks`` (a subset of its checks: the limits that matter)."""
    if blocks in (None, ""):
        return []
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["blocks is not JSON"]
    errors = []
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    if len(blocks) > 50:
        errors.append(f"{len(blocks)} blocks; at most 50")
    ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    if len(ids) != len(set(ids)):
        errors.append("block_id values must be unique")

    def text_ok(obj, where, limit=3000):
        if not isinstance(obj, dict) or obj.get("type") not in ("mrkdwn", "plain_text"):
            errors.append(f"{where}: not a text object")
        elif not obj.get("text"):
            errors.append(f"{where}: empty text")
        elif len(obj["text"]) > limit:
            errors.append(f"{where}: {len(obj['text'])} characters; at most {limit}")

    for i, b in enumerate(blocks):
        kind = b.get("type")
        if len(b.get("block_id") or "") > 255:
            errors.append(f"block {i}: block_id too long")
        if kind == "section":
            if "text" not in b and "fields" not in b:
                errors.append(f"block {i}: section needs text or fields")
            if "text" in b:
                text_ok(b["text"], f"block {i} text")
            for j, f in enumerate(b.get("fields") or []):
                text_ok(f, f"block {i} field {j}", 2000)
            if len(b.get("fields") or []) > 10:
                errors.append(f"block {i}: more than 10 fields")
        elif kind == "context":
            els = b.get("elements") or []
            if not 1 <= len(els) <= 10:
                errors.append(f"block {i}: context needs 1 to 10 elements, has {len(els)}")
            for j, e in enumerate(els):
                if e.get("type") != "image":
                    text_ok(e, f"block {i} element {j}")
        elif kind == "header":
            text_ok(b.get("text"), f"block {i} header", 150)
        elif kind == "actions":
            els = b.get("elements") or []
            if not 1 <= len(els) <= 25:
                errors.append(f"block {i}: actions needs 1 to 25 elements")
            for j, e in enumerate(els):
                if e.get("type") == "button":
                    text_ok(e.get("text"), f"block {i} button {j}", 75)
                    if len(e.get("url") or "") > 3000:
                        errors.append(f"block {i} button {j}: url over 3000 characters")
                    if len(e.get("action_id") or "") > 255:
                        errors.append(f"block {i} button {j}: action_id too long")
        elif kind not in ("divider", "image", "rich_text", "markdown"):
            errors.append(f"block {i}: unknown type {kind!r}")
    return errors


class FakeSlack:
    """The server and the workspace it pretends to be: channels, threads, calls."""

    def __init__(self, token: str = "xoxb-test-token"):
        self.token = token
        self.calls: list[Call] = []
        self.channels: dict[str, list[dict]] = {}
        self.not_member: set[str] = set()  # channels where chat.postMessage says not_in_channel
        self.failures: dict[str, str] = {}  # method -> error returned (once)
        # Methods whose calls get no response at all (the connection is closed), as when the
        # Web API cannot be reached; response_url calls are not affected.
        self.unreachable: set[str] = set()
        self._clock = 1_700_000_000
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="fake-slack")

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What slack_sdk's ``WebClient(base_url=...)`` needs."""
        return self.url + "/api/"

    def start(self) -> "FakeSlack":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- the workspace -----------------------------------------------------------------------
    def next_ts(self) -> str:
        with self._cond:
            self._clock += 1
            return f"{self._clock}.000100"

    def add_message(self, channel: str, text: str, user: str | None = "UALICE01",
                    thread_ts: str | None = None, **extra) -> dict:
        """A message as Slack would hold it after someone wrote it; returns it (with ``ts``).
        ``user=None`` for messages without a user (integrations posting as a bot)."""
        msg = {"type": "message", "text": text, "ts": self.next_ts(), "team": TEAM_ID, **extra}
        if user:
            msg["user"] = user
        if thread_ts:
            msg["thread_ts"] = thread_ts
        with self._cond:
            self._store(channel, msg)
        return copy.deepcopy(msg)

    def _store(self, channel: str, msg: dict) -> None:
        msgs = self.channels.setdefault(channel, [])
        msgs.append(msg)
        parent_ts = msg.get("thread_ts")
        if parent_ts:
            for m in msgs:
                if m["ts"] == parent_ts:
                    m["thread_ts"] = parent_ts
                    m["reply_count"] = m.get("reply_count", 0) + 1

    def thread(self, channel: str, thread_ts: str) -> list[dict]:
        """The thread's messages as they stand now (parent first)."""
        with self._cond:
            msgs = [m for m in self.channels.get(channel, [])
                    if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts]
            return copy.deepcopy(sorted(msgs, key=lambda m: float(m["ts"])))

    def bot_messages(self, channel: str, thread_ts: str | None = None) -> list[dict]:
        """The bot's messages in a channel (or in one thread), as they stand now."""
        with self._cond:
            msgs = [copy.deepcopy(m) for m in self.channels.get(channel, [])
                    if m.get("bot_id") == BOT_ID
                    and (thread_ts is None or m.get("thread_ts") == thread_ts)]
        return msgs

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate, timeout: float = 60.0):
        """Waits until ``predicate()`` is truthy (re-checked after every call the server
        handles) and returns its value; fails the test on timeout."""
        with self._cond:
            value = self._cond.wait_for(predicate, timeout)
        if not value:
            raise AssertionError(f"Slack never saw what the test waited for within {timeout}s; "
                                 f"calls: {[(c.method, c.args) for c in self.calls]}")
        return value

    def answered(self, channel: str, thread_ts: str | None = None) -> list[dict]:
        """The bot's messages that are no longer the "Looking into it…" placeholder."""
        return [m for m in self.bot_messages(channel, thread_ts)
                if (m.get("metadata") or {}).get("event_type") != "qa_pending"]

    # --- the API -----------------------------------------------------------------------------
    def _api(self, method: str, args: dict, token: str | None) -> dict:
        if token is None:
            return {"ok": False, "error": "not_authed"}
        if token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        if method in self.failures:
            return {"ok": False, "error": self.failures.pop(method)}
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(args)

    def _m_auth_test(self, args):
        return {"ok": True, "url": "https://newsqa-test.slack.com/", "team": "newsqa test",
                "user": "newsqa", "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
                "is_enterprise_install": False}

    def _message_args(self, args) -> dict | str:
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks) if blocks else None
        errors = block_errors(blocks)
        if errors:
            return "invalid_blocks:" + "; ".join(errors)
        if not args.get("text") and not blocks:
            return "no_text"
        if len(args.get("text") or "") > 40_000:
            return "msg_too_long"
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        return {"text": args.get("text") or "", "blocks": blocks, "metadata": metadata}

    def _m_chat_postMessage(self, args):
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.not_member:
            return {"ok": False, "error": "not_in_channel"}
        fields = self._message_args(args)
        if isinstance(fields, str):
            error, _, detail = fields.partition(":")
            return {"ok": False, "error": error, "errors": [detail] if detail else []}
        msg = {"type": "message", "subtype": "bot_message", "user": BOT_USER_ID,
               "bot_id": BOT_ID, "ts": self.next_ts(), "team": TEAM_ID,
               **{k: v for k, v in fields.items() if v is not None}}
        if args.get("thread_ts"):
            msg["thread_ts"] = str(args["thread_ts"])
        self._store(channel, msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": copy.deepcopy(msg)}

    def _m_chat_update(self, args):
        channel, ts = args.get("channel"), args.get("ts")
        target = next((m for m in self.channels.get(channel, []) if m["ts"] == ts), None)
        if target is None:
            return {"ok": False, "error": "message_not_found"}
        if target.get("bot_id") != BOT_ID:
            return {"ok": False, "error": "cant_update_message"}
        fields = self._message_args(args)
        if isinstance(fields, str):
            error, _, detail = fields.partition(":")
            return {"ok": False, "error": error, "errors": [detail] if detail else []}
        target["text"] = fields["text"]
        if "blocks" in args:
            target["blocks"] = fields["blocks"] or []
        if fields["metadata"] is not None:
            target["metadata"] = fields["metadata"]
        target["edited"] = {"user": BOT_USER_ID, "ts": self.next_ts()}
        return {"ok": True, "channel": channel, "ts": ts, "text": target["text"]}

    def _m_conversations_replies(self, args):
        channel, ts = args.get("channel"), args.get("ts")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        msgs = [m for m in self.channels[channel] if m["ts"] == ts or m.get("thread_ts") == ts]
        if not msgs:
            return {"ok": False, "error": "thread_not_found"}
        msgs.sort(key=lambda m: float(m["ts"]))
        parent, replies = msgs[0], msgs[1:]
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        if args.get("latest"):
            latest = float(args["latest"])
            replies = [m for m in replies
                       if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)]
        limit = int(args.get("limit") or 1000)
        out = copy.deepcopy(([parent] + replies)[:limit])
        if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
            for m in out:
                m.pop("metadata", None)
        return {"ok": True, "messages": out, "has_more": False,
                "response_metadata": {"next_cursor": ""}}

    # --- HTTP --------------------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _args(self) -> dict:
                parts = urlsplit(self.path)
                args = dict(parse_qsl(parts.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                if raw:
                    if (self.headers.get("Content-Type") or "").startswith("application/json"):
                        args.update(json.loads(raw))
                    else:
                        args.update(dict(parse_qsl(raw, keep_blank_values=True)))
                return args

            def _reply(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self):
                path = urlsplit(self.path).path
                try:
                    args = self._args()
                except ValueError:
                    return self._reply({"ok": False, "error": "invalid_json"})
                if path.startswith("/response/"):
                    call = Call("response_url", args, response={"ok": True})
                    fake._record(call)
                    return self._reply(call.response)
                if not path.startswith("/api/"):
                    return self._reply({"ok": False, "error": "not_found"}, 404)
                method = path[len("/api/"):]
                if method in fake.unreachable:
                    fake._record(Call(method, args, response={"unreachable": True}))
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                auth = self.headers.get("Authorization") or ""
                token = auth[7:] if auth.startswith("Bearer ") else args.get("token")
                with fake._cond:
                    response = fake._api(method, args, token)
                fake._record(Call(method, args, token, response))
                self._reply(response)

            do_GET = _serve
            do_POST = _serve

        return Handler
