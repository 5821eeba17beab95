"""``python -m services.sessionizer``: consume raw events, build journeys, serve them."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from services.sessionizer.api import journeys_router
from services.sessionizer.eraser import JourneyEraser
from services.sessionizer.journeys import JourneyBuilder, JourneyRules, Topics
from services.sessionizer.metrics import SessionizerMetrics
from services.sessionizer.privacy_api import privacy_router
from services.sessionizer.sessions import SessionRules
from services.sessionizer.settings import SessionizerOptions, SessionizerSettings
from services.sessionizer.tables import ERASURE_TABLES, JOBS, OUTBOX
from services.sessionizer.touchpoints import EventRoles
from shared.codec import json_decoder
from shared.events import ErasureRequest, TrackingEvent
from shared.privacy.intake import erasure_job, privacy_route
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
    eraser = JourneyEraser(
        privacy_topic=settings.topics.privacy, identities_topic=settings.topics.identities
    )
    router = APIRouter()
    router.include_router(journeys_router())
    router.include_router(privacy_router())
    return ServiceParts(
        routes=[
            Route(settings.topics.raw_events, json_decoder(TrackingEvent), builder),
            # Requests only: the PersonErased this service announces there are for the others.
            privacy_route(
                settings.topics.privacy,
                ERASURE_TABLES,
                kind=ErasureRequest,
                settings=settings.privacy,
            ),
        ],
        outbox=OUTBOX,
        jobs_table=JOBS,
        jobs=[erasure_job(ERASURE_TABLES, eraser, settings=settings.privacy)],
        router=router,
    )


SERVICE = ConsumerService(
    name="sessionizer",
    settings=SessionizerSettings,
    options=lambda settings: settings.sessionizer,
    build=build,
)


if __name__ == "__main__":
    SERVICE.main()
