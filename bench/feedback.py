"""``python -m bench.feedback``: calibration of the theme spike test and the cost of the pure
feedback steps. Prints figures; asserts nothing.

1. False alarms and detection power of ``trends.spike_test`` on simulated Poisson series with
   4-week baselines, beside the naive test it replaced (a Poisson tail around the baseline
   mean, taken as known), measured on the same draws.
2. Time per item of negativity + triage, of ``sla.due`` and of ``spike_test``.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from services.feedback.case import Case, Signal
from services.feedback.lifecycle import open_case
from services.feedback.negativity import assess
from services.feedback.policy import FeedbackPolicy, SpikePolicy
from services.feedback.sla import due
from services.feedback.trends import spike_test
from services.feedback.triage import CustomerValue, History, triage
from tests.factories import T0, feedback, verdict

SEED = 20260301
NOISE_MEANS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 15.0, 40.0, 100.0)
GROWTHS = ((8, 20), (8, 30), (2, 6), (2, 10), (1, 5), (0, 5), (40, 80))
VALUE = CustomerValue()


def poisson_draw(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means, a rounded normal beyond (good enough for a baseline)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def naive_alert(observed: int, baseline: list[int], policy: SpikePolicy) -> bool:
    """The Poisson upper tail around the baseline mean (floored at 0.5), as if it were known."""
    mean = max(statistics.fmean(baseline), 0.5)
    below = math.fsum(
        math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) for k in range(observed)
    )
    return observed >= policy.min_count and 1 - below < policy.alpha


def false_alarms(draws: int, rng: random.Random, policy: SpikePolicy) -> None:
    print(f"false alarms per window, {draws} noise windows per mean (nominal alpha 0.1 %)")
    print(f"{'mean':>6} {'spike':>8} {'emerging':>9} {'naive':>8} {'naive/spike':>12}")
    for mean in NOISE_MEANS:
        spikes = emerging = naive = 0
        for _ in range(draws):
            baseline = [poisson_draw(rng, mean) for _ in range(4)]
            observed = poisson_draw(rng, mean)
            kind = spike_test(observed, baseline, policy=policy).kind
            spikes += kind == "spike"
            emerging += kind == "emerging"
            naive += naive_alert(observed, baseline, policy)
        ratio = f"{naive / spikes:.1f}x" if spikes else "-"
        rates = f"{spikes / draws:>8.3%} {emerging / draws:>9.3%} {naive / draws:>8.3%}"
        print(f"{mean:>6} {rates} {ratio:>12}")


def detection(trials: int, rng: random.Random, policy: SpikePolicy) -> None:
    print(f"\ndetection of a jump, {trials} trials each")
    for base, jump in GROWTHS:
        spikes = emerging = naive = 0
        for _ in range(trials):
            baseline = [poisson_draw(rng, base) for _ in range(4)]
            kind = spike_test(jump, baseline, policy=policy).kind
            spikes += kind == "spike"
            emerging += kind == "emerging"
            naive += naive_alert(jump, baseline, policy)
        rates = f"spike {spikes / trials:6.1%}  emerging {emerging / trials:6.1%}"
        print(f"  {base:>3} -> {jump:<3} {rates}  naive {naive / trials:6.1%}")


def per_item(label: str, items: int, work: Callable[[], object]) -> None:
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {elapsed / items * 1e6:8.1f} µs/item  ({items} items, {elapsed:.2f} s)")


def costs(items: int) -> None:
    policy = FeedbackPolicy()
    responses = [feedback("nps", i % 11, text="x") for i in range(items)]
    churn = verdict(themes=("delivery",), intents=("churn",))
    readings = [churn if i % 7 == 0 else verdict(themes=("delivery",)) for i in range(items)]
    cases = [_case(i) for i in range(items)]
    rng = random.Random(SEED)
    series = [
        ([poisson_draw(rng, 8) for _ in range(4)], poisson_draw(rng, 8)) for _ in range(items)
    ]

    def classify() -> None:
        for response, reading in zip(responses, readings, strict=True):
            if assess(response, reading, policy=policy.negativity).negative:
                triage(response, reading, value=VALUE, history=History(), policy=policy.triage)

    print("\ncost of the pure steps (one core)")
    per_item("negativity + triage per response", items, classify)
    later = T0 + timedelta(hours=30)
    per_item("sla.due per active case", items, lambda: due(cases, later, policy=policy.sla))
    per_item(
        "spike_test per theme window",
        items,
        lambda: [spike_test(x, b, policy=policy.spikes) for b, x in series],
    )


def _case(index: int) -> Case:
    first = Signal(f"m{index}", T0, priority=1 + index % 3, queue="support", summary="s")
    return open_case(f"case-{index}", first, person_id=f"p{index}", at=T0).case


def main() -> None:
    rng, policy = random.Random(SEED), SpikePolicy()
    false_alarms(20_000, rng, policy)
    detection(5_000, rng, policy)
    costs(items=20_000)


if __name__ == "__main__":
    main()
