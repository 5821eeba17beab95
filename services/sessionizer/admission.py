"""Which events of a batch are applied: pure, over what the batch loaded.

An event is applied once: a messageId already processed, or met earlier in the batch, is a
duplicate. An event more than the allowed lateness behind its partition's stream time (the
highest event time applied from that partition) is late: it goes to the late-events topic and
changes nothing else. An event whose consent object granted no tracking category
(``trackingConsent: false``, set by the collector) is only counted: never sessionized, linked or
attributed. Decided in batch order, exactly as one event at a time would decide.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.sessionizer.touchpoints import lateness_bucket
from shared.broker import Partition
from shared.events import TrackingEvent
from shared.routes import Delivery


@dataclass
class Admission:
    applied: list[TrackingEvent] = field(default_factory=list)
    late: list[TrackingEvent] = field(default_factory=list)
    # The stream time of every partition of the batch after it (only those that moved).
    stream_times: dict[Partition, datetime] = field(default_factory=dict)
    duplicates: int = 0
    without_consent: int = 0
    lateness: Counter[str] = field(default_factory=Counter)


def admit(
    deliveries: Sequence[Delivery[TrackingEvent]],
    *,
    fresh: Collection[str],
    stream_times: Mapping[Partition, datetime],
    allowed_lateness: timedelta,
) -> Admission:
    """``fresh``: the batch's messageIds that were never processed before it."""
    admission = Admission()
    claimed: set[str] = set()
    times = dict(stream_times)
    for delivery in deliveries:
        event = delivery.value
        if event.message_id not in fresh or event.message_id in claimed:
            admission.duplicates += 1
            continue
        claimed.add(event.message_id)
        if not event.tracking_consent:
            admission.without_consent += 1
            continue
        partition = delivery.record.position
        current = times.get(partition)
        admission.lateness[lateness_bucket(event.timestamp, current)] += 1
        if current is not None and event.timestamp < current - allowed_lateness:
            admission.late.append(event)
            continue
        if current is None or event.timestamp > current:
            times[partition] = admission.stream_times[partition] = event.timestamp
        admission.applied.append(event)
    return admission
