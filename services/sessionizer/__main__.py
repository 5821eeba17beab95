"""``python -m services.sessionizer``: consume raw events, build journeys, serve them."""

from __future__ import annotations

from datetime import timedelta

from services.sessionizer.api import journeys_router
from services.sessionizer.journeys import JourneyBuilder, JourneyRules, Topics
from services.sessionizer.metrics import SessionizerMetrics
from services.sessionizer.sessions import SessionRules
from services.sessionizer.settings import SessionizerOptions, SessionizerSettings
from services.sessionizer.tables import JOBS, OUTBOX
from services.sessionizer.touchpoints import EventRoles
from shared.codec import json_decoder
from shared.events import TrackingEvent
from shared.routes import Route
from shared.service import ConsumerService, Resources, ServiceParts


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


def build(settings: SessionizerSettings, resources: Resources) -> ServiceParts:
    topics = Topics(
        journeys=settings.topics.journeys,
        late_events=settings.topics.late_events,
        identities=settings.topics.identities,
    )
    builder = JourneyBuilder(
        journey_rules(settings.sessionizer),
        topics=topics,
        metrics=SessionizerMetrics(resources.registry),
    )
    return ServiceParts(
        routes=[Route(settings.topics.raw_events, json_decoder(TrackingEvent), builder)],
        outbox=OUTBOX,
        jobs_table=JOBS,
        router=journeys_router(),
    )


SERVICE = ConsumerService(
    name="sessionizer",
    settings=SessionizerSettings,
    options=lambda settings: settings.sessionizer,
    build=build,
)


if __name__ == "__main__":
    SERVICE.main()
