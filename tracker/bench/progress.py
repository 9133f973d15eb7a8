"""A plain progress bar on stderr: redrawn in place on a terminal, one line per 10 % in a log."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts work done towards a known total and shows rate and time left."""

    WIDTH = 30

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, enabled: bool = True):
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and getattr(self.stream, "isatty", lambda: False)()
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._last_decile = -1

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.tty:
            if now - self._last_draw >= 0.2 or self.done >= self.total:
                self._last_draw = now
                self.stream.write("\r" + self._line(now))
                self.stream.flush()
        else:
            decile = min(10, 10 * self.done // self.total)
            if decile != self._last_decile:
                self._last_decile = decile
                self.stream.write(self._line(now) + "\n")
                self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\r" + self._line(time.perf_counter()) + "\n")
            self.stream.flush()

    def _line(self, now: float) -> str:
        fraction = min(1.0, self.done / self.total)
        filled = int(self.WIDTH * fraction)
        elapsed = now - self.started
        left = elapsed * (1 - fraction) / fraction if fraction else 0.0
        bar = "#" * filled + "." * (self.WIDTH - filled)
        counts = f"{self.done:,}/{self.total:,}"
        return f"{self.label:<10} [{bar}] {fraction:4.0%} {counts} {elapsed:6.1f}s (eta {left:5.1f}s)"
