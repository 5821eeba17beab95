"""Erasure of a person, and what each service records of it (README, Security and privacy).

The flow: an ``ErasureRequest`` (the collector's privileged API, or ``python -m shared.privacy
erase``) names a person by any of their identifiers on the privacy topic. Each consuming
service queues what it receives there (``intake.py``) and applies it one erasure delay later
(``PRIVACY__ERASURE_DELAY_S``), in a scheduled job of its consumer loop, so that the events the
person sent just before the request, still in a topic, are consumed first and erased with the
rest. The sessionizer resolves the identifiers to persons, erases them and announces each one
(``PersonErased``); attribution and feedback erase on that announcement. Every service keeps a
record of each erasure — the request, when, how many rows of which table — and never the
person's identifiers: a pending erasure holds them only until it is applied.

This module is the plain data the pieces share; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.broker import Record
from shared.producer import OutgoingRecord

JOB_NAME = "privacy-erasures"
MAX_IDENTIFIERS = 100  # per request: a person has a handful; more is a mistake to refuse
MAX_IDENTIFIER_LENGTH = 512  # the longest identifier any service stores


def checked_identifiers(identifiers: Sequence[str]) -> list[str]:
    """The identifiers of a request, each once; ValueError saying what to fix."""
    if not 1 <= len(identifiers) <= MAX_IDENTIFIERS:
        raise ValueError(f"name the person by 1 to {MAX_IDENTIFIERS} identifiers")
    for identifier in identifiers:
        if not identifier or len(identifier) > MAX_IDENTIFIER_LENGTH or not _storable(identifier):
            raise ValueError(
                f"an identifier is 1 to {MAX_IDENTIFIER_LENGTH} characters of UTF-8 without NUL; "
                f"{identifier[:40]!r} is not one"
            )
    return list(dict.fromkeys(identifiers))


def _storable(text: str) -> bool:
    """PostgreSQL text holds neither NUL nor a lone surrogate (which is no UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def position_of(record: Record) -> str:
    """Where a record was read: the same record delivered twice has the same position."""
    return f"{record.topic}:{record.partition}:{record.offset}"


@dataclass(frozen=True, slots=True)
class Pending:
    """An erasure received and not yet applied: an ErasureRequest (``person_id`` empty) in the
    sessionizer, a PersonErased in the other services."""

    position: str
    request_id: str
    person_id: str
    identifiers: tuple[str, ...]
    received_at: datetime


@dataclass
class Erased:
    """What applying one pending erasure did: rows deleted per table, how many persons it
    erased, and the records to publish (announcements, tombstones, restated credits)."""

    rows: dict[str, int] = field(default_factory=dict)
    persons: int = 1
    outputs: list[OutgoingRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ErasureRecord:
    """What a service keeps of an erasure: never an identifier nor a person id."""

    request_id: str
    persons: int
    rows: dict[str, int]
    positions: tuple[str, ...]
    received_at: datetime
    erased_at: datetime


def merged(
    record: ErasureRecord | None, pending: Pending, erased: Erased, *, at: datetime
) -> ErasureRecord:
    """The request's record once ``pending`` is applied too (downstream, a request erases one
    person per PersonErased); tables that lost no row are kept, at 0."""
    rows = dict(record.rows) if record else {}
    for table, count in erased.rows.items():
        rows[table] = rows.get(table, 0) + count
    return ErasureRecord(
        request_id=pending.request_id,
        persons=(record.persons if record else 0) + erased.persons,
        rows=dict(sorted(rows.items())),
        positions=(*(record.positions if record else ()), pending.position),
        received_at=min(record.received_at, pending.received_at) if record else pending.received_at,
        erased_at=at,
    )
