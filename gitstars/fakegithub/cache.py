"""A size-bounded LRU cache of serialised response bodies and their ETags."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


def etag_for(body: bytes) -> str:
    """Return a weak ETag derived from the body, in the form GitHub sends."""
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


class BodyCache:
    """Keeps the most recently used bodies up to `max_bytes` in total.

    Two threads that miss the same key both render it, and the second result wins. That
    costs time only, because a key always renders to the same body.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> tuple[bytes, str]:
        """Return the cached body and ETag for `key`, rendering and storing them on a miss."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
            self.misses += 1
        body = render()
        entry = (body, etag_for(body))
        if len(body) > self.max_bytes:
            return entry
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= len(previous[0])
            self._entries[key] = entry
            self._size += len(body)
            while self._size > self.max_bytes:
                _, (old_body, _) = self._entries.popitem(last=False)
                self._size -= len(old_body)
        return entry

    def clear(self) -> None:
        """Drop every entry, for example after the world changed."""
        with self._lock:
            self._entries.clear()
            self._size = 0
