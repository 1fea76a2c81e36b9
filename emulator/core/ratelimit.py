"""Per-token request budget, as DigitalOcean counts it: a sliding hour.

Each request counts for one hour after it is made. The three `ratelimit-*`
headers go on every answer; 429s are sent only with `enforce_rate_limit`, since
most test suites would rather not meet them by surprise.
"""

from __future__ import annotations

import time
from collections import deque

WINDOW = 3600.0


class RateLimiter:
    def __init__(self, limit: int, *, enforce: bool) -> None:
        self.limit = limit
        self.enforce = enforce
        self._windows: dict[str, deque[float]] = {}

    def hit(self, key: str) -> tuple[bool, list[tuple[bytes, bytes]]]:
        """Count one request for `key`; return whether it may go on, and the headers."""
        now = time.time()
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = deque()
        while window and window[0] <= now - WINDOW:
            window.popleft()

        allowed = not self.enforce or len(window) < self.limit
        if allowed:
            window.append(now)
        remaining = max(self.limit - len(window), 0)
        reset = int((window[0] if window else now) + WINDOW)
        headers = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(remaining).encode()),
            (b"ratelimit-reset", str(reset).encode()),
        ]
        if not allowed:
            headers.append(
                (b"retry-after", str(max(int(window[0] + WINDOW - now), 1)).encode())
            )
        return allowed, headers

    def clear(self) -> None:
        self._windows.clear()
