"""The privacy topic in a consuming service: its route queues the erasures the service acts
on, and its scheduled job applies those that are due, each with the service's own ``Eraser``.

An ErasureRequest is the sessionizer's to apply, a PersonErased the other services'; each
service ignores the other kind. A record is queued once (its position is its key), and a
record already applied (its position is in the request's record) is not queued again, so a
redelivery changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from shared.codec import json_decoder
from shared.events import ErasureRequest, PersonErased, PrivacyRecord
from shared.jobs import Job
from shared.privacy import JOB_NAME, Erased, Pending, merged, position_of
from shared.privacy import store as erasure_store
from shared.privacy.tables import ErasureTables
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Route, Work
from shared.settings import PrivacySettings

Privacy = ErasureRequest | PersonErased
# Applies one pending erasure in the job's transaction; ``now`` is the job's clock.
Eraser = Callable[[AsyncSession, Pending, datetime], Awaitable[Erased]]
CHUNK = 50  # erasures per job run: each is a handful of statements


def privacy_decoder() -> Callable[[bytes], Privacy]:
    return json_decoder(TypeAdapter[Privacy](PrivacyRecord))


def pending_of(delivery: Delivery[Privacy], *, at: datetime) -> Pending:
    record = delivery.value
    person = record.person_id if isinstance(record, PersonErased) else ""
    return Pending(
        position=position_of(delivery.record),
        request_id=record.request_id,
        person_id=person,
        identifiers=tuple(record.identifiers),
        received_at=at,
    )


class ErasureIntake:
    def __init__(self, tables: ErasureTables, *, kind: type[Privacy], delay: timedelta) -> None:
        self._tables = tables
        self._kind = kind
        self._delay = delay

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[Privacy]]
    ) -> list[OutgoingRecord]:
        mine = [pending_of(d, at=work.now) for d in deliveries if isinstance(d.value, self._kind)]
        if not mine:
            return []
        session = work.session
        done = await erasure_store.applied_positions(
            session, self._tables.erasures, {p.request_id for p in mine}
        )
        fresh = [p for p in mine if p.position not in done]
        await erasure_store.enqueue(
            session, self._tables.queue, fresh, due_at=work.now + self._delay
        )
        work.wrote(self._tables.queue.name, len(fresh))
        return []


def privacy_route(
    topic: str, tables: ErasureTables, *, kind: type[Privacy], settings: PrivacySettings
) -> Route[Privacy]:
    delay = timedelta(seconds=settings.erasure_delay_s)
    return Route(topic, privacy_decoder(), ErasureIntake(tables, kind=kind, delay=delay))


def erasure_job(tables: ErasureTables, erase: Eraser, *, settings: PrivacySettings) -> Job:
    """Applies the due erasures, records each, and forgets their identifiers."""

    async def run(session: AsyncSession, now: datetime) -> list[OutgoingRecord]:
        outputs: list[OutgoingRecord] = []
        due = await erasure_store.due(session, tables.queue, now=now, limit=CHUNK)
        for pending in due:
            erased = await erase(session, pending, now)
            before = await erasure_store.record_of(
                session, tables.erasures, pending.request_id, lock=True
            )
            record = merged(before, pending, erased, at=now)
            await erasure_store.save_record(session, tables.erasures, record)
            outputs.extend(erased.outputs)
        await erasure_store.forget(session, tables.queue, [p.position for p in due])
        return outputs

    return Job(JOB_NAME, timedelta(seconds=settings.erasure_period_s), run)
