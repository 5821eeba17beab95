"""The outer loop's reads: KPIs over time and per acquisition segment, weekly themes with
their spikes, and what feedback knows of a person. All read the maintained counts (or one
person), never every response."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.feedback.api.context import Context, described, refuse
from services.feedback.api.report_models import (
    KpisOut,
    PersonOut,
    ThemesOut,
    kpi_rows,
    person_out,
    theme_weeks,
)
from services.feedback.counting import weekly_volumes
from services.feedback.kpis import Dimension, Grain, case_kpis, score_kpis
from services.feedback.repository import counts, people
from services.feedback.trends import WEEK, week_of, weekly, weekly_spikes
from shared.api import DbSession
from shared.auth import AUTH_RESPONSES, require

DEFAULT_SPAN = timedelta(days=89)
MAX_SPAN = timedelta(days=3660)
From = Annotated[
    date | None, Query(alias="from", description="first UTC day (default: 90 days before to)")
]
To = Annotated[date | None, Query(alias="to", description="last UTC day (default: today)")]


def span(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    end = end or today
    start = start or end - DEFAULT_SPAN
    if start > end:
        raise refuse(400, "invalid", "from must not be after to", field="from")
    if end - start > MAX_SPAN:
        raise refuse(400, "invalid", "ask for at most ten years at a time", field="from")
    return start, end


def reports_router() -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["feedback"], responses=AUTH_RESPONSES)
    reports, agents = Depends(require("read:reports")), Depends(require("read:cases"))

    @router.get(
        "/feedback/kpis",
        response_model=KpisOut,
        responses=described(400),
        dependencies=[reports],
    )
    async def kpis(
        session: DbSession,
        context: Context,
        grain: Grain = "week",
        start: From = None,
        end: To = None,
        by: Annotated[list[Dimension] | None, Query()] = None,
    ) -> KpisOut:
        """NPS, CSAT %, CES mean, volumes, time to first contact and to resolve, % within SLA,
        recovery and reopen rates, per period (UTC days) and, with ``by=channel`` and/or
        ``by=campaign``, per the person's first touch. Cases count in the period they opened."""
        first, last = span(start, end, today=context.clock().date())
        dims = list(dict.fromkeys(by or []))
        scores = score_kpis(
            await counts.response_counts(session, first, last), grain=grain, by=dims
        )
        opened = case_kpis(await counts.case_counts(session, first, last), grain=grain, by=dims)
        return KpisOut.model_validate(
            {
                "grain": grain,
                "from": first,
                "to": last,
                "by": dims,
                "rows": kpi_rows(scores, opened),
            }
        )

    @router.get(
        "/feedback/themes",
        response_model=ThemesOut,
        responses=described(400),
        dependencies=[reports],
    )
    async def themes(
        session: DbSession, context: Context, start: From = None, end: To = None
    ) -> ThemesOut:
        """Mentions, negative mentions and mean sentiment per theme and ISO week (the weeks
        that overlap the range), each week tested for a spike against the weeks before it, as
        the trends job tests it."""
        first, last = span(start, end, today=context.clock().date())
        policy = context.feedback.policy.spikes
        since = week_of(first)
        load_from = since - WEEK * policy.baseline_weeks
        per_week = weekly(await counts.theme_counts(session, load_from, last))
        volumes = weekly_volumes(await counts.daily_volumes(session, load_from, last))
        spikes = {
            (alert.theme, alert.window): alert.test
            for week in sorted({w.week for w in per_week if w.week >= since})
            for alert in weekly_spikes(per_week, week=week, policy=policy, volumes=volumes)
        }
        weeks = theme_weeks(per_week, spikes, since=since)
        return ThemesOut.model_validate({"from": first, "to": last, "weeks": weeks})

    @router.get(
        "/people/{identifier}",
        response_model=PersonOut,
        responses=described(404, not_found="No such identifier or person"),
        dependencies=[agents],
    )
    async def person(identifier: str, session: DbSession, context: Context) -> PersonOut:
        """What feedback knows of a person, by any identifier or by person id: revenue to date
        per currency, customer value, acquisition."""
        person_id = await people.person_of_identifier(session, identifier) or identifier
        found = (await people.persons(session, [person_id])).get(person_id)
        if found is None and person_id == identifier:
            raise refuse(
                404, "not_found", f"no person or identifier {identifier}", field="identifier"
            )
        feedback = context.feedback
        return person_out(
            identifier,
            person_id,
            found,
            value=feedback.value_of(found),
            currency=feedback.reporting_currency,
        )

    return router
