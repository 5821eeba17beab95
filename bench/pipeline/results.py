"""What one run measured, its derived figures, and its JSON form. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.pipeline.ceilings import Ceiling
from bench.pipeline.drain import DrainResult
from bench.pipeline.lag import LagSummary
from bench.pipeline.latency import LatencyResult


@dataclass
class Results:
    header: dict[str, Any]
    ceilings: dict[str, list[Ceiling]] = field(default_factory=dict)  # "raw", "journeys"
    drains: list[DrainResult] = field(default_factory=list)
    peer: DrainResult | None = None
    latency: list[LatencyResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def single(self, drain: DrainResult) -> DrainResult | None:
        """The one-instance run of the same consumer and variant."""
        return next(
            (
                d
                for d in self.drains
                if (d.consumer, d.variant, d.instances) == (drain.consumer, drain.variant, 1)
            ),
            None,
        )


def percentile(seen: Sequence[float], total: int, q: float) -> float | None:
    """The q-quantile over ``total`` markers of which ``seen`` became visible; None when it
    falls on a marker that never did (its latency is beyond the settle time)."""
    if total == 0:
        return None
    ordered = sorted(seen)
    index = min(total - 1, int(q * total))
    return ordered[index] if index < len(ordered) else None


@dataclass(frozen=True)
class LatencyFigures:
    sent_per_s: float
    post_p50_s: float | None
    post_p99_s: float | None
    failed_posts: int
    behind_s: float
    credit: tuple[float | None, float | None]
    case: tuple[float | None, float | None]
    lag: dict[str, LagSummary]


def latency_figures(run: LatencyResult) -> LatencyFigures:
    offered = run.offered
    posts: list[float] = list(offered["latencies"])  # type: ignore[call-overload]
    seconds = float(offered["seconds"])  # type: ignore[arg-type]
    start = float(offered["started_at"])  # type: ignore[arg-type]
    statuses: dict[str, int] = dict(offered["statuses"])  # type: ignore[call-overload]
    return LatencyFigures(
        sent_per_s=float(offered["events"]) / seconds if seconds else 0.0,  # type: ignore[arg-type]
        post_p50_s=percentile(posts, len(posts), 0.5),
        post_p99_s=percentile(posts, len(posts), 0.99),
        failed_posts=sum(n for status, n in statuses.items() if not status.startswith("2")),
        behind_s=float(offered["behind_s"]),  # type: ignore[arg-type]
        credit=_pair(run.credit_s, run.markers),
        case=_pair(run.case_s, run.markers),
        lag={
            name: series.summary(start, start + seconds, rate=run.plan.rate)
            for name, series in run.lag.items()
        },
    )


def _pair(seen: Sequence[float], total: int) -> tuple[float | None, float | None]:
    return percentile(seen, total, 0.5), percentile(seen, total, 0.99)


def to_json(results: Results) -> dict[str, Any]:
    return {
        **results.header,
        "ceilings": {
            topic: [
                {"name": c.name, "records": c.records, "seconds": c.seconds, "rate": c.rate}
                for c in group
            ]
            for topic, group in results.ceilings.items()
        },
        "drains": [_drain_json(d) for d in results.drains],
        "peer": _drain_json(results.peer) if results.peer else None,
        "latency": [_latency_json(run) for run in results.latency],
        "failures": results.failures,
    }


def _drain_json(drain: DrainResult) -> dict[str, Any]:
    p = drain.progress
    return {
        "name": drain.name,
        "consumer": drain.consumer,
        "instances": drain.instances,
        "variant": drain.variant,
        "records_in_topic": p.total,
        "committed": p.last[1],
        "seconds": p.seconds,
        "rate": p.rate,
        "finished": p.finished,
    }


def _latency_json(run: LatencyResult) -> dict[str, Any]:
    figures = latency_figures(run)
    start = float(run.offered["started_at"])  # type: ignore[arg-type]
    return {
        "name": run.name,
        "variant": run.variant,
        "rate": run.plan.rate,
        "seconds": run.plan.seconds,
        "instances": run.plan.instances,
        "sent_per_s": figures.sent_per_s,
        "post_p50_s": figures.post_p50_s,
        "post_p99_s": figures.post_p99_s,
        "failed_posts": figures.failed_posts,
        "markers": run.markers,
        "credits_seen": len(run.credit_s),
        "credit_p50_s": figures.credit[0],
        "credit_p99_s": figures.credit[1],
        "cases_seen": len(run.case_s),
        "read_errors": run.read_errors,
        "first_read_error": run.first_error,
        "case_p50_s": figures.case[0],
        "case_p99_s": figures.case[1],
        "lag": {
            name: {
                "first_third": s.first_third,
                "last_third": s.last_third,
                "peak": s.peak,
                "end": s.end,
                "verdict": s.verdict,
                # (seconds since the load started, lag) once a second, settle time included.
                "samples": [(round(at - start, 1), lag) for at, lag in run.lag[name].samples],
            }
            for name, s in figures.lag.items()
        },
    }
