"""The emulator's clock: when in-progress actions complete.

Modes (`--clock`):
- real: actions complete `action_delay` seconds after they start (default 1 s),
  so polling loops in clients are exercised;
- instant: actions complete on the next request, so tests need not wait, yet a
  create response still shows `new`/`in-progress` as the real API does;
- frozen: time stands still until `advance(seconds)` moves it.

`advance` works in every mode: it shifts the emulator's "now" forward.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

ClockMode = Literal["real", "instant", "frozen"]


class Clock:
    def __init__(self, mode: ClockMode = "real", delay: float = 1.0) -> None:
        self.mode: ClockMode = mode
        self.delay = delay
        self._offset = 0.0
        self._frozen_at = time.time()

    def now(self) -> float:
        if self.mode == "frozen":
            return self._frozen_at + self._offset
        return time.time() + self._offset

    def action_delay(self) -> float:
        return 0.0 if self.mode == "instant" else self.delay

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def reset(self) -> None:
        """Back to wall time: forget every advance."""
        self._offset = 0.0
        self._frozen_at = time.time()

    def set_mode(self, mode: ClockMode, *, delay: float | None = None) -> None:
        if mode == "frozen" and self.mode != "frozen":
            self._frozen_at = time.time()
        elif mode != "frozen" and self.mode == "frozen":
            # Carry on from the frozen moment rather than jumping back to wall time.
            self._offset = self._frozen_at + self._offset - time.time()
        self.mode = mode
        if delay is not None:
            self.delay = delay

    def describe(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "action_delay": self.delay,
            "now": timestamp(self.now()),
        }


@lru_cache(maxsize=64)
def _format(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp(epoch: float) -> str:
    """DigitalOcean's date-time format: ISO 8601, UTC, whole seconds, `Z`."""
    # Cached by the second: a create stamps several fields, and strftime is slow.
    return _format(int(epoch))
