"""The answer engines behind one protocol: given what the stages before composition decided,
an engine yields events (``{"type": "delta", "text"}``, ``{"type": "reset"}``) and returns the
final ``Answer``. ``Pipeline`` runs whichever the settings name, the same way for ``answer``
(events dropped) and ``stream``.

- ``ExtractiveEngine``: the chosen sentences, verbatim and cited (``compose.py``).
- ``LLMWithFallback``: an OpenAI-compatible endpoint or Ollama (``llm.py``); when it fails,
  the extractive answer with a note, after a ``reset`` event for a stream already under way.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from ..domain import Answer
from ..errors import QAError
from .compose import Extractive

if TYPE_CHECKING:
    from . import Prepared
    from .llm import LLMEngine

Events = Generator[dict, None, Answer]


class Engine(Protocol):
    """Composes the answer of a prepared question."""

    name: str

    def run(self, question: str, prep: "Prepared") -> Events:
        """Yields text events; returns the final ``Answer``."""


class ExtractiveEngine:
    """The default engine, no LLM."""

    name = "extractive"

    def __init__(self):
        self.composer = Extractive()

    def run(self, question: str, prep: "Prepared") -> Events:
        final = self.composer.compose(question, prep.selection, prep.records, prep.contests)
        yield from sentence_deltas(final.text)
        return final


class LLMWithFallback:
    """The LLM engine, and the extractive answer when the model fails."""

    name = "llm"

    def __init__(self, llm: "LLMEngine", fallback: ExtractiveEngine):
        self.llm, self.fallback = llm, fallback

    def run(self, question: str, prep: "Prepared") -> Events:
        try:
            return (yield from _deltas(self.llm.stream(question, prep.evidence, prep.records,
                                                       prep.contests)))
        except QAError as exc:
            final = self.fallback.composer.compose(question, prep.selection, prep.records,
                                                   prep.contests)
            yield {"type": "reset"}
            yield from sentence_deltas(final.text)
            return replace(final, notes=final.notes + (
                f"The language model failed ({exc.message}); this is the extractive answer.",))


def _deltas(gen) -> Events:
    """Relays a model's text deltas as events; returns its final ``Answer``."""
    while True:
        try:
            delta = next(gen)
        except StopIteration as stop:
            return stop.value
        yield {"type": "delta", "text": delta}


def sentence_deltas(text: str) -> Iterator[dict]:
    """A finished text as delta events, a sentence (or its spacing) at a time."""
    for piece in re.split(r"(?<=[.!?\]])(\s+)", text):
        if piece:
            yield {"type": "delta", "text": piece}
