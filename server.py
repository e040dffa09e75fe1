"""Serve the API and chat page: ``python server.py [--data-dir DIR] [--host H] [--port P]``;
in production ``gunicorn -c gunicorn.conf.py server:app``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler

from qa.config import Settings
from qa.web import create_app


def main(argv: list[str] | None = None) -> int:
    """Runs the development server."""
    p = argparse.ArgumentParser(description="Serve the news QA API and chat page.")
    p.add_argument("--data-dir", type=Path, help="embedded store location (QA_DATA_DIR)")
    p.add_argument("--chroma-url", help="use a Chroma server (QA_CHROMA_URL)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    args = p.parse_args(argv)
    settings = Settings().with_store(args.data_dir, args.chroma_url)
    application = create_app(settings=settings)
    application.run(host=args.host, port=args.port, threaded=True,
                    request_handler=QuietRequestHandler)
    return 0


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, without Werkzeug's and Python's versions in ``Server``."""

    def version_string(self) -> str:
        return "newsqa"


def __getattr__(name: str):
    # ``gunicorn server:app`` builds the app lazily so importing this module stays cheap.
    if name == "app":
        global app
        app = create_app(settings=Settings())
        return app
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
