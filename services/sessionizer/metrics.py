"""The sessionizer's own metrics (the consumer loop's are in shared/metrics.py)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


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
        self.without_consent = Counter(
            "boucle_sessionizer_events_without_consent_total",
            "Events whose consent granted no tracking category: counted, never sessionized",
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
