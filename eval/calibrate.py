"""``python -m eval calibrate``: fit the answer path's weights and thresholds on the fit half of
the dev suites, and report every suite on both halves with what was fitted.

What is fitted (all of it settings, ``qa/config.py``):

1. ``SentenceModelSettings``: a logistic model of "this sentence answers the question" over the
   evidence stage's features. Examples: every candidate sentence of the fit half's fact and
   abstain cases (the trace of an in-process run), positive when it holds an expected answer.
   Each case weighs the same, whatever its number of candidates; positives and negatives weigh
   the same in all; L2-regularised (``--l2``).
2. ``AbstentionSettings``: a logistic model of "something answers" over the candidates as a
   whole, fitted on the fit half's cases (abstain cases against the rest, the two classes
   weighing the same). Its threshold ``answer_at`` and the sentence model's ``keep_ratio`` and
   ``keep_at_least`` by grid search on the fit half, replaying the selection on the traced
   features: a fact case counts when a chosen sentence holds its answer, an abstain case when
   nothing is chosen, a contested case when it is answered; each chosen sentence that holds no
   answer costs ``--precision-cost``, and refusing a fact or contested case costs
   ``--abstain-cost`` (abstain only when nothing answers); the mean over the cases is
   maximised.
3. ``ContestModelSettings``: a logistic model of "the question is about this contest" over the
   contest stage's features. Examples: every contest found among the evidence articles of the
   fit half's cases; positive when it carries the sides a contested case expects. Its
   threshold ``attach_at`` by grid search: contested cases whose contest is attached, less
   ``--false-contest-cost`` for each fact case given a contest it does not quote.

The traces are taken once, with the settings in force; retrieval and the features do not
depend on the fitted values (only which sentences are quoted does, and so which contests are
attached as quoted). Then every suite runs again with the fitted values, through the real
service, and its pass rate is printed per half. ``--write FILE`` saves the fitted values as
``QA_*`` lines (an env file).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .judge import contains_answer
from .stages import _contested  # the same "is this the expected contest" test as the table


@dataclass
class Example:
    """One suite case's trace and what the case expects."""

    case: object
    trace: dict
    split: str
    suite: str = ""


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float,
                 iters: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (Newton's method)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(iters):
        z = np.clip(xb @ beta, -30, 30)
        p = 1 / (1 + np.exp(-z))
        grad = xb.T @ (w * (p - y)) + reg * beta
        h = (xb * (w * p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(h, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    return beta[:-1], float(beta[-1])


def _answers(case) -> tuple[str, ...]:
    return tuple(case.answers) + tuple(case.all_answers)


def sentence_data(examples: list[Example]):
    """Feature rows, labels and weights of the candidate sentences of fact and abstain cases."""
    xs, ys, ws = [], [], []
    for ex in examples:
        if ex.case.kind not in ("fact", "abstain"):
            continue
        sents = ex.trace["sentences"]
        if not sents:
            continue
        for s in sents:
            xs.append(s["features"])
            ys.append(float(ex.case.kind == "fact"
                            and any(contains_answer(s["text"], a) for a in _answers(ex.case))))
            ws.append(1.0 / len(sents))
    x, y, w = np.array(xs, dtype=np.float64), np.array(ys), np.array(ws)
    if y.sum() and (1 - y).sum():
        w = np.where(y == 1, w * (w[y == 0].sum() / w[y == 1].sum()), w)
    return x, y, w


def _rows(sents: list[dict]) -> np.ndarray:
    return np.array([s["features"] for s in sents], dtype=np.float64)


def answerable_data(examples: list[Example], weights: np.ndarray, bias: float):
    """Per case with candidates: the abstention model's row (under the fitted sentence model),
    whether something answers (fact and contested cases) and a class-balancing weight."""
    from qa.answer.evidence import answerable_row

    xs, ys = [], []
    for ex in examples:
        sents = ex.trace["sentences"]
        if not sents:
            continue
        rows = _rows(sents)
        xs.append(answerable_row(np.clip(rows @ weights + bias, -30, 30), rows))
        ys.append(float(ex.case.kind != "abstain"))
    x, y = np.array(xs), np.array(ys)
    w = np.ones(len(y))
    if y.sum() and (1 - y).sum():
        # The two classes weigh the same, and all cases together as many as there are.
        w = np.where(y == 1, 0.5 * len(y) / y.sum(), 0.5 * len(y) / (1 - y).sum())
    return x, y, w


def replay_selection(examples: list[Example], weights: np.ndarray, bias: float,
                     aweights: np.ndarray, abias: float, answer_at: float, ratio: float,
                     keep_at_least: float, max_sentences: int, precision_cost: float,
                     per_article: int = 20, abstain_cost: float = 0.0) -> float:
    """The grid search's objective (module docstring): the mean score over the cases, as the
    pass rate counts them."""
    from qa.answer.evidence import answerable_row

    kinds: dict[str, list[float]] = {}
    for ex in examples:
        sents = ex.trace["sentences"]
        answered = False
        if sents:
            rows = _rows(sents)
            z = np.clip(rows @ weights + bias, -30, 30)
            a = answerable_row(z, rows) @ aweights + abias
            answered = 1 / (1 + math.exp(-max(-30, min(30, a)))) >= answer_at
        if ex.case.kind == "abstain":
            total = float(not answered)
        elif not answered:
            # Refusing a question the articles answer: worse than an answer some of whose
            # sentences miss (abstain only when nothing answers).
            total = -abstain_cost
        elif ex.case.kind == "contested":
            total = 1.0
        else:
            p = 1 / (1 + np.exp(-z))
            order = np.argsort(-p)
            best = float(p[order[0]])
            floor = min(best, max(keep_at_least, best * ratio))
            chosen, taken = [], {}
            for i in order:
                if p[i] < floor or len(chosen) >= max_sentences:
                    break
                aid = sents[i]["article_id"]
                if taken.get(aid, 0) < per_article:
                    chosen.append(sents[i])
                    taken[aid] = taken.get(aid, 0) + 1
            hits = [any(contains_answer(s["text"], a) for a in _answers(ex.case)) for s in chosen]
            total = float(any(hits)) - precision_cost * sum(not h for h in hits)
        kinds.setdefault(ex.case.kind, []).append(total)
    scores = [x for v in kinds.values() for x in v]
    return float(np.mean(scores)) if scores else 0.0


def _probs(sents: list[dict], weights: np.ndarray, bias: float) -> np.ndarray:
    if not sents:
        return np.zeros(0)
    x = np.array([s["features"] for s in sents], dtype=np.float64)
    return 1 / (1 + np.exp(-np.clip(x @ weights + bias, -30, 30)))


def contest_data(examples: list[Example]):
    """Feature rows, labels and weights of the contests found for each case."""
    xs, ys, ws = [], [], []
    for ex in examples:
        found = ex.trace["contests"]
        for k in found:
            xs.append(k["features"])
            ys.append(float(ex.case.kind == "contested" and _is_expected(ex.case, k)))
            ws.append(1.0 / len(found))
    x, y, w = np.array(xs, dtype=np.float64), np.array(ys), np.array(ws)
    if len(y) and y.sum() and (1 - y).sum():
        w = np.where(y == 1, w * (w[y == 0].sum() / w[y == 1].sum()), w)
    return x, y, w


def _is_expected(case, contest: dict) -> bool:
    return _contested(case, {}, {"retrieved": [], "contests": [contest]}, False)["found"]


def replay_contests(examples: list[Example], weights: np.ndarray, bias: float, attach: float,
                    false_cost: float) -> float:
    """The contest threshold's objective (module docstring): the share of contested cases
    whose expected contest is attached, less ``false_cost`` times the share of fact cases given
    a contest as what they ask about (the two kinds weigh the same however many cases each has)."""
    found, false = [], []
    for ex in examples:
        cands = ex.trace["contests"]
        if ex.case.kind not in ("contested", "fact"):
            continue
        on = []
        if cands:
            p = 1 / (1 + np.exp(-np.clip(np.array([k["features"] for k in cands]) @ weights + bias,
                                          -30, 30)))
            on = [(k, pk >= attach) for k, pk in zip(cands, p) if pk >= attach or k.get("cited")]
        if ex.case.kind == "contested":
            found.append(float(any(_is_expected(ex.case, k) for k, _ in on)))
        else:
            false.append(float(any(asked for _, asked in on)))
    return (np.mean(found) if found else 0.0) - false_cost * (np.mean(false) if false else 0.0)


def calibrate(suites: list[Path], *, l2: float = 1.0, precision_cost: float = 0.1,
              false_contest_cost: float = 3.0, abstain_cost: float = 0.5,
              ramdocs: Path | None = None,
              data_dir: Path | None = None, traces: Path | None = None,
              reuse: Path | None = None) -> dict:
    """Fits the settings and reports; returns ``{"settings": {...}, "report": [...]}``."""
    from qa.config import Settings

    from .__main__ import ramdocs_suite
    from .runner import build_service, in_process, load_corpus, run_suite
    from .suite import load_suite

    from qa.answer.contests import FEATURES as CONTEST_FEATURES
    from qa.answer.evidence import ANSWERABLE_FEATURES
    from qa.answer.evidence import FEATURES as SENTENCE_FEATURES

    with tempfile.TemporaryDirectory(prefix="qa-calibrate-") as tmp:
        paths = list(suites)
        if ramdocs is not None:
            # Each RAMDocs question is also asked over another item's documents: abstain cases
            # that the suites' few would not teach (RAMDocs itself has none).
            paths.append(ramdocs_suite(ramdocs, Path(tmp) / "ramdocs", cross_abstain=True))
        loaded = [load_suite(p) for p in paths]
        root = data_dir or Path(tmp)
        base = Settings().with_store(data_dir=root / "var")
        services, examples = [], []
        for n, suite in enumerate(loaded):
            # One store a suite: a suite's questions are asked over its own corpus only.
            corpus = load_corpus(suite)
            svc = build_service(base.with_store(data_dir=root / f"var-{n}"), corpus)
            services.append((svc, corpus))
            if reuse is not None:
                continue
            run = run_suite(suite, in_process(svc), corpus, target="in-process",
                            progress=False, keep_traces=True)
            examples += [Example(r.case, r.trace, r.case.split, suite.name)
                         for r in run.results if r.trace]
        if reuse is not None:
            examples = read_traces(reuse, loaded)
        if traces is not None:
            import json

            with open(traces, "w", encoding="utf-8") as fh:
                for e in examples:
                    fh.write(json.dumps({"suite": e.suite, "case": e.case.to_json(),
                                         "trace": e.trace}) + "\n")
        fit = [e for e in examples if e.split == "fit"]
        cfg = base.sentences
        x, y, w = sentence_data(fit)
        sw, sb = fit_logistic(x, y, w, l2)
        ax, ay, aw = answerable_data(fit, sw, sb)
        aw_, ab = fit_logistic(ax, ay, aw, l2)
        best = None
        for answer_at in np.round(np.arange(0.05, 0.96, 0.05), 2):
            for ratio in (0.5, 0.6, 0.7, 0.8, 0.9):
                for least in (0.2, 0.35, 0.5, 0.65, 0.8):
                    for per_article in (1, 2, 4):
                        v = replay_selection(fit, sw, sb, aw_, ab, float(answer_at), ratio, least,
                                             base.answer.max_sentences, precision_cost,
                                             per_article, abstain_cost)
                        if best is None or v > best[0]:
                            best = (v, float(answer_at), ratio, least, per_article)
        sentence = {"bias": sb, **{f"w_{f}": float(v) for f, v in zip(SENTENCE_FEATURES, sw)},
                    "keep_ratio": best[2], "keep_at_least": best[3], "per_article": best[4]}
        abstention = {"bias": ab, **{f"w_{f}": float(v) for f, v in zip(ANSWERABLE_FEATURES, aw_)},
                      "answer_at": best[1]}
        cx, cy, cw = contest_data(fit)
        cw_, cb = fit_logistic(cx, cy, cw, l2) if len(cy) and cy.sum() else (
            np.array([getattr(base.contests, f"w_{f}") for f in CONTEST_FEATURES]), base.contests.bias)
        cbest = None
        for attach in np.round(np.arange(0.05, 0.96, 0.05), 2):
            v = replay_contests(fit, cw_, cb, float(attach), false_contest_cost)
            if cbest is None or v > cbest[0]:
                cbest = (v, float(attach))
        contest = {"bias": cb, **{f"w_{f}": float(v) for f, v in zip(CONTEST_FEATURES, cw_)},
                   "attach_at": cbest[1]}
        fitted = base.model_copy(update={
            "sentences": cfg.model_copy(update=_bounded(sentence)),
            "abstention": base.abstention.model_copy(update=_bounded(abstention)),
            "contests": base.contests.model_copy(update=_bounded(contest)),
        })
        report = []
        for suite, (svc, corpus) in zip(loaded, services):
            fitted_svc = type(svc)(fitted.with_store(data_dir=svc.settings.store.data_dir),
                                   index=svc.index)
            run = run_suite(suite, in_process(fitted_svc), corpus, target="in-process",
                            progress=False)
            report.append({"suite": suite.name, "splits": run.splits(),
                           "metrics": {k: v.shown() for k, v in run.values.items()},
                           "stages": run.stage_table()})
    return {"settings": {"QA_SENTENCE_": sentence, "QA_ABSTAIN_": abstention,
                         "QA_CONTEST_": contest},
            "examples": {"fit": len(fit), "held": len(examples) - len(fit)}, "report": report}


def read_traces(path: Path, suites) -> list[Example]:
    """Examples from a ``--traces`` file of an earlier run, matched to the suites' cases by
    suite name and case ID (a trace depends on the features, not on the fitted values)."""
    import json

    cases = {(s.name, c.id): c for s in suites for c in s.cases}
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            case = cases.get((row["suite"], row["case"]["id"]))
            if case is not None:
                out.append(Example(case, row["trace"], case.split, row["suite"]))
    return out


def _bounded(values: dict) -> dict:
    """Fitted numbers rounded and kept inside the settings' bounds (|w| <= 50)."""
    return {k: v if isinstance(v, int) else round(max(-50.0, min(50.0, v)), 4)
            for k, v in values.items()}


def save(result: dict, path: Path, command: str) -> None:
    """Writes the fitted values, with how and when they were fitted and the report, as the
    file ``qa/config.py`` takes its defaults from."""
    import json
    from datetime import datetime, timezone

    doc = {"fitted": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "command": command, "examples": result["examples"],
           "settings": {k: _bounded(v) for k, v in result["settings"].items()},
           "report": result["report"]}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def env_lines(result: dict) -> str:
    """The fitted values as ``QA_*=value`` lines."""
    lines = []
    for prefix, values in result["settings"].items():
        for k, v in _bounded(values).items():
            lines.append(f"{prefix}{k.upper()}={v}")
    return "\n".join(lines) + "\n"


def summary(result: dict) -> str:
    """What the command prints."""
    out = [f"examples: {result['examples']['fit']} cases fitted on, "
           f"{result['examples']['held']} held back", ""]
    out.append(env_lines(result))
    for r in result["report"]:
        halves = "; ".join(
            f"{half} {h['passed']}/{h['cases']} ("
            + ", ".join(f"{k} {p}/{n}" for k, (p, n) in sorted(h["kinds"].items())) + ")"
            for half, h in sorted(r["splits"].items()))
        out.append(f"{r['suite']}: {halves}")
        m = r["metrics"]
        out.append("  " + ", ".join(f"{k} {m[k]}" for k in (
            "answer_accuracy", "abstention_accuracy", "contest_recall", "false_contest_rate",
            "citation_validity", "citation_precision") if k in m))
    return "\n".join(out)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))
