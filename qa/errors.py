"""Error types. Each says what went wrong for the caller, which HTTP status fits, and whether
trying again could help."""

from __future__ import annotations


class QAError(Exception):
    """Base error: a stable ``code``, an HTTP ``status`` and a ``retryable`` flag."""

    code = "internal"
    status = 500

    def __init__(self, message: str, *, retryable: bool = False, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        if code:
            self.code = code

    def to_dict(self) -> dict:
        """The one JSON error shape: ``{"error": {"code", "message"}}``."""
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(QAError):
    """The caller sent something we cannot use (empty question, bad filter, malformed JSON)."""

    code = "bad_request"
    status = 400


class Unauthorized(QAError):
    code = "unauthorized"
    status = 401


class NotFound(QAError):
    code = "not_found"
    status = 404


class PayloadTooLarge(QAError):
    code = "payload_too_large"
    status = 413


class RequestTimeout(QAError):
    """The client took too long to send its request body."""

    code = "request_timeout"
    status = 408


class RateLimited(QAError):
    code = "rate_limited"
    status = 429


class ConfigError(QAError):
    """A setting or a prompt file is wrong; raised at start-up, never per request."""

    code = "config"
    status = 500


class StoreUnavailable(QAError):
    """The vector store cannot be reached (a Chroma server down, a locked directory)."""

    code = "store_unavailable"
    status = 503

    def __init__(self, message: str, *, retryable: bool = True, code: str | None = None):
        super().__init__(message, retryable=retryable, code=code)


class GenerationError(QAError):
    """The LLM failed or timed out."""

    code = "generation_failed"
    status = 502


class IngestError(QAError):
    """An ingest run could not proceed (as opposed to a single bad file, which is skipped)."""

    code = "ingest_failed"
    status = 500
