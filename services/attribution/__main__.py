"""``python -m services.attribution``: credit conversions under every model, serve the reports.
``python -m services.attribution paths FILE``: attribute a file of aggregated paths (``cli.py``).
``python -m services.attribution restate``: restate stored credits now (``restate_cli.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import APIRouter
from pydantic import TypeAdapter

from services.attribution import cli, restate_cli
from services.attribution.api import ApiContext, read_router
from services.attribution.eraser import AttributionEraser
from services.attribution.imports_api import write_router
from services.attribution.jobs import AttributionJobs
from services.attribution.metrics import AttributionMetrics
from services.attribution.overview_api import overview_router
from services.attribution.privacy_api import privacy_router
from services.attribution.restating import Restater
from services.attribution.settings import AttributionSettings
from services.attribution.signals import raw_decoder
from services.attribution.stream import JourneyHandler, RawEventHandler
from services.attribution.tables import ERASURE_TABLES, JOBS, OUTBOX
from shared.codec import json_decoder
from shared.events import Conversion, JourneyRecord, PersonErased, Touchpoint
from shared.pages import Pages
from shared.privacy.intake import erasure_job, privacy_route
from shared.routes import AnyRoute, Route
from shared.service import ConsumerService, Resources, ServiceParts

PAGES = Path(__file__).resolve().parent / "pages"


def build(settings: AttributionSettings, resources: Resources) -> ServiceParts:
    options = settings.attribution
    lineup = options.lineup()
    metrics = AttributionMetrics(resources.registry)
    restater = Restater(
        lineup, credits_topic=settings.topics.credits, metrics=metrics, money=options.money()
    )
    journeys = TypeAdapter[Touchpoint | Conversion](JourneyRecord)
    routes: list[AnyRoute] = [
        Route(settings.topics.journeys, json_decoder(journeys), JourneyHandler(restater)),
        privacy_route(
            settings.topics.privacy, ERASURE_TABLES, kind=PersonErased, settings=settings.privacy
        ),
    ]
    if options.costs.consume_raw_events:
        decode = raw_decoder(
            ad_events=options.costs.ad_events,
            lost_events=options.stages.lost_events,
            default_currency=options.costs.default_currency,
        )
        routes.append(
            Route(settings.topics.raw_events, decode, RawEventHandler(restater, metrics=metrics))
        )
    jobs = AttributionJobs(
        restater, fitting=options.fitting, settings=options.jobs, metrics=metrics
    )
    router = APIRouter()
    router.include_router(read_router())
    router.include_router(overview_router())
    router.include_router(write_router())
    router.include_router(privacy_router(ERASURE_TABLES))
    context = ApiContext(
        lineup=lineup,
        money=options.money(),
        max_import_bytes=options.costs.max_import_bytes,
        metrics=metrics,
    )
    return ServiceParts(
        routes=routes,
        outbox=OUTBOX,
        jobs_table=JOBS,
        jobs=[
            *jobs.jobs(),
            erasure_job(ERASURE_TABLES, AttributionEraser(restater), settings=settings.privacy),
        ],
        router=router,
        state={"attribution": context},
        pages=Pages("attribution", PAGES, links=settings.pages.services),
    )


SERVICE = ConsumerService(
    name="attribution",
    settings=AttributionSettings,
    options=lambda settings: settings.attribution,
    build=build,
)


if __name__ == "__main__":
    if sys.argv[1:2] == ["paths"]:
        sys.exit(cli.main(sys.argv[2:]))
    if sys.argv[1:2] == ["restate"]:
        sys.exit(restate_cli.main(sys.argv[2:]))
    SERVICE.main()
