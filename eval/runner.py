"""Running a suite: read its corpus, ask every question (in-process or over HTTP), score it."""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from qa.corpus import parse_jsonl, read_paths
from qa.domain import Article, Filters, Skipped

from . import metrics as m
from .scoring import CaseResult, score
from .stages import stages
from .suite import Suite, SuiteError, check_against_corpus

AskFn = Callable[[str, dict], dict]
_ID_FIRST = re.compile(r'\s*\{\s*"id"\s*:\s*"([^"\\]+)"')


class TargetError(RuntimeError):
    """The service under test answered with an error (the case fails; the run goes on)."""


def load_corpus(suite: Suite) -> dict[str, Article]:
    """The suite's articles, cleaned exactly as the service cleans them at ingest. Files that
    cannot be read, and IDs the JSONL file lacks, are a ``SuiteError``."""
    arts: dict[str, Article] = {}
    problems: list[str] = []
    for item in read_paths(suite.corpus.paths):
        _take(item, arts, problems)
    if suite.corpus.jsonl is not None:
        wanted = set(suite.corpus.ids)
        lines = []
        with open(suite.corpus.jsonl, encoding="utf-8") as fh:
            for line in fh:
                # Parse only the chosen records: the shared corpus is tens of megabytes.
                head = _ID_FIRST.match(line)
                if wanted and head and head.group(1) not in wanted:
                    continue
                try:
                    if not wanted or json.loads(line).get("id") in wanted:
                        lines.append(line.rstrip("\n"))
                except json.JSONDecodeError:
                    continue
        for item in parse_jsonl("\n".join(lines), str(suite.corpus.jsonl)):
            _take(item, arts, problems)
        for aid in sorted(wanted - set(arts)):
            problems.append(f"corpus.ids: {aid!r} is not in {suite.corpus.jsonl}")
    if not arts and not problems:
        problems.append("the corpus holds no articles")
    if problems:
        raise SuiteError(str(suite.path), problems)
    check_against_corpus(suite, set(arts))
    return arts


def _take(item: Article | Skipped, arts: dict[str, Article], problems: list[str]) -> None:
    if isinstance(item, Skipped):
        problems.append(f"corpus: cannot read {item.path}: {item.reason}")
    elif item.id in arts:
        problems.append(f"corpus: article ID {item.id!r} appears twice")
    else:
        arts[item.id] = item


def in_process(service) -> AskFn:
    """Asks a ``QAService`` directly; a ``QAError`` becomes a ``TargetError``. The answer
    JSON carries the trace of the question's path under ``TRACE_KEY`` (for the stage table)."""
    from qa.errors import QAError

    def ask(question: str, filters: dict) -> dict:
        try:
            ans = service.ask(question, (), to_filters(filters), trace=True)
        except QAError as exc:
            raise TargetError(f"{exc.code}: {exc.message}") from exc
        out = ans.to_json()
        if ans.trace is not None:
            out[TRACE_KEY] = ans.trace.to_json()
        return out

    return ask


#: Where an in-process answer carries its trace; taken off before the answer is scored.
TRACE_KEY = "_trace"


def to_filters(filters: dict) -> Filters:
    """A case's ``filters`` mapping as ``Filters``."""
    return Filters(**{k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()})


def over_http(url: str, token: str | None = None, timeout: float = 120.0) -> AskFn:
    """Asks a running server: ``POST {url}/api/ask`` with the JSON contract of DESIGN.md."""
    endpoint = url.rstrip("/") + "/api/ask"

    def ask(question: str, filters: dict) -> dict:
        body = {"question": question}
        if filters:
            body["filters"] = filters
        req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                err = json.loads(raw)["error"]
                msg = f"{err['code']}: {err['message']}"
            except (ValueError, KeyError, TypeError):
                msg = raw[:200].decode("utf-8", "replace")
            raise TargetError(f"HTTP {exc.code} {msg}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TargetError(f"cannot reach {endpoint}: {getattr(exc, 'reason', exc)}") from None
        except ValueError as exc:
            raise TargetError(f"{endpoint} did not answer JSON: {exc}") from None

    return ask


def build_service(settings, corpus: Mapping[str, Article], *, service=None, progress=None):
    """A ``QAService`` holding exactly the suite's corpus (``service`` is reused when given;
    articles it holds already are skipped by the store's content hashes)."""
    from qa.service import QAService

    service = service or QAService(settings)
    service.ingest_items(corpus.values(), progress=progress)
    return service


@dataclass
class Run:
    """A finished run: the per-case results, the metrics and the thresholds checked."""

    suite: Suite
    target: str
    results: list[CaseResult]
    values: dict[str, m.Value]
    thresholds: list[m.ThresholdResult]
    started: str
    seconds: float
    corpus_size: int
    engine: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Every threshold holds."""
        return all(t.passed for t in self.thresholds)

    def stage_table(self) -> dict:
        """Per kind, how many cases passed each stage and where the rest were lost."""
        from .stages import aggregate

        return aggregate([(r.case, r.stages) for r in self.results])

    def splits(self) -> dict:
        """Cases passed in each half of the suite (``Case.split``), by kind."""
        out: dict[str, dict] = {}
        for r in self.results:
            half = out.setdefault(r.case.split, {"cases": 0, "passed": 0, "kinds": {}})
            half["cases"] += 1
            half["passed"] += int(r.passed)
            k = half["kinds"].setdefault(r.case.kind, [0, 0])
            k[0] += int(r.passed)
            k[1] += 1
        return out


def run_suite(suite: Suite, ask: AskFn, corpus: Mapping[str, Article], *, target: str,
              progress: bool | None = None, keep_traces: bool = False) -> Run:
    """Asks every case's question, scores the answers and checks the thresholds. A failing
    question fails its case; the run goes on. ``keep_traces``: each result keeps the trace of
    its question's path (what calibration fits on)."""
    from tqdm import tqdm

    if progress is None:
        progress = sys.stderr.isatty()
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    results: list[CaseResult] = []
    bar = tqdm(suite.cases, desc=suite.name, unit="q", disable=not progress, file=sys.stderr)
    for case in bar:
        t = time.perf_counter()
        trace = None
        try:
            answer, error = ask(case.question, dict(case.filters)), None
            if not isinstance(answer, dict) or "answer" not in answer:
                answer, error = None, f"not an answer: {str(answer)[:200]}"
            else:
                trace = answer.pop(TRACE_KEY, None)
        except TargetError as exc:
            answer, error = None, str(exc)
        result = score(case, answer, corpus, error=error, seconds=time.perf_counter() - t)
        result.stages = stages(case, answer, trace, result.passed)
        result.trace = trace if keep_traces else None
        results.append(result)
    values = m.aggregate(results)
    engines = sorted({r.answer.get("engine", "") for r in results if r.answer})
    return Run(suite, target, results, values, m.check_thresholds(values, suite.thresholds),
               started, time.perf_counter() - t0, len(corpus), ", ".join(e for e in engines if e))


def summary_table(run: Run) -> str:
    """The short table printed at the end of a run."""
    bounds = {t.metric: t for t in run.thresholds}
    rows = [("metric", "value", "threshold", "")]
    for name, v in run.values.items():
        t = bounds.get(name)
        op = ">=" if m.METRICS[name].higher_is_better else "<="
        rows.append((name, v.shown(), f"{op} {t.bound:g}" if t else "",
                     ("ok" if t.passed else "FAIL") if t else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failed = [r for r in run.results if not r.passed]
    table = run.stage_table()
    if table:
        from .stages import table as stage_text

        lines += ["", "stages (where cases are lost):", stage_text(table)]
    lines.append("")
    for half, h in sorted(run.splits().items()):
        kinds = ", ".join(f"{k} {p}/{n}" for k, (p, n) in sorted(h["kinds"].items()))
        lines.append(f"{half} half: {h['passed']}/{h['cases']} passed ({kinds})")
    lines.append(f"{run.suite.name}: {len(run.results) - len(failed)}/{len(run.results)} cases "
                 f"passed, {run.seconds:.1f}s, target {run.target}"
                 + (f", engine {run.engine}" if run.engine else ""))
    for t in run.thresholds:
        if not t.passed:
            lines.append(f"THRESHOLD FAILED: {t.describe()}")
    return "\n".join(lines)
