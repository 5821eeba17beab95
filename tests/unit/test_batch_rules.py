"""The pure parts of the set-based sessionizer, on plain data: which events a batch applies,
which stored rows it must read, and the in-memory rules one event at a time."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.sessionizer.admission import admit
from services.sessionizer.links import IdentityGraph
from services.sessionizer.replay import JourneyRules, Replay
from services.sessionizer.scope import web_ranges
from services.sessionizer.sessions import SessionRules, WebEvent, chain_bounds, sessionize
from services.sessionizer.state import JourneyState, Owned
from services.sessionizer.touchpoints import (
    EventRoles,
    says_the_same,
    session_touchpoint,
    web_event,
)
from shared.broker import Partition, Record
from shared.events import TrackingEvent
from shared.routes import Delivery
from tests.factories import T0, event

RULES = SessionRules(timeout=timedelta(minutes=30), max_length=timedelta(hours=2))
ROLES = EventRoles(touch_events=frozenset(), background_events=frozenset(), conversions={})
minutes = st.integers(min_value=0, max_value=600)


def at(minute: int):  # type: ignore[no-untyped-def]
    return T0 + timedelta(minutes=minute)


def delivered(events: list[TrackingEvent], partition: int = 0) -> list[Delivery[TrackingEvent]]:
    return [Delivery(e, Record("raw", partition, i, None, None)) for i, e in enumerate(events)]


def test_a_messageid_seen_before_or_earlier_in_the_batch_is_a_duplicate() -> None:
    a, b = event(message_id="a"), event(message_id="b", minutes=1)
    admission = admit(
        delivered([a, b, a]), fresh={"a"}, stream_times={}, allowed_lateness=timedelta(hours=6)
    )
    assert [e.message_id for e in admission.applied] == ["a"]
    assert admission.duplicates == 2


def test_an_event_without_tracking_consent_is_counted_and_never_applied() -> None:
    consented = event(message_id="a")
    refused = event(message_id="b", minutes=1).model_copy(update={"tracking_consent": False})
    admission = admit(
        delivered([consented, refused, refused]),
        fresh={"a", "b"},
        stream_times={},
        allowed_lateness=timedelta(hours=6),
    )
    assert [e.message_id for e in admission.applied] == ["a"]
    assert (admission.without_consent, admission.duplicates) == (1, 1)


def test_lateness_is_decided_per_partition_in_batch_order() -> None:
    events = [event(message_id="new", minutes=600), event(message_id="old", minutes=0)]
    partition = Partition("raw", 0)
    admission = admit(
        delivered(events),
        fresh={"new", "old"},
        stream_times={partition: at(100)},
        allowed_lateness=timedelta(hours=6),
    )
    # "old" is 10 hours behind "new", which moved the stream time before it arrived.
    assert [e.message_id for e in admission.late] == ["old"]
    assert admission.stream_times == {partition: at(600)}


@settings(max_examples=200, deadline=None)
@given(
    sessions=st.lists(st.tuples(minutes, st.integers(0, 90)), max_size=8),
    points=st.lists(minutes, min_size=1, max_size=8),
)
def test_the_ranges_read_are_the_chains_of_the_arrivals(
    sessions: list[tuple[int, int]], points: list[int]
) -> None:
    spans = [(at(start), at(start + length)) for start, length in sessions]
    arrivals = [at(p) for p in points]
    known = [*spans, *((a, a) for a in arrivals)]
    expected = sorted({chain_bounds(known, a, RULES) for a in arrivals})
    assert web_ranges({"p": spans}, {"p": arrivals}, RULES) == {"p": expected}


@settings(max_examples=200, deadline=None)
@given(
    times=st.lists(minutes, min_size=1, max_size=6, unique=True),
    campaigns=st.lists(st.sampled_from([None, "spring"]), min_size=6, max_size=6),
    version=st.integers(1, 5),
    person=st.sampled_from(["p1", "p2"]),
    retracted=st.booleans(),
)
def test_a_touchpoint_says_the_same_exactly_when_it_equals_the_one_rebuilt(
    times: list[int], campaigns: list[str | None], version: int, person: str, retracted: bool
) -> None:
    events = [
        WebEvent(f"m{t}", at(t), "email" if c else "direct", campaign=c, tagged=c is not None)
        for t, c in zip(times, campaigns, strict=False)
    ]
    [first, *_] = sessionize(events[:1], RULES)
    [session, *_] = sessionize(events, RULES)
    stored = session_touchpoint(first, person_id="p1", version=version)
    stored = stored.model_copy(update={"retracted": retracted})
    rebuilt = session_touchpoint(session, person_id=person, version=version)
    assert says_the_same(stored, session, person_id=person) == (
        not stored.retracted and stored == rebuilt
    )


def test_rows_put_back_unchanged_are_not_written_and_a_removed_row_put_back_is_kept() -> None:
    rows: Owned[str] = Owned()
    rows.load("k", "p1", "v")
    rows.put("k", "p1", "v")
    assert rows.written() == []
    rows.remove("k")
    rows.put("k", "p2", "v")
    assert (rows.written(), rows.removed, rows.keys_of("p2")) == ([("p2", "v")], set(), ["k"])


@settings(max_examples=150, deadline=None)
@given(
    stream=st.lists(
        st.tuples(minutes, st.sampled_from([None, None, "spring", "summer"])),
        min_size=1,
        max_size=25,
        unique_by=lambda item: item[0],
    ),
    data=st.data(),
)
def test_replaying_any_arrival_order_leaves_the_sessions_of_the_sorted_order(
    stream: list[tuple[int, str | None]], data: st.DataObject
) -> None:
    events = [
        event(minutes=m, message_id=f"m{m}", campaign=c, channel="email" if c else "direct")
        for m, c in stream
    ]
    arrivals = data.draw(st.permutations(events))
    graph, state = IdentityGraph([]), JourneyState()
    replay = Replay(state, JourneyRules(sessions=RULES, roles=ROLES))
    for e in arrivals:
        replay.apply(e, graph.link(["anon-1"], e.timestamp))

    expected = sessionize([web_event(e) for e in events], RULES)
    stored = state.sessions.rows.values()
    assert {(s.session_id, s.started_at, s.last_event_at, s.event_count) for s in stored} == {
        (s.session_id, s.started_at, s.last_event_at, s.event_count) for s in expected
    }
    live = {t.touchpoint_id for t in state.touchpoints.rows.values() if not t.retracted}
    assert live == {s.session_id for s in expected}
