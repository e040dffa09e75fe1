"""Chat sessions on the server, in one SQLite file, so every gunicorn worker on a host sees the
same conversations. A session lives ``ttl_s`` seconds after its last turn."""

from __future__ import annotations

import re
import secrets
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import BadRequest, NotFound, StoreUnavailable
from ..private_files import private_file

SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created REAL NOT NULL,
                                     touched REAL NOT NULL);
CREATE TABLE IF NOT EXISTS turns (session_id TEXT NOT NULL, seq INTEGER NOT NULL,
                                  role TEXT NOT NULL, content TEXT NOT NULL,
                                  standalone TEXT, PRIMARY KEY (session_id, seq));
"""


class SessionStore:
    """Server-side conversation history keyed by an unguessable session ID."""

    def __init__(self, path: Path, ttl_s: int, max_turns: int = 200):
        self.path = Path(path)
        self.ttl_s = ttl_s
        self.max_turns = max_turns
        private_file(self.path)  # conversations are for the service's user only (0600)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self):
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open the session store {self.path}: {exc}") from exc
        try:
            # WAL lets workers read while another writes; losing the last turn on a power cut
            # is acceptable for chat history, so a full fsync per turn is not.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            yield db
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"the session store is busy or unreadable: {exc}") from exc
        finally:
            db.close()

    def create(self) -> str:
        """A new, empty session; also forgets sessions that have expired."""
        sid = secrets.token_urlsafe(18)
        now = time.time()
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            stale = now - self.ttl_s
            db.execute("DELETE FROM turns WHERE session_id IN "
                       "(SELECT id FROM sessions WHERE touched < ?)", (stale,))
            db.execute("DELETE FROM sessions WHERE touched < ?", (stale,))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (sid, now, now))
            db.execute("COMMIT")
        return sid

    def check_id(self, session_id) -> str:
        """``session_id`` if it is well formed, else ``BadRequest``."""
        if not isinstance(session_id, str) or not SESSION_ID_RE.match(session_id):
            raise BadRequest("'session_id' must be a session ID returned by /api/chat")
        return session_id

    def history(self, session_id: str, turns: int | None = None) -> list[dict]:
        """The last ``turns`` user/assistant pairs as ``{"role", "content"}``, user turns as
        asked: follow-ups are rewritten from those, so a rewrite never feeds the next one (the
        standalone question is kept beside each, for the record); ``NotFound`` if the session
        is unknown or expired."""
        self.check_id(session_id)
        with self._db() as db:
            row = db.execute("SELECT touched FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None or row[0] < time.time() - self.ttl_s:
                raise NotFound("this conversation has expired or never existed; start a new one",
                               code="session_not_found")
            limit = self.max_turns if turns is None else 2 * turns
            rows = db.execute(
                "SELECT role, content FROM turns WHERE session_id = ? "
                "ORDER BY seq DESC LIMIT ?", (session_id, limit)).fetchall()
        return [{"role": r, "content": c} for r, c in reversed(rows)]

    def append(self, session_id: str, question: str, standalone: str, answer: str) -> None:
        """Records one exchange and keeps the session alive."""
        self.check_id(session_id)
        now = time.time()
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            (seq,) = db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM turns WHERE session_id = ?",
                                (session_id,)).fetchone()
            db.executemany("INSERT INTO turns VALUES (?, ?, ?, ?, ?)", [
                (session_id, seq, "user", question, standalone),
                (session_id, seq + 1, "assistant", answer, None),
            ])
            db.execute("DELETE FROM turns WHERE session_id = ? AND seq < ?",
                       (session_id, seq + 2 - self.max_turns))
            db.execute("UPDATE sessions SET touched = ? WHERE id = ?", (now, session_id))
            db.execute("COMMIT")
