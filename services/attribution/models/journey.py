"""What every model weighs: one conversion's eligible touches and its CRM stage times.

CRM stages (lead, opportunity, deal) are milestones of the journey, never touches: they carry no
channel and take no credit; the milestone models find the touch at or before each of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.errors import BadInput

Weights = tuple[float, ...]  # one per touch, in the journey's order, each >= 0, summing to 1


@dataclass(frozen=True, slots=True)
class Touch:
    channel: str
    at: datetime | None = None  # None: an aggregated path, which has no times


@dataclass(frozen=True, slots=True)
class Journey:
    """A conversion's eligible touches, oldest first, and the times a model may measure from."""

    touches: tuple[Touch, ...]
    converted_at: datetime | None = None
    lead_created: datetime | None = None
    opportunity_created: datetime | None = None
    deal_closed: datetime | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(touch.channel for touch in self.touches)


def journey_of(channels: Sequence[str]) -> Journey:
    """A journey with no times: what an aggregated path (``a > b > c``) gives."""
    return Journey(touches=tuple(Touch(channel=channel) for channel in channels))


def times_of(journey: Journey, *, model: str) -> tuple[datetime, ...]:
    """Every touch's time, or a BadInput naming the model that needs them."""
    times: list[datetime] = []
    for touch in journey.touches:
        if touch.at is None:
            raise BadInput(f"{model} needs the time of every touch", field="touches")
        times.append(touch.at)
    return tuple(times)


def require_touches(journey: Journey) -> int:
    if not journey.touches:
        raise ValueError("a model weighs at least one touch; an empty journey is unattributed")
    return len(journey.touches)


def normalised(raw: Sequence[float]) -> Weights:
    total = sum(raw)
    if total <= 0:
        raise ValueError(f"weights must have a positive sum: {list(raw)}")
    return tuple(value / total for value in raw)


def spread_by_channel(channels: Sequence[str], scores: Mapping[str, float]) -> Weights | None:
    """Weights proportional to each touch's channel score, a channel's part shared equally by
    its touches; None when no channel on the path has a positive score."""
    distinct = dict.fromkeys(channels)
    positive = {channel: max(scores.get(channel, 0.0), 0.0) for channel in distinct}
    total = sum(positive.values())
    if total <= 0:
        return None
    touches_of = {channel: channels.count(channel) for channel in distinct}
    return tuple(positive[channel] / total / touches_of[channel] for channel in channels)
