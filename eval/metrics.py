"""The metrics: what each measures, how one answer is measured, and how a run adds up.

Everything here reads the ``POST /api/ask`` JSON (``Answer.to_json()``), so an in-process run and
a run against a server are scored the same way. ``corpus`` is ``{article_id: Article}``, the
articles exactly as the service cleaned them, so quotes can be checked at their offsets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from qa.domain import Article

from .judge import blocks, cited_ids, segments, supports


@dataclass(frozen=True)
class Metric:
    """A named measure of a run; ``higher_is_better`` decides how a threshold bounds it."""

    name: str
    label: str
    description: str
    unit: Literal["rate", "count"] = "rate"
    higher_is_better: bool = True


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("citation_validity", "Citation validity",
           "Cited IDs that are corpus articles with the quote verbatim at [start, end) "
           "(citations, text markers and contest claims)."),
    Metric("citation_recall", "Citation recall (ALCE)",
           "Answer statements (sentences, or their parts that end in a citation) whose "
           "citations, taken together, support them."),
    Metric("citation_precision", "Citation precision (ALCE)",
           "Citations that support their statement, or that it needs beside the others."),
    Metric("answer_accuracy", "Answer accuracy",
           "Fact cases whose answer contains an expected answer (all of them where the case "
           "says so) and states no wrong answer as fact."),
    Metric("must_cite_rate", "Expected article cited",
           "Fact cases with must_cite whose answer cites at least one of those articles."),
    Metric("abstention_accuracy", "Abstention accuracy",
           "Abstain cases (the articles hold no answer) where the service abstained."),
    Metric("false_abstention_rate", "False abstentions",
           "Answerable cases (fact, contested) where the service abstained.",
           higher_is_better=False),
    Metric("contest_recall", "Contest recall",
           "Contested cases where one contest carries every expected side and the answer "
           "cites each side."),
    Metric("false_contest_rate", "False contests",
           "Fact cases whose answer reports a contest as what the question is about (a contest "
           "shown because the answer quotes one of its claims is counted apart, as "
           "quoted_contest_rate).", higher_is_better=False),
    Metric("quoted_contest_rate", "Contests of quoted claims",
           "Fact cases whose answer shows a contest because it quotes one of the contest's "
           "claims (no cited claim without its counter-claim); not a fault, reported so that "
           "it can be read.", higher_is_better=False),
    Metric("attribution_rate", "Attribution rate",
           "Contested claims given with a speaker other than the outlet itself."),
    Metric("unhedged_assertions", "Unhedged assertions",
           "Answer sentences that state a contested claim in the narrator's voice.",
           unit="count", higher_is_better=False),
    Metric("errors", "Errors", "Cases where the service failed to answer.", unit="count",
           higher_is_better=False),
    Metric("pass_rate", "Cases passed", "Cases that passed every required check."),
)}


# --- one answer ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """A citation, marker or claim that fails validity, and why."""

    what: str
    article_id: str
    why: str


def validity(answer: Mapping, corpus: Mapping[str, Article]) -> tuple[int, list[Problem]]:
    """(items checked, problems): every citation and contest claim names a corpus article and
    quotes it verbatim at ``[start, end)``; every marker in the text has a citation."""
    checked = 0
    problems: list[Problem] = []
    quoted = {c.get("article_id") for c in answer.get("citations", [])}

    def check(what: str, item: Mapping) -> None:
        nonlocal checked
        checked += 1
        aid = item.get("article_id")
        art = corpus.get(aid) if isinstance(aid, str) else None
        if art is None:
            problems.append(Problem(what, str(aid), "not an article of the corpus"))
            return
        start, end, quote = item.get("start"), item.get("end"), item.get("quote")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(quote, str)):
            problems.append(Problem(what, aid, "quote, start or end missing"))
        elif not 0 <= start < end <= len(art.text):
            problems.append(Problem(what, aid, f"[{start}, {end}) lies outside the article"))
        elif art.text[start:end] != quote:
            problems.append(Problem(what, aid, f"quote is not the article text at [{start}, {end})"))

    for c in answer.get("citations", []):
        check("citation", c)
    for contest in answer.get("contested", []):
        for side in contest.get("sides", []):
            for claim in side.get("claims", []):
                check("contest claim", claim)
    for aid in cited_ids(answer.get("answer", "")):
        checked += 1
        if aid not in corpus:
            problems.append(Problem("marker", aid, "cited in the text but not in the corpus"))
        elif aid not in quoted:
            problems.append(Problem("marker", aid, "cited in the text without a citation quote"))
    return checked, problems


def quotes_by_article(answer: Mapping, corpus: Mapping[str, Article]) -> dict[str, str]:
    """The verbatim quotes an answer gives for each article (citations and contest claims);
    a quote that is not the article's text does not count as a passage."""
    out: dict[str, list[str]] = {}
    items = list(answer.get("citations", []))
    for contest in answer.get("contested", []):
        for side in contest.get("sides", []):
            items.extend(side.get("claims", []))
    for it in items:
        art = corpus.get(it.get("article_id"))
        s, e, q = it.get("start"), it.get("end"), it.get("quote")
        if art and isinstance(s, int) and isinstance(e, int) and q and art.text[s:e] == q:
            out.setdefault(art.id, [])
            if q not in out[art.id]:
                out[art.id].append(q)
    return {k: "\n".join(v) for k, v in out.items()}


@dataclass(frozen=True)
class SentenceSupport:
    """One answer sentence as ALCE sees it."""

    sentence: str
    cited: tuple[str, ...]
    supported: bool
    precise: int  # citations that count for precision
    inherited: bool = False  # the citations are those of the next sentence (see ``alce``)


def alce(answer: Mapping, corpus: Mapping[str, Article]) -> list[SentenceSupport]:
    """ALCE citation recall and precision per statement (Gao et al. 2023, section 4.3), with
    ``judge.supports`` in place of the NLI model. A statement is supported when the passages of
    all its citations together support it; a citation is precise when its statement is
    supported and it either supports the statement alone or the others do not without it.

    A statement is a sentence, or each part of a sentence that ends in its own marker group
    ("the Taliban say X [a]; the resistance denies it [b]."). The passage of a citation is the
    verbatim quote(s) the answer gives for that article, with the article's outlet, date and
    title (an answer may say "TASS (2021-08-26) reports: ..."). One marker may close several
    sentences of a paragraph (the extractive engine quotes a context sentence together with the
    one it explains): a sentence with no marker of its own takes the markers of the next
    sentence in its paragraph, and must still be supported by them."""
    passages = quotes_by_article(answer, corpus)
    for aid, text in list(passages.items()):
        passages[aid] = text + "\n" + _metadata(corpus[aid])
    out = []
    for block in blocks(answer.get("answer", "")):
        units = [seg for s in block for seg in segments(s)]
        own = [cited_ids(u) for u in units]
        for k, unit in enumerate(units):
            ids, inherited = own[k], False
            if not ids:
                later = next((x for x in own[k + 1:] if x), [])
                ids, inherited = later, bool(later)
            out.append(_support(unit, ids, passages, inherited))
    return out


def _metadata(art: Article) -> str:
    bits = [art.source or "", art.title or ""]
    if art.date:
        from datetime import date

        d = date.fromisoformat(art.date)
        bits += [art.date, f"{d:%B} {d.day}, {d.year}"]
    return " ".join(b for b in bits if b)


def _support(sent: str, ids: list[str], passages: dict[str, str],
             inherited: bool) -> SentenceSupport:
    joint = bool(ids) and supports(sent, "\n".join(passages.get(i, "") for i in ids))
    precise = 0
    if joint and len(ids) > 1:
        for aid in ids:
            rest = "\n".join(passages.get(i, "") for i in ids if i != aid)
            if supports(sent, passages.get(aid, "")) or not supports(sent, rest):
                precise += 1
    else:
        precise = int(joint)
    return SentenceSupport(sent, tuple(ids), joint, precise, inherited)


def answer_cited(answer: Mapping) -> set[str]:
    """Every article ID the answer cites, in its text or its citation list."""
    ids = set(cited_ids(answer.get("answer", "")))
    ids.update(c.get("article_id") for c in answer.get("citations", []) if c.get("article_id"))
    return ids


# --- a run ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Value:
    """A metric's value over a run: ``numerator / denominator``, or a count."""

    name: str
    value: float | None
    numerator: float = 0
    denominator: float = 0

    def shown(self) -> str:
        """The value as the summary table prints it."""
        if self.value is None:
            return "n/a"
        if METRICS[self.name].unit == "count":
            return str(int(self.value))
        return f"{self.value:.3f} ({self.numerator:g}/{self.denominator:g})"


def _rate(name: str, num: float, den: float) -> Value:
    return Value(name, num / den if den else None, num, den)


def aggregate(results) -> dict[str, Value]:
    """Every metric over a run's case results (``scoring.CaseResult``)."""
    s = lambda key: sum(r.counts.get(key, 0) for r in results)  # noqa: E731
    n = lambda cond: sum(1 for r in results if cond(r))  # noqa: E731
    fact = [r for r in results if r.case.kind == "fact"]
    contested = [r for r in results if r.case.kind == "contested"]
    abstain = [r for r in results if r.case.kind == "abstain"]
    answerable = fact + contested
    with_cite = [r for r in fact if r.case.must_cite]
    vals = [
        _rate("citation_validity", s("valid_items"), s("checked_items")),
        _rate("citation_recall", s("supported_sentences"), s("sentences")),
        _rate("citation_precision", s("precise_citations"), s("sentence_citations")),
        _rate("answer_accuracy", sum(r.counts.get("correct", 0) for r in fact), len(fact)),
        _rate("must_cite_rate", sum(r.counts.get("cited_expected", 0) for r in with_cite),
              len(with_cite)),
        _rate("abstention_accuracy", sum(r.counts.get("abstained", 0) for r in abstain),
              len(abstain)),
        _rate("false_abstention_rate", sum(r.counts.get("abstained", 0) for r in answerable),
              len(answerable)),
        _rate("contest_recall", sum(r.counts.get("contest_found", 0) for r in contested),
              len(contested)),
        _rate("false_contest_rate", sum(r.counts.get("asked_contests", 0) > 0 for r in fact),
              len(fact)),
        _rate("quoted_contest_rate", sum(r.counts.get("quoted_contests", 0) > 0 for r in fact),
              len(fact)),
        _rate("attribution_rate", s("attributed_claims"), s("claims")),
        Value("unhedged_assertions", s("unhedged"), s("unhedged"), 1),
        Value("errors", n(lambda r: r.error is not None), n(lambda r: r.error is not None), 1),
        _rate("pass_rate", n(lambda r: r.passed), len(results)),
    ]
    return {v.name: v for v in vals}


@dataclass(frozen=True)
class ThresholdResult:
    """One threshold of the suite against the run's value."""

    metric: str
    bound: float
    value: float | None
    passed: bool

    def describe(self) -> str:
        """``citation_validity 0.950 < 1.000`` style text."""
        op = ">=" if METRICS[self.metric].higher_is_better else "<="
        v = "n/a (not measured)" if self.value is None else f"{self.value:.3f}"
        return f"{self.metric} {v} (needs {op} {self.bound:g})"


def check_thresholds(values: Mapping[str, Value], thresholds: Mapping[str, float]):
    """Each threshold checked; a metric the run could not measure fails its threshold."""
    out = []
    for name, bound in thresholds.items():
        v = values[name].value
        if v is None:
            ok = False
        elif METRICS[name].higher_is_better:
            ok = v >= bound - 1e-9
        else:
            ok = v <= bound + 1e-9
        out.append(ThresholdResult(name, bound, v, ok))
    return out
