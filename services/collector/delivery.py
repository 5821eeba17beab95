"""Durable delivery: a request is answered once its records are acknowledged by Kafka or, when
Kafka is unreachable or slow, fsynced to the local spool, which a replayer drains in order.

Order: while anything waits in the spool, new records queue behind it rather than overtaking it
on the direct path. Exactly once: a direct send that misses its deadline is not abandoned. The
idempotent producer keeps retrying it (it never expires batches), its futures are handed to the
spool entry, and the replayer re-sends that entry only if those futures fail. The one window for
a duplicate is a crash after Kafka acknowledged a replayed entry and before the spool cursor moved.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka.errors import KafkaError

from services.collector.metrics import CollectorMetrics
from services.collector.spool import Entry, Position, Spool
from shared.errors import DependencyDown
from shared.producer import OutgoingRecord

log = logging.getLogger(__name__)

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


def encode_records(records: Sequence[OutgoingRecord]) -> bytes:
    """A compact binary form of one request's records: one spool frame."""
    parts = [_U32.pack(len(records))]
    for record in records:
        if record.tombstone:  # the collector publishes events, never deletions
            raise ValueError(f"a spool frame cannot carry a tombstone (topic {record.topic})")
        parts.append(_pack_text(record.topic) + _pack_text(record.key) + _pack_bytes(record.value))
        parts.append(_U16.pack(len(record.headers)))
        parts.extend(_pack_text(name) + _pack_bytes(value) for name, value in record.headers)
    return b"".join(parts)


def decode_records(payload: bytes) -> list[OutgoingRecord]:
    reader = _Reader(payload)
    records = []
    for _ in range(reader.u32()):
        topic, key, value = reader.text(), reader.text(), reader.blob()
        headers = tuple((reader.text(), reader.blob()) for _ in range(reader.u16()))
        records.append(OutgoingRecord(topic=topic, key=key, value=value, headers=headers))
    return records


def _pack_text(text: str) -> bytes:
    return _pack_bytes(text.encode())


def _pack_bytes(data: bytes) -> bytes:
    return _U32.pack(len(data)) + data


@dataclass
class _Reader:
    data: bytes
    offset: int = 0

    def u16(self) -> int:
        (value,) = _U16.unpack_from(self.data, self.offset)
        self.offset += 2
        return int(value)

    def u32(self) -> int:
        (value,) = _U32.unpack_from(self.data, self.offset)
        self.offset += 4
        return int(value)

    def blob(self) -> bytes:
        size = self.u32()
        self.offset += size
        return self.data[self.offset - size : self.offset]

    def text(self) -> str:
        return self.blob().decode()


Acks = list["asyncio.Future[object]"]


class Producer(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def enqueue_all(self, records: Iterable[OutgoingRecord]) -> Acks: ...


@dataclass
class DeliveryOptions:
    ack_timeout_s: float
    replay_batch: int
    reconnect_s: float
    stop_timeout_s: float


@dataclass
class DurableSink:
    """The collector's RecordSink: Kafka first, the spool when Kafka cannot answer in time."""

    spool: Spool
    connect: Callable[[], Producer]
    options: DeliveryOptions
    metrics: CollectorMetrics
    producer: Producer | None = None
    _handed_over: dict[Position, Acks] = field(default_factory=dict)

    async def send_all(self, records: Iterable[OutgoingRecord]) -> None:
        batch = list(records)
        if not batch:
            return
        if self.producer is None or self.spool.busy:
            await self._spool(batch, acks=None)
            return
        acks = await self._enqueue(self.producer, batch)
        if acks is not None and len(acks) == len(batch):
            done, _ = await asyncio.wait(acks, timeout=self.options.ack_timeout_s)
            if len(done) == len(acks) and not any(a.exception() for a in done):
                return
        await self._spool(batch, acks=acks)

    async def _enqueue(self, producer: Producer, batch: list[OutgoingRecord]) -> Acks | None:
        try:
            async with asyncio.timeout(self.options.ack_timeout_s):
                return await producer.enqueue_all(batch)
        except (KafkaError, TimeoutError, DependencyDown):
            self.metrics.publish_errors.inc()
            return None

    async def _spool(self, batch: list[OutgoingRecord], *, acks: Acks | None) -> None:
        position = await self.spool.append(encode_records(batch))
        if acks:
            self._handed_over[position] = acks
        self.metrics.spooled.inc(len(batch))
        self._report_depth()

    def _report_depth(self) -> None:
        self.metrics.spool_depth.set(self.spool.pending_entries)
        self.metrics.spool_bytes.set(self.spool.pending_bytes)

    def ready(self) -> bool:
        """Able to acknowledge durably: Kafka is connected or the spool has room."""
        return self.producer is not None or self.spool.pending_bytes < self.spool.max_bytes

    async def run(self, stop: asyncio.Event) -> None:
        """The replayer: connects to Kafka, then drains the spool in order, forever."""
        while not stop.is_set():
            if self.producer is None:
                await self._try_connect(stop)
                continue
            entries = self.spool.read(max_entries=self.options.replay_batch)
            if not entries:
                await _wait_either(self.spool.data_ready, stop, timeout_s=1.0)
                continue
            if await _until_stopped(self._replay(self.producer, entries), stop):
                self.spool.commit(entries)
                self._report_depth()
            else:
                self.spool.rewind(entries[0].start)

    async def _try_connect(self, stop: asyncio.Event) -> None:
        producer = self.connect()
        try:
            await producer.start()
        except DependencyDown as exc:
            log.warning("kafka unreachable; spooling", extra={"detail": exc.detail})
            await _wait_either(asyncio.Event(), stop, timeout_s=self.options.reconnect_s)
            return
        self.producer = producer

    async def _replay(self, producer: Producer, entries: list[Entry]) -> None:
        """Sends the entries in order and waits, without a deadline, for every ack."""
        pending: list[asyncio.Future[object]] = []
        for entry in entries:
            pending.extend(await self._send_entry(producer, entry))
        while pending:
            results = await asyncio.gather(*pending, return_exceptions=True)
            failed = [r for r in results if isinstance(r, BaseException)]
            if not failed:
                break
            # Only non-retriable producer errors end up here; send the whole group again.
            log.error("replay failed; retrying", extra={"error": repr(failed[0])})
            await asyncio.sleep(self.options.reconnect_s)
            pending = [a for e in entries for a in await self._send_entry(producer, e, again=True)]
        self.metrics.replayed.inc(sum(len(decode_records(e.payload)) for e in entries))

    async def _send_entry(self, producer: Producer, entry: Entry, *, again: bool = False) -> Acks:
        handed = self._handed_over.pop(entry.start, None)
        if handed is not None and not again:
            results = await asyncio.gather(*handed, return_exceptions=True)
            if not any(isinstance(r, BaseException) for r in results):
                return []  # the original send went through after all
        while True:
            try:
                return await producer.enqueue_all(decode_records(entry.payload))
            except (KafkaError, DependencyDown) as exc:
                log.warning("replay enqueue failed", extra={"error": repr(exc)})
                await asyncio.sleep(self.options.reconnect_s)

    async def close(self) -> None:
        if self.producer is not None:
            # With Kafka down a flush would wait forever; what is unsent stays in the spool.
            try:
                async with asyncio.timeout(self.options.stop_timeout_s):
                    await self.producer.stop()
            except TimeoutError:
                log.warning("kafka producer did not stop in time; spool keeps the rest")
        self.spool.close()


async def _wait_either(event: asyncio.Event, stop: asyncio.Event, *, timeout_s: float) -> None:
    waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    for task in waits:
        task.cancel()


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Runs ``work``; False when ``stop`` came first (the work is cancelled)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    return False
