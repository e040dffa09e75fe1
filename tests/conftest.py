"""Shared fixtures: real Chroma stores in temp dirs, one embedder loaded once per run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data"
SHARED = ROOT.parent / "shared" / "corpus"
ARTIFACTS = ROOT / "test-artifacts"

SEED_IDS = [
    "000_e5d721c452f0de90",
    "001_1534f80bc8e5ddb2",
    "002_dc1ae020b261a8f8",
    "003_b50cd088e71c6203",
    "004_ccca31a72ddb13aa",
]

# Tests never read the developer's environment: each builds its settings explicitly.
for _k in list(os.environ):
    if _k.startswith("QA_") or _k.startswith("SLACK_"):
        del os.environ[_k]


@pytest.fixture(scope="session")
def embedder():
    """The packaged MiniLM, loaded once (it is the slow part of building an index)."""
    from qa.embedding import MiniLMEmbedding, MINILM_ID

    return MiniLMEmbedding(), MINILM_ID


@pytest.fixture(scope="session")
def english():
    """The packaged spaCy pipeline, loaded once for the tests that parse articles directly."""
    from qa.claims import EnglishModel

    return EnglishModel()


@pytest.fixture
def make_settings(tmp_path):
    """Settings with the store in a fresh temp dir; keyword overrides per section."""
    from qa.config import Settings, StoreSettings

    def build(data_dir: Path | None = None, **sections):
        store = sections.pop("store", None) or StoreSettings(data_dir=data_dir or tmp_path / "var")
        return Settings(store=store, **sections)

    return build


@pytest.fixture
def make_service(make_settings, embedder):
    """A QAService over a fresh store, sharing the session's embedder."""
    from qa.index import NewsIndex
    from qa.service import QAService

    def build(settings=None, **kw):
        settings = settings or make_settings(**kw)
        emb, emb_id = embedder
        return QAService(settings, NewsIndex(settings, embedder=emb, embedder_id=emb_id))

    return build


@pytest.fixture(scope="session")
def seed_service(tmp_path_factory, embedder):
    """One store holding the five seed articles, shared by read-only tests."""
    from qa.config import Settings, StoreSettings
    from qa.index import NewsIndex
    from qa.service import QAService

    d = tmp_path_factory.mktemp("seeds")
    settings = Settings(store=StoreSettings(data_dir=d / "var"))
    emb, emb_id = embedder
    svc = QAService(settings, NewsIndex(settings, embedder=emb, embedder_id=emb_id))
    summary = svc.ingest([SEEDS])
    assert summary.added == 5, summary
    return svc


@pytest.fixture
def seed_copy(tmp_path):
    """A writable copy of the seed articles."""
    dst = tmp_path / "articles"
    shutil.copytree(SEEDS, dst)
    return dst


def shared_corpus(name: str) -> Path:
    """A corpus in ../shared; tests that need it fail loudly if it is missing."""
    path = SHARED / name / "articles.jsonl"
    if not path.exists():
        pytest.fail(f"{path} is missing: ../shared must sit beside the checkout")
    return path


@pytest.fixture(scope="session")
def llm_server():
    """llama.cpp's OpenAI-compatible server with SmolLM2-135M on a free loopback port
    (tests/llm_server.py); ``.url`` is what QA_LLM_BASE_URL takes. A server that cannot start
    fails the tests that need it; it never skips them."""
    from .llm_server import LLMServer, ServerError

    server = LLMServer()
    try:
        server.start()
    except ServerError as exc:
        pytest.fail(f"the LLM server did not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def make_chroma_server(tmp_path):
    """Starts real ``chroma run`` servers (tests/chroma_server.py); each can be stopped, killed
    and restarted on its port and path; all are stopped at teardown."""
    from .chroma_server import ChromaServer

    servers: list[ChromaServer] = []

    def build(name: str = "chroma-server", port: int | None = None) -> ChromaServer:
        server = ChromaServer(tmp_path / name, port=port)
        servers.append(server)
        return server.start()

    yield build
    for s in servers:
        s.stop()


@pytest.fixture
def chroma_server(make_chroma_server):
    """One running Chroma server in a temp dir; ``.url`` is what QA_CHROMA_URL takes."""
    return make_chroma_server()
