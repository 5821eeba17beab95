"""One row per service: the collector's, and the consumers' (one template: the consumer kit's
metrics are the same for all three), with each service's own metrics after."""

from __future__ import annotations

from deploy.grafana.panels import API, CONSUMERS, RATE, Panel, Query, quantiles, rate_by


def collector_panels() -> list[Panel]:
    metric = "boucle_collector"
    return [
        Panel(
            "Requests by route and status",
            (
                rate_by(
                    f"{metric}_http_requests_total",
                    "route, status",
                    legend="{{route}} {{status}}",
                    selector=API,
                ),
            ),
            unit="reqps",
        ),
        Panel(
            "Request latency",
            quantiles(f"{metric}_http_request_duration_seconds", by="route", legend="{{route}}"),
            unit="s",
            description="From the request's arrival to the end of its answer, by route",
        ),
        Panel(
            "Kafka acknowledgement latency",
            quantiles(f"{metric}_publish_latency_seconds"),
            unit="s",
        ),
        Panel(
            "Accepted by type",
            (rate_by(f"{metric}_events_accepted_total", "type", legend="{{type}}"),),
            unit="eps",
        ),
        Panel(
            "Rejected by reason",
            (rate_by(f"{metric}_events_rejected_total", "reason", legend="{{reason}}"),),
            unit="eps",
        ),
        Panel(
            "Deduplicated",
            (rate_by(f"{metric}_events_deduplicated_total", "job", legend="messageId seen"),),
            unit="eps",
        ),
        Panel(
            "Spool",
            (
                Query(f"sum({metric}_spool_depth_requests)", "requests waiting"),
                Query(f"sum(rate({metric}_events_spooled_total{RATE}))", "spooled/s"),
                Query(f"sum(rate({metric}_events_replayed_total{RATE}))", "replayed/s"),
            ),
        ),
        Panel("Spool size", (Query(f"sum({metric}_spool_bytes)", "bytes waiting"),), unit="bytes"),
        Panel(
            "Rate-limited and timed-out requests",
            (
                rate_by(f"{metric}_rate_limited_requests_total", "limit", legend="429 {{limit}}"),
                rate_by(f"{metric}_body_timeouts_total", "limit", legend="408 {{limit}}"),
            ),
            unit="reqps",
        ),
        Panel(
            "Webhooks",
            (
                rate_by(
                    f"{metric}_webhook_events_total",
                    "provider, outcome",
                    legend="{{provider}} {{outcome}}",
                ),
                rate_by(
                    f"{metric}_webhooks_refused_total",
                    "provider, reason",
                    legend="{{provider}} refused: {{reason}}",
                ),
            ),
            unit="ops",
        ),
    ]


def consumer_panels(service: str) -> list[Panel]:
    metric = f"boucle_{service}"
    return [
        Panel(
            "Throughput",
            (
                rate_by(f"{metric}_records_consumed_total", "topic", legend="consumed {{topic}}"),
                rate_by(f"{metric}_records_processed_total", "topic", legend="processed {{topic}}"),
                rate_by(f"{metric}_records_emitted_total", "topic", legend="emitted {{topic}}"),
            ),
            unit="recps",
        ),
        Panel("Batch duration", quantiles(f"{metric}_batch_duration_seconds"), unit="s"),
        Panel(
            "Stage durations, p99",
            quantiles(f"{metric}_batch_stage_duration_seconds", by="stage", legend="{{stage}}")[1:],
            unit="s",
            description="decode, apply (the handler's load, rules, write), commit, publish",
        ),
        Panel("Records per batch", quantiles(f"{metric}_batch_records")),
        Panel(
            "Rows per statement",
            quantiles(f"{metric}_rows_per_statement", by="table", legend="{{table}}"),
        ),
        Panel(
            "Lag by partition",
            (Query(f"{metric}_consumer_lag_records", "{{topic}}/{{partition}}"),),
        ),
        Panel(
            "Lag age by partition",
            (Query(f"{metric}_consumer_lag_seconds", "{{topic}}/{{partition}}"),),
            unit="s",
        ),
        Panel(
            "Retries and dead letters",
            (
                rate_by(
                    f"{metric}_batch_retries_total", "dependency", legend="retry {{dependency}}"
                ),
                rate_by(
                    f"{metric}_records_dead_lettered_total",
                    "reason",
                    legend="dead letter {{reason}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Scheduled jobs",
            (
                rate_by(
                    f"{metric}_job_runs_total",
                    "scheduled_job, outcome",
                    legend="{{scheduled_job}} {{outcome}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Job duration",
            quantiles(
                f"{metric}_job_duration_seconds", by="scheduled_job", legend="{{scheduled_job}}"
            ),
            unit="s",
        ),
        Panel(
            "Read API",
            (
                rate_by(
                    f"{metric}_http_requests_total",
                    "route, status",
                    legend="{{route}} {{status}}",
                    selector=API,
                ),
            ),
            unit="reqps",
        ),
        Panel(
            "Read API latency",
            quantiles(f"{metric}_http_request_duration_seconds", by="route", legend="{{route}}"),
            unit="s",
        ),
        *OWN_PANELS.get(service, []),
    ]


OWN_PANELS: dict[str, list[Panel]] = {
    "sessionizer": [
        Panel("Open sessions", (Query("sum(boucle_sessionizer_open_sessions)", "open"),)),
        Panel(
            "Arrival lateness",
            (
                rate_by(
                    "boucle_sessionizer_events_by_lateness_total", "bucket", legend="{{bucket}}"
                ),
                Query(f"sum(rate(boucle_sessionizer_late_events_total{RATE}))", "too late"),
                Query(f"sum(rate(boucle_sessionizer_duplicate_events_total{RATE}))", "duplicate"),
            ),
            unit="eps",
        ),
        Panel(
            "Identities and touchpoints",
            (
                Query(f"sum(rate(boucle_sessionizer_identity_merges_total{RATE}))", "merges"),
                rate_by(
                    "boucle_sessionizer_touchpoint_updates_total",
                    "change",
                    legend="touchpoint {{change}}",
                ),
            ),
            unit="ops",
        ),
    ],
    "feedback": [
        Panel(
            "Responses",
            (
                rate_by(
                    "boucle_feedback_responses_total",
                    "instrument, band",
                    legend="{{instrument}} {{band}}",
                ),
                rate_by(
                    "boucle_feedback_negative_responses_total",
                    "cause",
                    legend="negative: {{cause}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Case events",
            (rate_by("boucle_feedback_cases_total", "event", legend="{{event}}"),),
            unit="ops",
        ),
        Panel(
            "Open cases by priority",
            (Query("max by (priority) (boucle_feedback_open_cases)", "priority {{priority}}"),),
            description="Refreshed by the gauges job; any instance's view (they read one table)",
        ),
        Panel(
            "SLA",
            (
                rate_by("boucle_feedback_sla_warnings_total", "clock", legend="warning {{clock}}"),
                rate_by("boucle_feedback_sla_breaches_total", "clock", legend="breach {{clock}}"),
                rate_by(
                    "boucle_feedback_escalations_total",
                    "clock, notify",
                    legend="escalation {{clock}} → {{notify}}",
                ),
            ),
            unit="ops",
            description="Cases past their SLA (FeedbackSlaBreaches)",
        ),
        Panel(
            "Theme alerts",
            (
                Query(
                    "sum by (kind, period) (increase(boucle_feedback_theme_alerts_total[1h]))",
                    "{{kind}} {{period}}",
                ),
            ),
            description="Spikes and emerging themes raised in the last hour",
        ),
    ],
}


def service_rows() -> list[tuple[str, list[Panel]]]:
    return [
        ("Collector", collector_panels()),
        *((service.capitalize(), consumer_panels(service)) for service in CONSUMERS),
    ]
