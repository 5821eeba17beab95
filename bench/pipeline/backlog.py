"""The prepared backlog: the planned stream as the collector would have published it.

Each message goes through the collector's own pure validation and enrichment (``segment`` and
``enrichment``), received at its planned arrival time, and is written to the raw topic keyed by
its actor id, as the collector keys it — but with a raw producer, at the broker's pace rather
than the collector's.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.pipeline.broker import Broker
from bench.pipeline.stream import PlannedEvent
from services.collector.enrichment import enrich
from services.collector.segment import SegmentMessage

SOURCE_ID = "bench"


def enriched(events: list[PlannedEvent]) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) records of ``tracking.events.v1``, in arrival order."""
    for planned in events:
        message = SegmentMessage.model_validate(planned.message)
        event = enrich(message, source_id=SOURCE_ID, received_at=planned.arrives_at, sent_at=None)
        yield event.actor_id.encode(), event.to_bytes()


async def write_backlog(broker: Broker, topic: str, events: list[PlannedEvent]) -> int:
    return await broker.produce(topic, enriched(events))
