"""``python -m services.attribution``: credit conversions to touchpoints, serve the totals."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.api import attribution_router
from services.attribution.crediting import Attributor
from services.attribution.currency import load_rates
from services.attribution.settings import AttributionSettings
from services.attribution.tables import OUTBOX
from shared.codec import json_decoder
from shared.consumer import ConsumerWiring
from shared.events import JourneyRecord
from shared.service import Build, ServiceParts, serve_consumer


def build(settings: AttributionSettings) -> Build:
    options = settings.attribution
    attributor = Attributor(
        models=options.models,
        lookback=timedelta(days=options.lookback_days),
        credits_topic=settings.topics.credits,
    )

    rates = (
        load_rates(options.rates_file, reporting=options.reporting_currency)
        if options.rates_file and options.reporting_currency
        else None
    )

    def parts(sessions: async_sessionmaker[AsyncSession], _: CollectorRegistry) -> ServiceParts:
        wiring = ConsumerWiring(
            topics=[settings.topics.journeys],
            decode=json_decoder(JourneyRecord),
            handle=attributor,
            dead_letter_topic=settings.topics.dead_letter,
            outbox=OUTBOX,
        )
        router = attribution_router(sessions, models=tuple(options.models), rates=rates)
        return ServiceParts(wiring=wiring, router=router)

    return parts


def main() -> None:
    settings = AttributionSettings()
    serve_consumer("attribution", settings, settings.attribution, build(settings))


if __name__ == "__main__":
    main()
