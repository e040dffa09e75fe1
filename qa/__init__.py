"""newsqa: grounded, contested-fact-aware question answering over news articles."""

__version__ = "0.1.0"
