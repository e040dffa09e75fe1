"""Chat: follow-up questions rewritten into standalone ones, and server-side sessions."""

from .rewrite import entities, rewrite, topic
from .sessions import SessionStore

__all__ = ["rewrite", "entities", "topic", "SessionStore"]
