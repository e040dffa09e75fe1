"""The readers: .txt (the seeds' shape), Markdown, HTML and JSON Lines, each giving clean
``Article`` values, and the dates they read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date as _date

from ..domain import ARTICLE_ID_RE, Article, Skipped
from .cleaning import first_sentence, normalise_whitespace, split_headline, unwrap_lines
from .errors import MAX_ARTICLE_CHARS, ReadError
from .outlets import detect_source, remove_debris, source_from_title

_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")


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
    title, source = source_from_title(title) if title else (title, None)
    return _finish(article_id, unwrap_lines(body), title, date, source)


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


def parse_jsonl(text: str | Iterable, where: str) -> Iterator[Article | Skipped]:
    """One article a line (``text``: the file's text, or its lines): ``id`` and ``text``
    required; ``title, date, source, url`` known; any other field kept as metadata. A bad line
    is skipped with its line number."""
    seen: set[str] = set()
    lines = text.split("\n") if isinstance(text, str) else text
    for n, line in enumerate(lines, 1):
        loc = f"{where}:{n}"
        if isinstance(line, ReadError):
            yield Skipped(loc, str(line))
            continue
        if not line.strip():
            continue
        if len(line) > MAX_ARTICLE_CHARS * 2:
            yield Skipped(loc, f"line too long ({len(line)} characters)")
            continue
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
