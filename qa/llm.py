"""LLM providers: any OpenAI-compatible endpoint (llama-index's ``OpenAILike``) or Ollama
(``llama-index-llms-ollama``), built from ``LLMSettings``.

This is the only module that touches those clients. Their failures (timeouts, refused
connections, HTTP errors) leave it as ``GenerationError``; anything else is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
import openai

from .config import LLMSettings
from .errors import GenerationError

#: (role, content) with role "system", "user" or "assistant".
Message = tuple[str, str]


def make_llm(cfg: LLMSettings):
    """The llama-index LLM for ``cfg.provider``."""
    if cfg.provider == "ollama":
        from llama_index.llms.ollama import Ollama

        headers = {"Authorization": f"Bearer {cfg.api_key}"} if _has_key(cfg) else None
        return Ollama(
            model=cfg.model,
            base_url=ollama_root(cfg.base_url),
            temperature=cfg.temperature,
            context_window=cfg.context_window,  # set, so the client never asks /api/show
            request_timeout=cfg.timeout_s,
            additional_kwargs={"num_predict": cfg.max_tokens},
            is_function_calling_model=False,
            headers=headers,
        )
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=cfg.model,
        api_base=cfg.base_url,
        api_key=cfg.api_key,
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=cfg.context_window,
        max_tokens=cfg.max_tokens,
        temperature=cfg.temperature,
        timeout=cfg.timeout_s,
        # The caller falls back to the extractive answer at once; retrying inside a request
        # would only make the reader wait several timeouts for it.
        max_retries=0,
    )


def ollama_root(base_url: str) -> str:
    """Ollama's native API lives at the server root; a ``.../v1`` URL (its OpenAI-compatible
    path, and the shape of the default setting) is accepted and cut back to the root."""
    url = base_url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


class ChatModel:
    """A chat model: whole replies or streamed deltas, with failures as ``GenerationError``."""

    def __init__(self, cfg: LLMSettings):
        self.cfg = cfg
        self.llm = make_llm(cfg)

    def chat(self, messages: Sequence[Message]) -> str:
        """The model's whole reply."""
        try:
            response = self.llm.chat(_messages(messages))
        except _FAILURES as exc:
            raise _generation_error(exc, self.cfg) from exc
        return response.message.content or ""

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """The reply as text deltas, as the endpoint sends them."""
        try:
            for chunk in self.llm.stream_chat(_messages(messages)):
                if chunk.delta:
                    yield chunk.delta
        except _FAILURES as exc:
            raise _generation_error(exc, self.cfg) from exc


def _messages(messages: Sequence[Message]):
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=role, content=content) for role, content in messages]


def _has_key(cfg: LLMSettings) -> bool:
    return bool(cfg.api_key) and cfg.api_key != "not-needed"


def _ollama_response_error():
    try:
        from ollama import ResponseError
    except ImportError:  # only the OpenAI-compatible provider is installed
        return ()
    return (ResponseError,)


_FAILURES = (openai.APIError, httpx.HTTPError, ConnectionError, TimeoutError,
             *_ollama_response_error())


def _generation_error(exc: BaseException, cfg: LLMSettings) -> GenerationError:
    """A message a reader can act on, and whether trying again could help."""
    where = f"{cfg.provider} endpoint {cfg.base_url}"
    status = getattr(exc, "status_code", None)
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)):
        return GenerationError(f"the {where} did not answer within {cfg.timeout_s:g}s",
                               retryable=True)
    if isinstance(exc, (openai.APIConnectionError, httpx.TransportError, ConnectionError)):
        return GenerationError(f"the {where} cannot be reached", retryable=True)
    if isinstance(status, int):
        # 429 and 5xx may pass; other 4xx (bad key, unknown model) will not until someone acts.
        return GenerationError(f"the {where} answered HTTP {status}",
                               retryable=status == 429 or status >= 500)
    return GenerationError(f"the {where} failed: {type(exc).__name__}", retryable=True)
