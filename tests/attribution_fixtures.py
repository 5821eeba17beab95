"""Builders of journey records and raw events for the attribution tests, and the service's real
handlers and jobs applied the way the consumer loop applies them (one transaction per batch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.jobs import AttributionJobs
from services.attribution.metrics import AttributionMetrics
from services.attribution.restating import Restater
from services.attribution.settings import AttributionOptions
from services.attribution.signals import raw_decoder
from services.attribution.stream import JourneyHandler, RawEventHandler
from services.attribution.tables import JOBS, OUTBOX
from shared.broker import Record
from shared.events import Campaign, Conversion, Credit, Touchpoint, TrackingEvent
from shared.routes import Delivery, Handler, Work
from shared.store import SqlTransaction

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=400)  # every pending path long final


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def touch(
    tid: str,
    person: str,
    days: float,
    *,
    channel: str = "paid_search",
    campaign: str | None = None,
    source: str | None = None,
    medium: str | None = None,
    touch_type: str = "session",
    version: int = 1,
    retracted: bool = False,
) -> Touchpoint:
    return Touchpoint(
        touchpoint_id=tid,
        person_id=person,
        occurred_at=at(days),
        channel=channel,
        source=source,
        medium=medium,
        campaign=campaign,
        touch_type=touch_type,
        version=version,
        retracted=retracted,
    )


def conversion(
    cid: str,
    person: str,
    days: float,
    *,
    revenue: str = "100",
    currency: str = "EUR",
    stage: str = "purchase",
    deal: str | None = None,
    version: int = 1,
) -> Conversion:
    return Conversion(
        conversion_id=cid,
        person_id=person,
        occurred_at=at(days),
        name="Deal Won" if stage == "won" else "Order Completed",
        revenue=Decimal(revenue),
        currency=currency,
        stage=stage,
        deal_id=deal,
        version=version,
    )


def raw_event(mid: str, name: str, days: float, **properties: Any) -> TrackingEvent:
    campaign = properties.pop("utm", None)
    return TrackingEvent(
        message_id=mid,
        type="track",
        source_id="test",
        anonymous_id="ads-sync",
        event=name,
        properties=properties,
        timestamp=at(days),
        received_at=at(days),
        campaign=campaign or Campaign(),
        channel=properties.pop("channel_", "paid_search"),
    )


def ad_click(
    mid: str, days: float, *, campaign: str, cost: str, currency: str = "EUR"
) -> TrackingEvent:
    utm = Campaign(name=campaign, source="google", medium="cpc")
    return raw_event(mid, "Ad Clicked", days, utm=utm, cost=cost, currency=currency)


def deal_lost(mid: str, deal: str, days: float, *, crm: str = "hubspot") -> TrackingEvent:
    deal_id = deal.split(":", 1)[1]
    return raw_event(mid, "Deal Lost", days, crm=crm, deal_id=deal_id, channel_="crm")


def delivered(values: Sequence[Any]) -> list[Delivery[Any]]:
    return [
        Delivery(value, Record(topic="t", partition=0, offset=offset, key=None, value=None))
        for offset, value in enumerate(values)
    ]


@dataclass
class Attribution:
    """The service's handlers and jobs on one database, each call one transaction."""

    sessions: async_sessionmaker[AsyncSession]
    options: AttributionOptions
    now: datetime = LATER

    def __post_init__(self) -> None:
        self.metrics = AttributionMetrics(CollectorRegistry())
        self.restater = Restater(
            self.options.lineup(),
            credits_topic="credits",
            metrics=self.metrics,
            money=self.options.money(),
        )
        self.journey_handler = JourneyHandler(self.restater)
        self.raw_handler = RawEventHandler(self.restater, metrics=self.metrics)
        self.jobs = AttributionJobs(
            self.restater,
            fitting=self.options.fitting,
            settings=self.options.jobs,
            metrics=self.metrics,
        )
        self.decode = raw_decoder(
            ad_events=self.options.costs.ad_events,
            lost_events=self.options.stages.lost_events,
            default_currency=self.options.costs.default_currency,
        )

    async def _apply(self, handler: Handler[Any], values: Sequence[Any]) -> list[Credit]:
        async with self.sessions() as session, session.begin():
            tx = SqlTransaction(session, outbox_table=OUTBOX, jobs_table=JOBS)
            out = await handler(Work(tx=tx, now=self.now), delivered(values))
        return [Credit.model_validate_json(record.value) for record in out]

    async def journeys(self, records: Sequence[Touchpoint | Conversion]) -> list[Credit]:
        return await self._apply(self.journey_handler, records)

    async def raw(self, events: Sequence[TrackingEvent]) -> list[Credit]:
        signals = [self.decode(event.to_bytes()) for event in events]
        return await self._apply(self.raw_handler, signals)

    async def job(self, name: str) -> list[Credit]:
        [job] = [job for job in self.jobs.jobs() if job.name == name]
        async with self.sessions() as session, session.begin():
            out = await job.run(session, self.now)
        return [Credit.model_validate_json(record.value) for record in out]


def options(**overrides: Any) -> AttributionOptions:
    return AttributionOptions.model_validate(overrides)
