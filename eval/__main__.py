"""``python -m eval run SUITE.yaml [--url URL] [--report DIR] [--baseline OLD.json]`` and
``python -m eval ramdocs DATA.jsonl --out DIR``, ``python -m eval calibrate SUITE...`` and
``python -m eval disagreements [SUITE...] [--store DIR] [--sample N --out F] [--labels F]``,
``python -m eval links --store DIR [--sample N --out F] [--labels F...]``.

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
    k = sub.add_parser("calibrate", help="fit the answer path's weights and thresholds on the "
                       "fit half of dev suites; report both halves")
    k.add_argument("suites", type=Path, nargs="+", help="suite YAML files")
    k.add_argument("--ramdocs", type=Path, help="a RAMDocs JSONL file to fit on as well")
    k.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the logistic fits")
    k.add_argument("--precision-cost", type=float, default=0.1,
                   help="cost of a chosen sentence that holds no answer")
    k.add_argument("--abstain-cost", type=float, default=0.5,
                   help="cost of refusing a question the articles answer")
    k.add_argument("--false-contest-cost", type=float, default=3.0,
                   help="cost of a contest given to a fact case that does not quote it")
    k.add_argument("--write", type=Path, help="save the fitted values as QA_* lines here")
    k.add_argument("--save", action="store_true", help="make the fitted values the defaults "
                   "(writes qa/fitted.json, with the report)")
    k.add_argument("--json", type=Path, help="save the whole result (values and report) here")
    k.add_argument("--traces", type=Path, help="save every case's trace here (JSON lines)")
    k.add_argument("--reuse-traces", type=Path, help="fit on the traces an earlier --traces "
                   "saved instead of asking again (same code, same suites)")
    d = sub.add_parser("disagreements", help="check the contests across the corpus: recall of "
                       "the suites' contested points, precision on a hand-checked sample")
    d.add_argument("suites", type=Path, nargs="*", help="suites whose contested points the "
                   "list should hold (each built in a temporary store)")
    d.add_argument("--store", type=Path, help="data dir of a store over a whole corpus (e.g. "
                   "var/bench/allsides-claims, built by bench/disagreements.py)")
    d.add_argument("--url", help="a running server to list contests from instead of --store")
    d.add_argument("--token", default=os.environ.get("QA_API_TOKEN"))
    d.add_argument("--sample", type=int, help="write this many contests, drawn at random, to "
                   "--out for hand-checking")
    d.add_argument("--out", type=Path, help="the review file --sample writes")
    d.add_argument("--seed", type=int, default=15, help="the sample's random seed")
    d.add_argument("--linked", action="store_true", help="sample only the linked contests (the "
                   "ones the list puts first)")
    d.add_argument("--exclude", type=Path, nargs="+", default=[], help="labels files whose "
                   "contests the sample leaves out (a fresh sample beside those read before)")
    d.add_argument("--labels", type=Path, help="hand-checked verdicts (precision)")
    d.add_argument("--min-precision", type=float, default=0.0, help="exit 1 below this")
    d.add_argument("--report", type=Path, help="write report.json, summary.md, report.html here")
    lk = sub.add_parser("links", help="check the links denial contests are built from: a "
                        "sample to hand-check, or the precision of checked ones per path")
    lk.add_argument("--store", type=Path, required=True, help="data dir of a store with claims "
                    "over a whole corpus (e.g. var/bench/allsides-claims)")
    lk.add_argument("--sample", type=int, help="write about this many links to --out")
    lk.add_argument("--seed", type=int, default=7, help="the sample's random seed")
    lk.add_argument("--out", type=Path, help="the review file --sample writes")
    lk.add_argument("--exclude", type=Path, nargs="+", default=[], help="labels files whose "
                    "links the sample leaves out")
    lk.add_argument("--labels", type=Path, nargs="+", default=[], help="hand-checked links")
    args = p.parse_args(argv)
    if args.command == "links":
        return _links(args)
    if args.command == "disagreements":
        return _disagreements(args)
    if args.command == "ramdocs":
        return _ramdocs(args)
    if args.command == "calibrate":
        return _calibrate(args, argv)
    return _run(args)


def ramdocs_suite(data: Path, out: Path, cross_abstain: bool = False) -> Path:
    """A RAMDocs JSONL file converted into a corpus and suite under ``out``."""
    from .ramdocs import convert

    return convert(data, out, cross_abstain=cross_abstain)


def _calibrate(args, argv=None) -> int:
    import json

    from .calibrate import calibrate, env_lines, summary
    from .ramdocs import RamdocsError
    from .suite import SuiteError

    try:
        result = calibrate(args.suites, l2=args.l2, precision_cost=args.precision_cost,
                           false_contest_cost=args.false_contest_cost,
                           abstain_cost=args.abstain_cost, ramdocs=args.ramdocs,
                           traces=args.traces, reuse=args.reuse_traces)
    except (SuiteError, RamdocsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    if args.save:
        from qa.config import FITTED_FILE

        from .calibrate import save

        save(result, FITTED_FILE, "python -m eval " + " ".join(sys.argv[1:] if argv is None else argv))
        print(f"saved: {FITTED_FILE}")
    if args.write:
        args.write.write_text(env_lines(result), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


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


def _links(args) -> int:
    from . import links

    from qa.config import Settings
    from qa.service import QAService

    if not (args.store / "chroma").exists():
        print(f"error: no store at {args.store}", file=sys.stderr)
        return 2
    service = QAService(Settings().with_store(data_dir=args.store))
    try:
        labels = [lab for path in args.labels for lab in links.load_labels(path)]
        seen = {lab["id"] for path in args.exclude for lab in links.load_labels(path)}
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.sample:
        if not args.out:
            print("error: --sample needs --out", file=sys.stderr)
            return 2
        found = links.sample(service, args.sample, args.seed, seen)
        how = (f"python -m eval links --store {args.store} --sample {args.sample} --seed {args.seed}"
               + "".join(f" --exclude {x}" for x in args.exclude))
        args.out.write_text(links.review_text(found, how), encoding="utf-8")
        print(f"{len(found)} links written to {args.out}")
    if labels:
        print(links.to_text(links.score(service, labels)))
    return 0


def _disagreements(args) -> int:
    import json

    from . import disagreements as dis
    from .runner import build_service, load_corpus
    from .suite import SuiteError, load_suite

    from qa.config import Settings

    doc: dict = {"recall": []}
    try:
        suites = [load_suite(path) for path in args.suites]
        for suite in suites:
            with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
                service = build_service(Settings().with_store(data_dir=Path(tmp) / "var"),
                                        load_corpus(suite))
                doc["recall"].append(dis.recall(suite, dis.every_contest(dis.in_process(service))))
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    listed: list[dict] = []
    if args.store or args.url:
        if args.url:
            page = dis.over_http(args.url, args.token)
        else:
            from qa.service import QAService

            page = dis.in_process(QAService(Settings().with_store(data_dir=args.store)))
        listed = dis.every_contest(page)
        doc["store"], doc["listed"] = str(args.url or args.store), len(listed)
        if args.sample:
            if not args.out:
                print("error: --sample needs --out", file=sys.stderr)
                return 2
            try:
                seen = {lab["id"] for f in args.exclude for lab in dis.load_labels(f)}
            except (OSError, ValueError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            pool = [c for c in listed if c["id"] not in seen and (c.get("linked") or not args.linked)]
            args.out.write_text(dis.review_text(dis.sample(pool, args.sample, args.seed), doc["store"]),
                                encoding="utf-8")
            print(f"wrote {args.sample} contests to review: {args.out}")
        if args.labels:
            try:
                doc["precision"] = dis.precision(dis.load_labels(args.labels), listed)
            except (OSError, ValueError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
    print(dis.to_markdown(doc))
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        (args.report / "report.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
        (args.report / "summary.md").write_text(dis.to_markdown(doc), encoding="utf-8")
        (args.report / "report.html").write_text(dis.to_html(doc), encoding="utf-8")
        print(f"report: {args.report / 'report.html'}")
    p = doc.get("precision")
    if p and p["precision"] is not None and p["precision"] < args.min_precision:
        return 1
    return 0


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
