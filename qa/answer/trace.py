"""What each stage of a question's path decided, for the eval's stage table: which chunks were
retrieved, how every candidate sentence scored and which were chosen, which contests were
found among the evidence articles' claims and which went into the answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Trace:
    """JSON-ready records of the stages (see ``to_json``)."""

    question: dict
    retrieved: tuple[dict, ...]
    sentences: tuple[dict, ...]
    contests: tuple[dict, ...]

    @classmethod
    def of(cls, prep) -> "Trace":
        """The trace of a prepared question (``qa.answer.Prepared``)."""
        from ..domain import contest_json

        q = prep.question
        chosen = {(c.article_id, c.start) for c in prep.selection.chosen}
        chosen |= {(a.article_id, a.start) for c in prep.selection.chosen for a in c.also}
        retrieved = tuple(
            {"article_id": e.chunk.article_id, "start": e.chunk.start, "end": e.chunk.end,
             "text": e.chunk.text, "dense_rank": e.dense_rank, "sparse_rank": e.sparse_rank,
             "dense_similarity": e.dense_similarity}
            for e in prep.evidence)
        sentences = tuple(
            {"article_id": c.article_id, "start": c.start, "end": c.end, "text": c.text,
             "p": round(c.p, 4), "chosen": (c.article_id, c.start) in chosen,
             "features": [round(float(x), 4) for x in c.features]}
            for c in prep.selection.candidates)
        contests = tuple(
            {**contest_json(c.contest), "p": round(c.p, 4), "cited": c.cited,
             "attached": c.attached, "features": [round(float(x), 4) for x in c.features]}
            for c in prep.contest_candidates)
        return cls(
            question={"text": q.text, "wants": sorted(q.wants),
                      "answerable": prep.selection.answerable,
                      "p_answer": round(prep.selection.p_answer, 4)},
            retrieved=retrieved, sentences=sentences, contests=contests)

    def to_json(self) -> dict:
        return {"question": self.question, "retrieved": list(self.retrieved),
                "sentences": list(self.sentences), "contests": list(self.contests)}
