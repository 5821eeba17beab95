"""Durable delivery logic with a small in-memory producer standing in for Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry

from services.collector.delivery import (
    DeliveryOptions,
    DurableSink,
    Producer,
    decode_records,
    encode_records,
)
from services.collector.metrics import CollectorMetrics
from services.collector.spool import Spool
from shared.producer import OutgoingRecord
from tests.infra import eventually

OPTIONS = DeliveryOptions(ack_timeout_s=0.05, replay_batch=10, reconnect_s=0.01, stop_timeout_s=1.0)


class HeldProducer:
    """Acks only while ``up``; records sent while down are held and acked when it comes back."""

    def __init__(self) -> None:
        self.up = True
        self.delivered: list[bytes] = []
        self._held: list[tuple[OutgoingRecord, asyncio.Future[object]]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def enqueue_all(self, records: Iterable[OutgoingRecord]) -> list[asyncio.Future[object]]:
        futures = []
        for record in records:
            future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
            self._held.append((record, future))
            futures.append(future)
        if self.up:
            self.release()
        return futures

    def release(self) -> None:
        self.up = True
        for record, future in self._held:
            self.delivered.append(record.value)
            future.set_result(None)
        self._held.clear()


def _record(value: str) -> OutgoingRecord:
    return OutgoingRecord(topic="t", key="k", value=value.encode(), headers=(("h", b"v"),))


def _sink(tmp_path: Path, producer: Producer) -> DurableSink:
    spool = Spool(tmp_path, max_bytes=1 << 20, segment_bytes=1 << 16)
    spool.open()
    return DurableSink(
        spool=spool,
        connect=lambda: producer,
        options=OPTIONS,
        metrics=CollectorMetrics(CollectorRegistry()),
        producer=producer,
    )


def test_records_survive_their_spool_encoding() -> None:
    records = [_record("a"), OutgoingRecord(topic="dl", key="é", value=b"\x00\xff")]
    assert decode_records(encode_records(records)) == records


async def test_kafka_ack_answers_directly_without_spooling(tmp_path: Path) -> None:
    producer = HeldProducer()
    sink = _sink(tmp_path, producer)
    await sink.send_all([_record("a")])
    assert producer.delivered == [b"a"]
    assert sink.spool.pending_entries == 0


async def test_a_late_ack_is_handed_to_the_spool_and_not_sent_twice(tmp_path: Path) -> None:
    producer = HeldProducer()
    producer.up = False
    sink = _sink(tmp_path, producer)
    await sink.send_all([_record("slow")])  # answered from the spool after the deadline
    await sink.send_all([_record("next")])  # queues behind it, straight to the spool
    assert sink.spool.pending_entries == 2
    stop = asyncio.Event()
    replayer = asyncio.create_task(sink.run(stop))
    producer.release()

    async def drained() -> bool:
        return sink.spool.pending_entries == 0

    await eventually(drained, timeout_s=5, what="spool drained")
    stop.set()
    await replayer
    assert producer.delivered == [b"slow", b"next"]


async def test_without_kafka_at_start_everything_is_spooled_then_replayed(tmp_path: Path) -> None:
    producer = HeldProducer()
    sink = _sink(tmp_path, producer)
    sink.producer = None
    await sink.send_all([_record(str(i)) for i in range(3)])
    assert producer.delivered == []
    stop = asyncio.Event()
    replayer = asyncio.create_task(sink.run(stop))

    async def delivered() -> bool:
        return len(producer.delivered) == 3

    await eventually(delivered, timeout_s=5, what="replay")
    stop.set()
    await replayer
    assert producer.delivered == [b"0", b"1", b"2"]
