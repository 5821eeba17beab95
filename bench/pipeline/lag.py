"""Consumer lag over a run, and whether it stayed bounded. Pure.

Lag is sampled once a second as committed offsets behind end offsets. Over the window of the
offered load, the mean of the last third is compared with the mean of the first: a consumer
that keeps up has a lag that wanders around its batch size; one that does not falls behind by
its deficit every second. "growing" means the last third's mean exceeds the first third's by
more than ``SLACK_S`` seconds' worth of the offered rate and by half again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import fmean

SLACK_S = 1.0


@dataclass(frozen=True)
class LagSummary:
    first_third: float
    last_third: float
    peak: int
    end: int  # the last sample, after the settle time
    growing: bool

    @property
    def verdict(self) -> str:
        return "growing" if self.growing else "bounded"


@dataclass
class LagSeries:
    samples: list[tuple[float, int]] = field(default_factory=list)

    def add(self, at: float, lag: int) -> None:
        self.samples.append((at, max(0, lag)))

    def last(self) -> int | None:
        return self.samples[-1][1] if self.samples else None

    def summary(self, start: float, end: float, *, rate: float) -> LagSummary:
        """Over the load window [start, end] (epoch seconds)."""
        third = (end - start) / 3
        inside = [lag for at, lag in self.samples if start <= at <= end] or [0]
        first = [lag for at, lag in self.samples if start <= at < start + third] or inside[:1]
        final = [lag for at, lag in self.samples if end - third < at <= end] or inside[-1:]
        early, late = fmean(first), fmean(final)
        growing = late - early > max(rate * SLACK_S, 0.5 * early)
        return LagSummary(early, late, max(inside), self.last() or 0, growing)
