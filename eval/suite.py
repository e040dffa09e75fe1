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

The file's shape is a set of pydantic models (``SuiteIn``, one model per case kind, chosen by
``kind``); they check a suite and build the frozen values the eval runs on (``Suite``, ``Case``,
``Side``). Every mistake is reported with where it is (``cases[3] (id 'x').sides[0].speakers:
...``), all at once, an unknown key with the closest known one.
"""

from __future__ import annotations

import difflib
import re
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, ClassVar, Literal, Union, get_args

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      ValidationInfo, create_model, field_validator, model_validator)

from qa.contract import FiltersIn
from qa.domain import ARTICLE_ID_RE

from .metrics import METRICS, Metric

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("fact", "contested", "abstain")


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


# --- the file's shape, as pydantic models: they check a suite and build the values above -----
def _strings(value) -> tuple[str, ...]:
    """One string or a list of non-empty strings; a YAML number or date is named as such."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValueError("must be a list of non-empty strings")
    bad = [f"[{i}] {v!r}" + (" (a YAML number or date: quote it)"
                            if isinstance(v, (int, float, date)) else "")
           for i, v in enumerate(value) if not (isinstance(v, str) and v.strip())]
    if bad:
        raise ValueError(f"must be a list of non-empty strings; not: {', '.join(bad)}")
    return tuple(v.strip() for v in value)


def _text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return " ".join(value.split())


def _case_id(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise ValueError("must be a non-empty string")
    return str(value).strip()


def _or_empty(value):
    return "" if value is None else value


Strings = Annotated[tuple[str, ...], BeforeValidator(_strings)]
Text = Annotated[str, BeforeValidator(_text)]


class FileModel(BaseModel):
    """A mapping of a file the eval reads (a suite, a labels file): unknown keys are mistakes
    (named with the closest key); ``located_problems`` turns its validation errors into lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key_noun: ClassVar[str] = "key"


class SideIn(FileModel):
    name: Annotated[str, BeforeValidator(_or_empty)] = ""
    articles: Strings = ()
    speakers: Strings = Field((), validate_default=True)
    says: Strings = ()

    @field_validator("speakers")
    @classmethod
    def _someone(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not v and not info.data.get("articles"):
            raise ValueError("give the 'articles' or 'speakers' that make this side")
        return v

    def to_side(self, j: int) -> Side:
        return Side(self.name or f"side {j + 1}", self.articles, self.speakers, self.says)


def _filters(value):
    """YAML reads an unquoted date as a date; the API's filters take it as text."""
    if isinstance(value, dict):
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in value.items()}
    return value


class _CaseIn(FileModel):
    id: Annotated[str, BeforeValidator(_case_id)]
    question: Text
    filters: Annotated[FiltersIn | None, BeforeValidator(_filters)] = None
    note: Annotated[str, BeforeValidator(_or_empty)] = ""
    group: Annotated[str, BeforeValidator(_or_empty)] = ""

    @field_validator("group")
    @classmethod
    def _group(cls, v: str) -> str:
        return v.strip()

    def to_case(self, **kind_fields) -> Case:
        filters = self.filters.model_dump(exclude_none=True) if self.filters else {}
        return Case(id=self.id, kind=self.kind, question=self.question, filters=filters,
                    note=self.note, group=self.group, **kind_fields)


class FactIn(_CaseIn):
    kind: Literal["fact"]
    answers: Strings = ()
    all_answers: Strings = Field((), validate_default=True)
    wrong_answers: Strings = ()
    must_cite: Strings = ()

    @field_validator("all_answers")
    @classmethod
    def _some_answer(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not v and not info.data.get("answers"):
            raise ValueError("a fact case needs 'answers' (any of) or 'all_answers'")
        return v

    def case(self) -> Case:
        return self.to_case(answers=self.answers, all_answers=self.all_answers,
                            wrong_answers=self.wrong_answers, must_cite=self.must_cite)


def _two_sides(value):
    if not isinstance(value, list) or len(value) < 2:
        raise ValueError("a contested case needs at least two sides")
    return value


class ContestedIn(_CaseIn):
    kind: Literal["contested"]
    sides: Annotated[list[SideIn], BeforeValidator(_two_sides)]

    def case(self) -> Case:
        return self.to_case(sides=tuple(s.to_side(j) for j, s in enumerate(self.sides)))


class AbstainIn(_CaseIn):
    kind: Literal["abstain"]

    def case(self) -> Case:
        return self.to_case()


CaseIn = Annotated[Union[FactIn, ContestedIn, AbstainIn], Field(discriminator="kind")]
_CASE_MODELS = {"fact": FactIn, "contested": ContestedIn, "abstain": AbstainIn}


class CorpusIn(FileModel):
    paths: Strings = ()
    jsonl: str | None = None
    ids: Strings = ()

    @field_validator("paths")
    @classmethod
    def _paths_exist(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        missing = [f"{p!r} does not exist (looked at {resolve(p)})" for p in v
                   if not resolve(p).exists()]
        if missing:
            raise ValueError("; ".join(missing))
        return v

    @field_validator("jsonl")
    @classmethod
    def _jsonl_is_file(cls, v: str | None) -> str | None:
        if v is not None and not resolve(v).is_file():
            raise ValueError(f"{v!r} is not a file (looked at {resolve(v)})")
        return v

    @field_validator("ids")
    @classmethod
    def _valid_ids(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [f"[{i}] {aid!r}" for i, aid in enumerate(v) if not ARTICLE_ID_RE.match(aid)]
        if bad:
            raise ValueError(f"not valid article IDs: {', '.join(bad)}")
        if len(set(v)) != len(v):
            raise ValueError("an ID is listed twice")
        return v

    @model_validator(mode="after")
    def _some_source(self) -> "CorpusIn":
        if not self.paths and not self.jsonl:
            raise ValueError("give 'paths' (files or folders) or 'jsonl' (with 'ids')")
        if self.ids and not self.jsonl:
            raise ValueError("'ids' is only meaningful with 'jsonl'")
        return self

    def spec(self) -> CorpusSpec:
        return CorpusSpec(paths=tuple(resolve(p) for p in self.paths),
                          jsonl=resolve(self.jsonl) if self.jsonl else None, ids=self.ids)


def _bound(metric: Metric):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, not {value!r}")
        if metric.unit == "rate" and not 0 <= value <= 1:
            raise ValueError(f"a rate must lie in [0, 1], not {value}")
        if value < 0:
            raise ValueError("must not be negative")
        return float(value)
    return Annotated[float | None, BeforeValidator(check)]


class _Thresholds(FileModel):
    key_noun: ClassVar[str] = "metric"


#: ``thresholds``: a bound for any metric of ``eval/metrics.py`` (a minimum, or a maximum for
#: "lower is better" metrics such as ``false_contest_rate``).
ThresholdsIn = create_model("ThresholdsIn", __base__=_Thresholds,
                            **{name: (_bound(m), None) for name, m in METRICS.items()})


class SuiteIn(FileModel):
    name: Text
    description: Annotated[str, BeforeValidator(_or_empty)] = ""
    corpus: CorpusIn
    thresholds: Annotated[ThresholdsIn, BeforeValidator(lambda v: {} if v is None else v)] = \
        Field(default_factory=ThresholdsIn)
    cases: Annotated[list[CaseIn], Field(min_length=1)]

    def suite(self, path: Path) -> Suite:
        return Suite(name=self.name, path=path, corpus=self.corpus.spec(),
                     thresholds=self.thresholds.model_dump(exclude_none=True),
                     cases=tuple(c.case() for c in self.cases), description=self.description.strip())


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
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an unquoted date such as 2021-02-30
        raise SuiteError(where, [f"not valid YAML: {exc}"]) from None
    return parse_suite(raw, path)


def parse_suite(raw, path: Path) -> Suite:
    """Checks an already-parsed suite document (see the module docstring for the shape)."""
    if not isinstance(raw, dict):
        raise SuiteError(str(path), ["the file must be a mapping with 'name', 'corpus', 'cases'"])
    problems = _duplicate_ids(raw.get("cases"))
    try:
        model = SuiteIn.model_validate(raw)
    except ValidationError as exc:
        raise SuiteError(str(path), located_problems(exc, raw, SuiteIn) + problems) from None
    if problems:
        raise SuiteError(str(path), problems)
    return model.suite(path)


def _duplicate_ids(cases) -> list[str]:
    seen: set[str] = set()
    out = []
    for i, c in enumerate(cases if isinstance(cases, list) else ()):
        cid = c.get("id") if isinstance(c, dict) else None
        if isinstance(cid, (str, int)) and str(cid).strip():
            if str(cid).strip() in seen:
                out.append(f"cases[{i}]: duplicate id {str(cid).strip()!r}")
            seen.add(str(cid).strip())
    return out


def located_problems(exc: ValidationError, raw, root: type[BaseModel]) -> list[str]:
    """``exc`` (from validating ``raw`` as ``root``) as its author reads it: one line a
    mistake, where (``cases[3] (id 'x').sides[0]``), then what is wrong."""
    return [_problem(err, raw, root) for err in exc.errors()]


def _problem(err: dict, raw, root: type[BaseModel]) -> str:
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        where, model = _locate(loc[:-1], raw, root)
        key, allowed = str(loc[-1]), list(model.model_fields) if model else []
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        noun = getattr(model, "key_noun", "key")
        return f"{where + ': ' if where else ''}unknown {noun} {key!r}{hint}"
    where, _ = _locate(loc, raw, root)
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        given = f", not {err['ctx']['tag']!r}" if err["type"] == "union_tag_invalid" else ""
        return f"{where}.kind: must be one of {', '.join(KINDS)}{given}"
    if err["type"] == "missing":
        head, _, name = where.rpartition(".")
        return f"{head + ': ' if head else ''}{name!r} is missing"
    if err["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return f"{where or 'the file'}: must be a mapping"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def _locate(loc: tuple, raw, root: type[BaseModel]) -> tuple[str, type[BaseModel] | None]:
    """``loc`` written as a path (list items shown with their IDs), and the model found there."""
    where, model, node = "", root, raw
    for part in loc:
        if isinstance(part, int):
            where += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            cid = node.get("id") if isinstance(node, dict) else None
            if isinstance(cid, (str, int)) and str(cid).strip():
                where += f" (id {str(cid).strip()!r})"
        elif model is CaseIn:
            model = _CASE_MODELS.get(part)  # the kind pydantic chose the case's model by
        else:
            where += f".{part}" if where else part
            fld = model.model_fields.get(part) if model else None
            model = _model_in(fld.annotation) if fld else None
            node = node.get(part) if isinstance(node, dict) else None
    return where, model


def _model_in(annotation):
    if annotation is CaseIn or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


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
