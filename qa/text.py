"""Text utilities every stage shares: content words, their stems, and sentence spans.

``Lexicon`` turns text into stemmed content terms (stop words dropped, irregular English forms
merged: "took" -> "take"); it owns its cache. ``split_spans`` finds sentences with offsets into
the text, so a quote is always ``text[start:end]``. Nothing here knows about questions,
articles or contests: the stages above decide what words mean.
"""

from __future__ import annotations

import re
import threading

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from into about over after before
    between during without within under against among is are was were be been being am do does
    did done have has had having will would shall should can could may might must what which who
    whom whose when where why how that this these those it its it's they them their there here
    he him his she her we us our you your i me my not no nor so than too very just also any all
    each some such only own same other more most say said says tell told according did does
    many much one ones whether as s t""".split()
)

#: Irregular English forms a suffix stemmer leaves apart from their base ("took" / "take").
#: General morphology, not a thesaurus: words that mean alike but are different words
#: ("truce" / "ceasefire") are left to sentence meaning.
IRREGULAR = {
    "began": "begin", "begun": "begin", "bought": "buy", "brought": "bring", "built": "build",
    "came": "come", "caught": "catch", "chose": "choose", "chosen": "choose", "dealt": "deal",
    "did": "do", "done": "do", "drew": "draw", "drawn": "draw", "drove": "drive",
    "driven": "drive", "ate": "eat", "eaten": "eat", "fell": "fall", "fallen": "fall",
    "felt": "feel", "fought": "fight", "found": "find", "fled": "flee", "flew": "fly",
    "flown": "fly", "forgot": "forget", "forgotten": "forget", "gave": "give", "given": "give",
    "went": "go", "gone": "go", "grew": "grow", "grown": "grow", "hung": "hang", "heard": "hear",
    "hid": "hide", "hidden": "hide", "held": "hold", "kept": "keep", "knew": "know",
    "known": "know", "laid": "lay", "led": "lead", "left": "leave", "lent": "lend",
    "lost": "lose", "made": "make", "meant": "mean", "met": "meet", "paid": "pay",
    "ran": "run", "rang": "ring", "rose": "rise", "risen": "rise", "sought": "seek",
    "sold": "sell", "sent": "send", "shot": "shoot", "shook": "shake", "shaken": "shake",
    "sang": "sing", "sung": "sing", "sank": "sink", "sunk": "sink", "sat": "sit",
    "slept": "sleep", "spoke": "speak", "spoken": "speak", "spent": "spend", "stood": "stand",
    "stole": "steal", "stolen": "steal", "struck": "strike", "swore": "swear", "sworn": "swear",
    "took": "take", "taken": "take", "taught": "teach", "tore": "tear", "torn": "tear",
    "thought": "think", "threw": "throw", "thrown": "throw", "understood": "understand",
    "woke": "wake", "wore": "wear", "worn": "wear", "won": "win", "withdrew": "withdraw",
    "withdrawn": "withdraw", "wrote": "write", "written": "write", "broke": "break",
    "broken": "break", "became": "become", "bore": "bear", "born": "bear", "beat": "beat",
    "bit": "bite", "bitten": "bite", "blew": "blow", "blown": "blow", "froze": "freeze",
    "frozen": "freeze", "got": "get", "gotten": "get", "ridden": "ride", "rode": "ride",
    "saw": "see", "seen": "see", "spun": "spin", "swam": "swim", "swum": "swim",
    "men": "man", "women": "woman", "children": "child", "people": "person", "feet": "foot",
    "mice": "mouse", "teeth": "tooth", "lives": "life", "wives": "wife", "knives": "knife",
}


class Lexicon:
    """Stemmed content terms of texts, cached per text (bounded). One per pipeline."""

    def __init__(self, max_entries: int = 50_000):
        import Stemmer  # PyStemmer, which llama-index's BM25 retriever (bm25s) installs

        self._stemmer = Stemmer.Stemmer("english")
        self._max = max_entries
        self._words: dict[str, str] = {}  # word as written -> its term ("" for a stop word)
        self._texts: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    def terms(self, text: str) -> frozenset[str]:
        """Stemmed, lower-cased content words of ``text``."""
        hit = self._texts.get(text)
        if hit is not None:
            return hit
        out = set()
        words = self._words
        for word in WORD.findall(text):
            term = words.get(word)
            if term is None:
                term = self.term(word)
                words[word] = term
            if term:
                out.add(term)
        result = frozenset(out)
        with self._lock:
            if len(self._texts) > self._max // 4:
                self._texts.clear()
            if len(words) > self._max:
                words.clear()
            self._texts[text] = result
        return result

    def clear(self) -> None:
        """Forgets every cached text and word (benchmarks time cold questions)."""
        with self._lock:
            self._texts.clear()
            self._words.clear()

    def term(self, word: str) -> str:
        """One word's term ("" for a stop word)."""
        w = word.lower().strip("'’-").removesuffix("'s").removesuffix("’s")
        if not w or w in STOPWORDS:
            return ""
        return self._stemmer.stemWord(IRREGULAR.get(w, w))


# --- sentences -------------------------------------------------------------------------------
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "maj", "sen", "rep", "gov",
    "st", "jr", "sr", "no", "vs", "etc", "inc", "corp", "co", "ltd", "u.s", "u.k", "u.n", "e.g",
    "i.e", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "a.m", "p.m", "ft", "mt", "pres", "rev", "gov't", "dept", "approx",
}
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace and
# something that can start a sentence.
_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
#: The dateline that opens a wire story's paragraph, not part of its first sentence: "CAIRO,
#: August 31. /TASS/.", "WASHINGTON (AP) —", "KABUL, Afghanistan (Reuters) -", "NEW YORK —"
#: (not a caption's "FILE -", which marks the sentence as page furniture).
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z .'-]{1,40}, [A-Z][a-z]+ \d{1,2}\.\s*(?:/[A-Z]{2,10}/\.?)?\s*|"
    r"(?!FILE\b)[A-Z][A-Z.'’-]{2,}(?: [A-Z][A-Z.'’-]+){0,3}"
    r"(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)?)?"
    r"(?: \([A-Za-z .&-]{1,30}\))? ?[—–-]{1,2} +(?=[A-Z0-9\"“‘']))")


def dateline_end(text: str) -> int:
    """Where a dateline that opens ``text`` ends (0 when there is none)."""
    m = _DATELINE.match(text)
    return m.end() if m and m.end() < len(text.rstrip()) else 0


def split_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each sentence; paragraph breaks always end a sentence."""
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        base, ptext = para.start(), para.group(0)
        start = 0
        for m in _END.finditer(ptext):
            word = re.search(r"([A-Za-z.']+)\W*$", ptext[start : m.start() + 1])
            token = (word.group(1) if word else "").lower().rstrip(".")
            if token in _ABBREV or (len(token) == 1 and token.isalpha()):
                continue  # "Mr. Smith", "Q. Example", "U.S. forces"
            spans.append((base + start, base + m.end()))
            start = m.end()
            while start < len(ptext) and ptext[start].isspace():
                start += 1
        if start < len(ptext):
            spans.append((base + start, base + len(ptext)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    s += dateline_end(text[s:e])  # "CAIRO, August 31. /TASS/." is no part of the sentence
    return s, e


# --- values that differ between two versions of one sentence ---------------------------------
_TOKEN = re.compile(r"\w[\w’'-]*|\S")
_NUMBER_WORD = ("one two three four five six seven eight nine ten eleven twelve dozen dozens "
                "twenty thirty forty fifty hundred hundreds thousand thousands million millions "
                "billion").split()
_VALUE = re.compile(r"\d|^[A-Z]|^(?i:" + "|".join(_NUMBER_WORD) + r")$")
_RELATIVE_DAY = frozenset("monday tuesday wednesday thursday friday saturday sunday yesterday "
                          "today tonight tomorrow".split())
_REPORTED_BY = re.compile(r"^\W*(?:said|says|told|tweeted|wrote|added|reported|announced)\b|"
                          r"according to\W*$", re.I)
#: A reporting verb: who said it ("said", "according to", "denied", ...).
REPORTING = re.compile(r"\b(?:said|says|told|stated|claimed|claims|denied|denies|announced|"
                       r"reported|according to|tweeted|wrote|added|insisted|refuted|rejected|"
                       r"alleged|confirmed|argued)\b")


#: Typographic marks written two ways: "ABC’s" and "ABC's" are one word.
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _plain(token: str) -> str:
    return token.lower().translate(_TYPOGRAPHIC)


def differing_values(a: str, b: str, min_shared: float = 0.6
                     ) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Where two tellings of one sentence differ in a value: ``((start, end) in a, (start, end)
    in b)`` of the one stretch where they differ, when they share at least ``min_shared`` of
    their tokens and that stretch holds a figure or a name on both sides ("... operated by JR
    East" / "... operated by Odakyu"). None otherwise: no difference, differences far apart,
    only ordinary words changed, one name written two ways ("President Biden" / "Biden"), only
    who said it, or only a weekday (each outlet counts days from its own publication)."""
    import difflib

    ta = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(a)]
    tb = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(b)]
    if not ta or not tb:
        return None
    sm = difflib.SequenceMatcher(None, [_plain(t[0]) for t in ta], [_plain(t[0]) for t in tb],
                                 autojunk=False)
    shared = sum(m.size for m in sm.get_matching_blocks())
    if shared / max(len(ta), len(tb)) < min_shared:
        return None
    changes = [op for op in sm.get_opcodes() if op[0] != "equal"]
    if not changes:
        return None
    # Changes at most two tokens apart are one difference ("November 25, 1865" / "March 15,
    # 1870"); of several differences, the first that changes a value is the one that matters
    # ("founded in 1856, the present chuch" / "founded in 1900, the present church").
    groups: list[list[int]] = []
    for _, k1, k2, l1, l2 in changes:
        if groups and k1 - groups[-1][1] <= 2 and l1 - groups[-1][3] <= 2:
            groups[-1][1], groups[-1][3] = k2, l2
        else:
            groups.append([k1, k2, l1, l2])
    for i1, i2, j1, j2 in groups:
        found = _value_change(a, b, ta, tb, i1, i2, j1, j2)
        if found is not None:
            return found
    return None


def _value_change(a: str, b: str, ta: list, tb: list, i1: int, i2: int, j1: int, j2: int
                  ) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The spans of one difference between two tellings when it changes a value."""
    if i1 == i2 or j1 == j2:
        return None  # words added or left out, nothing replaced
    wa, wb = [t[0] for t in ta[i1:i2]], [t[0] for t in tb[j1:j2]]
    if not (any(_VALUE.search(w) for w in wa) and any(_VALUE.search(w) for w in wb)):
        return None
    la, lb = {w.lower() for w in wa if w[0].isalnum()}, {w.lower() for w in wb if w[0].isalnum()}
    if la & lb - set(_NUMBER_WORD) and not any(w[0].isdigit() for w in la | lb):
        return None  # one name written two ways
    if (la | lb) <= _RELATIVE_DAY | {"on", "last", "this", "next"}:
        return None
    if any(_REPORTED_BY.search(x[t[i2 - 1][2]:t[i2 - 1][2] + 12])
           or _REPORTED_BY.search(x[:t[i1][1]][-14:])
           or REPORTING.search(x[t[i1][1]:t[i2 - 1][2]])
           for x, t, i1, i2 in ((a, ta, i1, i2), (b, tb, j1, j2))):
        return None  # who said it differs, not what ("A gunman" / "Police said one man")
    return (ta[i1][1], ta[i2 - 1][2]), (tb[j1][1], tb[j2 - 1][2])
