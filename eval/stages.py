"""Where a case is lost: the stage table.

For each case, from the trace of the question's path (``Answer.trace``, in-process runs only),
the stages its answer had to pass, in order, and whether it passed each:

- fact: an answering chunk was **retrieved** (a retrieved chunk holds an expected answer); an
  answering **sentence** was among the candidates; it **ranked first** among them; it was
  **chosen** for the answer; the answer is **correct** (the case's own check).
- contested: every side's articles were **retrieved**; the contest was **found** among the
  claims of the evidence articles; it was **attached** to the answer; the answer **cites**
  every side (the case's contest check).
- abstain: the **abstained** stage alone.

``lost`` is the first stage a case did not pass (``ranked_first`` is counted, never lost at). ``aggregate`` counts, per kind, how many
cases reached each stage and where the others were lost, so the stage that loses most is the
one to fix first.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import contests as ct
from .judge import contains_answer
from .suite import Case

#: Stages counted but never where a case is lost: an answer whose answering sentence ranks
#: second can still be right.
INFORMATIVE = frozenset({"ranked_first"})
STAGES = {
    "fact": ("retrieved", "sentence", "ranked_first", "chosen", "correct"),
    "contested": ("retrieved", "found", "attached", "cited"),
    "abstain": ("abstained",),
}


def stages(case: Case, answer: Mapping | None, trace: Mapping | None, passed: bool) -> dict | None:
    """``{"stages": {stage: bool}, "lost": first failed stage or None}``; None without a trace."""
    if trace is None or answer is None:
        return None
    if case.kind == "abstain":
        got = {"abstained": bool(answer.get("abstained"))}
    elif case.kind == "fact":
        got = _fact(case, answer, trace, passed)
    else:
        got = _contested(case, answer, trace, passed)
    lost = next((s for s in STAGES[case.kind] if s not in INFORMATIVE and not got[s]), None)
    return {"stages": got, "lost": lost}


def _answers(case: Case) -> tuple[str, ...]:
    return case.answers or case.all_answers


def _holds(text: str, case: Case) -> bool:
    return any(contains_answer(text, a) for a in _answers(case))


def _fact(case: Case, answer: Mapping, trace: Mapping, passed: bool) -> dict:
    retrieved = any(_holds(r["text"], case) for r in trace.get("retrieved", []))
    sents = trace.get("sentences", [])
    answering = [i for i, s in enumerate(sents) if _holds(s["text"], case)]
    return {
        "retrieved": retrieved,
        "sentence": bool(answering),
        "ranked_first": bool(answering) and answering[0] == 0,
        "chosen": any(sents[i]["chosen"] for i in answering),
        "correct": passed,
    }


def _contested(case: Case, answer: Mapping, trace: Mapping, passed: bool) -> dict:
    got_ids = {r["article_id"] for r in trace.get("retrieved", [])}
    retrieved = all(not s.articles or set(s.articles) & got_ids for s in case.sides)
    found = attached = False
    for k in trace.get("contests", []):
        # Judged as if every article of the contest were cited: is it the right contest?
        ids = [{"article_id": c["article_id"]} for side in k["sides"] for c in side["claims"]]
        m = ct.contest_match(case.sides, {"contested": [k], "citations": ids})
        if m.found:
            found = True
            attached = attached or bool(k.get("attached"))
    return {"retrieved": retrieved, "found": found, "attached": attached,
            "cited": passed and attached}


def aggregate(rows: list[tuple[Case, dict | None]]) -> dict:
    """Per kind: cases, how many passed each stage, and how many were lost at each."""
    out: dict[str, dict] = {}
    for case, st in rows:
        if st is None:
            continue
        k = out.setdefault(case.kind, {"cases": 0, "passed": {s: 0 for s in STAGES[case.kind]},
                                       "lost": {s: 0 for s in STAGES[case.kind]}})
        k["cases"] += 1
        for s, ok in st["stages"].items():
            k["passed"][s] += int(ok)
        if st["lost"]:
            k["lost"][st["lost"]] += 1
    return out


def table(agg: dict) -> str:
    """The aggregate as plain text (one line per kind and stage)."""
    lines = []
    for kind, k in agg.items():
        lines.append(f"{kind} ({k['cases']} cases):")
        for s in STAGES[kind]:
            lines.append(f"  {s:13s} passed {k['passed'][s]:4d}   lost here {k['lost'][s]:4d}")
    return "\n".join(lines)
