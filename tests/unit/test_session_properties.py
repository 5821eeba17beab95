"""Properties of incremental sessionization, as the sessionizer applies it event by event:
recompute only the arriving event's chain from the stored events, replace its sessions."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.sessionizer.sessions import Session, SessionRules, WebEvent, chain_bounds, sessionize
from tests.factories import T0

RULES = SessionRules(
    timeout=timedelta(minutes=30), max_length=timedelta(hours=3), split_on_campaign_change=True
)

events_strategy = st.lists(
    st.builds(
        lambda minute, campaign, n: WebEvent(
            message_id=f"m{n}",
            at=T0 + timedelta(minutes=minute),
            channel="direct",
            campaign=campaign,
            tagged=campaign is not None,
        ),
        minute=st.integers(min_value=0, max_value=600),
        campaign=st.sampled_from([None, None, None, "spring", "summer"]),
        n=st.integers(min_value=0, max_value=10_000),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda e: e.message_id,
)


def incremental(arrivals: list[WebEvent], rules: SessionRules) -> list[Session]:
    """The sessionizer's algorithm with lists for tables."""
    stored: list[WebEvent] = []
    sessions: dict[str, Session] = {}
    for event in arrivals:
        if any(e.message_id == event.message_id for e in stored):
            continue  # a duplicate: already applied
        stored.append(event)
        spans = [(s.started_at, s.last_event_at) for s in sessions.values()]
        low, high = chain_bounds(spans, event.at, rules)
        for session_id in [k for k, s in sessions.items() if low <= s.started_at <= high]:
            del sessions[session_id]
        for session in sessionize([e for e in stored if low <= e.at <= high], rules):
            sessions[session.session_id] = session
    return sorted(sessions.values(), key=lambda s: s.started_at)


@settings(max_examples=300, deadline=None)
@given(events=events_strategy, data=st.data())
def test_any_arrival_order_gives_the_sessions_of_the_sorted_order(
    events: list[WebEvent], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(events))
    assert incremental(shuffled, RULES) == sessionize(events, RULES)


@settings(max_examples=200, deadline=None)
@given(events=events_strategy, data=st.data())
def test_duplicates_never_change_the_result(events: list[WebEvent], data: st.DataObject) -> None:
    repeated = data.draw(st.lists(st.sampled_from(events), max_size=20))
    arrivals = data.draw(st.permutations(events + repeated))
    assert incremental(arrivals, RULES) == sessionize(events, RULES)
