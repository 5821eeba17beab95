"""The maintained counts the KPIs and theme trends read, as deltas a batch adds. Pure.

``response_counts`` holds, per day, instrument, acquisition channel, campaign, the responses
and their score bands (``kpis.ResponseCounts``); ``theme_counts`` holds, per theme, day, the
mentions, negative mentions and sentiment sum (``trends.ThemeCount``). A batch never recomputes
them: it adds +1 for each response it stores, and when a person's acquisition changes (an earlier
touchpoint arrives, persons merge, a provisional person is linked) it moves that person's
responses from the segment they were counted under to the new one (-1 there, +1 here). Days are
UTC days of when the feedback was given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from services.feedback.instruments import POLARITY
from services.feedback.trends import week_of

CountKey = tuple[date, str, str, str]  # day, instrument, channel, campaign
ThemeKey = tuple[str, date]
POLARITY_INDEX = {"negative": 1, "neutral": 2, "positive": 3}
POLARITIES: dict[str, str] = {
    str(band): str(polarity) for band, polarity in POLARITY.items()
}  # band name → polarity, for bands read back as text


@dataclass(frozen=True, slots=True)
class Counted:
    """What one response adds to its segment's counts."""

    day: date
    instrument: str
    band: str | None
    score: int | None


@dataclass(frozen=True, slots=True)
class Move:
    """A response counted under ``old`` that belongs under ``new`` now."""

    message_id: str
    counted: Counted
    old: tuple[str, str]
    new: tuple[str, str]


class ResponseDeltas:
    """Sums of +1/-1 per count row: responses, negative, neutral, positive, score_sum."""

    def __init__(self) -> None:
        self.rows: dict[CountKey, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])

    def add(self, counted: Counted, segment: tuple[str, str], *, sign: int = 1) -> None:
        row = self.rows[(counted.day, counted.instrument, *segment)]
        row[0] += sign
        if counted.band is not None:
            row[POLARITY_INDEX[POLARITIES[counted.band]]] += sign
        row[4] += sign * (counted.score or 0)

    def move(self, moves: Iterable[Move]) -> None:
        for move in moves:
            self.add(move.counted, move.old, sign=-1)
            self.add(move.counted, move.new)

    def nonzero(self) -> dict[CountKey, list[int]]:
        return {key: row for key, row in self.rows.items() if any(row)}


class ThemeDeltas:
    """Per theme and day: mentions, negative mentions, sum of the verdicts' scores."""

    def __init__(self) -> None:
        self.rows: dict[ThemeKey, list[float]] = defaultdict(lambda: [0, 0, 0.0])

    def add(self, themes: Iterable[str], day: date, *, negative: bool, score: float) -> None:
        for theme in dict.fromkeys(themes):
            row = self.rows[(theme, day)]
            row[0] += 1
            row[1] += int(negative)
            row[2] += score


def weekly_volumes(volumes: Mapping[date, int]) -> dict[date, int]:
    """Daily response volumes summed per ISO week (its Monday)."""
    per_week: dict[date, int] = defaultdict(int)
    for day, total in volumes.items():
        per_week[week_of(day)] += total
    return dict(per_week)
