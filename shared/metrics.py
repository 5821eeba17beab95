"""The consumer loop's Prometheus metrics, shared by every consuming service, on an injected
registry (each service's own metrics live in ``services/<name>/metrics.py``).

Names follow ``boucle_<service>_<noun>_<unit>``; counters end in ``_total``.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

JOB_OUTCOMES = ("success", "failure", "busy", "not_due")
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
        self.lag_seconds = Gauge(
            f"{prefix}_consumer_lag_seconds",
            "Age of the newest record applied, while the partition has records left; else 0",
            ["topic", "partition"],
            registry=registry,
        )
        self.batch_records = Histogram(
            f"{prefix}_batch_records",
            "Records per batch",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000),
            registry=registry,
        )
        self.stage_duration = Histogram(
            f"{prefix}_batch_stage_duration_seconds",
            "Time per stage of a batch: decode, apply (and the handler's load, rules, write), "
            "commit, publish",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.rows_written = Histogram(
            f"{prefix}_rows_per_statement",
            "Rows written by one bulk statement",
            ["table"],
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000),
            registry=registry,
        )
        self.halted = Gauge(
            f"{prefix}_consumer_halted",
            "1 when the dead-letter limit stopped the consumer (see its /readyz and log)",
            registry=registry,
        )
        # Not ``job``: Prometheus gives every scraped series the target's ``job`` (the service).
        self.job_runs = Counter(
            f"{prefix}_job_runs_total",
            "Scheduled job attempts by outcome (success, failure, busy: another instance "
            "holds it, not_due: another instance ran it)",
            ["scheduled_job", "outcome"],
            registry=registry,
        )
        self.job_duration = Histogram(
            f"{prefix}_job_duration_seconds",
            "Time of a successful scheduled job run, its transaction included",
            ["scheduled_job"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.job_last_success = Gauge(
            f"{prefix}_job_last_success_timestamp_seconds",
            "Unix time (the job's `now`) of the job's last success that this instance knows of: "
            "its own run, or another instance's read from the jobs table",
            ["scheduled_job"],
            registry=registry,
        )
        self.job_period = Gauge(
            f"{prefix}_job_period_seconds",
            "How often the scheduled job is meant to succeed",
            ["scheduled_job"],
            registry=registry,
        )

    def expect_topics(self, topics: Iterable[str]) -> None:
        """Starts the consumed and processed counters of these topics at 0: Prometheus takes
        a series' first sample as its start, so a counter first seen at 500 would draw no rate
        for the batch that made it."""
        for topic in topics:
            self.consumed.labels(topic)
            self.processed.labels(topic)

    def expect_job(self, name: str, *, period_s: float) -> None:
        self.job_period.labels(name).set(period_s)
        for outcome in JOB_OUTCOMES:
            self.job_runs.labels(name, outcome)
