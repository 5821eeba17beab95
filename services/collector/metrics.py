"""The collector's Prometheus metrics, on an injected registry."""

from __future__ import annotations

from typing import get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shared.events import EventType
from shared.metrics import LATENCY_BUCKETS

RECEIVED_KINDS = ("single", "batch", "pixel")


class CollectorMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            "boucle_collector_events_received_total",
            "Events received, valid or not",
            ["kind"],
            registry=registry,
        )
        self.accepted = Counter(
            "boucle_collector_events_accepted_total",
            "Events acknowledged by Kafka",
            ["type"],
            registry=registry,
        )
        self.rejected = Counter(
            "boucle_collector_events_rejected_total",
            "Events or requests refused",
            ["reason"],
            registry=registry,
        )
        self.dead_lettered = Counter(
            "boucle_collector_events_dead_lettered_total",
            "Invalid events of a batch kept in the dead-letter topic",
            registry=registry,
        )
        self.publish_latency = Histogram(
            "boucle_collector_publish_latency_seconds",
            "Time from send to broker ack",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.publish_errors = Counter(
            "boucle_collector_publish_errors_total",
            "Requests whose events Kafka did not ack",
            registry=registry,
        )
        self.spooled = Counter(
            "boucle_collector_events_spooled_total",
            "Records acknowledged from the local spool because Kafka could not take them in time",
            registry=registry,
        )
        self.replayed = Counter(
            "boucle_collector_events_replayed_total",
            "Spooled records delivered to Kafka",
            registry=registry,
        )
        self.spool_depth = Gauge(
            "boucle_collector_spool_depth_requests",
            "Requests waiting in the spool for Kafka",
            registry=registry,
        )
        self.spool_bytes = Gauge(
            "boucle_collector_spool_bytes",
            "Bytes waiting in the spool for Kafka",
            registry=registry,
        )
        self.deduplicated = Counter(
            "boucle_collector_events_deduplicated_total",
            "Events dropped at the edge because their messageId was seen recently",
            registry=registry,
        )
        self.rate_limited = Counter(
            "boucle_collector_rate_limited_requests_total",
            "Requests refused with 429 (or, for the pixel, dropped), by limit: source or address",
            ["limit"],
            registry=registry,
        )
        self.body_timeouts = Counter(
            "boucle_collector_body_timeouts_total",
            "Requests answered 408 because their body stalled (idle) or took too long (total)",
            ["limit"],
            registry=registry,
        )
        # At 0 from the start: a series Prometheus first sees at 50 draws no rate for those 50.
        for kind in RECEIVED_KINDS:
            self.received.labels(kind)
        for event_type in get_args(EventType):
            self.accepted.labels(event_type)
