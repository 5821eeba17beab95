"""``python -m services.attribution``: credit conversions to touchpoints, serve the totals.
``python -m services.attribution paths FILE``: attribute a file of aggregated paths (``cli.py``)."""

from __future__ import annotations

import sys
from datetime import timedelta

from pydantic import TypeAdapter

from services.attribution import cli
from services.attribution.api import attribution_router
from services.attribution.crediting import Attributor
from services.attribution.currency import load_rates
from services.attribution.settings import AttributionSettings
from services.attribution.tables import JOBS, OUTBOX
from shared.codec import json_decoder
from shared.events import Conversion, JourneyRecord, Touchpoint
from shared.routes import Route
from shared.service import ConsumerService, Resources, ServiceParts


def build(settings: AttributionSettings, resources: Resources) -> ServiceParts:
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
    journeys = TypeAdapter[Touchpoint | Conversion](JourneyRecord)
    return ServiceParts(
        routes=[Route(settings.topics.journeys, json_decoder(journeys), attributor)],
        outbox=OUTBOX,
        jobs_table=JOBS,
        router=attribution_router(),
        state={"models": tuple(options.models), "rates": rates},
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
    SERVICE.main()
