"""The printed tables and ratios of one run. Pure: results in, lines out."""

from __future__ import annotations

from bench.pipeline.drain import DrainResult
from bench.pipeline.latency import LatencyResult
from bench.pipeline.results import LatencyFigures, Results, latency_figures

# Issue 10's goals, measured and printed, never asserted.
GOALS = {"sessionizer": 7_000.0, "attribution": 5_000.0, "feedback": 10_000.0}
E2E_GOAL_RATE, E2E_GOAL_P99_S = 1_000.0, 2.0


def report(results: Results) -> list[str]:
    lines = [*_header(results), ""]
    if results.drains or results.ceilings or results.peer:
        lines += ["drain (records/s from the first committed offset seen to the last)"]
        lines += [*drain_rows(results), "", "ratios (records/s)", *ratio_rows(results), ""]
    if results.latency:
        lines += ["latency (markers: POST → credit in /v1/attribution, POST → case in /v1/cases)"]
        lines += [*latency_rows(results), ""]
    lines += ["goals of issue 10 (measured, not asserted)", *goal_rows(results)]
    lines += [f"failed: {failure}" for failure in results.failures]
    return lines


def _header(results: Results) -> list[str]:
    h = results.header
    return [
        f"Boucle pipeline benchmark — {h['date']}, commit {h['commit']}",
        f"backlog: {h['events']:,} events, {h['visitors']:,} visitors, seed {h['seed']}, "
        f"{h['late']:,} late, {h['duplicates']:,} duplicates, {h['partitions']} partitions",
        f"{h['cores']} cores shared by Kafka, PostgreSQL, the services and the load: "
        "figures compare runs of one sitting, they are not capacity.",
    ]


def drain_rows(results: Results) -> list[str]:
    rows = [f"  {'run':<50} {'records':>9} {'seconds':>8} {'records/s':>11}"]
    for group in results.ceilings.values():
        for c in group:
            rows.append(f"  {c.name:<50} {c.records:>9,} {c.seconds:>8.2f} {c.rate:>11,.0f}")
    for drain in [*results.drains, *([results.peer] if results.peer else [])]:
        rows.append(_drain_row(drain))
    return rows


def _drain_row(drain: DrainResult) -> str:
    p = drain.progress
    note = "" if p.finished else f"   partial: {p.last[1]:,} of {p.total:,} in the time limit"
    if p.first == p.last:
        note += "   one commit seen: over the wall time, start-up included"
    elif not p.precise:
        note += f"   only {p.commits} commits seen: imprecise, give a larger backlog"
    name = _named(drain)
    return f"  {name:<50} {p.last[1]:>9,} {p.seconds:>8.2f} {p.rate:>11,.1f}{note}"


def _named(drain: DrainResult) -> str:
    return drain.name if drain.variant in ("main", "peer") else f"{drain.name} [{drain.variant}]"


def ratio_rows(results: Results) -> list[str]:
    rows = []
    for drain in results.drains:
        key = "journeys" if drain.consumer == "attribution" else "raw"
        parts = [
            f"÷ {ceiling.name.split(' (')[0].replace('raw aiokafka consumer', 'raw')} "
            f"{_ratio(drain.rate, ceiling.rate)}"
            for ceiling in results.ceilings.get(key, [])
        ]
        if results.peer is not None and drain.consumer == "sessionizer":
            parts.append(f"÷ quixstreams {_ratio(drain.rate, results.peer.rate)}")
        single = results.single(drain)
        if single is not None and drain.instances > 1:
            parts.append(f"÷ one instance {_ratio(drain.rate, single.rate)}")
        rows.append(f"  {_named(drain):<24} " + ", ".join(parts))
    return rows


def _ratio(a: float, b: float) -> str:
    if not b:
        return "n/a"
    return f"{a / b:.3g}"


def latency_rows(results: Results) -> list[str]:
    rows = [
        f"  {'offered':<26} {'sent/s':>7} {'POST p50 / p99':>16}  {'credit p50 / p99':>20} "
        f"{'seen':>7}  {'case p50 / p99':>20} {'seen':>7}  lag, mean of first → last third"
    ]
    for run in results.latency:
        f = latency_figures(run)
        name = run.name if run.variant == "main" else f"{run.name} [{run.variant}]"
        post = f"{_ms(f.post_p50_s)} / {_ms(f.post_p99_s)}"
        credit = f"{_s(f.credit[0])} / {_s(f.credit[1])}"
        case = f"{_s(f.case[0])} / {_s(f.case[1])}"
        credits, cases = f"{len(run.credit_s)}/{run.markers}", f"{len(run.case_s)}/{run.markers}"
        rows.append(
            f"  {name:<26} {f.sent_per_s:>7,.0f} {post:>16}  {credit:>20} {credits:>7}  "
            f"{case:>20} {cases:>7}  " + _lags(f)
        )
        if run.read_errors:
            rows.append(
                f"    {run.read_errors} read API answers were errors (neither 200 nor a refusal);"
                f" the first: {run.first_error}"
            )
        if f.failed_posts or f.behind_s > 1:
            rows.append(
                f"    {f.failed_posts} POSTs failed; the load fell up to {f.behind_s:.1f} s "
                "behind its schedule"
            )
    return rows


def _lags(figures: LatencyFigures) -> str:
    return "; ".join(
        f"{name} {s.first_third:,.0f} → {s.last_third:,.0f} {s.verdict}"
        for name, s in figures.lag.items()
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def _s(value: float | None) -> str:
    """None: that marker never became visible within the settle time."""
    return "never" if value is None else f"{value:.2f} s"


def goal_rows(results: Results) -> list[str]:
    singles = [d for d in results.drains if d.variant == "main" and d.instances == 1]
    rows = [_drain_goal(drain) for drain in singles if drain.consumer in GOALS]
    if singles:
        slowest = min(singles, key=lambda d: d.rate)
        rows.append(
            "  the pipeline keeps up with the collector's single-worker batch rate "
            f"(bench.collector): its slowest consumer, {slowest.consumer}, drains "
            f"{slowest.rate:,.1f} records/s"
        )
    for run in results.latency:
        if run.plan.rate == E2E_GOAL_RATE and run.variant == "main" and run.plan.instances == 1:
            rows.append(_latency_goal(run))
    return rows


def _drain_goal(drain: DrainResult) -> str:
    goal = GOALS[drain.consumer]
    met = "met" if drain.rate >= goal else f"{drain.rate / goal:.1%} of it"
    return f"  {drain.consumer} ≥ {goal:,.0f} records/s: {drain.rate:,.1f} ({met})"


def _latency_goal(run: LatencyResult) -> str:
    f = latency_figures(run)
    growing = [name for name, s in f.lag.items() if s.growing]
    p99s = (f.credit[1], f.case[1])
    ok = all(p is not None and p < E2E_GOAL_P99_S for p in p99s) and not growing
    return (
        f"  p99 < {E2E_GOAL_P99_S:.0f} s at {E2E_GOAL_RATE:,.0f} events/s, no lag growth: "
        f"credit {_s(f.credit[1])}, case {_s(f.case[1])}, growing: "
        f"{', '.join(growing) or 'none'} ({'met' if ok else 'not met'})"
    )
