"""What a consuming service declares per topic: how to decode it and who applies it.

``Route[T]`` ties a topic's decoder to its handler with one type variable, so mypy checks that
what the decoder returns is what the handler takes — for each topic of a service separately.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.broker import Record
from shared.producer import OutgoingRecord
from shared.store import Transaction

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)
Decoder = Callable[[bytes], T]
# What a record without a value (a tombstone on a compacted topic) means, from its key.
TombstoneReader = Callable[[bytes | None], T]


@dataclass(frozen=True, slots=True)
class Delivery(Generic[T_co]):
    """A decoded record and where it came from."""

    value: T_co
    record: Record

    @property
    def topic(self) -> str:
        return self.record.topic

    @property
    def partition(self) -> int:
        return self.record.partition

    @property
    def offset(self) -> int:
        return self.record.offset


StageObserver = Callable[[str, float], None]
RowsObserver = Callable[[str, int], None]


@dataclass
class Work:
    """What a handler gets besides its records: the batch's transaction and clock, a place
    to refuse a record it cannot apply, timing of its stages, and work to do after commit."""

    tx: Transaction
    now: datetime
    observe_stage: StageObserver = field(default=lambda _stage, _seconds: None)
    observe_rows: RowsObserver = field(default=lambda _table, _rows: None)
    rejected: list[tuple[Record, str, str]] = field(default_factory=list)
    committed: list[Callable[[], None]] = field(default_factory=list)

    @property
    def session(self) -> AsyncSession:
        return self.tx.session

    def reject(self, delivery: Delivery[object], reason: str, *, code: str = "domain") -> None:
        """The record goes to the dead-letter topic with ``reason``; the rest of the batch goes
        on. The handler must leave it out of what it writes."""
        self.rejected.append((delivery.record, reason, code))

    def after_commit(self, callback: Callable[[], None]) -> None:
        """In-memory state (caches) changes only once the transaction committed: a batch
        rolled back, or retried in parts, must not leave it ahead of the database."""
        self.committed.append(callback)

    def wrote(self, table: str, rows: int) -> None:
        """Reports one bulk statement's row count (``rows_per_statement{table}``)."""
        self.observe_rows(table, rows)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Times a stage of the handler (``load``, ``rules``, ``write``) for the metrics."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.observe_stage(name, time.perf_counter() - started)


class Handler(Protocol[T_contra]):
    """Applies one topic's decoded records of a batch; returns the records to emit."""

    async def __call__(
        self, work: Work, items: Sequence[Delivery[T_contra]], /
    ) -> Sequence[OutgoingRecord]: ...


@dataclass(frozen=True, slots=True)
class Route(Generic[T]):
    """``tombstone``: how the topic's records without a value are read; without it, such a
    record is a dead letter ("record has no value")."""

    topic: str
    decode: Decoder[T]
    handle: Handler[T]
    tombstone: TombstoneReader[T] | None = None


AnyRoute = Route[Any]
