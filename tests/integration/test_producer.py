import pytest

from shared.errors import DependencyDown
from shared.producer import EventProducer, OutgoingRecord
from shared.settings import KafkaSettings, TopicSettings
from tests import infra


async def test_send_all_returns_once_every_record_is_readable(topics: TopicSettings) -> None:
    producer = EventProducer(KafkaSettings(bootstrap_servers=infra.BOOTSTRAP), client_id="t")
    await producer.start()
    try:
        await producer.send_all(
            [
                OutgoingRecord(topic=topics.raw_events, key=f"k{i % 4}", value=f"v{i}".encode())
                for i in range(50)
            ]
        )
    finally:
        await producer.stop()
    records = await infra.read_topic(topics.raw_events, expect=50, timeout_s=10)
    assert sorted(r.value for r in records) == sorted(f"v{i}".encode() for i in range(50))


async def test_records_of_one_key_keep_their_order(topics: TopicSettings) -> None:
    producer = EventProducer(KafkaSettings(bootstrap_servers=infra.BOOTSTRAP), client_id="t")
    await producer.start()
    try:
        await producer.send_all(
            [
                OutgoingRecord(topic=topics.raw_events, key="same", value=str(i).encode())
                for i in range(20)
            ]
        )
    finally:
        await producer.stop()
    records = await infra.read_topic(topics.raw_events, expect=20, timeout_s=10)
    assert [int(r.value) for r in records] == list(range(20))


async def test_unreachable_broker_is_reported_as_a_dependency_down() -> None:
    producer = EventProducer(
        KafkaSettings(bootstrap_servers="127.0.0.1:1", request_timeout_ms=1_000), client_id="t"
    )
    with pytest.raises(DependencyDown) as caught:
        await producer.start()
    assert caught.value.dependency == "kafka"


async def test_ping_tells_whether_the_broker_answers() -> None:
    producer = EventProducer(KafkaSettings(bootstrap_servers=infra.BOOTSTRAP), client_id="t")
    await producer.start()
    try:
        assert await producer.ping()
    finally:
        await producer.stop()
