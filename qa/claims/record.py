"""What ingest stores per claim, and its JSON form in the article manifest.

A ``Record`` is a public ``Claim`` plus what contest detection needs and the reader does not:
the side a denial answers, the figures and dated events it states, and its sentence vector
(computed at ingest so that answering never waits for the embedder).
"""

from __future__ import annotations

import base64
import re
import json
from dataclasses import dataclass, replace

import numpy as np
import orjson

from ..domain import Article, Claim

FORMAT = 1
#: The target of a denial of unattributed reports ("refuted the reports about an agreement"):
#: it answers whoever asserted the point.
ANY_REPORT = "*"


@dataclass(frozen=True)
class Quantity:
    """A figure stated about something counted: "at least eight Taliban fighters were killed"."""

    text: str  # the figure as written: "at least eight"
    lo: float
    hi: float
    noun: str  # lemma of what is counted: "fighter"
    verbs: tuple[str, ...]  # lemmas of what happened to it: ("kill",)
    phrase: str  # "Taliban fighters were killed"
    counted: str = ""  # "Taliban fighters", embedded to compare counted things across articles
    date: str = ""  # the day the sentence gives, if it gives one
    places: tuple[str, ...] = ()  # the places the figure is about: those its sentence names nearest to it
    vec: np.ndarray | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened on a stated date: "Ashraf Ghani fled the country" on 2021-08-14."""

    verb: str  # lemma
    subject: str  # normalised key of who did it: "ghani"
    label: str  # "Ashraf Ghani fled the country"
    date: str  # "2021-08-14", or "--08-14" when the year is unknown
    date_text: str  # "August 14"
    vec: np.ndarray | None = None  # of the label, to tell whether a question asks about it


@dataclass(frozen=True)
class Record:
    claim: Claim
    target: str | None = None  # for a denial: the side whose claim it answers
    side_det: bool = False  # the side reads "the Taliban", not "Taliban"
    quantities: tuple[Quantity, ...] = ()
    events: tuple[Event, ...] = ()
    vec: np.ndarray | None = None
    keys: tuple[str, ...] = ()  # lemmas of what the claim is about: its subject and object nouns
    pred: str = ""  # lemma of the claim's main verb ("leave"), "" for a light verb

    def embed_text(self) -> str:
        """What the sentence vector is computed from: the reported content, its opening
        pronoun named ("they have taken" -> "the Taliban have taken"), when it says enough on
        its own; else the whole quote. A denied claim is what it names ("denied the aide's
        claims that he assaulted her": "he assaulted her")."""
        c = self.claim
        content = c.content
        m = _NAMED_CLAIM.match(content)
        if m and len(m.group(1).split()) >= 3:
            content = m.group(1)
        if len(content.split()) < 5:
            return c.quote
        return name_opening_pronoun(content, f"the {c.side}" if self.side_det else c.side)


#: "the aide's claims that P", "reports by X that P", "allegations he P": the claim is P.
_NAMED_CLAIM = re.compile(
    r"^(?:the |a |an )?(?:[\w.-]+(?:[’']s?)? ){0,4}(?:claims?|reports?|allegations?|accusations?|"
    r"assertions?|statements?|charges?|accounts?|suggestions?|rumou?rs?)"
    r"(?: by [^,]{1,60}?)?,? (?:that )?(.+)$", re.I)
_OPENING = ("they ", "it ", "its ", "their ", "we ", "our ", "he ", "she ", "his ", "her ")


def name_opening_pronoun(content: str, who: str) -> str:
    """``content`` with an opening pronoun replaced by who it stands for."""
    content = content.strip().rstrip(".")
    low = content.lower()
    if re.match(r"(?:he|his)\b", low) and re.search(r"\bher\b", low) or \
            re.match(r"(?:she|her)\b", low) and re.search(r"\b(?:him|his)\b", low):
        return content  # "he sexually assaulted her", said by her: "he" is somebody else
    for p in _OPENING:
        if low.startswith(p):
            if p in ("its ", "their ", "our ", "his ", "her "):
                who += "’s"
            return f"{who} {content[len(p):]}"
    return content


def _pack(vec: np.ndarray | None) -> str | None:
    if vec is None:
        return None
    q = np.clip(np.round(np.asarray(vec, dtype=np.float32) * 127), -127, 127).astype(np.int8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def _unpack(s: str | None) -> np.ndarray | None:
    if not s:
        return None
    v = np.frombuffer(base64.b64decode(s), dtype=np.int8).astype(np.float32)
    n = float(np.linalg.norm(v))
    return v / n if n else v


def encode(records: list[Record], entities: list[tuple[int, int, str]] = ()) -> str:
    """The manifest's ``claims`` annotation: the claims and the article's named entities.
    Quotes are not stored: they are the article's text at ``[start, end)``, restored on
    decode."""
    out = []
    for r in records:
        c = r.claim
        d = {"sp": c.speaker, "si": c.side, "st": c.stance, "s": c.start, "e": c.end,
             "v": c.verb, "c": c.content}
        if c.affiliation:
            d["af"] = c.affiliation
        if not c.attributed:
            d["na"] = 1
        if r.target:
            d["t"] = r.target
        if r.side_det:
            d["th"] = 1
        if r.quantities:
            d["q"] = [[q.text, q.lo, q.hi, q.noun, list(q.verbs), q.phrase, _pack(q.vec), q.counted, q.date, list(q.places)]
                      for q in r.quantities]
        if r.events:
            d["ev"] = [[e.verb, e.subject, e.label, e.date, e.date_text, _pack(e.vec)] for e in r.events]
        if r.keys:
            d["k"] = list(r.keys)
        if r.pred:
            d["p"] = r.pred
        if r.vec is not None:
            d["x"] = _pack(r.vec)
        out.append(d)
    doc = {"format": FORMAT, "claims": out}
    if entities:
        doc["ents"] = [x for s, e, label in entities for x in (s, e, label)]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def decode_entities(raw: str | None, text_length: int) -> tuple[tuple[int, int, str], ...] | None:
    """The named entities of an annotation, ``(start, end, label)`` in text order; None when
    the annotation holds none (written before entities were kept, or without claims)."""
    if not raw:
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or "ents" not in data:
        return None
    flat = data["ents"]
    out = []
    for i in range(0, len(flat) - 2, 3):
        s, e, label = flat[i], flat[i + 1], flat[i + 2]
        if isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= text_length:
            out.append((s, e, str(label)))
    out.sort()
    return tuple(out)


def decode(raw: str | None, article: Article, contestable: bool = False) -> list[Record]:
    """Records from an annotation, with exact quotes and the article's date; [] when absent or
    written by an older format. ``contestable``: only those a contest can use (attributed, or
    stating a figure or a date), which skips the outlet's plain statements (most of them)."""
    if not raw:
        return []
    try:
        data = orjson.loads(raw)  # an answer decodes several articles' claims: ~5x json's speed
    except orjson.JSONDecodeError:
        return []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return []
    text = article.text
    out = []
    for d in data.get("claims", []):
        if contestable and d.get("na") and not d.get("q") and not d.get("ev"):
            continue
        s, e = int(d["s"]), int(d["e"])
        if not (0 <= s < e <= len(text)):
            continue
        qs = tuple(Quantity(q[0], float(q[1]), float(q[2]), q[3], tuple(q[4]), q[5],
                            *(q[7:9] if len(q) > 8 else ("", "")),
                            tuple(q[9]) if len(q) > 9 else (), vec=_unpack(q[6]))
                   for q in d.get("q", []))
        evs = tuple(Event(*ev[:5], _unpack(ev[5]) if len(ev) > 5 else None) for ev in d.get("ev", []))
        claim = Claim(
            speaker=d["sp"], side=d["si"], stance=d["st"], quote=text[s:e], article_id=article.id,
            start=s, end=e, verb=d.get("v", ""), content=d.get("c", ""),
            affiliation=d.get("af"), date=article.date,
            numbers=tuple(q.text for q in qs), dates=tuple(dict.fromkeys(ev.date_text for ev in evs)),
            attributed=not d.get("na"),
        )
        out.append(Record(claim, d.get("t"), bool(d.get("th")), qs, evs, _unpack(d.get("x")),
                          tuple(d.get("k", ())), d.get("p", "")))
    return out


def with_side(r: Record, side: str) -> Record:
    """The record with its claim moved to another (normalised) side."""
    return replace(r, claim=replace(r.claim, side=side))
