"""Files only the service's own user may read: chat sessions, the Slack delivery record, rate
limit buckets. SQLite creates a database with the process umask (0644 as usually set) and its
``-wal``/``-shm`` files with the database's own mode, so the database is made 0600 first."""

from __future__ import annotations

import os
from pathlib import Path

MODE = 0o600


def private_file(path: Path) -> Path:
    """``path``, created empty with mode 0600 if absent, else narrowed to 0600; its folder is
    created if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, MODE)
    except FileExistsError:
        if path.stat().st_mode & 0o777 != MODE:
            os.chmod(path, MODE)
    else:
        os.close(fd)
    return path
