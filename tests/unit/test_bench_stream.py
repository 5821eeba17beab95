"""The pipeline benchmark's generated stream: the same seed gives the same stream, and the mix,
the late events and the duplicates come in the shares the benchmark claims."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from bench.pipeline.backlog import enriched
from bench.pipeline.stream import PlannedEvent, StreamSpec, plan
from shared.events import TrackingEvent

SPEC = StreamSpec(events=30_000, seed=3)


@pytest.fixture(scope="module")
def stream() -> list[PlannedEvent]:
    return plan(SPEC)


def test_the_same_seed_gives_the_same_stream(stream: list[PlannedEvent]) -> None:
    again = plan(SPEC)
    assert [e.message for e in again] == [e.message for e in stream]
    assert [e.arrives_at for e in again] == [e.arrives_at for e in stream]


def test_another_seed_gives_another_stream(stream: list[PlannedEvent]) -> None:
    other = plan(StreamSpec(events=SPEC.events, seed=SPEC.seed + 1))
    assert [e.message for e in other] != [e.message for e in stream]


def test_the_stream_has_exactly_the_events_asked_for_from_the_visitors_asked_for(
    stream: list[PlannedEvent],
) -> None:
    assert len(stream) == SPEC.events
    assert len({e.message["anonymousId"] for e in stream}) == SPEC.events // 15
    small = plan(StreamSpec(events=1_200, visitors=60, seed=1))
    assert (len(small), len({e.key for e in small})) == (1_200, 60)


def test_too_many_visitors_for_the_events_is_refused_with_what_to_change() -> None:
    with pytest.raises(ValueError, match="--events"):
        plan(StreamSpec(events=100, visitors=90))


def test_events_come_in_arrival_order(stream: list[PlannedEvent]) -> None:
    arrivals = [e.arrives_at for e in stream]
    assert arrivals == sorted(arrivals)


def test_the_mix_is_mostly_page_views_with_every_kind_present(stream: list[PlannedEvent]) -> None:
    shares = {kind: n / len(stream) for kind, n in Counter(e.kind for e in stream).items()}
    assert 0.70 < shares["page"] < 0.85
    assert 0.10 < shares["product"] < 0.25
    for kind in ("identify", "order", "email_click", "ad_click", "nps", "csat"):
        assert 0.001 < shares[kind] < 0.05, kind


def test_landing_pages_carry_campaigns_and_referrers(stream: list[PlannedEvent]) -> None:
    landings = [e for e in stream if e.message["messageId"].endswith("-l")]
    urls = [e.message["context"]["page"]["url"] for e in landings]
    tagged = sum("utm_campaign=" in url for url in urls) / len(urls)
    referred = sum("referrer" in e.message["context"]["page"] for e in landings) / len(landings)
    assert 0.3 < tagged < 0.6
    assert 0.2 < referred < 0.6


def test_some_users_identify_on_two_devices(stream: list[PlannedEvent]) -> None:
    devices: defaultdict[str, set[str]] = defaultdict(set)
    for e in stream:
        if e.kind == "identify":
            devices[e.message["userId"]].add(e.message["anonymousId"])
    two = sum(len(found) == 2 for found in devices.values())
    assert 0.05 < two / len(devices) < 0.3


def test_orders_have_revenue_and_feedback_has_detractors_with_comments(
    stream: list[PlannedEvent],
) -> None:
    orders = [e.message["properties"] for e in stream if e.kind == "order"]
    assert all(p["revenue"] > 0 and p["currency"] in {"EUR", "USD", "GBP"} for p in orders)
    nps = [e.message["properties"] for e in stream if e.kind == "nps"]
    detractors = [p for p in nps if p["score"] <= 6]
    assert 0.2 < len(detractors) / len(nps) < 0.5
    assert any("comment" in p for p in detractors)


def test_about_two_percent_arrive_late_within_the_lateness_allowed(
    stream: list[PlannedEvent],
) -> None:
    late = [e for e in stream if e.late and not e.duplicate]
    assert abs(len(late) / len(stream) - 0.02) < 0.002
    delays = [e.arrives_at - e.occurred_at for e in late]
    assert all(
        timedelta(minutes=1) <= d <= timedelta(minutes=SPEC.max_late_minutes) for d in delays
    )
    assert all(e.arrives_at == e.occurred_at for e in stream if not (e.late or e.duplicate))


def test_late_events_are_out_of_order_in_event_time(stream: list[PlannedEvent]) -> None:
    overtaken = 0
    latest = stream[0].occurred_at
    for e in stream:
        overtaken += e.occurred_at < latest
        latest = max(latest, e.occurred_at)
    assert overtaken >= len([e for e in stream if e.late]) * 0.9


def test_one_percent_are_duplicates_of_an_earlier_message(stream: list[PlannedEvent]) -> None:
    duplicates = [e for e in stream if e.duplicate]
    assert len(duplicates) == round(SPEC.events * SPEC.duplicate_share)
    first_arrival: dict[str, datetime] = {}
    for e in stream:
        first_arrival.setdefault(e.message["messageId"], e.arrives_at)
    assert all(first_arrival[e.message["messageId"]] < e.arrives_at for e in duplicates)
    assert len(first_arrival) == SPEC.events - len(duplicates)


def test_the_backlog_is_what_the_collector_publishes_keyed_by_actor() -> None:
    events = plan(StreamSpec(events=600, seed=5))
    records = list(enriched(events))
    decoded = [TrackingEvent.model_validate_json(value) for _, value in records]
    assert [key.decode() for key, _ in records] == [e.actor_id for e in decoded]
    assert [e.timestamp for e in decoded] == [p.occurred_at for p in events]
    channels = Counter(e.channel for e in decoded)
    assert {"direct", "email", "paid_search", "organic_search"} <= set(channels)
