"""``python -m services.feedback``: open follow-up cases from negative feedback, serve them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.feedback.api import cases_router
from services.feedback.cases import CaseKeeper
from services.feedback.settings import FeedbackSettings
from services.feedback.tables import OUTBOX
from shared.codec import json_decoder
from shared.consumer import ConsumerWiring
from shared.events import TrackingEvent
from shared.service import Build, ServiceParts, serve_consumer


def build(settings: FeedbackSettings) -> Build:
    def parts(sessions: async_sessionmaker[AsyncSession], _: CollectorRegistry) -> ServiceParts:
        wiring = ConsumerWiring(
            topics=[settings.topics.raw_events],
            decode=json_decoder(TrackingEvent),
            handle=CaseKeeper(followups_topic=settings.topics.followups),
            dead_letter_topic=settings.topics.dead_letter,
            outbox=OUTBOX,
        )
        return ServiceParts(wiring=wiring, router=cases_router(sessions))

    return parts


def main() -> None:
    settings = FeedbackSettings()
    serve_consumer("feedback", settings, settings.feedback, build(settings))


if __name__ == "__main__":
    main()
