"""``python -m eval run SUITE.yaml [--url URL] [--report DIR] [--baseline OLD.json]`` and
``python -m eval ramdocs DATA.jsonl --out DIR``.

Exit codes: 0 every threshold holds; 1 a threshold failed; 2 the suite, corpus, baseline or
target could not be used (the message says why).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit code."""
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a suite and check its thresholds")
    r.add_argument("suite", type=Path, help="suite YAML file")
    r.add_argument("--url", help="ask a running server (POST URL/api/ask) instead of an "
                   "in-process service; it must hold the suite's corpus")
    r.add_argument("--token", default=os.environ.get("QA_API_TOKEN"),
                   help="bearer token for --url (default: $QA_API_TOKEN)")
    r.add_argument("--report", type=Path, help="write report.json, summary.md, report.html here")
    r.add_argument("--baseline", type=Path, help="an earlier report.json to compare against")
    r.add_argument("--data-dir", type=Path, help="store for the in-process service (default: a "
                   "temporary directory, removed afterwards)")
    r.add_argument("--engine", choices=["extractive", "llm"], help="answer engine (in-process)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    c = sub.add_parser("ramdocs", help="turn RAMDocs-format JSONL into a corpus plus a suite")
    c.add_argument("data", type=Path, help="RAMDocs JSONL file")
    c.add_argument("--out", type=Path, required=True, help="folder for corpus.jsonl, suite.yaml")
    c.add_argument("--limit", type=int, default=0, help="first N items only (0: all)")
    args = p.parse_args(argv)
    if args.command == "ramdocs":
        return _ramdocs(args)
    return _run(args)


def _ramdocs(args) -> int:
    from .ramdocs import RamdocsError, convert

    try:
        suite_path = convert(args.data, args.out, limit=args.limit or None)
    except RamdocsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {suite_path} and its corpus; run: python -m eval run {suite_path}")
    return 0


def _run(args) -> int:
    from . import report
    from .runner import build_service, in_process, load_corpus, over_http, run_suite, summary_table
    from .suite import SuiteError, load_suite

    try:
        suite = load_suite(args.suite)
        corpus = load_corpus(suite)
        baseline = report.load_baseline(args.baseline) if args.baseline else None
    except (SuiteError, report.BaselineError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    progress = False if args.quiet else None
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        if args.url:
            ask, target = over_http(args.url, args.token), args.url
        else:
            from qa.config import Settings
            from qa.errors import QAError

            settings = Settings().with_store(data_dir=args.data_dir or Path(tmp) / "var")
            if args.engine:
                settings = settings.model_copy(update={"engine": args.engine})
            try:
                service = build_service(settings, corpus, progress=_ingest_bar(progress))
            except QAError as exc:
                print(f"error: cannot build the service: {exc.message}", file=sys.stderr)
                return 2
            ask, target = in_process(service), "in-process"
        run = run_suite(suite, ask, corpus, target=target, progress=progress)
    print(summary_table(run))
    if args.report:
        report.write(run, args.report, baseline)
        print(f"report: {args.report / 'report.html'}")
    return 0 if run.passed else 1


def _ingest_bar(progress):
    if progress is False or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="ingest", unit="article", file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


if __name__ == "__main__":
    sys.exit(main())
