"""Ingest articles: ``python ingest.py [--data-dir DIR] [--reset] [--prune] [--no-claims] PATH...``"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.config import Settings
from qa.errors import QAError


def main(argv: list[str] | None = None) -> int:
    """Parses flags, syncs the store with PATHs, prints a one-line summary."""
    p = argparse.ArgumentParser(description="Ingest news articles (.txt .md .html .jsonl).")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    p.add_argument("--data-dir", type=Path, help="embedded store location (QA_DATA_DIR)")
    p.add_argument("--chroma-url", help="use a Chroma server (QA_CHROMA_URL)")
    p.add_argument("--reset", action="store_true", help="empty the store first")
    p.add_argument("--prune", action="store_true", help="remove articles no longer in PATHs")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--no-claims", action="store_true",
                   help="skip finding attributed claims (QA_CLAIMS=false): about twice as fast; "
                        "a later run without it adds them without re-embedding")
    p.add_argument("--progress", choices=["auto", "bar", "lines", "none"], default="auto",
                   help="progress display (auto: a bar on a terminal, nothing otherwise)")
    args = p.parse_args(argv)
    missing = [str(x) for x in args.paths if not x.exists()]
    if missing:
        p.error(f"no such file or folder: {', '.join(missing)}")

    settings = Settings().with_store(args.data_dir, args.chroma_url)
    if args.no_claims:
        settings = settings.with_claims(False)
    from qa.service import QAService

    mode = args.progress
    if mode == "auto":
        mode = "bar" if sys.stderr.isatty() else "none"
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if mode == "lines":
            print(f"committed {done}/{total}", file=sys.stderr, flush=True)
        elif mode == "bar":
            if bar is None:
                from tqdm import tqdm

                bar = tqdm(total=total, unit="article", file=sys.stderr)
            bar.update(done - bar.n)

    try:
        service = QAService(settings)
        summary = service.ingest(args.paths, prune=args.prune, reset=args.reset, progress=progress)
    except QAError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: committed articles are kept; run again to finish", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        for s in summary.skipped[:50]:
            print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
        if len(summary.skipped) > 50:
            print(f"... and {len(summary.skipped) - 50} more skipped", file=sys.stderr)
        print(summary.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
