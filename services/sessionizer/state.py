"""The stored journeys of the persons a batch touches, as plain data, and what the batch changed.

A batch loads the rows of every person (and, for web events, every chain) it touches once; the
rules (``replay.py``) change this copy one event at a time; the batch then writes what changed
with one statement per table. Pure: no I/O here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from services.sessionizer.sessions import WebEvent
from shared.events import Conversion, Touchpoint

V = TypeVar("V")


class Owned(Generic[V]):
    """Rows by id, each owned by a person, with what changed since loading."""

    def __init__(self) -> None:
        self.rows: dict[str, V] = {}
        self.owner: dict[str, str] = {}
        self._by_person: dict[str, dict[str, None]] = defaultdict(dict)
        self.dirty: dict[str, None] = {}  # ids to write, in the order they first changed
        self.removed: set[str] = set()  # ids to delete (unless written again)

    def load(self, key: str, person: str, row: V) -> None:
        self.rows[key] = row
        self.owner[key] = person
        self._by_person[person][key] = None

    def put(self, key: str, person: str, row: V) -> None:
        if self.rows.get(key) == row and self.owner.get(key) == person:
            return
        previous = self.owner.get(key)
        if previous is not None and previous != person:
            self._by_person[previous].pop(key, None)
        self.load(key, person, row)
        self.dirty[key] = None
        self.removed.discard(key)

    def remove(self, key: str) -> None:
        person = self.owner.pop(key, None)
        if person is not None:
            self._by_person[person].pop(key, None)
        self.rows.pop(key, None)
        self.dirty.pop(key, None)
        self.removed.add(key)

    def keys_of(self, person: str) -> list[str]:
        return list(self._by_person.get(person, ()))

    def of(self, person: str) -> Iterator[V]:
        return (self.rows[key] for key in self._by_person.get(person, ()))

    def written(self) -> list[tuple[str, V]]:
        """(owner, row) of every row to write."""
        return [(self.owner[key], self.rows[key]) for key in self.dirty]


@dataclass(frozen=True, slots=True)
class StoredSession:
    session_id: str
    started_at: datetime
    last_event_at: datetime
    event_count: int


@dataclass
class JourneyState:
    web: Owned[WebEvent] = field(default_factory=Owned)
    sessions: Owned[StoredSession] = field(default_factory=Owned)
    touchpoints: Owned[Touchpoint] = field(default_factory=Owned)
    conversions: Owned[Conversion] = field(default_factory=Owned)
    merges: list[Merge] = field(default_factory=list)
    # What to publish: the newest version of each touchpoint and conversion that changed.
    emitted: dict[str, Touchpoint | Conversion] = field(default_factory=dict)

    def emit(self, change: Touchpoint | Conversion) -> None:
        key = change.touchpoint_id if isinstance(change, Touchpoint) else change.conversion_id
        self.emitted.pop(key, None)  # re-inserted: records leave in the order of their last change
        self.emitted[key] = change


@dataclass(frozen=True, slots=True)
class Merge:
    absorbed_person_id: str
    into_person_id: str
    message_id: str
    merged_at: datetime
