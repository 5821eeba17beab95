"""``python -m services.sessionizer``: consume raw events, build journeys, serve them."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sessionizer.api import journeys_router
from services.sessionizer.journeys import JourneyBuilder, JourneyRules, Topics
from services.sessionizer.sessions import SessionRules
from services.sessionizer.settings import SessionizerOptions, SessionizerSettings
from services.sessionizer.tables import OUTBOX
from services.sessionizer.touchpoints import EventRoles
from shared.codec import json_decoder
from shared.consumer import ConsumerWiring
from shared.events import TrackingEvent
from shared.metrics import SessionizerMetrics
from shared.service import Build, ServiceParts, serve_consumer


def journey_rules(options: SessionizerOptions) -> JourneyRules:
    return JourneyRules(
        sessions=SessionRules(
            timeout=timedelta(minutes=options.session_timeout_minutes),
            max_length=timedelta(hours=options.max_session_hours),
            split_on_campaign_change=options.split_on_campaign_change,
            direct_campaign_timeout=timedelta(days=options.direct_campaign_timeout_days),
        ),
        roles=EventRoles(
            touch_events=frozenset(options.touch_events),
            background_events=frozenset(options.background_events),
            conversions=dict(options.conversion_events),
            default_currency=options.default_currency,
        ),
        allowed_lateness=timedelta(minutes=options.allowed_lateness_minutes),
    )


def build(settings: SessionizerSettings) -> Build:
    rules = journey_rules(settings.sessionizer)
    topics = Topics(journeys=settings.topics.journeys, late_events=settings.topics.late_events)

    def parts(
        sessions: async_sessionmaker[AsyncSession], registry: CollectorRegistry
    ) -> ServiceParts:
        builder = JourneyBuilder(rules, topics=topics, metrics=SessionizerMetrics(registry))
        wiring = ConsumerWiring(
            topics=[settings.topics.raw_events],
            decode=json_decoder(TrackingEvent),
            handle=builder,
            dead_letter_topic=settings.topics.dead_letter,
            outbox=OUTBOX,
        )
        return ServiceParts(wiring=wiring, router=journeys_router(sessions))

    return parts


def main() -> None:
    settings = SessionizerSettings()
    serve_consumer("sessionizer", settings, settings.sessionizer, build(settings))


if __name__ == "__main__":
    main()
