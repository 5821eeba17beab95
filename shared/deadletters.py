"""How dead letters are made, and the limit that stops a consumer dead-lettering everything.

A record the consumer cannot apply because of what it contains goes to the dead-letter topic
and the stream goes on. But when most records fail — a schema change deployed before its
consumer, a bug that makes every record look bad — going on would empty the stream into the
dead-letter topic. The limit turns that into a stop: at most ``max_dead_letters`` among the last
``window_records`` records; the batch that would cross it is not committed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from shared.broker import Record
from shared.producer import OutgoingRecord, dead_letter


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one record was not applied: ``code`` is a short label for metrics."""

    record: Record
    reason: str
    code: str


def dead_letter_of(rejection: Rejection, *, topic: str, service: str, group: str) -> OutgoingRecord:
    """The original bytes untouched; the why, the service and the position in headers."""
    record = rejection.record
    return dead_letter(
        topic=topic,
        key=record.key.decode(errors="replace") if record.key else record.topic,
        reason=rejection.reason,
        payload=record.value or b"",
        origin=(
            ("origin-topic", record.topic),
            ("origin-partition", str(record.partition)),
            ("origin-offset", str(record.offset)),
            ("consumer-group", group),
            ("service", service),
            ("code", rejection.code),
        ),
    )


class DeadLetterLimitExceeded(Exception):
    def __init__(self, dead: int, records: int, limit: DeadLetterLimit) -> None:
        super().__init__(
            f"{dead} dead letters among the last {records} records, over the limit of "
            f"{limit.max_dead_letters} per {limit.window_records}: stopped without committing "
            "the batch; inspect the dead-letter topic, fix the cause, then restart"
        )
        self.dead = dead
        self.records = records


class DeadLetterLimit:
    """At most ``max_dead_letters`` per ``window_records`` consecutive records. Pure."""

    def __init__(self, *, max_dead_letters: int, window_records: int) -> None:
        if max_dead_letters < 0 or window_records < 1:
            raise ValueError("the dead-letter limit needs max >= 0 and a window of >= 1 record")
        self.max_dead_letters = max_dead_letters
        self.window_records = window_records
        self._batches: deque[tuple[int, int]] = deque()  # (records, dead letters), oldest first

    def check(self, *, records: int, dead: int) -> None:
        """Raises DeadLetterLimitExceeded when a batch of ``records`` with ``dead`` dead letters
        would cross the limit. Changes nothing: ``admit`` counts the batch once it committed."""
        window = self._window_with(records, dead)
        total_records = sum(r for r, _ in window)
        total_dead = sum(d for _, d in window)
        if total_dead > self.max_dead_letters:
            raise DeadLetterLimitExceeded(total_dead, total_records, self)

    def admit(self, *, records: int, dead: int) -> None:
        self._batches = self._window_with(records, dead)

    def _window_with(self, records: int, dead: int) -> deque[tuple[int, int]]:
        window = deque(self._batches)
        window.append((records, dead))
        total = sum(r for r, _ in window)
        # Older batches leave the window once the newer ones fill it without them.
        while len(window) > 1 and total - window[0][0] >= self.window_records:
            total -= window.popleft()[0]
        return window
