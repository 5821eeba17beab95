"""The feedback service's own metrics (the consumer loop's are in shared/metrics.py).

A batch's counters move only once it committed (``Work.after_commit``), so a batch retried in
parts counts once; the case API's once its transaction committed. A job counts when its run
returns, just before the kit commits it (a job has no after-commit hook): a job whose commit
then fails counts twice when it runs again.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge

from shared.events import CaseEventRecord

CASE_KINDS = {
    "opened": "opened",
    "attached": "attached",
    "reopened": "reopened",
    "merged": "merged",
    "resolved": "resolved",
    "transferred": "transferred",
    "recovered": "recovered",
}
BREACH_LEVEL = 2  # the first ladder step: the deadline itself (services/feedback/sla.py)


class FeedbackMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.responses = Counter(
            "boucle_feedback_responses_total",
            "Feedback responses stored, by instrument and score band (none: free text)",
            ["instrument", "band"],
            registry=registry,
        )
        self.negatives = Counter(
            "boucle_feedback_negative_responses_total",
            "Responses found negative, by what made them so first",
            ["cause"],
            registry=registry,
        )
        self.cases = Counter(
            "boucle_feedback_cases_total",
            "Case events: opened, attached, reopened, merged, transferred, resolved, recovered",
            ["event"],
            registry=registry,
        )
        self.escalations = Counter(
            "boucle_feedback_escalations_total",
            "SLA escalations, by clock and who is notified",
            ["clock", "notify"],
            registry=registry,
        )
        self.warnings = Counter(
            "boucle_feedback_sla_warnings_total",
            "SLA warnings (a share of a clock elapsed), by clock",
            ["clock"],
            registry=registry,
        )
        self.breaches = Counter(
            "boucle_feedback_sla_breaches_total",
            "Cases whose SLA clock passed its deadline without being stopped, by clock",
            ["clock"],
            registry=registry,
        )
        self.open_cases = Gauge(
            "boucle_feedback_open_cases",
            "Active cases (open or acknowledged) by priority, refreshed by a scheduled job",
            ["priority"],
            registry=registry,
        )
        self.spikes = Counter(
            "boucle_feedback_theme_alerts_total",
            "Theme alerts raised, by kind (spike, emerging) and window (week, day)",
            ["kind", "period"],
            registry=registry,
        )

    def case_events(self, records: Iterable[CaseEventRecord]) -> None:
        for record in records:
            if record.kind in CASE_KINDS:
                self.cases.labels(CASE_KINDS[record.kind]).inc()
            elif record.kind == "sla_warning":
                self.warnings.labels(str(record.detail.get("clock"))).inc()
            elif record.kind == "escalated":
                self._escalated(record)

    def _escalated(self, record: CaseEventRecord) -> None:
        clock = str(record.detail.get("clock"))
        self.escalations.labels(clock, str(record.detail.get("notify"))).inc()
        # A breach once per clock and cycle: the escalation that crosses the deadline, even
        # when catching up jumps straight past it to a later step.
        if int(record.detail.get("from_level", 0)) < BREACH_LEVEL:
            self.breaches.labels(clock).inc()
