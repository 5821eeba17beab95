"""The pipeline overview row: the recorded series of deploy/prometheus/rules/recording.yml, the
same the alerts read, so what the row shows is what the alerts see."""

from __future__ import annotations

from deploy.grafana.panels import GOOD_FROM_ONE, SERVICES, Panel, Query, rate_by, stat


def overview_panels() -> list[Panel]:
    return [
        stat(
            "Services up",
            Query(f'up{{job=~"{"|".join(SERVICES)}"}}', "{{job}}"),
            description="1: Prometheus scrapes it (alert ServiceDown)",
            steps=GOOD_FROM_ONE,
        ),
        stat(
            "Halted consumers",
            Query("job:boucle_consumer_halted:max", "{{job}}"),
            description="1: stopped by the dead-letter limit (alert ConsumerHalted)",
        ),
        stat(
            "Requests in the collector's spool",
            Query("sum(boucle_collector_spool_depth_requests)", "spool"),
            description="Above 0: Kafka is not taking events (alert CollectorSpooling)",
        ),
        stat(
            "Firing alerts",
            Query('count by (alertname) (ALERTS{alertstate="firing"})', "{{alertname}}"),
            description="Alerts firing now (Prometheus: /classic/alerts or /alerts)",
        ),
        Panel(
            "Events in",
            (
                Query("sum(job:boucle_collector_events_received:rate1m)", "received"),
                Query("sum(job:boucle_collector_events_accepted:rate1m)", "accepted"),
                Query("sum(job_reason:boucle_collector_events_rejected:rate1m)", "rejected"),
                Query("sum(job:boucle_collector_events_dead_lettered:rate1m)", "dead-lettered"),
            ),
            unit="eps",
            description="At the collector: every event received, and what became of it",
        ),
        Panel(
            "Records consumed",
            (
                Query("job:boucle_records_consumed:rate1m", "{{job}} consumed"),
                Query("job:boucle_records_emitted:rate1m", "{{job}} emitted"),
            ),
            unit="recps",
            description="Through each consumer, and what it sends downstream",
        ),
        Panel(
            "Dead letters",
            (Query("job:boucle_dead_letters:rate5m", "{{job}}"),),
            unit="recps",
            description="Into the dead-letter topic, by the service sending them (DeadLettersHigh)",
        ),
        Panel(
            "Consumer lag",
            (Query("job:boucle_consumer_lag_records:sum", "{{job}}"),),
            description="Records left to read, all partitions (ConsumerLagGrowing)",
        ),
        Panel(
            "Consumer lag, age",
            (Query("job:boucle_consumer_lag_seconds:max", "{{job}}"),),
            unit="s",
            description="Age of the newest record applied while more are waiting "
            "(ConsumerBehindRealTime)",
        ),
        Panel(
            "5xx ratio",
            (Query("job:boucle_http_requests_5xx:ratio_rate5m", "{{job}}"),),
            unit="percentunit",
            description="Share of API requests answered 5xx (HttpErrorsHigh)",
        ),
        Panel(
            "Publish errors",
            (rate_by("boucle_collector_publish_errors_total", "job", legend="{{job}}"),),
            unit="ops",
            description="Sends Kafka did not acknowledge in time (CollectorPublishErrors)",
        ),
        Panel(
            "Scheduled jobs",
            (
                Query(
                    "job_scheduled_job_outcome:boucle_job_runs:increase15m",
                    "{{job}} {{scheduled_job}} {{outcome}}",
                ),
            ),
            description="Runs in the last 15 minutes, by outcome (ScheduledJobFailing)",
        ),
        Panel(
            "Since each job's last success",
            (
                Query(
                    "time() - job_scheduled_job:boucle_job_last_success_timestamp_seconds:max",
                    "{{job}} {{scheduled_job}}",
                ),
                Query(
                    "clamp_min(3 * job_scheduled_job:boucle_job_period_seconds:max, 300)",
                    "{{job}} {{scheduled_job}} alert line",
                ),
            ),
            unit="s",
            description="ScheduledJobStale fires past three periods (and 5 minutes)",
        ),
    ]
