"""Milestone path models (B2B): the touches that moved a person through the CRM stages.

A stage's touch is the last eligible touch at or before the stage's time: LC (lead created),
OC (opportunity created), CW (deal closed). FT is the first touch. Each milestone gets
``milestone_share``; what is left is spread equally over the other counted touches.
Fallbacks (the vendors leave them open; README, *Attribution models*):

* a stage with no time, or no touch at or before it, is missing: its share is dropped;
* two milestones on one touch add up (FT = LC gets 60 % under W-shaped);
* the last stage of the model closes the journey: touches after the OC touch (W-shaped) or
  the CW touch (full path) are not counted, nor is a milestone that falls after it (stages
  recorded out of order); without that stage every touch counts;
* with no intermediate touch the rest has nowhere to go and is dropped;
* the weights that remain are renormalised to sum to 1 (so one touch gets everything).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from services.attribution.models.journey import (
    Journey,
    Weights,
    normalised,
    require_touches,
    times_of,
)
from shared.errors import BadInput


def stage_touch(times: Sequence[datetime], stage: datetime | None) -> int | None:
    """Index of the last touch at or before ``stage`` (touches sorted oldest first)."""
    if stage is None:
        return None
    index = bisect.bisect_right(times, stage) - 1
    return index if index >= 0 else None


def milestone_weights(
    journey: Journey, stages: Sequence[datetime | None], *, share: float, model: str
) -> Weights:
    """FT plus one milestone per stage (the last stage closing the journey), then the rest."""
    count = require_touches(journey)
    if all(stage is None for stage in stages):
        milestones: list[int | None] = [0, *([None] * len(stages))]
    else:
        times = times_of(journey, model=model)
        milestones = [0, *(stage_touch(times, stage) for stage in stages)]
    closing = milestones[-1]
    counted = count if closing is None else closing + 1
    milestones = [index if index is not None and index < counted else None for index in milestones]
    raw = [0.0] * count
    for index in milestones:
        if index is not None:
            raw[index] += share
    marked = {index for index in milestones if index is not None}
    others = [index for index in range(counted) if index not in marked]
    rest = 1.0 - share * len(milestones)
    for index in others:
        raw[index] += rest / len(others)
    return normalised(raw)


def check_share(share: float, *, milestones: int) -> None:
    if not (math.isfinite(share) and share > 0 and share * milestones <= 1):
        raise BadInput(
            f"milestone_share must be above 0 and at most 1/{milestones}, not {share}",
            field="milestone_share",
        )


@dataclass(frozen=True, slots=True)
class WShaped:
    """FT, LC and OC 30 % each, 10 % spread over the touches between them."""

    milestone_share: float = 0.3
    name: ClassVar[str] = "w_shaped"
    version: ClassVar[int] = 1
    needs_times: ClassVar[bool] = True

    def __post_init__(self) -> None:
        check_share(self.milestone_share, milestones=3)

    def weigh(self, journey: Journey) -> Weights:
        stages = (journey.lead_created, journey.opportunity_created)
        return milestone_weights(journey, stages, share=self.milestone_share, model=self.name)


@dataclass(frozen=True, slots=True)
class FullPath:
    """W-shaped plus CW, the touch before the deal closed: 22.5 % each, 10 % spread."""

    milestone_share: float = 0.225
    name: ClassVar[str] = "full_path"
    version: ClassVar[int] = 1
    needs_times: ClassVar[bool] = True

    def __post_init__(self) -> None:
        check_share(self.milestone_share, milestones=4)

    def weigh(self, journey: Journey) -> Weights:
        stages = (journey.lead_created, journey.opportunity_created, journey.deal_closed)
        return milestone_weights(journey, stages, share=self.milestone_share, model=self.name)
