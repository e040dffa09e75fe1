"""How Slack's deliveries reach the bot: each user action answered once, however many times
Slack sends it, and answers run on a thread pool that can say when it is idle."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..private_files import private_file

log = logging.getLogger(__name__)

#: Longer than the 5 minutes a signature stays valid, so a replayed request is always caught
#: by one check or the other.
SEEN_TTL_S = 600


class RecentKeys:
    """Keys seen in the last ``ttl_s`` seconds (event IDs, message timestamps, trigger IDs).

    Kept in a SQLite file so that the gunicorn workers of a host share them: Slack's second
    delivery of an event may reach a different worker than the first."""

    def __init__(self, path: Path, ttl_s: float = SEEN_TTL_S):
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        private_file(path)
        self._db = sqlite3.connect(path, timeout=5, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS seen_at ON seen (at)")

    def first_time(self, *keys: str) -> bool:
        """Records ``keys``; True unless any of them was seen within the TTL."""
        now = time.time()
        marks = ",".join("?" * len(keys))
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.execute("DELETE FROM seen WHERE at < ?", (now - self.ttl_s,))
                    (known,) = self._db.execute(
                        f"SELECT COUNT(*) FROM seen WHERE key IN ({marks})", keys).fetchone()
                    self._db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?)",
                                         [(k, now) for k in keys])
                finally:
                    self._db.execute("COMMIT")
        except sqlite3.Error:
            # Better a rare second answer than a question never answered.
            log.exception("the Slack delivery record failed; answering anyway")
            return True
        return known == 0


class AnswerExecutor(ThreadPoolExecutor):
    """Runs the lazy listeners, and knows when none is running (for shutdown and tests)."""

    def __init__(self, max_workers: int = 4):
        super().__init__(max_workers=max_workers, thread_name_prefix="slack-answer")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Blocks until every submitted answer has finished; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


def delivery_keys(body: dict) -> list[str]:
    """What identifies one delivery of one user action, whichever way Slack sends it again."""
    keys = []
    if body.get("type") == "event_callback":
        if body.get("event_id"):
            keys.append("event:" + str(body["event_id"]))
        event = body.get("event") or {}
        # A DM that mentions the bot can arrive as both message.im and app_mention.
        if event.get("type") in ("message", "app_mention") and event.get("channel") \
                and event.get("ts"):
            keys.append(f"message:{event['channel']}:{event['ts']}")
    elif body.get("command"):
        if body.get("trigger_id"):
            keys.append("command:" + str(body["trigger_id"]))
        else:
            # No trigger ID: the body itself (its response_url is unique to the invocation)
            # tells a replay from the same words asked again.
            canonical = json.dumps(body, sort_keys=True, default=str).encode()
            keys.append("command-body:" + hashlib.sha256(canonical).hexdigest())
    return keys
