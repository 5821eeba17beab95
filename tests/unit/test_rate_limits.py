"""Token buckets and the collector's two limits, on a clock the tests move by hand."""

from __future__ import annotations

import pytest

from services.collector.ratelimit import Rate, RateLimited, Throttle, TokenBuckets, retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_new_bucket_allows_a_full_burst_then_refuses() -> None:
    buckets = TokenBuckets(Rate(per_s=10, burst=5), max_keys=10)
    assert [buckets.take("k", 1, now=0.0) for _ in range(5)] == [0.0] * 5
    assert buckets.take("k", 1, now=0.0) == pytest.approx(0.1)


def test_tokens_come_back_at_the_rate_and_never_above_the_burst() -> None:
    buckets = TokenBuckets(Rate(per_s=10, burst=5), max_keys=10)
    assert buckets.take("k", 5, now=0.0) == 0.0
    assert buckets.take("k", 3, now=0.2) == pytest.approx(0.1)  # 2 tokens back, 3 wanted
    assert buckets.take("k", 2, now=0.2) == 0.0
    assert buckets.take("k", 5, now=100.0) == 0.0  # capped at 5 however long it waited
    assert buckets.take("k", 1, now=100.0) == pytest.approx(0.1)


def test_a_refused_request_takes_nothing() -> None:
    buckets = TokenBuckets(Rate(per_s=1, burst=100), max_keys=10)
    assert buckets.take("src", 60, now=0.0) == 0.0
    assert buckets.take("src", 100, now=0.0) == pytest.approx(60.0)
    assert buckets.take("src", 40, now=0.0) == 0.0  # the 40 left are still there


def test_a_batch_costs_its_events() -> None:
    buckets = TokenBuckets(Rate(per_s=100, burst=250), max_keys=10)
    assert buckets.take("src", 100, now=0.0) == 0.0
    assert buckets.take("src", 100, now=0.0) == 0.0
    assert buckets.take("src", 100, now=0.0) == pytest.approx(0.5)  # 50 left, 100 wanted


def test_keys_have_their_own_buckets() -> None:
    buckets = TokenBuckets(Rate(per_s=1, burst=1), max_keys=10)
    assert buckets.take("a", 1, now=0.0) == 0.0
    assert buckets.take("b", 1, now=0.0) == 0.0
    assert buckets.take("a", 1, now=0.0) > 0


def test_memory_is_bounded_by_forgetting_the_least_recently_used_key() -> None:
    buckets = TokenBuckets(Rate(per_s=1, burst=1), max_keys=2)
    buckets.take("a", 1, now=0.0)
    buckets.take("b", 1, now=0.0)
    buckets.take("a", 1, now=0.0)  # refused, but a is now the most recently used
    buckets.take("c", 1, now=0.0)
    assert len(buckets) == 2
    assert buckets.take("a", 1, now=0.0) > 0  # still remembered, still empty
    assert buckets.take("b", 1, now=0.0) == 0.0  # forgotten: a fresh, full bucket


def test_a_clock_going_backwards_does_not_drain_the_bucket() -> None:
    buckets = TokenBuckets(Rate(per_s=1, burst=2), max_keys=10)
    assert buckets.take("k", 1, now=10.0) == 0.0
    assert buckets.take("k", 1, now=5.0) == 0.0


def test_a_zero_rate_disables_the_limit() -> None:
    buckets = TokenBuckets(Rate(per_s=0, burst=1), max_keys=1)
    assert all(buckets.take(str(i), 1_000, now=0.0) == 0.0 for i in range(100))
    assert len(buckets) == 0


def test_a_cost_above_the_burst_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="exceeds the burst"):
        TokenBuckets(Rate(per_s=1, burst=10), max_keys=1).take("k", 11, now=0.0)


@pytest.mark.parametrize(
    ("wait", "seconds"), [(0.001, 1), (0.5, 1), (1.0, 1), (1.01, 2), (59.2, 60)]
)
def test_retry_after_is_rounded_up_to_whole_seconds(wait: float, seconds: int) -> None:
    assert retry_after(wait) == seconds


def test_throttle_names_the_limit_its_value_and_when_to_retry() -> None:
    clock = FakeClock()
    throttle = Throttle(
        per_source=Rate(per_s=100, burst=200),
        per_address=Rate(per_s=2, burst=3),
        max_addresses=10,
        clock=clock,
    )
    for _ in range(3):
        throttle.check_address("203.0.113.7")
    with pytest.raises(RateLimited) as refused:
        throttle.check_address("203.0.113.7")
    assert (refused.value.limit, refused.value.retry_after_s, refused.value.events) == (
        "address",
        1,
        1,
    )
    assert "2 requests/s (burst 3)" in refused.value.message
    clock.now += 0.5
    throttle.check_address("203.0.113.7")  # one token came back

    throttle.check_source("src-1", 200)
    clock.now += 1
    with pytest.raises(RateLimited) as over:
        throttle.check_source("src-1", 150)
    assert (over.value.limit, over.value.retry_after_s, over.value.events) == ("source", 1, 150)
    assert "100 events/s (burst 200)" in over.value.message
    assert "retry in 1 s" in over.value.message
