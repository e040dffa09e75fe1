"""What a reader refuses, and the limits it refuses by."""

from __future__ import annotations

#: A document file larger than this is refused (a .jsonl file is read a line at a time and
#: has no such limit: each article is held to ``MAX_ARTICLE_CHARS``).
MAX_FILE_BYTES = 50_000_000
MAX_ARTICLE_CHARS = 2_000_000


class ReadError(ValueError):
    """A file or record that cannot be read as an article; the message says why."""
