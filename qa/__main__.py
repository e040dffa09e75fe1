"""``python -m qa ask [--json] [--engine extractive|llm] [--data-dir DIR] QUESTION...``

Answers one question from the command line: the answer text and its citations, or with
``--json`` exactly what ``POST /api/ask`` returns. Settings come from ``QA_*`` variables, with the
flags on top.

Exit codes: 0 answered (an abstention is an answer); 1 the service could not answer (store
missing or unreachable); 2 bad input (empty or over-long question, bad filter, bad setting).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit code."""
    p = argparse.ArgumentParser(prog="python -m qa", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("ask", help="answer one question from the ingested articles")
    a.add_argument("question", nargs="+", help="the question (several words need no quotes)")
    a.add_argument("--json", action="store_true", help="print the /api/ask JSON")
    a.add_argument("--engine", choices=["extractive", "llm"], help="answer engine (QA_ENGINE)")
    a.add_argument("--data-dir", type=Path, help="embedded store location (QA_DATA_DIR)")
    a.add_argument("--chroma-url", help="use a Chroma server (QA_CHROMA_URL)")
    a.add_argument("--after", help="only articles dated on or after YYYY-MM-DD")
    a.add_argument("--before", help="only articles dated on or before YYYY-MM-DD")
    a.add_argument("--source", action="append", dest="sources", help="only this outlet "
                   "(repeatable)")
    a.add_argument("--article", action="append", dest="article_ids", help="only this article "
                   "ID (repeatable)")
    args = p.parse_args(argv)
    return _ask(args)


def _ask(args) -> int:
    from pydantic import ValidationError

    from .config import Settings
    from .errors import BadRequest, QAError

    try:
        settings = Settings()
    except ValidationError as exc:
        return _fail(f"bad setting in the environment: {_first_error(exc)}", 2)
    settings = settings.with_store(args.data_dir, args.chroma_url)
    if args.engine:
        settings = settings.model_copy(update={"engine": args.engine})
    if not settings.store.chroma_url and not settings.store.data_dir.is_dir():
        return _fail(f"no store at {settings.store.data_dir}: ingest first "
                     f"(python ingest.py --data-dir {settings.store.data_dir} PATH...)", 1)
    try:
        from .contract import filters_from as parse_filters

        raw = {k: v for k, v in {"after": args.after, "before": args.before,
                                 "sources": args.sources, "article_ids": args.article_ids}.items()
               if v is not None}
        filters = parse_filters(raw)
        from .service import QAService

        service = QAService(settings)
        answer = service.ask(" ".join(args.question), filters=filters)
    except BadRequest as exc:
        return _fail(exc.message, 2)
    except QAError as exc:
        return _fail(exc.message, 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render(answer))
    return 0


def render(answer) -> str:
    """The answer as a reader sees it in a terminal: text, sources, disagreements, notes."""
    out = [textwrap.fill(answer.text, 100, break_long_words=False, break_on_hyphens=False)]
    if answer.citations:
        out.append("\nCitations:")
        for c in answer.citations:
            meta = ", ".join(x for x in (c.date, c.source) if x)
            out.append(f"  [{c.article_id}] {c.title}" + (f" ({meta})" if meta else ""))
            out.append(textwrap.fill(f"“{c.quote}”", 100, initial_indent="      ",
                                     subsequent_indent="      ", break_long_words=False,
                                     break_on_hyphens=False))
    if answer.contested:
        out.append("\nThe articles disagree:")
        for k in answer.contested:
            out.append(f"  {k.topic}")
            for side in k.sides:
                speakers = sorted({cl.speaker for cl in side.claims})
                out.append(f"    - {side.position}: {', '.join(speakers)}")
    for n in answer.notes:
        out.append(f"\nNote: {n}")
    return "\n".join(out)


def _first_error(exc) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(map(str, err.get('loc', ())))}: {err.get('msg')}"


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
