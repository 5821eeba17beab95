"""The attribution service's own metrics (the consumer loop's are in shared/metrics.py)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

SOLVE_BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0)


class AttributionMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.persons_recomputed = Counter(
            "boucle_attribution_persons_recomputed_total",
            "Persons whose credits, counts and reach were recomputed, by what asked",
            ["reason"],
            registry=registry,
        )
        self.credit_groups_restated = Counter(
            "boucle_attribution_credit_groups_restated_total",
            "Conversion-by-model credit groups rewritten, by what asked",
            ["reason"],
            registry=registry,
        )
        self.credits_emitted = Counter(
            "boucle_attribution_credits_emitted_total",
            "Credits sent downstream, by model and kind (credit or retraction)",
            ["model", "kind"],
            registry=registry,
        )
        self.fit_seconds = Histogram(
            "boucle_attribution_fit_solve_seconds",
            "Time to re-solve a fitted model from its counts",
            ["model"],
            buckets=SOLVE_BUCKETS,
            registry=registry,
        )
        self.fit_channels = Gauge(
            "boucle_attribution_fit_channels",
            "Channels in the current fit of each fitted model",
            ["model"],
            registry=registry,
        )
        self.fits_changed = Counter(
            "boucle_attribution_fits_changed_total",
            "Re-solves that gave new scores (a new fit)",
            ["model"],
            registry=registry,
        )
        self.restatement_backlog = Gauge(
            "boucle_attribution_restatement_backlog_conversions",
            "Conversions whose weights moved past the tolerance since their fit, not yet restated",
            ["model"],
            registry=registry,
        )
        self.ad_costs = Counter(
            "boucle_attribution_ad_cost_events_total",
            "Ad Impression / Ad Clicked events taken (duplicates excluded)",
            registry=registry,
        )
        self.spend_rows = Counter(
            "boucle_attribution_imported_rows_total",
            "Rows of spend and rates imports, by import and outcome",
            ["kind", "outcome"],
            registry=registry,
        )
        self.walk_persons = Counter(
            "boucle_attribution_settings_walk_persons_total",
            "Persons restated after a change of models, parameters or lookback",
            registry=registry,
        )
