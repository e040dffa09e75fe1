"""``QAService``: built once from ``Settings``; the only thing the edges (web, Slack, CLI, eval)
call."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .config import Settings
from .contract import ListedContestOut
from .corpus import read_paths
from .domain import Answer, Article, ArticleRecord, Filters, IngestSummary, Skipped
from .errors import BadRequest, NotFound
from .index import NewsIndex, date_int

Turn = dict  # {"role": "user"|"assistant", "content": str}


class QAService:
    """Ingest, ask, chat, and article look-up over one store."""

    def __init__(self, settings: Settings, index: NewsIndex | None = None):
        self.settings = settings
        self.index = index or NewsIndex(settings)
        self._pipeline = None
        self._pipeline_lock = threading.Lock()

    # --- ingest ------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path], *, prune: bool = False, reset: bool = False,
               progress: Callable[[int, int], None] | None = None) -> IngestSummary:
        """Reads ``paths`` and syncs the store with them (see ``NewsIndex.sync``)."""
        if reset:
            self.index.reset()
        return self.ingest_items(read_paths(paths), prune=prune, progress=progress)

    def ingest_items(self, items: Iterable[Article | Skipped], *, prune: bool = False,
                     progress: Callable[[int, int], None] | None = None) -> IngestSummary:
        """Syncs already-read articles (the eval runner and tests build them in memory)."""
        return self.index.sync(items, prune=prune, annotate=self._annotator(), progress=progress,
                               contests=self._ledger())

    def _annotator(self):
        """What is computed per article at ingest and stored with it (attributed claims)."""
        if not self.settings.claims:
            return None
        from .claims import Annotator

        # Claim vectors are computed once here, so answering never waits for the embedder.
        return Annotator(self.index.embedder)

    def _ledger(self):
        """What keeps the contests across the corpus as articles come and go (with claims)."""
        if not self.settings.claims:
            return None
        from .claims import ContestFinder
        from .claims.ledger import ContestLedger

        return ContestLedger(self.index.store.contest_table, self.index.store.get_articles,
                             ContestFinder(self.index.embedder), self.settings.disagreements)

    # --- contests across the corpus ----------------------------------------------------------
    def list_contests(self, q: str | None = None, filters: Filters | None = None, limit: int = 20,
                      offset: int = 0, linked: bool = False) -> tuple[list[ListedContestOut], int]:
        """A page of the contests across the corpus and the total that match: ``q`` by meaning,
        ``filters``' date range (a contest whose claims span it) and outlets (any side's);
        ``linked``: only those whose sides the evidence ties."""
        filters = filters or Filters()
        vector = None
        text = " ".join((q or "").split())[: self.settings.answer.max_question_chars]
        if text:  # a blank search is no search
            vector = self.index.embedder.embed([text])[0]
        rows, total = self.index.contest_listing().page(
            vector=vector, min_similarity=self.settings.disagreements.search_min_similarity,
            after=date_int(filters.after), before=date_int(filters.before), sources=filters.sources,
            article_ids=filters.article_ids, linked=linked, limit=limit, offset=offset)
        out = []
        for _, payload, sim in rows:
            c = ListedContestOut.model_validate_json(payload)
            out.append(c if sim is None else c.model_copy(update={"similarity": round(sim, 3)}))
        return out, total

    def contest(self, contest_id: str) -> ListedContestOut:
        """One contest across the corpus, or ``NotFound``."""
        payload = self.index.contest_payload(contest_id)
        if payload is None:
            raise NotFound(f"no contest with ID {contest_id!r}")
        return ListedContestOut.model_validate_json(payload)

    # --- questions ---------------------------------------------------------------------------
    def check_question(self, question) -> str:
        """The question, stripped; empty or over-long questions are a ``BadRequest``."""
        if not isinstance(question, str):
            raise BadRequest("'question' must be a string")
        try:
            question.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest("the question contains an invalid character (unpaired surrogate)") from None
        q = " ".join(question.split())
        if not q:
            raise BadRequest("the question is empty")
        limit = self.settings.answer.max_question_chars
        if len(q) > limit:
            raise BadRequest(f"the question is {len(q)} characters long; the limit is {limit}")
        return q

    def ask(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None,
            *, trace: bool = False) -> Answer:
        """A grounded answer to ``question``; ``history`` turns make follow-ups standalone.
        ``trace``: the answer also carries what each stage decided (``Answer.trace``)."""
        q = self.check_question(question)
        return self.pipeline().answer(q, list(history), filters or Filters(), trace=trace)

    def pipeline(self):
        """The retrieval + answer pipeline, built on first use (it loads models)."""
        if self._pipeline is None:
            with self._pipeline_lock:
                if self._pipeline is None:
                    from .answer import Pipeline

                    self._pipeline = Pipeline(self.settings, self.index)
        return self._pipeline

    # --- articles ----------------------------------------------------------------------------
    def article(self, article_id: str) -> ArticleRecord:
        """One article, or ``NotFound``."""
        rec = self.index.article(article_id)
        if rec is None:
            raise NotFound(f"no article with ID {article_id!r}")
        return rec

    def list_articles(self, filters: Filters | None = None, limit: int = 20, offset: int = 0,
                      query: str | None = None) -> tuple[list[ArticleRecord], int]:
        """A page of articles and the total that match."""
        return self.index.list_articles(filters, limit, offset, query)

    def sources(self) -> list[str]:
        """Every outlet name in the store (for filter menus)."""
        return self.index.sources()

    def ready(self) -> dict:
        """Raises ``StoreUnavailable`` unless the store answers; else counts."""
        self.index.ping()
        articles, chunks = self.index.counts()
        return {"articles": articles, "chunks": chunks, "collection": self.index.name}

    # --- streaming and chat ------------------------------------------------------------------
    def ask_stream(self, question: str, history: Sequence[Turn] = (),
                   filters: Filters | None = None):
        """Yields ``{"type": "delta", "text": str}`` events as the answer is produced, then one
        ``{"type": "answer", "answer": <the /api/ask JSON>}``. Bad input raises before the first
        event, so the edge can still answer with a 4xx."""
        q = self.check_question(question)
        return self.pipeline().stream(q, list(history), filters or Filters())

    def sessions(self):
        """Server-side chat sessions (one SQLite file under the data dir, shared by workers)."""
        if getattr(self, "_sessions", None) is None:
            from .chat import SessionStore

            self._sessions = SessionStore(self.settings.store.data_dir / "sessions.sqlite3",
                                          self.settings.web.session_ttl_s)
        return self._sessions

    def _chat_history(self, session_id: str | None, question) -> tuple[str, str, list[Turn]]:
        q = self.check_question(question)
        store = self.sessions()
        if session_id is None:
            return store.create(), q, []
        return session_id, q, store.history(session_id, self.settings.answer.history_turns)

    def chat(self, session_id: str | None, question: str,
             filters: Filters | None = None) -> tuple[str, Answer]:
        """One turn of a conversation: ``question`` is answered in the light of the session's
        earlier turns (a new session when ``session_id`` is None); returns (session_id, Answer)."""
        sid, q, history = self._chat_history(session_id, question)
        answer = self.ask(q, history, filters)
        self.sessions().append(sid, q, answer.question or q, answer.text)
        return sid, answer

    def chat_stream(self, session_id: str | None, question: str, filters: Filters | None = None):
        """``chat`` as events (see ``ask_stream``); returns (session_id, events). The turn is
        recorded when the final answer event has been produced."""
        sid, q, history = self._chat_history(session_id, question)
        events = self.ask_stream(q, history, filters)

        def recorded():
            for ev in events:
                if ev.get("type") == "answer":
                    a = ev["answer"]
                    self.sessions().append(sid, q, a.get("question") or q, a.get("answer", ""))
                yield ev

        return sid, recorded()
