"""``python -m services.sessionizer``: consume raw events, build journeys, serve them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sessionizer.api import journeys_router
from services.sessionizer.journeys import JourneyBuilder, JourneyRules
from services.sessionizer.sessions import SessionRules
from services.sessionizer.settings import SessionizerSettings
from shared.codec import json_decoder
from shared.consumer import ConsumerWiring
from shared.events import TrackingEvent
from shared.log import configure_logging
from shared.service import Build, ConsumerServiceConfig, ServiceParts, run_consumer_service


def build(settings: SessionizerSettings) -> Build:
    options = settings.sessionizer
    rules = JourneyRules(
        sessions=SessionRules(
            timeout=timedelta(minutes=options.session_timeout_minutes),
            max_length=timedelta(hours=options.max_session_hours),
        ),
        conversion_events=frozenset(options.conversion_events),
        default_currency=options.default_currency,
    )

    def parts(sessions: async_sessionmaker[AsyncSession], _: CollectorRegistry) -> ServiceParts:
        wiring = ConsumerWiring(
            topics=[settings.topics.raw_events],
            decode=json_decoder(TrackingEvent),
            handle=JourneyBuilder(rules, journeys_topic=settings.topics.journeys),
            dead_letter_topic=settings.topics.dead_letter,
        )
        return ServiceParts(wiring=wiring, router=journeys_router(sessions))

    return parts


def main() -> None:
    settings = SessionizerSettings()
    configure_logging("sessionizer", settings.log)
    config = ConsumerServiceConfig(
        name="sessionizer",
        http=settings.sessionizer,
        consumer=settings.sessionizer.consumer,
        kafka=settings.kafka,
        database=settings.database,
    )
    asyncio.run(run_consumer_service(config, build(settings)))


if __name__ == "__main__":
    main()
