"""Generic text cleaning every reader shares: headlines, hard-wrapped lines, whitespace, a
fallback title."""

from __future__ import annotations

import re

_DATELINE = re.compile(r"^[A-Z][A-Za-z .'-]{1,40}, [A-Z][a-z]+ \d{1,2}\.\s*(?:/[A-Z]{2,10}/\.?)?\s*")
_SENTENCE_END = tuple('.!?:;"”’)]»')
_WS_RUN = re.compile(r"[ \t\u00a0]+")
_MANY_BLANKS = re.compile(r"\n{3,}")


def split_headline(text: str) -> tuple[str, str]:
    """A first line that reads as a headline (short, no closing full stop, set apart by a blank
    line) becomes the title; otherwise there is none."""
    stripped = text.lstrip("\n ")
    first, sep, rest = stripped.partition("\n")
    if sep and rest.startswith("\n") and 0 < len(first.strip()) <= 200:
        line = first.strip()
        if not line.endswith((".", "!", "?")):
            return line, rest
    return "", stripped


def unwrap_lines(text: str) -> str:
    """Join hard-wrapped lines inside a paragraph: a single newline after a line that does not
    end a sentence becomes a space."""
    out: list[str] = []
    for line in text.split("\n"):
        s = line.strip()
        if out and out[-1] and s and not out[-1].rstrip().endswith(_SENTENCE_END):
            out[-1] = out[-1].rstrip() + " " + s
        else:
            out.append(s)
    return "\n".join(out)


_BROKEN_SENTENCE = re.compile(r"(?<=[,;a-z])\n\n(?=[a-z])")


def normalise_whitespace(text: str) -> str:
    """Collapse runs of spaces, trim lines, keep paragraph breaks as one blank line."""
    lines = [_WS_RUN.sub(" ", ln).strip() for ln in text.split("\n")]
    text = "\n".join(lines)
    text = _MANY_BLANKS.sub("\n\n", text)
    # Single newlines between full lines are paragraph breaks in scraped text; make them uniform.
    text = re.sub(r"(?<=\S)\n(?=\S)", "\n\n", text)
    # A sentence a scraper broke into two paragraphs ("chased by dogs,\n\nbringing three
    # children with him."): the second half starts in lower case after an unfinished first.
    text = _BROKEN_SENTENCE.sub(" ", text)
    return text.strip()


def first_sentence(body: str, limit: int = 120) -> str:
    """A fallback title: the article's first sentence, shortened on a word boundary."""
    para = _DATELINE.sub("", body.strip().split("\n", 1)[0])
    m = re.search(r"(?<=[.!?])\s", para)
    s = para[: m.start()] if m else para
    if len(s) > limit:
        s = s[:limit].rsplit(" ", 1)[0] + "…"
    return s
