"""Dead letters as data: what a dead-letter record says about itself, which ones a selection
takes, and a summary by reason. Pure; the command line (``python -m shared.dlq``) does the I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.broker import Record


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: Record  # the dead-letter record itself: its position is its identity
    reason: str
    code: str
    service: str
    origin_topic: str | None  # None: refused at the edge (the collector), never on a topic
    origin_partition: int | None
    origin_offset: int | None

    @property
    def position(self) -> str:
        return f"{self.record.topic}:{self.record.partition}:{self.record.offset}"

    @property
    def replayable(self) -> bool:
        """Only what a consumer refused has a topic to go back to. What the collector refused
        never passed its validation: the sender must send it again, fixed."""
        return self.origin_topic is not None


def read(record: Record) -> DeadLetter:
    headers = {name: value.decode(errors="replace") for name, value in record.headers}
    origin = headers.get("origin-topic")
    partition, offset = headers.get("origin-partition"), headers.get("origin-offset")
    return DeadLetter(
        record=record,
        reason=headers.get("reason", "(no reason)"),
        code=headers.get("code", "invalid"),
        service=headers.get("service") or headers.get("origin") or "collector",
        origin_topic=origin,
        origin_partition=int(partition) if partition and partition.isdigit() else None,
        origin_offset=int(offset) if offset and offset.isdigit() else None,
    )


@dataclass(frozen=True, slots=True)
class Selection:
    """Which dead letters to take; every given criterion must hold."""

    reason: str | None = None  # a substring of the reason, case-insensitive
    code: str | None = None
    service: str | None = None
    origin_topic: str | None = None

    def takes(self, letter: DeadLetter) -> bool:
        return (
            (self.reason is None or self.reason.lower() in letter.reason.lower())
            and (self.code is None or self.code == letter.code)
            and (self.service is None or self.service == letter.service)
            and (self.origin_topic is None or self.origin_topic == letter.origin_topic)
        )


@dataclass(frozen=True, slots=True)
class Group:
    service: str
    origin_topic: str | None
    code: str
    reason: str
    count: int


def summarise(letters: Iterable[DeadLetter], *, reason_chars: int = 120) -> list[Group]:
    """Counts by service, origin topic, code and (the start of) the reason, largest first."""
    counts = Counter(
        (letter.service, letter.origin_topic, letter.code, letter.reason[:reason_chars])
        for letter in letters
    )
    groups = [Group(*key, count=count) for key, count in counts.items()]
    return sorted(groups, key=lambda g: (-g.count, g.service, g.origin_topic or "", g.reason))


def to_replay(
    letters: Sequence[DeadLetter], selection: Selection, *, replayed: set[str]
) -> tuple[list[DeadLetter], int, int]:
    """(what to send back, in dead-letter order; how many were replayed before; how many
    were selected but cannot be replayed)."""
    chosen = [letter for letter in letters if selection.takes(letter)]
    before = [letter for letter in chosen if letter.position in replayed]
    edge = [letter for letter in chosen if not letter.replayable]
    fresh = [letter for letter in chosen if letter.replayable and letter.position not in replayed]
    return fresh, len(before), len(edge)
