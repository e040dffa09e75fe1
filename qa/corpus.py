"""Reading articles from .txt, .md, .html and .jsonl files into clean ``Article`` values.

Every reader returns the cleaned text that chunk offsets and citation quotes refer to; scraping
debris is removed here, once, so that no later layer ever sees it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date as _date
from pathlib import Path

from .domain import ARTICLE_ID_RE, Article, Skipped

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
MAX_FILE_BYTES = 50_000_000
MAX_ARTICLE_CHARS = 2_000_000

_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")
_AD_MARKER = re.compile(r"^\s*\[ad_\d+\]\s*$", re.M)
_SOURCE_LINK = re.compile(r"^\s*Source link\s*$", re.M)
# "Also on rt.com" is followed by a promoted headline that runs to the next blank line.
_ALSO_ON = re.compile(r"^[ \t]*Also on [a-z0-9.-]+\.[a-z]{2,}[ \t]*\n(?:[^\n]*\S[^\n]*\n?)*", re.M | re.I)
_OUTLET_SUFFIX = re.compile(r"\s+[—–-]\s+(RT\s(?:World\s|Russia\s|Business\s)?News|RT)\s*$")
_DATELINE = re.compile(r"^[A-Z][A-Za-z .'-]{1,40}, [A-Z][a-z]+ \d{1,2}\.\s*(?:/[A-Z]{2,10}/\.?)?\s*")
_TASS = re.compile(r"/TASS/")
_SENTENCE_END = tuple('.!?:;"”’)]»')
_WS_RUN = re.compile(r"[ \t\u00a0]+")
_MANY_BLANKS = re.compile(r"\n{3,}")


class ReadError(ValueError):
    """A file or record that cannot be read as an article; the message says why."""


def iter_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under ``paths`` with a known suffix, in a stable order; hidden files skipped."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES and not _hidden(f, p):
                    yield f
        else:
            yield p


def _hidden(f: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in f.relative_to(root).parts)


def read_paths(paths: Iterable[Path]) -> Iterator[Article | Skipped]:
    """Every article found under ``paths``; a file or line that cannot be read is a ``Skipped``."""
    for f in iter_paths(paths):
        try:
            yield from read_file(f)
        except ReadError as exc:
            yield Skipped(str(f), str(exc))


def read_file(path: Path) -> Iterator[Article | Skipped]:
    """Articles in one file (one for documents, many for .jsonl)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ReadError(f"unsupported file type {suffix or '(none)'}")
    if not path.exists():
        raise ReadError("no such file")
    size = path.stat().st_size
    if size == 0:
        raise ReadError("empty file")
    if size > MAX_FILE_BYTES:
        raise ReadError(f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
    raw = path.read_bytes()
    text = decode(raw)
    if suffix == ".jsonl":
        yield from parse_jsonl(text, str(path))
        return
    parser = {".txt": parse_txt, ".md": parse_markdown, ".markdown": parse_markdown}.get(
        suffix, parse_html
    )
    yield parser(text, article_id_for(path))


def article_id_for(path: Path) -> str:
    """A file's article ID is its stem; it must be usable inside citation brackets."""
    stem = path.stem
    if not ARTICLE_ID_RE.match(stem):
        raise ReadError(f"file name {stem!r} is not a valid article ID (letters, digits, _.:-)")
    return stem


def decode(raw: bytes) -> str:
    """UTF-8 text (a BOM is dropped); binary or undecodable bytes raise ``ReadError``."""
    if b"\x00" in raw[:8192]:
        raise ReadError("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8:
        raise ReadError("binary file (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _finish(article_id: str, body: str, title: str = "", date: str | None = None,
            source: str | None = None, url: str | None = None,
            metadata: tuple[tuple[str, str], ...] = ()) -> Article:
    body = normalise_whitespace(body)
    if not body.strip():
        raise ReadError("no text after cleaning")
    if len(body) > MAX_ARTICLE_CHARS:
        raise ReadError(f"article too long ({len(body)} characters, limit {MAX_ARTICLE_CHARS})")
    title = " ".join(title.split())
    if not title:
        title = first_sentence(body)
    return Article(
        id=article_id, text=body, title=title, date=date, source=source or detect_source(body),
        url=url, metadata=metadata,
    )


def parse_txt(text: str, article_id: str) -> Article:
    """The seeds' shape: optional `` date YYYY-MM-DD`` prefix, optional headline, scraped body."""
    date = None
    m = _DATE_LINE.match(text)
    if m:
        date = m.group(1)
        text = text[m.end():]
    text = remove_debris(text)
    title, body = split_headline(text)
    source = None
    if title:
        sm = _OUTLET_SUFFIX.search(title)
        if sm:
            source = "RT"
            title = title[: sm.start()]
    return _finish(article_id, unwrap_lines(body), title, date, source)


def remove_debris(text: str) -> str:
    """Drop scraping leftovers: ad markers, 'Source link', 'Also on <site>' promos, link cards."""
    text = _AD_MARKER.sub("", text)
    text = _SOURCE_LINK.sub("", text)
    text = _ALSO_ON.sub("", text)
    return remove_link_cards(text)


# A link card scraped inline after a person's name (The Hill): the full name, glued to or
# followed by the headlines of related stories, then "MORE". "President Trump Donald John
# TrumpLincoln Project launches ... MORE's campaign rally" is "President Trump's campaign rally".
_GLUED = re.compile(r"\b[A-Z][\w'’.-]*[a-z][A-Z0-9][\w'’.-]*")
_TRANSITION = re.compile(r"[a-z](?=[A-Z0-9])")
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|\([A-Z][\w'’.-]*\))$")
_REPEATED_NAME_CARD = re.compile(
    r"(\b[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3}) \1\b[^\n]{0,3000}? MORE\b")


def remove_link_cards(text: str) -> str:
    """``text`` less inline link cards (each from just after the name shown to its "MORE")."""
    if " MORE" not in text:
        return text
    out, pos = [], 0
    for g in _GLUED.finditer(text):
        if g.start() < pos:
            continue
        end = text.find(" MORE", g.end(), g.end() + 3000)
        if end < 0 or "\n" in text[g.end():end]:
            continue
        cut = _card_start(text, pos, g)
        if cut is not None:
            out.append(text[pos:cut])
            pos = end + len(" MORE")
    out.append(text[pos:])
    return _REPEATED_NAME_CARD.sub(lambda m: m.group(1), "".join(out))


def _card_start(text: str, floor: int, glued: re.Match) -> int | None:
    """Where the card that ``glued`` (its full name run into a headline) belongs starts: just
    after the shown name, which ends with the same surname within a few words before it."""
    window_start = max(floor, glued.start() - 80)
    window = text[window_start:glued.start()]
    for t in _TRANSITION.finditer(glued.group(0)):
        surname = glued.group(0)[: t.end()]
        shown = list(re.finditer(r"(?<![\w'’-])" + re.escape(surname) + r"(?![\w'’-])", window))
        if not shown:
            continue
        start = window_start + shown[-1].end()
        full = text[start:glued.start() + t.end()].split()
        if 1 <= len(full) <= 5 and all(_NAME_WORD.match(w) for w in full):
            return start
    return None


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


def detect_source(body: str) -> str | None:
    """The outlet an article names for itself in its dateline (``/TASS/``)."""
    head = body[:400]
    if _TASS.search(head):
        return "TASS"
    return None


_MD_FRONT = re.compile(r"^---\n(.*?)\n---\n", re.S)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def parse_markdown(text: str, article_id: str) -> Article:
    """Markdown: optional front matter (title, date, source, url), ``# `` heading as title."""
    meta: dict = {}
    m = _MD_FRONT.match(text)
    if m:
        import yaml

        try:
            loaded = yaml.safe_load(m.group(1))
        except yaml.YAMLError as exc:
            raise ReadError(f"bad front matter: {exc.__class__.__name__}") from None
        meta = loaded if isinstance(loaded, dict) else {}
        text = text[m.end():]
    title = str(meta.get("title") or "")
    lines = []
    for line in text.split("\n"):
        h = re.match(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if h:
            if not title and h.group(1) == "#":
                title = h.group(2)
                continue
            line = h.group(2)
        line = re.sub(r"^\s{0,3}(?:[-*+]|\d+\.)\s+", "", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        lines.append(line)
    body = "\n".join(lines)
    body = _MD_LINK.sub(r"\1", body)
    body = _MD_EMPH.sub(r"\2", body)
    return _finish(
        article_id, unwrap_lines(remove_debris(body)), _md_str(title), parse_date(meta.get("date")),
        _md_str(meta.get("source")) or None, _md_str(meta.get("url")) or None,
    )


def _md_str(v) -> str:
    return "" if v is None else str(v)


_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div",
               "section", "article", "br", "tr", "figcaption"}


def parse_html(text: str, article_id: str) -> Article:
    """HTML to text: the <article> (or <main>, or <body>) without scripts, navigation or
    boilerplate; title, date, outlet and URL from the usual meta tags."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")

    def meta(*names: str) -> str | None:
        for n in names:
            tag = soup.find("meta", attrs={"property": n}) or soup.find("meta", attrs={"name": n})
            if tag and tag.get("content"):
                return str(tag["content"]).strip()
        return None

    title = meta("og:title", "twitter:title") or ""
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(" ", strip=True) if h1 else ""
    if not title and soup.title:
        title = soup.title.get_text(" ", strip=True)
    date = parse_date(meta("article:published_time", "date", "pubdate", "dc.date"))
    if not date:
        t = soup.find("time")
        date = parse_date(t.get("datetime") or t.get_text()) if t else None
    source = meta("og:site_name", "publisher")
    url = meta("og:url")
    if not url:
        link = soup.find("link", rel="canonical")
        url = link.get("href") if link else None
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
                     "iframe", "svg", "template", "button"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    h1 = root.find("h1")
    if h1 and " ".join(h1.get_text(" ").split()) == " ".join(title.split()):
        h1.decompose()
    parts: list[str] = []
    for el in root.find_all(True):
        if el.name in _BLOCK_TAGS:
            el.insert_before("\n\n")
            el.insert_after("\n\n")
    raw = root.get_text("")
    for para in re.split(r"\n\s*\n", raw):
        para = " ".join(para.split())
        if para:
            parts.append(para)
    if not parts and not title:
        raise ReadError("no text in HTML")
    return _finish(article_id, remove_debris("\n\n".join(parts)), title, date, source, url)


def parse_jsonl(text: str, where: str) -> Iterator[Article | Skipped]:
    """One article a line: ``id`` and ``text`` required; ``title, date, source, url`` known;
    any other field kept as metadata. A bad line is skipped with its line number."""
    seen: set[str] = set()
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        loc = f"{where}:{n}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(loc, f"not JSON ({exc.msg})")
            continue
        if not isinstance(rec, dict):
            yield Skipped(loc, "not a JSON object")
            continue
        try:
            yield _record(rec, seen)
        except ReadError as exc:
            yield Skipped(loc, str(exc))


def _record(rec: dict, seen: set[str]) -> Article:
    aid = rec.get("id")
    if not isinstance(aid, str) or not aid:
        raise ReadError("missing 'id'")
    if not ARTICLE_ID_RE.match(aid):
        raise ReadError(f"id {aid[:40]!r} is not a valid article ID (letters, digits, _.:-)")
    if aid in seen:
        raise ReadError(f"duplicate id {aid!r} in the same file")
    body = rec.get("text")
    if not isinstance(body, str) or not body.strip():
        raise ReadError("missing 'text'")
    seen.add(aid)
    known = {"id", "text", "title", "date", "source", "url"}
    extra = tuple(
        sorted((k, json.dumps(v, ensure_ascii=False)) for k, v in rec.items() if k not in known)
    )
    title = rec.get("title") if isinstance(rec.get("title"), str) else ""
    source = rec.get("source") if isinstance(rec.get("source"), str) else None
    url = rec.get("url") if isinstance(rec.get("url"), str) else None
    body = body.replace("\r\n", "\n")
    return _finish(aid, unwrap_lines(remove_debris(body)), title, parse_date(rec.get("date")),
                   source, url, extra)


def parse_date(value) -> str | None:
    """An ISO date (YYYY-MM-DD) from the common shapes, or None."""
    if value is None:
        return None
    s = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", s)
    if not m:
        return None
    try:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None
