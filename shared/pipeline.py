"""``GET /v1/pipeline``: what this process has seen since it started, as typed JSON — the same
counters as its ``/metrics``, summed over their labels for the pipeline page (README, Pages), so
that a browser needs no Prometheus and no parser of its text format.

The numbers are this process's own (a restart starts them at 0; with several instances or
collector workers each answers for itself), as ``/metrics`` is; Prometheus adds them up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends
from prometheus_client import CollectorRegistry
from pydantic import Field

from shared.api import ApiModel
from shared.auth import AUTH_RESPONSES, require

Labels = dict[str, str]


def samples(registry: CollectorRegistry, name: str) -> list[tuple[Labels, float]]:
    """Every sample of one series name (``…_total`` for a counter) with its labels."""
    return [
        (dict(sample.labels), sample.value)
        for family in registry.collect()
        for sample in family.samples
        if sample.name == name
    ]


def by_label(registry: CollectorRegistry, name: str, label: str) -> dict[str, int]:
    """The series summed per value of one label, in that label's order of first appearance."""
    sums: dict[str, float] = defaultdict(float)
    for labels, value in samples(registry, name):
        sums[labels.get(label, "")] += value
    return {key: round(value) for key, value in sums.items()}


def total(registry: CollectorRegistry, name: str) -> float:
    return sum(value for _, value in samples(registry, name))


class TopicFlowOut(ApiModel):
    topic: str
    consumed: int = Field(description="records fetched from Kafka")
    processed: int = Field(description="records handled and committed")
    lag_records: int = Field(description="records behind the end of the topic's partitions")
    lag_seconds: float = Field(
        description="age of the newest record applied while records are left (the oldest "
        "partition's); 0 when caught up"
    )


class ConsumerPipelineOut(ApiModel):
    service: str
    started_at: datetime
    topics: list[TopicFlowOut]
    emitted: dict[str, int] = Field(description="records produced, per topic")
    dead_letters: dict[str, int] = Field(description="records dead-lettered, per reason code")
    halted: bool = Field(description="the dead-letter limit stopped the consumer")


def consumer_pipeline(
    registry: CollectorRegistry, service: str, *, started_at: datetime
) -> ConsumerPipelineOut:
    prefix = f"boucle_{service}"
    consumed = by_label(registry, f"{prefix}_records_consumed_total", "topic")
    processed = by_label(registry, f"{prefix}_records_processed_total", "topic")
    lag = by_label(registry, f"{prefix}_consumer_lag_records", "topic")
    age: dict[str, float] = defaultdict(float)
    for labels, value in samples(registry, f"{prefix}_consumer_lag_seconds"):
        age[labels.get("topic", "")] = max(age[labels.get("topic", "")], value)
    topics = sorted({*consumed, *processed, *lag})
    return ConsumerPipelineOut(
        service=service,
        started_at=started_at,
        topics=[
            TopicFlowOut(
                topic=topic,
                consumed=consumed.get(topic, 0),
                processed=processed.get(topic, 0),
                lag_records=lag.get(topic, 0),
                lag_seconds=round(age.get(topic, 0.0), 3),
            )
            for topic in topics
        ],
        emitted=by_label(registry, f"{prefix}_records_emitted_total", "topic"),
        dead_letters=by_label(registry, f"{prefix}_records_dead_lettered_total", "reason"),
        halted=total(registry, f"{prefix}_consumer_halted") > 0,
    )


def pipeline_router(summary: Callable[[], Any], *, model: type[ApiModel]) -> APIRouter:
    """The route, behind a token of the ``read:metrics`` scope (what ``/metrics`` asks when it
    is guarded by a token)."""
    router = APIRouter(
        tags=["ops"],
        responses=AUTH_RESPONSES,
        dependencies=[Depends(require("read:metrics"))],
    )

    @router.get("/v1/pipeline", response_model=model)
    async def pipeline() -> Any:
        """This process's counters since it started: what came in, what went out, what was
        refused or dead-lettered, how far behind it is."""
        return summary()

    return router


def consumer_pipeline_router(registry: CollectorRegistry, service: str) -> APIRouter:
    started_at = datetime.now(UTC)
    return pipeline_router(
        lambda: consumer_pipeline(registry, service, started_at=started_at),
        model=ConsumerPipelineOut,
    )
