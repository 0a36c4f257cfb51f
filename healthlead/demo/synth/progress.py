"""A plain text progress bar on stderr (redrawn in place on a terminal, in steps otherwise)."""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class Bar:
    """Progress of one step: `advance_to(done)` as work goes, `finish()` at the end."""

    def __init__(self, label: str, total: int, stream: TextIO | None, *, label_width: int = 22):
        self.label = label
        self.total = max(total, 0)
        self.stream = stream
        self.label_width = label_width
        self.done = 0
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._last_step = -1
        self._tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def advance_to(self, done: int) -> None:
        self.done = done
        if self.stream is None:
            return
        now = time.perf_counter()
        if self._tty:
            if now - self._last_draw >= 0.2:
                self._last_draw = now
                self.stream.write("\r" + self._line(now))
                self.stream.flush()
        else:
            step = int(10 * done / self.total) if self.total else 10
            if step > self._last_step and step < 10:
                self._last_step = step
                self.stream.write(self._line(now) + "\n")

    def finish(self) -> float:
        """Draw the final line; returns the seconds the step took."""
        now = time.perf_counter()
        if self.stream is not None:
            prefix = "\r" if self._tty else ""
            self.stream.write(prefix + self._line(now, final=True) + "\n")
            self.stream.flush()
        return now - self.started

    def _line(self, now: float, *, final: bool = False) -> str:
        total = self.total or self.done or 1
        fraction = min(1.0, self.done / total)
        filled = int(WIDTH * fraction)
        bar = "#" * filled + "-" * (WIDTH - filled)
        elapsed = now - self.started
        return (
            f"  {self.label:<{self.label_width}} [{bar}] {fraction:4.0%} "
            f"{self.done:>10,} rows {elapsed:7.1f} s"
        )


class Progress:
    """Makes bars on one stream; pass stream=None for silence."""

    def __init__(self, stream: TextIO | None):
        self.stream = stream

    def __call__(self, label: str, total: int) -> Bar:
        return Bar(label, total, self.stream)
