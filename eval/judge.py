"""The citation support judge: does a cited passage back a sentence of an answer?

ALCE (Gao et al., 2023) judges support with an NLI model; none ships here, so this judge is a
deterministic rule over the words both texts share. A sentence is *supported* by a passage when
all of these hold:

1. **Numbers agree.** Every number in the sentence (digits, or number words such as "eight" or
   "a thousand") also appears in the passage. A differing number is the commonest way a news
   answer goes wrong, so one missing number is enough to refuse support.
2. **Polarity agrees.** If the sentence is negated or reports a denial ("not", "never", "denied",
   "refuted", ...), the passage carries a negation or denial too.
3. **Names agree.** At least half of the sentence's named entities (capitalised words not at
   the start of a sentence) occur in the passage: an answer that puts the talks in the wrong
   city is wrong however many other words match.
4. **Content is covered.** At least ``MIN_COVERAGE`` (60%) of the sentence's content words occur
   in the passage, after lower-casing and light suffix stripping ("captured" ~ "capture").
   Named entities weigh double.
5. **Every clause is covered.** Each clause of the sentence (split at semicolons and at
   ", and" / "but" / "while") with three or more content words has at least half of them in
   the passage, so that a supported clause cannot carry an unsupported one along with it.
   Stop words, citation markers and reporting verbs ("said", "claimed", "according to") do not
   count: they frame a statement rather than carry it, and an answer is free to frame a quote
   differently from the article.

The same module holds the text helpers the metrics share: the sentence splitter, the citation
markers of a sentence, answer normalisation for exact-match scoring, and the hedge test
(``hedged``) that tells an attributed statement from one in the narrator's own voice.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from qa.domain import CITATION_RE

MIN_COVERAGE = 0.6
ENTITY_WEIGHT = 2.0

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either few for
    from further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself nor of off on once only or other our ours ourselves
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves whether within
    upon via per since still yet us ever even many much may might must shall one's""".split()
)

#: Words that frame a statement as someone's ("X said", "the articles differ: X gives ...");
#: they are not content of their own.
REPORTING = frozenset(
    """say says said saying tell tells told claim claims claimed claiming according state states
    stated report reports reported add adds added note notes noted quote quoted quotes insist
    insists insisted announce announces announced tweet tweets tweeted write writes wrote
    allege alleges alleged assert asserts asserted maintain maintains maintained argue argues
    argued contend contends contended article articles differ differs differed disagree
    disagrees give gives gave version versions""".split()
)

#: Words that make a statement negative or a denial (rule 2).
NEGATIONS = frozenset(
    """not no never none nothing neither nor cannot deny denies denied denying denial refute
    refutes refuted refuting reject rejects rejected rejecting dismiss dismissed false wrong
    untrue without""".split()
)

#: A sentence that carries one of these attributes its content to someone (see ``hedged``).
HEDGES = REPORTING | frozenset(
    """deny denies denied refute refutes refuted reject rejects rejected dispute disputes
    disputed accuse accuses accused reportedly allegedly purportedly""".split()
)

NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
    "thousand": "1000", "million": "1000000", "billion": "1000000000",
}

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*(?:st|nd|rd|th)?|[^\W\d_]+(?:['’][^\W\d_]+)*", re.U)
_CLAUSE = re.compile(r";|,\s+(?:and|but|while|whereas)\s+|\s+(?:but|whereas)\s+")
_ABBREV = frozenset(
    "mr mrs ms dr st gen sen rep gov lt col capt sgt prof jr sr inc co corp ltd vs no jan feb "
    "mar apr jun jul aug sep sept oct nov dec u.s u.n u.k e.g i.e".split()
)


@dataclass(frozen=True)
class Verdict:
    """The judge's decision with the evidence for it, so a report can say why."""

    supported: bool
    coverage: float
    missing_words: tuple[str, ...] = ()
    missing_numbers: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Terms:
    """What the judge compares: weighted content stems, numbers, and the polarity."""

    words: dict[str, float]
    numbers: frozenset[str]
    negated: bool


def strip_markers(text: str) -> str:
    """The text without ``[article-id]`` citation markers."""
    return re.sub(r"\s+([.,;:!?])", r"\1", CITATION_RE.sub("", text)).strip()


def cited_ids(text: str) -> list[str]:
    """Article IDs in the citation markers of ``text``, in order, without repeats."""
    out: list[str] = []
    for group in CITATION_RE.findall(text):
        for aid in re.split(r"\s*[,;]\s*", group):
            if aid and aid not in out:
                out.append(aid)
    return out


def sentences(text: str) -> list[str]:
    """Answer text split into sentences; markers placed after a full stop stay with the sentence
    before them (``Kabul fell. [id]`` is one sentence)."""
    return [s for block in blocks(text) for s in block]


def blocks(text: str) -> list[list[str]]:
    """The sentences of each paragraph (or list item) of the answer text."""
    out: list[list[str]] = []
    for block in re.split(r"\n\s*", text.strip()):
        sents = _split_block(block)
        if sents:
            out.append(sents)
    return out


def _split_block(block: str) -> list[str]:
    out: list[str] = []
    block = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", block)
    start = 0
    for m in re.finditer(r"(?<=[.!?])[\"”’')\]]*(\s+)", block):
        if m.start() < start:
            continue  # inside markers already given to the previous sentence
        end = m.start(1)
        word = re.findall(r"([\w.]+)\.$", block[start:end])
        if (word and word[0].lower().rstrip(".") in _ABBREV
                or re.search(r"\b\w\.$", block[start:end])):
            continue
        nxt = m.end()
        # Markers after the full stop belong to the sentence before them.
        trailing = re.match(r"(?:\[[^\]\s][^\]]*\]\s*)+", block[nxt:])
        if trailing and CITATION_RE.match(block[nxt:]):
            end = nxt + len(trailing.group(0).rstrip())
            nxt += len(trailing.group(0))
        out.append(block[start:end])
        start = nxt
    out.append(block[start:])
    return [s.strip() for s in out if strip_markers(s).strip(" .")]


def segments(sentence: str) -> list[str]:
    """The statements of one sentence: where a sentence carries several marker groups
    ("A claims X [a]; B denies it [b]."), each part ending in one; otherwise the sentence.
    Text after the last marker belongs to the last part."""
    parts, start = [], 0
    for m in CITATION_RE.finditer(sentence):
        parts.append(sentence[start:m.end()])
        start = m.end()
    tail = sentence[start:]
    if not parts:
        return [sentence]
    parts[-1] += tail
    merged: list[str] = []
    for p in parts:
        # A part with no words of its own ("[a] [b]" split apart) joins the one before it.
        if merged and not strip_markers(p).strip(" .;,:"):
            merged[-1] += p
        else:
            merged.append(p)
    return [p.strip() for p in merged]


def stem(word: str) -> str:
    """A light, deterministic suffix stripper: enough to match 'districts' with 'district' and
    'captured' with 'capture'; not a linguistic stemmer."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'")
    for suffix, repl, min_len in (("ies", "y", 5), ("ied", "y", 5), ("ing", "", 6),
                                  ("ed", "", 5), ("es", "", 6), ("s", "", 4)):
        if w.endswith(suffix) and len(w) >= min_len and not (suffix == "s" and w.endswith("ss")):
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def _number(token: str) -> str:
    t = re.sub(r"(st|nd|rd|th)$", "", token.lower())
    return t.replace(",", "").rstrip(".")


def terms(text: str) -> Terms:
    """The judge's view of a text (see the module docstring)."""
    text = unicodedata.normalize("NFKC", strip_markers(text))
    words: dict[str, float] = {}
    numbers: set[str] = set()
    negated = False
    first = True
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        low = tok.lower().replace("’", "'")
        sentence_start = first or text[: m.start()].rstrip()[-1:] in ".!?:\"“"
        first = False
        if tok[0].isdigit():
            numbers.add(_number(tok))
            continue
        if low in NUMBER_WORDS:
            numbers.add(NUMBER_WORDS[low])
            continue
        if low in NEGATIONS or low.endswith("n't"):
            negated = True
        if low in STOPWORDS or low in REPORTING or len(low) < 2:
            continue
        weight = ENTITY_WEIGHT if tok[0].isupper() and not sentence_start else 1.0
        s = stem(low)
        words[s] = max(words.get(s, 0.0), weight)
    return Terms(words, frozenset(numbers), negated)


def judge(sentence: str, passage: str) -> Verdict:
    """Whether ``passage`` supports ``sentence``, by the rule in the module docstring."""
    s, p = terms(sentence), terms(passage)
    if not passage.strip():
        return Verdict(False, 0.0, tuple(s.words), tuple(sorted(s.numbers)), "no passage")
    missing_numbers = tuple(sorted(s.numbers - p.numbers))
    total = sum(s.words.values())
    matched = sum(w for k, w in s.words.items() if k in p.words)
    coverage = matched / total if total else (1.0 if s.numbers else 0.0)
    missing = tuple(k for k in s.words if k not in p.words)
    if not s.words and not s.numbers:
        return Verdict(False, 0.0, reason="the sentence states nothing to check")
    if missing_numbers:
        return Verdict(False, coverage, missing, missing_numbers,
                       f"number(s) {', '.join(missing_numbers)} not in the passage")
    if s.negated and not p.negated:
        return Verdict(False, coverage, missing, (), "the sentence is negated, the passage is not")
    entities = [k for k, w in s.words.items() if w == ENTITY_WEIGHT]
    lost = [k for k in entities if k not in p.words]
    if entities and len(lost) * 2 > len(entities):
        return Verdict(False, coverage, missing, (),
                       f"named entit{'y' if len(lost) == 1 else 'ies'} {', '.join(lost)} "
                       "not in the passage")
    if coverage < MIN_COVERAGE:
        return Verdict(False, coverage, missing, (),
                       f"only {coverage:.0%} of its content is in the passage")
    for clause in _CLAUSE.split(strip_markers(sentence)):
        c = terms(clause).words
        if len(c) >= 3 and sum(w for k, w in c.items() if k in p.words) < sum(c.values()) / 2:
            return Verdict(False, coverage, missing, (),
                           f"the clause {clause.strip()[:80]!r} is not in the passage")
    return Verdict(True, coverage, missing, (), "supported")


def supports(sentence: str, passage: str) -> bool:
    """``judge(sentence, passage).supported``."""
    return judge(sentence, passage).supported


def hedged(sentence: str) -> bool:
    """Whether a sentence attributes what it says ("X said", "according to X", "X denied"),
    rather than stating it in the narrator's own voice."""
    low = strip_markers(sentence).lower().replace("’", "'")
    return any(t in HEDGES for t in re.findall(r"[a-z']+", low))


_PUNCT = str.maketrans({c: " " for c in string.punctuation + "‘’“”–—…"})


def normalise(text: str) -> str:
    """SQuAD-style normalisation for answer matching: no markers, accents, punctuation,
    articles, case or repeated spaces; number words become digits, '1,000' becomes '1000'."""
    text = unicodedata.normalize("NFKD", strip_markers(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = text.translate(_PUNCT)
    words = [NUMBER_WORDS.get(w, w) for w in text.split() if w not in ("a", "an", "the")]
    return " ".join(words)


def contains_answer(answer_text: str, expected: str) -> bool:
    """Whether the normalised ``expected`` occurs in the normalised answer on word boundaries."""
    hay, needle = f" {normalise(answer_text)} ", normalise(expected)
    return bool(needle) and f" {needle} " in hay


def stated_as_fact(answer_text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in a sentence of the answer that does not attribute it."""
    return any(contains_answer(s, phrase) and not hedged(s) for s in sentences(answer_text))
