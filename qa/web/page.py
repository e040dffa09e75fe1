"""The chat page at ``/``: one HTML template; its script and styles are static files served by
this app (no CDN, so it works offline and under a strict Content-Security-Policy)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, render_template

bp = Blueprint("page", __name__)
STATIC = Path(__file__).parent / "static"


@lru_cache(maxsize=1)
def asset_version() -> str:
    """Changes whenever a static file does, so browsers never run a stale script."""
    h = hashlib.sha256()
    for p in sorted(STATIC.glob("*")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


@bp.get("/")
def index():
    """The chat page (``/?q=...`` asks that question on load)."""
    settings = current_app.extensions["qa_settings"]
    return render_template("index.html", v=asset_version(),
                           max_chars=settings.answer.max_question_chars)
