"""The bodies of the outer loop's reads, and how they are built from the pure KPI, trend and
person values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field

from services.feedback.kpis import CaseKpis, Dimension, Grain, Key, ScoreKpis
from services.feedback.people import Person, is_provisional
from services.feedback.trends import SpikeTest, ThemeWeek
from services.feedback.triage import CustomerValue
from shared.api import ApiModel


class KpiRow(ApiModel):
    # The period's first day (a Monday for weeks); null for grain "all".
    period: date | None
    # The person's first-touch channel and campaign, when grouped by them (null: unknown).
    channel: str | None
    campaign: str | None
    responses: int
    volumes: dict[str, int]
    nps: float | None
    csat: float | None
    ces: float | None
    rating: float | None
    cases_opened: int
    cases_contacted: int
    cases_resolved: int
    time_to_first_contact_seconds: float | None
    time_to_resolve_seconds: float | None
    contacted_within_sla: float | None
    resolved_within_sla: float | None
    recovery_rate: float | None
    reopen_rate: float | None


class KpisOut(ApiModel):
    grain: Grain
    from_: date = Field(alias="from")
    to: date
    by: list[Dimension]
    rows: list[KpiRow]


class SpikeOut(ApiModel):
    kind: Literal["spike", "emerging"]
    observed: int
    expected: float
    p_value: float


class ThemeWeekOut(ApiModel):
    week: date
    theme: str
    responses: int
    negative: int
    negative_share: float | None
    sentiment: float | None
    spike: SpikeOut | None


class ThemesOut(ApiModel):
    from_: date = Field(alias="from")
    to: date
    weeks: list[ThemeWeekOut]


class AmountOut(ApiModel):
    currency: str
    amount: Decimal


class AcquisitionOut(ApiModel):
    channel: str
    source: str | None
    campaign: str | None
    at: datetime


class PersonOut(ApiModel):
    identifier: str
    person_id: str
    # A person feedback made up for identifiers the sessionizer has not linked yet.
    provisional: bool
    revenue: list[AmountOut]
    # Revenue to date in the reporting currency, as triage compares it with its thresholds.
    value: Decimal
    value_currency: str
    acquisition: AcquisitionOut | None


def kpi_row(key: Key, scores: ScoreKpis | None, cases: CaseKpis | None) -> KpiRow:
    def seconds(value: timedelta | None) -> float | None:
        return value.total_seconds() if value is not None else None

    return KpiRow(
        period=key.period,
        channel=key.channel,
        campaign=key.campaign,
        responses=scores.responses if scores else 0,
        volumes=dict(scores.volumes) if scores else {},
        nps=scores.nps if scores else None,
        csat=scores.csat if scores else None,
        ces=scores.ces if scores else None,
        rating=scores.rating if scores else None,
        cases_opened=cases.opened if cases else 0,
        cases_contacted=cases.contacted if cases else 0,
        cases_resolved=cases.resolved if cases else 0,
        time_to_first_contact_seconds=seconds(cases.time_to_first_contact) if cases else None,
        time_to_resolve_seconds=seconds(cases.time_to_resolve) if cases else None,
        contacted_within_sla=cases.contacted_within_sla if cases else None,
        resolved_within_sla=cases.resolved_within_sla if cases else None,
        recovery_rate=cases.recovery_rate if cases else None,
        reopen_rate=cases.reopen_rate if cases else None,
    )


def kpi_rows(scores: Iterable[ScoreKpis], cases: Iterable[CaseKpis]) -> list[KpiRow]:
    """One row per period and segment, scores and cases side by side."""
    by_score = {s.key: s for s in scores}
    by_case = {c.key: c for c in cases}
    keys = sorted(
        {*by_score, *by_case},
        key=lambda k: (k.period or date.min, k.channel or "", k.campaign or ""),
    )
    return [kpi_row(key, by_score.get(key), by_case.get(key)) for key in keys]


def theme_weeks(
    weeks: Iterable[ThemeWeek], spikes: Mapping[tuple[str, date], SpikeTest], *, since: date
) -> list[ThemeWeekOut]:
    out = []
    for row in weeks:
        if row.week < since:
            continue
        test = spikes.get((row.theme, row.week))
        spike = None
        if test is not None and test.kind is not None:
            spike = SpikeOut(
                kind=test.kind, observed=test.observed, expected=test.expected, p_value=test.p_value
            )
        out.append(
            ThemeWeekOut(
                week=row.week,
                theme=row.theme,
                responses=row.responses,
                negative=row.negative,
                negative_share=row.negative_share,
                sentiment=row.sentiment,
                spike=spike,
            )
        )
    return out


def person_out(
    identifier: str, person_id: str, found: Person | None, *, value: CustomerValue, currency: str
) -> PersonOut:
    touch = found.acquisition if found else None
    revenue = found.revenue if found else {}
    return PersonOut(
        identifier=identifier,
        person_id=person_id,
        provisional=is_provisional(person_id),
        revenue=[AmountOut(currency=c, amount=a) for c, a in sorted(revenue.items())],
        value=value.revenue_to_date,
        value_currency=currency,
        acquisition=AcquisitionOut(
            channel=touch.channel, source=touch.source, campaign=touch.campaign, at=touch.at
        )
        if touch
        else None,
    )
