"""Scoring one case: the checks a right answer must pass, and the counts the metrics add up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from qa.domain import Article

from . import contests as ct
from . import metrics as m
from .judge import contains_answer, stated_as_fact
from .suite import Case


@dataclass(frozen=True)
class Check:
    """One thing the case asks of the answer; ``required=False`` checks only warn."""

    name: str
    ok: bool
    detail: str = ""
    required: bool = True

    def to_json(self) -> dict:
        """As the report stores it."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail,
                "required": self.required}


@dataclass
class CaseResult:
    """A case, the answer it got (the ``/api/ask`` JSON) and how it scored."""

    case: Case
    answer: dict | None
    checks: list[Check] = field(default_factory=list)
    counts: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    sentences: list[dict] = field(default_factory=list)
    stages: dict | None = None  # the stage table row (``eval/stages.py``), in-process runs
    trace: dict | None = None  # the question's trace, kept only for calibration

    @property
    def passed(self) -> bool:
        """Every required check passed (and the service answered at all)."""
        return self.error is None and all(c.ok for c in self.checks if c.required)

    def why(self) -> str:
        """The failed checks in one line ('' when the case passed)."""
        if self.error:
            return f"error: {self.error}"
        return "; ".join(f"{c.name}: {c.detail}" for c in self.checks if c.required and not c.ok)

    def to_json(self) -> dict:
        """As the report stores it."""
        return {
            "case": self.case.to_json(), "passed": self.passed, "why": self.why(),
            "error": self.error, "seconds": round(self.seconds, 3), "answer": self.answer,
            "checks": [c.to_json() for c in self.checks], "counts": self.counts,
            "sentences": self.sentences, "stages": self.stages,
        }


def score(case: Case, answer: Mapping | None, corpus: Mapping[str, Article], *,
          error: str | None = None, seconds: float = 0.0) -> CaseResult:
    """Scores ``answer`` (the ``/api/ask`` JSON; None when the service failed) for ``case``."""
    if answer is None:
        return CaseResult(case, None, [Check("answered", False, error or "no answer")],
                          {}, error or "no answer", seconds)
    answer = dict(answer)
    checks: list[Check] = []
    counts: dict[str, float] = {}
    abstained = bool(answer.get("abstained"))
    counts["abstained"] = int(abstained)

    checked, problems = m.validity(answer, corpus)
    counts["checked_items"] = checked
    counts["valid_items"] = checked - len(problems)
    checks.append(Check("citations valid", not problems,
                        "; ".join(f"{p.what} {p.article_id}: {p.why}" for p in problems[:5])
                        or f"{checked} checked"))

    support: list[m.SentenceSupport] = [] if abstained else m.alce(answer, corpus)
    counts["sentences"] = len(support)
    counts["supported_sentences"] = sum(s.supported for s in support)
    counts["sentence_citations"] = sum(len(s.cited) for s in support)
    counts["precise_citations"] = sum(s.precise for s in support)
    claims = ct.claims_of(answer)
    counts["claims"] = len(claims)
    counts["attributed_claims"] = sum(ct.attributed(c, corpus) for c in claims)
    counts["contests"] = len(answer.get("contested", []))
    counts["quoted_contests"] = sum(k.get("reason") == "quoted" for k in answer.get("contested", []))
    counts["asked_contests"] = counts["contests"] - counts["quoted_contests"]
    loud = ct.unhedged(answer)
    counts["unhedged"] = len(loud)

    if case.kind == "abstain":
        checks.append(Check("abstained", abstained,
                            "abstained" if abstained else "answered a question the articles "
                            "do not answer"))
    else:
        checks.append(Check("answered", not abstained,
                            "answered" if not abstained else "abstained on an answerable case"))
    if case.kind == "fact":
        _fact_checks(case, answer, abstained, checks, counts)
    if case.kind == "contested":
        match = ct.contest_match(case.sides, answer) if not abstained else ct.ContestMatch(False)
        counts["contest_found"] = int(match.found)
        if match.found:
            detail = f"contest {match.topic!r} carries every side, each cited"
        elif not answer.get("contested"):
            detail = "the answer reports no contest"
        else:
            parts = []
            if match.missing_sides:
                parts.append("no contest side makes " + ", ".join(map(repr, match.missing_sides)))
            if match.uncited_sides:
                parts.append("not cited: " + ", ".join(map(repr, match.uncited_sides)))
            detail = f"best contest {match.topic!r}: " + "; ".join(parts)
        checks.append(Check("contest surfaced", match.found, detail))
        checks.append(Check("hedged", not loud,
                            "every contested claim is attributed" if not loud else
                            "stated as fact: " + " | ".join(s[:120] for s in loud[:3])))
    if case.kind == "fact" and not abstained:
        asked = [c for c in answer.get("contested", []) if c.get("reason") != "quoted"]
        checks.append(Check("no false contest", not asked,
                            "no contest the question is taken to be about" if not asked else
                            "reports a contest: " + ", ".join(
                                repr(c.get("topic", "")) for c in asked),
                            required=False))
    if support:
        weak = [s for s in support if not s.supported]
        checks.append(Check("statements supported", not weak,
                            f"{len(support) - len(weak)}/{len(support)} supported"
                            + (f"; unsupported: {weak[0].sentence[:120]!r}" if weak else ""),
                            required=False))
    sents = [{"sentence": s.sentence, "cited": list(s.cited), "supported": s.supported,
              "precise": s.precise, "inherited": s.inherited} for s in support]
    return CaseResult(case, answer, checks, counts, None, seconds, sents)


def _fact_checks(case: Case, answer: Mapping, abstained: bool, checks: list[Check],
                 counts: dict[str, float]) -> None:
    text = answer.get("answer", "") if not abstained else ""
    problems = []
    if case.answers and not any(contains_answer(text, a) for a in case.answers):
        problems.append("none of " + ", ".join(map(repr, case.answers)) + " in the answer")
    missing = [a for a in case.all_answers if not contains_answer(text, a)]
    if missing:
        problems.append("missing " + ", ".join(map(repr, missing)))
    wrong = [w for w in case.wrong_answers if stated_as_fact(text, w)]
    if wrong:
        problems.append("states as fact " + ", ".join(map(repr, wrong)))
    counts["correct"] = int(not problems and not abstained)
    checks.append(Check("expected answer", not problems and not abstained,
                        "; ".join(problems) or ("abstained" if abstained else "found")))
    if case.must_cite:
        hit = m.answer_cited(answer) & set(case.must_cite)
        counts["cited_expected"] = int(bool(hit) and not abstained)
        checks.append(Check("cites expected article", bool(hit) and not abstained,
                            f"cites {', '.join(sorted(hit))}" if hit else
                            "cites none of " + ", ".join(case.must_cite)))
