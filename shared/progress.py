"""Progress of long command-line work: count, rate and ETA while it runs, a summary at the end.

Written to stderr (stdout stays for results), at most every ``interval_s``, so a pipe or a log
file is not flooded; the ETA appears once the total is known.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


class Progress:
    def __init__(
        self,
        what: str,
        *,
        total: int | None = None,
        out: TextIO | None = None,
        interval_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.total = total
        self.done = 0
        self._out = out or sys.stderr
        self._interval_s = interval_s
        self._clock = clock
        self._started = clock()
        self._last = self._started

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self._clock()
        if now - self._last >= self._interval_s:
            self._last = now
            self._out.write(self.line() + "\n")
            self._out.flush()

    def rate(self) -> float:
        elapsed = self._clock() - self._started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.rate()
        text = f"{self.what}: {self.done:,}"
        if self.total is not None:
            text += f" of {self.total:,}"
        text += f" ({rate:,.0f}/s"
        if self.total is not None and rate > 0:
            text += f", ETA {_duration((self.total - self.done) / rate)}"
        return text + ")"

    def summary(self, outcome: str) -> str:
        elapsed = self._clock() - self._started
        line = f"{self.what}: {outcome} in {_duration(elapsed)} ({self.rate():,.0f}/s)"
        self._out.write(line + "\n")
        self._out.flush()
        return line
