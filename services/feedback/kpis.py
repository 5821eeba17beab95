"""Feedback KPIs over time and per acquisition channel and campaign. Pure, from counts.

The inputs are what SQL aggregates give (``GROUP BY day, …`` with counts and sums), never
raw responses or cases, so a report over a year reads a few thousand rows; these functions roll
them up to the period and segments asked for. Means are kept as sums and counts until the end,
which is why they add up across rows (medians would not).

- NPS: % promoters - % detractors (-100…100) of NPS responses.
- CSAT: % of CSAT responses in the positive band (4-5: top-2 box).
- CES: mean CES score (1-7, higher is easier). Rating: mean review stars.
- Time to first contact / to resolve: mean from opening to first contact / to resolution.
- Within SLA: % of contacted cases contacted in time, % of resolved cases resolved in time.
- Recovery rate: % of resolved cases marked recovered. Reopen rate: % of opened cases reopened.

Cases count in the period they were opened in (a cohort), so a period's rates describe the
cases it opened; merged cases are left out (their responses count in the case they joined).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, TypeVar

from services.feedback.instruments import Instrument

Grain = Literal["day", "week", "month", "all"]
Dimension = Literal["channel", "campaign"]
Row = TypeVar("Row", "ResponseCounts", "CaseCounts")


@dataclass(frozen=True, slots=True)
class ResponseCounts:
    """Responses of one instrument on one day, per the person's first-touch channel and
    campaign (None when unknown)."""

    day: date
    instrument: Instrument
    channel: str | None
    campaign: str | None
    responses: int
    # By score band: detractors / passives / promoters for NPS.
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    score_sum: int = 0


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """Cases opened on one day, per the person's first-touch channel and campaign."""

    day: date
    channel: str | None
    campaign: str | None
    opened: int
    contacted: int = 0
    # Sum over contacted cases of (first contact - opening), in seconds.
    contact_seconds: float = 0.0
    contacted_in_time: int = 0
    resolved: int = 0
    # Sum over resolved cases of (resolution - opening), in seconds.
    resolve_seconds: float = 0.0
    resolved_in_time: int = 0
    recovered: int = 0
    reopened: int = 0


@dataclass(frozen=True, slots=True)
class Key:
    period: date | None  # the period's first day; None for "all"
    channel: str | None
    campaign: str | None


@dataclass(frozen=True, slots=True)
class ScoreKpis:
    key: Key
    responses: int
    volumes: dict[Instrument, int]
    nps: float | None
    csat: float | None
    ces: float | None
    rating: float | None


@dataclass(frozen=True, slots=True)
class CaseKpis:
    key: Key
    opened: int
    contacted: int
    resolved: int
    time_to_first_contact: timedelta | None
    time_to_resolve: timedelta | None
    contacted_within_sla: float | None
    resolved_within_sla: float | None
    recovery_rate: float | None
    reopen_rate: float | None


def period_of(day: date, grain: Grain) -> date | None:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if grain == "month" else None


def percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def score_kpis(
    rows: Iterable[ResponseCounts], *, grain: Grain = "week", by: Sequence[Dimension] = ()
) -> list[ScoreKpis]:
    return [_scores(key, group) for key, group in _grouped(rows, grain, by)]


def case_kpis(
    rows: Iterable[CaseCounts], *, grain: Grain = "week", by: Sequence[Dimension] = ()
) -> list[CaseKpis]:
    return [_cases(key, group) for key, group in _grouped(rows, grain, by)]


def _grouped(
    rows: Iterable[Row], grain: Grain, by: Sequence[Dimension]
) -> list[tuple[Key, list[Row]]]:
    groups: dict[Key, list[Row]] = defaultdict(list)
    for row in rows:
        key = Key(
            period_of(row.day, grain),
            row.channel if "channel" in by else None,
            row.campaign if "campaign" in by else None,
        )
        groups[key].append(row)
    return sorted(groups.items(), key=lambda item: _order(item[0]))


def _order(key: Key) -> tuple[date, str, str]:
    return (key.period or date.min, key.channel or "", key.campaign or "")


def _scores(key: Key, rows: list[ResponseCounts]) -> ScoreKpis:
    def total(instrument: Instrument, count: Callable[[ResponseCounts], int]) -> int:
        return sum(count(row) for row in rows if row.instrument == instrument)

    volumes: dict[Instrument, int] = defaultdict(int)
    for row in rows:
        volumes[row.instrument] += row.responses
    nps_n = volumes.get("nps", 0)
    promoters, detractors = total("nps", lambda r: r.positive), total("nps", lambda r: r.negative)
    return ScoreKpis(
        key=key,
        responses=sum(volumes.values()),
        volumes=dict(volumes),
        nps=100 * (promoters - detractors) / nps_n if nps_n else None,
        csat=percent(total("csat", lambda r: r.positive), volumes.get("csat", 0)),
        ces=_mean(total("ces", lambda r: r.score_sum), volumes.get("ces", 0)),
        rating=_mean(total("review", lambda r: r.score_sum), volumes.get("review", 0)),
    )


def _cases(key: Key, rows: list[CaseCounts]) -> CaseKpis:
    opened, contacted = sum(r.opened for r in rows), sum(r.contacted for r in rows)
    resolved = sum(r.resolved for r in rows)
    return CaseKpis(
        key=key,
        opened=opened,
        contacted=contacted,
        resolved=resolved,
        time_to_first_contact=_duration(sum(r.contact_seconds for r in rows), contacted),
        time_to_resolve=_duration(sum(r.resolve_seconds for r in rows), resolved),
        contacted_within_sla=percent(sum(r.contacted_in_time for r in rows), contacted),
        resolved_within_sla=percent(sum(r.resolved_in_time for r in rows), resolved),
        recovery_rate=percent(sum(r.recovered for r in rows), resolved),
        reopen_rate=percent(sum(r.reopened for r in rows), opened),
    )


def _mean(total: int, count: int) -> float | None:
    return total / count if count else None


def _duration(seconds: float, count: int) -> timedelta | None:
    return timedelta(seconds=seconds / count) if count else None
