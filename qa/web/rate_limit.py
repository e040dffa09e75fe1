"""Rate limits shared by every gunicorn worker of a host: token buckets in one SQLite file.

Buckets held in each worker's memory let a client through up to W times the limit with W
workers (3.6x with 2 in the trial of 2026-12-01). A bucket is one row, read and written in one
short transaction per request (WAL, no fsync: a bucket lost in a power cut refills anyway),
so every worker on the host draws from the same one. With several hosts behind one name, each
host limits on its own.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from ..private_files import private_file

log = logging.getLogger(__name__)
_SCHEMA = "CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, " \
          "stamp REAL NOT NULL)"
SWEEP_EVERY_S = 60.0


class RateLimiter:
    """Token buckets: ``per_minute`` requests a minute per key, bursts up to the same number."""

    def __init__(self, path: Path, per_minute: int):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._last_sweep = 0.0

    def _connect(self) -> sqlite3.Connection:
        # Opened on first use, so that each gunicorn worker has its own connection.
        if self._db is None:
            private_file(self.path)
            db = sqlite3.connect(self.path, timeout=2, isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(_SCHEMA)
            self._db = db
        return self._db

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.time()  # wall time: the workers share it, not their monotonic clocks
        try:
            with self._lock:
                db = self._connect()
                db.execute("BEGIN IMMEDIATE")
                try:
                    row = db.execute("SELECT tokens, stamp FROM buckets WHERE key = ?",
                                     (key,)).fetchone()
                    tokens, stamp = row if row else (self.capacity, now)
                    tokens = min(self.capacity, tokens + max(0.0, now - stamp) * self.rate)
                    if tokens >= 1.0:
                        tokens, wait = tokens - 1.0, 0.0
                    else:
                        wait = (1.0 - tokens) / self.rate
                    db.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?)",
                               (key, tokens, now))
                    if now - self._last_sweep > SWEEP_EVERY_S:
                        # A bucket untouched for a minute has refilled: nothing worth keeping.
                        self._last_sweep = now
                        db.execute("DELETE FROM buckets WHERE stamp < ?", (now - 60.0,))
                finally:
                    db.execute("COMMIT")
        except sqlite3.Error:
            # Better an unlimited request than a refused one when the file is unusable.
            log.exception("the rate limit record %s failed; letting the request through",
                          self.path)
            self._db = None
            return 0.0
        return wait
