"""What of the stored journeys a batch needs, decided before loading it. Pure.

Identity resolution needs only the identity graph, so it runs first; it says which person each
applied event goes to and which persons merge. A person in a merge has all of its sessions
recomputed and all of its touchpoints and conversions re-keyed, so all of its journey is read;
so is that of a person with web events when direct sessions inherit campaigns (a tagged event
recomputes all of them). Any other person with web events arriving needs its sessions (to find
their chains) and, of its web events and touchpoints, only those in the chains the batch's
arrivals can reach. A person with no web events and no merge needs nothing read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.sessionizer.identity import Resolution
from services.sessionizer.sessions import SessionRules
from services.sessionizer.touchpoints import EventRoles
from shared.events import TrackingEvent

Span = tuple[datetime, datetime]
EVER: Span = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class Scope:
    # Persons whose whole journey is read; the conversions of the absorbed ones too.
    whole: frozenset[str]
    absorbed: frozenset[str]
    # The times of the web events arriving for each other person.
    arrivals: Mapping[str, Sequence[datetime]]

    @property
    def persons(self) -> frozenset[str]:
        """Those whose sessions are read."""
        return self.whole | self.arrivals.keys()

    def ranges(
        self, spans: Mapping[str, Sequence[Span]], rules: SessionRules
    ) -> dict[str, list[Span]]:
        """The time ranges of each person's web events and touchpoints to read, given the
        spans of its stored sessions. (A session's touchpoint is dated by its first event.)"""
        ranges = {person: [EVER] for person in self.whole}
        ranges.update(web_ranges(spans, self.arrivals, rules))
        return ranges


def scope_of(
    events: Sequence[TrackingEvent],
    resolutions: Sequence[Resolution],
    *,
    roles: EventRoles,
    rules: SessionRules,
) -> Scope:
    absorbed: set[str] = set()
    merged: set[str] = set()
    arrivals: dict[str, list[datetime]] = defaultdict(list)
    for event, resolution in zip(events, resolutions, strict=True):
        if resolution.absorbed:
            absorbed |= resolution.absorbed
            merged |= {resolution.person_id, *resolution.absorbed}
        if roles.is_web(event):
            arrivals[resolution.person_id].append(event.timestamp)
    whole = merged | (arrivals.keys() if rules.direct_campaign_timeout else set())
    return Scope(
        whole=frozenset(whole),
        absorbed=frozenset(absorbed),
        arrivals={person: times for person, times in arrivals.items() if person not in whole},
    )


def web_ranges(
    spans: Mapping[str, Sequence[Span]],
    arrivals: Mapping[str, Iterable[datetime]],
    rules: SessionRules,
) -> dict[str, list[Span]]:
    """The time ranges of stored web events that a person's arriving web events can reach: the
    chains (runs of sessions and events at most the timeout apart, as ``chain_bounds`` links
    them) of the stored sessions together with all the batch's arrivals, that hold an arrival.
    Applied one at a time, an arrival only ever sees part of its chain, so these ranges hold
    every stored web event the rules will read."""
    ranges: dict[str, list[Span]] = {}
    for person, times in arrivals.items():
        points = sorted(set(times))
        runs = _runs([*spans.get(person, ()), *((at, at) for at in points)], rules)
        ranges[person] = [run for run in runs if _holds_any(run, points)]
    return ranges


def _runs(spans: Iterable[Span], rules: SessionRules) -> list[Span]:
    """Spans joined where they come within the timeout of each other, in time order."""
    runs: list[Span] = []
    for start, end in sorted(spans):
        if runs and start - rules.timeout <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((start, end))
    return runs


def _holds_any(run: Span, points: Sequence[datetime]) -> bool:
    return any(run[0] <= at <= run[1] for at in points)
