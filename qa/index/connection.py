"""The connection to Chroma: opened on first use, bounded in time, refreshed when another
process has changed an embedded store.

- A worker boots without its store: nothing connects until a request needs the store, a failed
  connection raises ``StoreUnavailable`` (503) and the next use tries again.
- Every request to a Chroma server is bounded by ``StoreSettings.chroma_timeout_s`` (``QA_CHROMA_TIMEOUT_S``): chromadb's
  ``HttpClient`` sets no timeout of its own (its httpx session is built with ``timeout=None``,
  and its settings carry none for the client side), so a server that accepts connections and
  never answers (SIGSTOP, a hung host) would hold the caller for ever.
- chromadb keeps one embedded "system" per path per process, holding the vector indexes in
  memory. Another process's writes (``ingest.py`` while the server runs) reach the files but
  not those indexes, and queries then fail ("Error finding id") or miss new chunks until the
  system is built again from disk: ``refresh()`` does that.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

from ..config import StoreSettings
from ..errors import BadRequest, StoreUnavailable

def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means "the store cannot be reached": the transport failed (httpx:
    connect, read, write, timeouts, a broken response; the OS: refused, reset), or the server
    failed inside (chromadb's ``InternalError``, or its bare ``ChromaError`` for an error it
    cannot name). chromadb is imported here, not at the top: it has been loaded by whatever
    raised, and a process that never touches the store does not pay for loading it."""
    from chromadb.errors import ChromaError, InternalError

    return isinstance(exc, (httpx.TransportError, OSError, InternalError)) or type(exc) is ChromaError


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    """Turns a failure to reach Chroma into ``StoreUnavailable`` (503, retryable)."""
    try:
        yield
    except (BadRequest, StoreUnavailable):
        raise
    except Exception as exc:
        if unreachable(exc):
            raise StoreUnavailable(f"vector store unreachable while {what}: {exc}") from exc
        raise


@dataclass(frozen=True)
class Opened:
    """A client and the two collections of one store, as opened together, and the store's
    (generation, dirty) state when they were."""

    client: Any
    chunks: Any
    manifest: Any
    state: tuple[int, bool] = (0, False)
    system: Any = None  # chromadb's embedded system behind ``client`` (None for a server)
    profiles: Any = None  # article profiles and contests across the corpus (contest_table.py)
    contests: Any = None


class StoreConnection:
    """The client and collections of the store named ``name``, opened when first needed."""

    def __init__(self, cfg: StoreSettings, name: str):
        self.cfg = cfg
        self.name = name
        self.embedded = not cfg.chroma_url
        self._opened: Opened | None = None
        self._lock = threading.Lock()

    def get(self) -> Opened:
        """The open client and collections; connects first if needed (``StoreUnavailable``
        when the store cannot be reached: the next call tries again)."""
        opened = self._opened
        if opened is not None:
            return opened
        with self._lock:
            if self._opened is None:
                self._opened = self._open()
            return self._opened

    def _open(self) -> Opened:
        client = make_client(self.cfg)
        system = _cached_system(self.cfg) if self.embedded else None
        with store_errors("opening collections"):
            opened = Opened(client, **_collections(client, self.name), system=system)
        if system is not None:
            with _systems_lock:
                _holders[id(system)] += 1
        return opened

    def reopen_collections(self) -> Opened:
        """The collections looked up again (after they were dropped and made anew)."""
        with self._lock:
            client = self._opened.client if self._opened else make_client(self.cfg)
            with store_errors("opening collections"):
                self._opened = Opened(client, **_collections(client, self.name))
            return self._opened

    def refresh(self) -> None:
        """Makes the next use read an embedded store afresh from disk (see the module
        docstring); a no-op for a Chroma server, which is itself the one reader of its files."""
        if not self.embedded:
            return
        with self._lock:
            old, self._opened = self._opened, None
            if old is None:
                return
            _forget_embedded_system(self.cfg)
        if old.system is not None:
            _retire(old)


#: The collections of a store named N, beside N itself (the chunks): name suffix -> space.
SIDE_COLLECTIONS = {"articles": "l2", "profiles": "cosine", "contests": "cosine"}


def _collections(client, name: str) -> dict:
    chunks = client.get_or_create_collection(
        name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    side = {key: client.get_or_create_collection(f"{name}-{key}", metadata={"hnsw:space": space},
                                                 embedding_function=None)
            for key, space in SIDE_COLLECTIONS.items()}
    return {"chunks": chunks, "manifest": side["articles"], "profiles": side["profiles"],
            "contests": side["contests"], "state": state_of(side["articles"].metadata)}


def state_of(manifest_metadata: dict | None) -> tuple[int, bool]:
    """(generation, dirty) as the manifest collection's metadata records them."""
    meta = manifest_metadata or {}
    return int(meta.get("generation", 0)), bool(meta.get("dirty", False))


def _embedded_path(cfg: StoreSettings) -> str:
    return str(cfg.data_dir / "chroma")


#: How many open connections in this process use each embedded system (by ``id``).
_holders: Counter[int] = Counter()
_systems_lock = threading.Lock()


def _system_cache() -> dict | None:
    from chromadb.api.shared_system_client import SharedSystemClient

    systems = getattr(SharedSystemClient, "_identifier_to_system", None)
    return systems if isinstance(systems, dict) else None


def _cached_system(cfg: StoreSettings):
    systems = _system_cache()
    return systems.get(_embedded_path(cfg)) if systems is not None else None


def _forget_embedded_system(cfg: StoreSettings) -> None:
    """Drops chromadb's cached system for this store's path, so the next ``PersistentClient``
    builds one from disk. Clients already holding the old system keep working with it, so
    other stores in the process are not disturbed."""
    systems = _system_cache()
    if systems is not None:
        systems.pop(_embedded_path(cfg), None)
    else:  # another chromadb layout: forget every cached system (the public, blunter way)
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()


def _retire(old: Opened) -> None:
    """Stops ``old``'s system (its indexes hold ~0.4 MB a refresh that the garbage collector
    never frees) once no open connection uses it and the reads still running on its client
    and collections have let go of them."""
    system = old.system
    left = [3]

    def let_go() -> None:
        with _systems_lock:
            left[0] -= 1
            if left[0] or _holders[id(system)] > 0:
                return
            del _holders[id(system)]
        systems = _system_cache()
        if systems is None or all(s is not system for s in systems.values()):
            try:
                system.stop()
            except Exception:  # noqa: BLE001 - releasing memory must never fail a request
                pass

    with _systems_lock:
        _holders[id(system)] -= 1
    for obj in (old.client, old.chunks, old.manifest):
        weakref.finalize(obj, let_go)


def make_client(cfg: StoreSettings):
    """An embedded ``PersistentClient`` under ``data_dir``, or an ``HttpClient`` for a server
    whose every request is bounded by ``cfg.chroma_timeout_s``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if not cfg.chroma_url:
            cfg.data_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=_embedded_path(cfg), settings=chroma_settings)
        u = urlparse(cfg.chroma_url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise BadRequest(f"QA_CHROMA_URL must be an http(s) URL, not {cfg.chroma_url!r}")
        # HttpClient() itself sends requests with no timeout: a server that accepts and never
        # answers is caught by a bounded heartbeat first.
        _heartbeat(cfg.chroma_url, cfg.chroma_timeout_s)
        client = chromadb.HttpClient(
            host=u.hostname, port=u.port or (443 if u.scheme == "https" else 80),
            ssl=u.scheme == "https", settings=chroma_settings,
        )
    except (BadRequest, StoreUnavailable):
        raise
    except Exception as exc:
        where = cfg.chroma_url or str(cfg.data_dir)
        raise StoreUnavailable(f"cannot open the Chroma store at {where}: {exc}") from exc
    _bound_requests(client, cfg.chroma_timeout_s)
    return client


def _heartbeat(url: str, timeout_s: float) -> None:
    import httpx

    try:
        httpx.get(url.rstrip("/") + "/api/v2/heartbeat", timeout=timeout_s).raise_for_status()
    except httpx.HTTPError as exc:
        raise StoreUnavailable(f"the Chroma server at {url} did not answer within "
                               f"{timeout_s:g} s: {exc}") from exc


def _bound_requests(client, timeout_s: float) -> None:
    """Sets the timeout chromadb leaves unset on the httpx session behind ``client``."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        # chromadb changed its internals: fail at start rather than hang on a stalled server.
        raise RuntimeError("cannot bound requests to the Chroma server: chromadb's HttpClient "
                           "no longer exposes its httpx session (qa/index/connection.py)")
    session.timeout = httpx.Timeout(timeout_s)
