"""A small thread-safe LRU map, for caches keyed by content (a text, an article version)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class Recent:
    """The ``size`` most recently used entries."""

    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> Any | None:
        with self._lock:
            value = self._d.get(key)
            if value is not None:
                self._d.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)
