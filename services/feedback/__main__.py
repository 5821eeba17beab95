"""``python -m services.feedback``: negative feedback → follow-up cases on the identity graph,
their SLA, the outer loop's themes and KPIs; serves the case API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends

from services.feedback.api import feedback_router
from services.feedback.api.context import STATE_KEY, ApiContext
from services.feedback.classify_api import classify_router
from services.feedback.consumer.context import Feedback
from services.feedback.consumer.decoding import (
    identity_decoder,
    identity_tombstone,
    journey_decoder,
    response_decoder,
)
from services.feedback.consumer.identities import IdentityHandler
from services.feedback.consumer.journeys import JourneyHandler
from services.feedback.consumer.responses import ResponseHandler
from services.feedback.eraser import erase_feedback
from services.feedback.jobs import feedback_jobs
from services.feedback.metrics import FeedbackMetrics
from services.feedback.privacy_api import privacy_router
from services.feedback.reading import NeutralReader
from services.feedback.reading import TextReader as AnyReader
from services.feedback.settings import FeedbackSettings
from services.feedback.tables import ERASURE_TABLES, JOBS, OUTBOX
from services.feedback.text.reader import TextReader
from services.feedback.wire import CaseTopics
from shared.auth import AUTH_RESPONSES, require
from shared.events import PersonErased
from shared.pages import Pages
from shared.privacy.intake import erasure_job, privacy_route
from shared.routes import Route
from shared.service import ConsumerService, Resources, ServiceParts

PAGES = Path(__file__).resolve().parent / "pages"


def feedback_of(settings: FeedbackSettings, resources: Resources, *, reader: AnyReader) -> Feedback:
    options = settings.feedback
    return Feedback(
        policy=options.policy,
        topics=CaseTopics(followups=settings.topics.followups, queues=options.policy.triage.queues),
        reader=reader,
        metrics=FeedbackMetrics(resources.registry),
        reporting_currency=options.value.reporting_currency,
        rates=options.value.rates,
    )


def build(
    settings: FeedbackSettings, resources: Resources, *, reader: AnyReader | None = None
) -> ServiceParts:
    """``reader``: the text reader to use instead of the configured one (tests inject theirs)."""
    topics, options = settings.topics, settings.feedback
    text = TextReader.load(options.text) if reader is None and options.read_text else None
    feedback = feedback_of(settings, resources, reader=reader or text or NeutralReader())
    return ServiceParts(
        routes=[
            Route(
                topics.identities,
                identity_decoder(),
                IdentityHandler(feedback),
                tombstone=identity_tombstone,
            ),
            Route(topics.journeys, journey_decoder(), JourneyHandler()),
            Route(
                topics.raw_events,
                response_decoder(options.policy.negativity.bands),
                ResponseHandler(feedback),
            ),
            privacy_route(
                topics.privacy, ERASURE_TABLES, kind=PersonErased, settings=settings.privacy
            ),
        ],
        outbox=OUTBOX,
        jobs_table=JOBS,
        jobs=[
            *feedback_jobs(feedback, periods=options.jobs, alerts_topic=topics.alerts),
            erasure_job(ERASURE_TABLES, erase_feedback, settings=settings.privacy),
        ],
        router=api_router(text),
        state={STATE_KEY: ApiContext(feedback=feedback, clock=resources.clock)},
        pages=Pages(
            "feedback",
            PAGES,
            links=settings.pages.services,
            extra={"queues": sorted(options.policy.triage.queues)},
        ),
    )


def api_router(text: TextReader | None) -> APIRouter:
    """The case and report API, and the classifier's tuning route when text is read."""
    router = APIRouter()
    router.include_router(feedback_router())
    router.include_router(privacy_router())
    if text is not None:
        tuning = APIRouter(dependencies=[Depends(require("read:cases"))], responses=AUTH_RESPONSES)
        tuning.include_router(classify_router(text))
        router.include_router(tuning)
    return router


SERVICE = ConsumerService(
    name="feedback",
    settings=FeedbackSettings,
    options=lambda settings: settings.feedback,
    build=build,
)


if __name__ == "__main__":
    SERVICE.main()
