"""Eval suites: YAML files of questions with what a right answer looks like, checked on load.

A suite names its corpus, its thresholds and its cases::

    name: seeds
    corpus:
      paths: [data]                      # files or folders, relative to the repository root
      # or: jsonl: ../shared/corpus/x/articles.jsonl  with  ids: [abp-..., ...]
    thresholds:                          # metric: bound (minimum, or maximum for "lower is
      citation_validity: 1.0             # better" metrics such as false_contest_rate)
    cases:
      - id: lead-1
        kind: fact                       # fact | contested | abstain
        question: Who leads the resistance in Panjshir?
        answers: [Ahmad Massoud, Ahmed Masood]      # any one of them, case-insensitive
        must_cite: [000_e5d721c452f0de90]           # at least one of these is cited
      - id: panjshir-taken
        kind: contested
        question: Did the Taliban take Panjshir?
        sides:
          - name: Taliban claim victory
            articles: [003_b50cd088e71c6203]        # articles that carry this side
            speakers: [Taliban, Zabihullah Mujahid] # who makes it (speaker, side or affiliation)
            # says: [August 15]                     # optional: words one of its claims holds
      - id: kabul-population
        kind: abstain
        question: What is the population of Kabul?

A fact case may also give ``all_answers`` (every one must be present) and ``wrong_answers``
(none may be stated as fact); the RAMDocs adapter uses both. Any case may carry ``filters``
(as in ``POST /api/ask``), a ``note``, and a ``group`` ("event/point": the fact or contest that
several phrasings ask about; without one, the ID less a trailing "-N"). Fitting and reporting
split a suite in two halves by the part of the group before "/" (``Case.split``).

Every mistake is reported with where it is (``cases[3] (id 'x').sides[0]: ...``), all at once.
"""

from __future__ import annotations

import difflib
import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from qa.domain import ARTICLE_ID_RE

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("fact", "contested", "abstain")

_SUITE_KEYS = {"name", "description", "corpus", "thresholds", "cases"}
_CORPUS_KEYS = {"paths", "jsonl", "ids"}
_CASE_KEYS = {
    "fact": {"id", "kind", "question", "answers", "all_answers", "wrong_answers", "must_cite",
             "filters", "note", "group"},
    "contested": {"id", "kind", "question", "sides", "filters", "note", "group"},
    "abstain": {"id", "kind", "question", "filters", "note", "group"},
}
_SIDE_KEYS = {"name", "articles", "speakers", "says"}
_FILTER_KEYS = {"after", "before", "sources", "article_ids"}


class SuiteError(ValueError):
    """A suite that cannot be run; ``problems`` lists every mistake with its location."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class Side:
    """One side of a contested case: the articles that carry it and who makes it."""

    name: str
    articles: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    says: tuple[str, ...] = ()  # words one of the side's claims must hold (a figure, a date)


@dataclass(frozen=True)
class Case:
    """One question and what a right answer to it looks like."""

    id: str
    kind: Literal["fact", "contested", "abstain"]
    question: str
    answers: tuple[str, ...] = ()
    all_answers: tuple[str, ...] = ()
    wrong_answers: tuple[str, ...] = ()
    must_cite: tuple[str, ...] = ()
    sides: tuple[Side, ...] = ()
    filters: dict = field(default_factory=dict, hash=False, compare=False)
    note: str = ""
    group: str = ""  # "event/point" the phrasings of one fact share; "" derives it from the id

    @property
    def point(self) -> str:
        """The fact or contest this case asks about: its ``group``, else its ID without a
        trailing phrasing number ("lead-3" -> "lead")."""
        return self.group or re.sub(r"-\d+$", "", self.id)

    @property
    def split(self) -> str:
        """``fit`` or ``held``: which half of a suite this case falls in when thresholds and
        weights are fitted on one half and reported on the other. Decided by the part of the
        group before "/" (the event, when a group names one), so that every phrasing of a
        point, and every point of an event, falls in the same half."""
        unit = self.point.split("/")[0]
        return "fit" if zlib.crc32(unit.encode("utf-8")) % 2 == 0 else "held"

    def to_json(self) -> dict:
        """The case as the report stores it."""
        d = {"id": self.id, "kind": self.kind, "question": self.question,
             "group": self.point, "split": self.split}
        for key in ("answers", "all_answers", "wrong_answers", "must_cite"):
            if getattr(self, key):
                d[key] = list(getattr(self, key))
        if self.sides:
            d["sides"] = [{"name": s.name, "articles": list(s.articles),
                           "speakers": list(s.speakers), **({"says": list(s.says)} if s.says else {})}
                          for s in self.sides]
        if self.filters:
            d["filters"] = self.filters
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True)
class CorpusSpec:
    """Which articles a suite runs over: files and folders, or chosen records of a JSONL file."""

    paths: tuple[Path, ...] = ()
    jsonl: Path | None = None
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suite:
    """A loaded, checked suite."""

    name: str
    path: Path
    corpus: CorpusSpec
    thresholds: dict[str, float]
    cases: tuple[Case, ...]
    description: str = ""

    def article_ids_named(self) -> set[str]:
        """Every article ID the cases mention (checked against the corpus once it is read)."""
        out: set[str] = set()
        for c in self.cases:
            out.update(c.must_cite)
            out.update(c.filters.get("article_ids", ()))
            for s in c.sides:
                out.update(s.articles)
        return out


def resolve(path: str | Path, base: Path = ROOT) -> Path:
    """Suite paths are relative to the repository root (``../shared/...`` is the shared
    folder beside the checkout); absolute paths stay as they are."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def load_suite(path: str | Path) -> Suite:
    """Reads and checks a suite file; raises ``SuiteError`` listing every problem."""
    path = Path(path)
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(where, ["no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(where, [f"cannot read it: {exc}"]) from None
    except yaml.YAMLError as exc:
        raise SuiteError(where, [f"not valid YAML: {exc}"]) from None
    return parse_suite(raw, path)


def parse_suite(raw, path: Path) -> Suite:
    """Checks an already-parsed suite document (see the module docstring for the shape)."""
    from .metrics import METRICS

    problems: list[str] = []
    if not isinstance(raw, dict):
        raise SuiteError(str(path), ["the file must be a mapping with 'name', 'corpus', 'cases'"])
    _unknown(raw, _SUITE_KEYS, "", problems)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("'name' must be a non-empty string")
        name = path.stem
    corpus = _corpus(raw.get("corpus"), problems)
    thresholds: dict[str, float] = {}
    th = raw.get("thresholds") or {}
    if not isinstance(th, dict):
        problems.append("'thresholds' must be a mapping of metric name to bound")
        th = {}
    for key, value in th.items():
        metric = METRICS.get(key)
        if metric is None:
            problems.append(f"thresholds: unknown metric {key!r}{_hint(key, METRICS)}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"thresholds.{key}: must be a number, not {value!r}")
        elif metric.unit == "rate" and not 0 <= value <= 1:
            problems.append(f"thresholds.{key}: a rate must lie in [0, 1], not {value}")
        elif value < 0:
            problems.append(f"thresholds.{key}: must not be negative")
        else:
            thresholds[key] = float(value)
    cases_raw = raw.get("cases")
    cases: list[Case] = []
    if not isinstance(cases_raw, list) or not cases_raw:
        problems.append("'cases' must be a non-empty list")
        cases_raw = []
    seen: set[str] = set()
    for i, c in enumerate(cases_raw):
        case = _case(c, i, problems)
        if case is None:
            continue
        if case.id in seen:
            problems.append(f"cases[{i}]: duplicate id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if problems:
        raise SuiteError(str(path), problems)
    return Suite(name=name.strip(), path=path, corpus=corpus, thresholds=thresholds,
                 cases=tuple(cases), description=str(raw.get("description") or "").strip())


def _unknown(d: dict, allowed: set[str], where: str, problems: list[str]) -> None:
    for key in d:
        if key not in allowed:
            problems.append(f"{where}unknown key {key!r}{_hint(str(key), allowed)}")


def _hint(key: str, allowed) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _corpus(raw, problems: list[str]) -> CorpusSpec:
    if not isinstance(raw, dict):
        problems.append("'corpus' must be a mapping with 'paths', or 'jsonl' and 'ids'")
        return CorpusSpec()
    _unknown(raw, _CORPUS_KEYS, "corpus: ", problems)
    paths = _strings(raw.get("paths"), "corpus.paths", problems)
    jsonl = raw.get("jsonl")
    ids = _strings(raw.get("ids"), "corpus.ids", problems)
    if jsonl is not None and not isinstance(jsonl, str):
        problems.append("corpus.jsonl: must be a path")
        jsonl = None
    if not paths and not jsonl:
        problems.append("corpus: give 'paths' (files or folders) or 'jsonl' (with 'ids')")
    if ids and not jsonl:
        problems.append("corpus.ids: only meaningful with 'jsonl'")
    for i, aid in enumerate(ids):
        if not ARTICLE_ID_RE.match(aid):
            problems.append(f"corpus.ids[{i}]: {aid!r} is not a valid article ID")
    if len(set(ids)) != len(ids):
        problems.append("corpus.ids: an ID is listed twice")
    resolved = tuple(resolve(p) for p in paths)
    for p, shown in zip(resolved, paths):
        if not p.exists():
            problems.append(f"corpus.paths: {shown!r} does not exist (looked at {p})")
    jpath = resolve(jsonl) if jsonl else None
    if jpath is not None and not jpath.is_file():
        problems.append(f"corpus.jsonl: {jsonl!r} is not a file (looked at {jpath})")
    return CorpusSpec(paths=resolved, jsonl=jpath, ids=tuple(ids))


def _strings(value, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.append(f"{where}: must be a list of non-empty strings")
        return []
    bad = [f"[{i}] {v!r}" + (" (a YAML number or date: quote it)"
                            if isinstance(v, (int, float)) or hasattr(v, "isoformat") else "")
           for i, v in enumerate(value) if not (isinstance(v, str) and v.strip())]
    if bad:
        problems.append(f"{where}: must be a list of non-empty strings; not: {', '.join(bad)}")
        return []
    return [v.strip() for v in value]


def _case(c, i: int, problems: list[str]) -> Case | None:
    where = f"cases[{i}]"
    if not isinstance(c, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    cid = c.get("id")
    if not isinstance(cid, (str, int)) or not str(cid).strip():
        problems.append(f"{where}: 'id' is missing")
        cid = f"#{i}"
    cid = str(cid).strip()
    where = f"{where} (id {cid!r})"
    kind = c.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: 'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
        return None
    _unknown(c, _CASE_KEYS[kind], f"{where}: ", problems)
    question = c.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.append(f"{where}: 'question' must be a non-empty string")
        question = ""
    lists = {k: _strings(c.get(k), f"{where}.{k}", problems)
             for k in ("answers", "all_answers", "wrong_answers", "must_cite")}
    if kind == "fact" and not (lists["answers"] or lists["all_answers"]):
        problems.append(f"{where}: a fact case needs 'answers' (any of) or 'all_answers'")
    sides: list[Side] = []
    if kind == "contested":
        raw_sides = c.get("sides")
        if not isinstance(raw_sides, list) or len(raw_sides) < 2:
            problems.append(f"{where}: a contested case needs 'sides', a list of at least two")
            raw_sides = []
        for j, s in enumerate(raw_sides):
            sw = f"{where}.sides[{j}]"
            if not isinstance(s, dict):
                problems.append(f"{sw}: must be a mapping with 'name', 'articles', 'speakers'")
                continue
            _unknown(s, _SIDE_KEYS, f"{sw}: ", problems)
            arts = _strings(s.get("articles"), f"{sw}.articles", problems)
            speakers = _strings(s.get("speakers"), f"{sw}.speakers", problems)
            says = _strings(s.get("says"), f"{sw}.says", problems)
            if not arts and not speakers:
                problems.append(f"{sw}: give the 'articles' or 'speakers' that make this side")
            sides.append(Side(str(s.get("name") or f"side {j + 1}"), tuple(arts),
                              tuple(speakers), tuple(says)))
    filters = c.get("filters") or {}
    if not isinstance(filters, dict):
        problems.append(f"{where}.filters: must be a mapping")
        filters = {}
    _unknown(filters, _FILTER_KEYS, f"{where}.filters: ", problems)
    note = c.get("note") or ""
    group = c.get("group") or ""
    if not isinstance(group, str):
        problems.append(f"{where}.group: must be a string such as 'event/point'")
        group = ""
    return Case(id=cid, kind=kind, question=" ".join(str(question).split()),
                answers=tuple(lists["answers"]), all_answers=tuple(lists["all_answers"]),
                wrong_answers=tuple(lists["wrong_answers"]), must_cite=tuple(lists["must_cite"]),
                sides=tuple(sides), filters=json.loads(json.dumps(filters, default=str)),
                note=str(note), group=group.strip())


def check_against_corpus(suite: Suite, corpus_ids: set[str]) -> None:
    """Raises ``SuiteError`` when a case names an article the corpus does not hold."""
    problems = []
    for i, c in enumerate(suite.cases):
        named = set(c.must_cite) | set(c.filters.get("article_ids", ()))
        for s in c.sides:
            named |= set(s.articles)
        for aid in sorted(named - corpus_ids):
            problems.append(f"cases[{i}] (id {c.id!r}): article {aid!r} is not in the corpus")
    if problems:
        raise SuiteError(str(suite.path), problems)
