"""Path models: one conversion's eligible touches in, one weight per touch out.

Each model is a frozen dataclass whose fields are its parameters; ``name`` and ``version`` (bumped
whenever the code changes what a model returns) make its key in ``registry.py``. Formulas and
sources: README, *Attribution models*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from services.attribution.models.journey import (
    Journey,
    Weights,
    normalised,
    require_touches,
    times_of,
)
from shared.errors import BadInput

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class FirstTouch:
    name: ClassVar[str] = "first_touch"
    version: ClassVar[int] = 1
    needs_times: ClassVar[bool] = False

    def weigh(self, journey: Journey) -> Weights:
        return (1.0,) + (0.0,) * (require_touches(journey) - 1)


@dataclass(frozen=True, slots=True)
class LastTouch:
    name: ClassVar[str] = "last_touch"
    version: ClassVar[int] = 1
    needs_times: ClassVar[bool] = False

    def weigh(self, journey: Journey) -> Weights:
        return (0.0,) * (require_touches(journey) - 1) + (1.0,)


@dataclass(frozen=True, slots=True)
class LastNonDirect:
    """The last touch whose channel is not direct; an all-direct path credits its last touch."""

    direct: tuple[str, ...] = ("direct",)  # compared case-insensitively (GA writes "Direct")
    name: ClassVar[str] = "last_non_direct"
    version: ClassVar[int] = 1
    needs_times: ClassVar[bool] = False

    def weigh(self, journey: Journey) -> Weights:
        count = require_touches(journey)
        direct = {channel.casefold() for channel in self.direct}
        chosen = count - 1
        for index in range(count - 1, -1, -1):
            if journey.touches[index].channel.casefold() not in direct:
                chosen = index
                break
        return tuple(1.0 if index == chosen else 0.0 for index in range(count))


@dataclass(frozen=True, slots=True)
class Linear:
    """Every touch the same weight: a channel seen m times in n touches gets m/n."""

    name: ClassVar[str] = "linear"
    version: ClassVar[int] = 1
    needs_times: ClassVar[bool] = False

    def weigh(self, journey: Journey) -> Weights:
        count = require_touches(journey)
        return (1.0 / count,) * count


@dataclass(frozen=True, slots=True)
class TimeDecay:
    """Weight 2^(-age / half-life), age measured back from the conversion in continuous days."""

    half_life_days: float = 7.0
    name: ClassVar[str] = "time_decay"
    version: ClassVar[int] = 1
    needs_times: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.half_life_days) and self.half_life_days > 0):
            raise BadInput(
                f"half_life_days must be a positive number of days, not {self.half_life_days}",
                field="half_life_days",
            )

    def weigh(self, journey: Journey) -> Weights:
        require_touches(journey)
        if journey.converted_at is None:
            raise BadInput("time_decay needs the conversion time", field="converted_at")
        ages = [
            (journey.converted_at - at).total_seconds() / SECONDS_PER_DAY
            for at in times_of(journey, model=self.name)
        ]
        # Measured from the youngest touch so that long ages cannot underflow every weight to 0.
        youngest = min(ages)
        return normalised([2.0 ** (-(age - youngest) / self.half_life_days) for age in ages])


@dataclass(frozen=True, slots=True)
class PositionBased:
    """U-shaped: ``first`` and ``last`` to the end touches, the rest spread over the middle."""

    first: float = 0.4
    last: float = 0.4
    name: ClassVar[str] = "position_based"
    version: ClassVar[int] = 1
    needs_times: ClassVar[bool] = False

    def __post_init__(self) -> None:
        for field, share in (("first", self.first), ("last", self.last)):
            if not (math.isfinite(share) and 0 <= share <= 1):
                raise BadInput(f"{field} must be a share between 0 and 1, not {share}", field=field)
        if self.first + self.last > 1:
            raise BadInput(
                f"first + last must not exceed 1 (got {self.first} + {self.last})", field="first"
            )

    def weigh(self, journey: Journey) -> Weights:
        count = require_touches(journey)
        if count == 1:
            return (1.0,)
        if count == 2:
            # Nothing in the middle: the two ends share in their own proportion (40/40 → 50/50).
            ends = self.first + self.last
            return (0.5, 0.5) if ends == 0 else (self.first / ends, self.last / ends)
        middle = (1.0 - self.first - self.last) / (count - 2)
        return (self.first, *([middle] * (count - 2)), self.last)
