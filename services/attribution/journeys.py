"""A person's journey as attribution reads it: touches, stages, outcomes and paths. Pure.

* **Outcomes** are what gets credited. A conversion is one outcome, except at a deal stage
  (``won``): the deal's conversions are one outcome keyed by the deal, dated by its first won
  event after the deal was last lost and valued at its latest one, so a changed amount restates
  it; when the deal was lost after every won event it is not credited (a retraction).
* **Paths**: an outcome's path is the person's touches in the lookback window ending at it. The
  touches no credited outcome claims are cut into windows of one lookback from their first
  touch; a window is a non-converting (null) path once no conversion can claim it any more —
  its last touch is more than one lookback before ``now`` — and pending until then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from shared.ids import stable_id

LEAD, OPPORTUNITY = "lead", "opportunity"


@dataclass(frozen=True, slots=True)
class TouchView:
    touchpoint_id: str
    person_id: str
    at: datetime
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    touch_type: str


@dataclass(frozen=True, slots=True)
class ConversionView:
    conversion_id: str
    person_id: str
    at: datetime
    stage: str
    revenue: Decimal
    currency: str
    deal_id: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome_id: str
    person_id: str
    at: datetime
    stage: str
    revenue: Decimal
    currency: str
    deal_id: str | None
    credited: bool
    conversion_ids: tuple[str, ...]


def outcome_id_of(conversion: ConversionView, *, deal_stages: frozenset[str]) -> str:
    if conversion.deal_id is not None and conversion.stage in deal_stages:
        return stable_id("deal", conversion.deal_id, conversion.stage)
    return conversion.conversion_id


def outcomes_of(
    conversions: Iterable[ConversionView],
    *,
    losses: Mapping[str, datetime],
    deal_stages: frozenset[str],
) -> list[Outcome]:
    """Every outcome the conversions make, whoever's they are, by outcome id."""
    groups: dict[str, list[ConversionView]] = {}
    for conversion in conversions:
        groups.setdefault(outcome_id_of(conversion, deal_stages=deal_stages), []).append(conversion)
    outcomes = []
    for key, members in sorted(groups.items()):
        members.sort(key=lambda c: (c.at, c.conversion_id))
        lost = losses.get(members[0].deal_id or "") if members[0].deal_id else None
        outcomes.append(_outcome(key, members, lost))
    return outcomes


def _outcome(key: str, members: Sequence[ConversionView], lost: datetime | None) -> Outcome:
    live = [c for c in members if lost is None or c.at > lost]
    first, latest = (live[0], live[-1]) if live else (members[-1], members[-1])
    return Outcome(
        outcome_id=key,
        person_id=latest.person_id,
        at=first.at,
        stage=latest.stage,
        revenue=latest.revenue,
        currency=latest.currency,
        deal_id=latest.deal_id,
        credited=bool(live),
        conversion_ids=tuple(c.conversion_id for c in members),
    )


def eligible(touches: Sequence[TouchView], *, at: datetime, lookback: timedelta) -> list[TouchView]:
    """The touches in the lookback window ending at ``at``; ``touches`` sorted oldest first."""
    start = at - lookback
    return [touch for touch in touches if start <= touch.at <= at]


def stage_times(
    stages: Sequence[tuple[str, datetime]], *, at: datetime
) -> tuple[datetime | None, datetime | None]:
    """(lead created, opportunity created) for an outcome at ``at``: the first lead and the
    latest opportunity at or before it."""
    leads = [moment for stage, moment in stages if stage == LEAD and moment <= at]
    opportunities = [moment for stage, moment in stages if stage == OPPORTUNITY and moment <= at]
    return (min(leads) if leads else None, max(opportunities) if opportunities else None)


@dataclass(frozen=True, slots=True)
class NullWindows:
    final: list[list[TouchView]]  # non-converting paths
    due: datetime | None  # when the earliest pending window becomes final


def null_windows(
    leftover: Sequence[TouchView], *, lookback: timedelta, now: datetime
) -> NullWindows:
    """Touches no outcome claims (sorted), cut into lookback-long windows from the first."""
    windows: list[list[TouchView]] = []
    for touch in leftover:
        if windows and touch.at <= windows[-1][0].at + lookback:
            windows[-1].append(touch)
        else:
            windows.append([touch])
    final = [window for window in windows if window[-1].at + lookback < now]
    pending = [window[-1].at + lookback for window in windows if window[-1].at + lookback >= now]
    return NullWindows(final=final, due=min(pending) if pending else None)
