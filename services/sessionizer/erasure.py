"""What erasing a person takes from the sessionizer, and what it announces. Pure.

The request names a person by any identifiers (or person ids). Every person one of them
belongs to is erased whole — all of its identifiers, and the persons merged into it before,
whose merge rows name them — and announced with a ``PersonErased`` carrying its identifiers,
so the other services erase it too. A requested identifier no person has (an event without
tracking consent is never linked, but feedback still reads its answer) is announced as the
person it would be, so feedback erases what it holds of it. Every erased identifier also gets
a tombstone on the identities topic: a compacted topic then forgets its links.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.sessionizer.identity import person_id_of
from shared.events import PersonErased
from shared.producer import OutgoingRecord


@dataclass(frozen=True, slots=True)
class ErasurePlan:
    persons: dict[str, tuple[str, ...]]  # person id → its identifiers, sorted
    unknown: tuple[str, ...]  # requested identifiers no person has
    absorbed: frozenset[str]  # persons merged into the erased ones earlier

    @property
    def person_ids(self) -> list[str]:
        return sorted({*self.persons, *self.absorbed})

    @property
    def identifiers(self) -> list[str]:
        return sorted({i for found in self.persons.values() for i in found})


def plan_erasure(
    requested: Sequence[str],
    stored: Iterable[tuple[str, str]],
    *,
    absorbed: Collection[str] = (),
) -> ErasurePlan:
    """``stored``: (identifier, person id) of every identity of the persons the requested
    values name (as an identifier or as a person id); ``absorbed``: the persons merged into
    those, at any depth."""
    rows = list(stored)
    wanted = set(requested)
    matched = {person for identifier, person in rows if identifier in wanted or person in wanted}
    persons: dict[str, list[str]] = {person: [] for person in matched}
    for identifier, person in rows:
        if person in persons:
            persons[person].append(identifier)
    known = {i for found in persons.values() for i in found} | matched
    return ErasurePlan(
        persons={person: tuple(sorted(found)) for person, found in sorted(persons.items())},
        unknown=tuple(dict.fromkeys(i for i in requested if i not in known)),
        absorbed=frozenset(absorbed) - matched,
    )


def announcements(
    plan: ErasurePlan, *, request_id: str, at: datetime, privacy_topic: str, identities_topic: str
) -> list[OutgoingRecord]:
    """A PersonErased per person (keyed by the request, like the request itself), then a
    tombstone per erased identifier (keyed by the identifier, like its links)."""
    erased = [
        PersonErased(request_id=request_id, person_id=person, identifiers=found, erased_at=at)
        for person, found in plan.persons.items()
    ]
    erased += [
        PersonErased(
            request_id=request_id,
            person_id=person_id_of(identifier),
            identifiers=(identifier,),
            erased_at=at,
        )
        for identifier in plan.unknown
    ]
    return [
        *(OutgoingRecord(topic=privacy_topic, key=request_id, value=e.to_bytes()) for e in erased),
        *(OutgoingRecord.deleting(identities_topic, i) for i in plan.identifiers),
    ]
