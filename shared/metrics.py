"""Prometheus metric definitions, one class per kind of process, each on an injected registry.

Names follow ``boucle_<service>_<noun>_<unit>``; counters end in ``_total``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ConsumerMetrics:
    """What the shared consumer loop reports, for any consuming service."""

    def __init__(self, service: str, registry: CollectorRegistry) -> None:
        prefix = f"boucle_{service}"
        self.consumed = Counter(
            f"{prefix}_records_consumed_total",
            "Records fetched from Kafka",
            ["topic"],
            registry=registry,
        )
        self.processed = Counter(
            f"{prefix}_records_processed_total",
            "Records handled and committed",
            ["topic"],
            registry=registry,
        )
        self.dead_lettered = Counter(
            f"{prefix}_records_dead_lettered_total",
            "Records sent to the dead-letter topic",
            ["topic", "reason"],
            registry=registry,
        )
        self.retries = Counter(
            f"{prefix}_batch_retries_total",
            "Batch attempts retried after a transient failure",
            ["dependency"],
            registry=registry,
        )
        self.batch_duration = Histogram(
            f"{prefix}_batch_duration_seconds",
            "Time to process and commit one batch",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.emitted = Counter(
            f"{prefix}_records_emitted_total",
            "Records produced downstream",
            ["topic"],
            registry=registry,
        )
        self.lag = Gauge(
            f"{prefix}_consumer_lag_records",
            "Records behind the end of each partition",
            ["topic", "partition"],
            registry=registry,
        )


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
        self.request_latency = Histogram(
            "boucle_collector_request_latency_seconds",
            "Time to answer an ingestion request",
            ["route"],
            buckets=LATENCY_BUCKETS,
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


class SessionizerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.open_sessions = Gauge(
            "boucle_sessionizer_open_sessions",
            "Sessions an on-time event could still extend (stream time not yet past them)",
            registry=registry,
        )
        self.lateness = Counter(
            "boucle_sessionizer_events_by_lateness_total",
            "Events by how far behind their partition's stream time they arrived",
            ["bucket"],
            registry=registry,
        )
        self.late = Counter(
            "boucle_sessionizer_late_events_total",
            "Events later than the allowed lateness, sent to the late-events topic",
            registry=registry,
        )
        self.duplicates = Counter(
            "boucle_sessionizer_duplicate_events_total",
            "Events whose messageId was seen before",
            registry=registry,
        )
        self.merges = Counter(
            "boucle_sessionizer_identity_merges_total",
            "Persons absorbed into another",
            registry=registry,
        )
        self.touchpoint_updates = Counter(
            "boucle_sessionizer_touchpoint_updates_total",
            "Touchpoints emitted, by change",
            ["change"],
            registry=registry,
        )
