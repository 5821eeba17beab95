"""``python -m services.feedback``: open follow-up cases from negative feedback, serve them."""

from __future__ import annotations

from services.feedback.api import cases_router
from services.feedback.cases import CaseKeeper
from services.feedback.settings import FeedbackSettings
from services.feedback.tables import JOBS, OUTBOX
from shared.codec import json_decoder
from shared.events import TrackingEvent
from shared.routes import Route
from shared.service import ConsumerService, Resources, ServiceParts


def build(settings: FeedbackSettings, resources: Resources) -> ServiceParts:
    keeper = CaseKeeper(followups_topic=settings.topics.followups)
    return ServiceParts(
        routes=[Route(settings.topics.raw_events, json_decoder(TrackingEvent), keeper)],
        outbox=OUTBOX,
        jobs_table=JOBS,
        router=cases_router(),
    )


SERVICE = ConsumerService(
    name="feedback",
    settings=FeedbackSettings,
    options=lambda settings: settings.feedback,
    build=build,
)


if __name__ == "__main__":
    SERVICE.main()
