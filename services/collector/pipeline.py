"""The collector's ``GET /v1/pipeline`` (see ``shared/pipeline.py``): events in, accepted,
refused by reason, dead-lettered, and what waits in the spool, since this process started."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from prometheus_client import CollectorRegistry
from pydantic import Field

from shared.api import ApiModel
from shared.pipeline import by_label, pipeline_router, total

PREFIX = "boucle_collector"


class CollectorPipelineOut(ApiModel):
    service: str
    started_at: datetime
    received: dict[str, int] = Field(description="events received, valid or not, per kind")
    accepted: dict[str, int] = Field(description="events durably accepted, per type")
    rejected: dict[str, int] = Field(description="events or requests refused, per reason")
    dead_lettered: int = Field(description="refused items kept in the dead-letter topic")
    deduplicated: int = Field(description="events dropped as already seen")
    spooled_requests: int = Field(description="requests waiting in the spool for Kafka now")
    publish_errors: int


def collector_pipeline(
    registry: CollectorRegistry, *, started_at: datetime
) -> CollectorPipelineOut:
    return CollectorPipelineOut(
        service="collector",
        started_at=started_at,
        received=by_label(registry, f"{PREFIX}_events_received_total", "kind"),
        accepted=by_label(registry, f"{PREFIX}_events_accepted_total", "type"),
        rejected=by_label(registry, f"{PREFIX}_events_rejected_total", "reason"),
        dead_lettered=round(total(registry, f"{PREFIX}_events_dead_lettered_total")),
        deduplicated=round(total(registry, f"{PREFIX}_events_deduplicated_total")),
        spooled_requests=round(total(registry, f"{PREFIX}_spool_depth_requests")),
        publish_errors=round(total(registry, f"{PREFIX}_publish_errors_total")),
    )


def collector_pipeline_router(registry: CollectorRegistry) -> APIRouter:
    started_at = datetime.now(UTC)
    return pipeline_router(
        lambda: collector_pipeline(registry, started_at=started_at), model=CollectorPipelineOut
    )
