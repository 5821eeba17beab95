"""The Kafka producer every service uses: acks from all in-sync replicas, idempotence on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from shared.errors import DependencyDown
from shared.settings import KafkaSettings


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    topic: str
    key: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = field(default=())
    # Sent with a null value (``value`` is then empty): on a compacted topic, a tombstone that
    # deletes every earlier record of ``key`` (shared/privacy: an erased identifier's links).
    tombstone: bool = False

    @classmethod
    def deleting(cls, topic: str, key: str) -> OutgoingRecord:
        return cls(topic=topic, key=key, value=b"", tombstone=True)


class RecordSink(Protocol):
    """Where acknowledged records go: Kafka in production, a list in unit tests."""

    async def send_all(self, records: Iterable[OutgoingRecord]) -> None: ...


class EventProducer:
    """Sends records and returns only once the broker has acknowledged every one of them."""

    def __init__(self, settings: KafkaSettings, *, client_id: str) -> None:
        self._settings = settings
        self._producer = AIOKafkaProducer(
            bootstrap_servers=settings.bootstrap_servers,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=settings.linger_ms,
            max_batch_size=settings.max_batch_size,
            compression_type=settings.compression_type,
            request_timeout_ms=settings.request_timeout_ms,
        )
        # Bound on one send_all: a little over the broker request timeout, so a slow broker
        # turns into DependencyDown instead of a request hanging forever.
        self._delivery_timeout_s = settings.request_timeout_ms / 1000 + 2

    async def start(self) -> None:
        try:
            await self._producer.start()
        except KafkaError as exc:
            await self._producer.stop()
            raise DependencyDown("kafka", repr(exc)) from exc

    async def stop(self) -> None:
        await self._producer.stop()

    async def send_all(self, records: Iterable[OutgoingRecord]) -> None:
        """Send records concurrently (they batch per partition) and wait for every ack."""
        try:
            async with asyncio.timeout(self._delivery_timeout_s):
                futures = [await self._enqueue(record) for record in records]
                await asyncio.gather(*futures)
        except (KafkaError, TimeoutError) as exc:
            raise DependencyDown("kafka", repr(exc)) from exc

    async def enqueue_all(self, records: Iterable[OutgoingRecord]) -> list[asyncio.Future[object]]:
        """Hands records to the producer in order; each future resolves on the broker's ack.
        Callers that need a deadline keep the futures instead of abandoning them: the idempotent
        producer retries until the broker takes each record exactly once."""
        try:
            return [await self._enqueue(record) for record in records]
        except KafkaError as exc:
            raise DependencyDown("kafka", repr(exc)) from exc

    async def _enqueue(self, record: OutgoingRecord) -> asyncio.Future[object]:
        future: asyncio.Future[object] = await self._producer.send(
            record.topic,
            None if record.tombstone else record.value,
            key=record.key.encode(),
            headers=list(record.headers) or None,
        )
        return future

    async def ping(self, *, timeout_s: float = 2.0) -> bool:
        """True when the broker answers a metadata request in time."""
        try:
            async with asyncio.timeout(timeout_s):
                return bool(await self._producer.client.force_metadata_update())
        except (KafkaError, TimeoutError, OSError):
            return False


def dead_letter(
    *,
    topic: str,
    key: str,
    reason: str,
    payload: bytes,
    origin: Sequence[tuple[str, str]],
) -> OutgoingRecord:
    """A dead-letter record: the original bytes untouched, the why and where in headers."""
    headers = (("reason", reason.encode()), *((name, value.encode()) for name, value in origin))
    return OutgoingRecord(topic=topic, key=key, value=payload, headers=headers)
