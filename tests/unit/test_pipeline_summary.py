"""GET /v1/pipeline: each process's own counters, summed over their labels, as the pipeline page
reads them; behind a token of the read:metrics scope."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.collector.metrics import CollectorMetrics
from services.collector.pipeline import collector_pipeline, collector_pipeline_router
from shared.auth import Principal, TokenVerifier, hash_token
from shared.metrics import ConsumerMetrics
from shared.pipeline import consumer_pipeline, consumer_pipeline_router

STARTED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_consumer_sums_its_partitions_per_topic_and_its_dead_letters_per_reason() -> None:
    registry = CollectorRegistry()
    metrics = ConsumerMetrics("sessionizer", registry)
    metrics.consumed.labels("raw").inc(120)
    metrics.processed.labels("raw").inc(100)
    metrics.lag.labels("raw", "0").set(7)
    metrics.lag.labels("raw", "1").set(5)
    metrics.lag_seconds.labels("raw", "0").set(2.5)
    metrics.lag_seconds.labels("raw", "1").set(9.25)
    metrics.emitted.labels("journeys").inc(40)
    metrics.dead_lettered.labels("raw", "schema").inc(2)
    metrics.dead_lettered.labels("identities", "schema").inc(1)
    metrics.dead_lettered.labels("raw", "sql_22021").inc(3)

    summary = consumer_pipeline(registry, "sessionizer", started_at=STARTED)

    assert [t.model_dump() for t in summary.topics] == [
        {"topic": "raw", "consumed": 120, "processed": 100, "lag_records": 12, "lag_seconds": 9.25}
    ]
    assert summary.emitted == {"journeys": 40}
    assert summary.dead_letters == {"schema": 3, "sql_22021": 3}
    assert summary.halted is False
    metrics.halted.set(1)
    assert consumer_pipeline(registry, "sessionizer", started_at=STARTED).halted is True


def test_another_services_series_in_the_registry_are_not_counted() -> None:
    registry = CollectorRegistry()
    ConsumerMetrics("feedback", registry).consumed.labels("raw").inc(9)
    ConsumerMetrics("attribution", registry).consumed.labels("journeys").inc(4)

    summary = consumer_pipeline(registry, "attribution", started_at=STARTED)

    assert [(t.topic, t.consumed) for t in summary.topics] == [("journeys", 4)]


def test_the_collector_says_what_came_in_what_was_accepted_and_refused_by_reason() -> None:
    registry = CollectorRegistry()
    metrics = CollectorMetrics(registry)
    metrics.received.labels("batch").inc(60)
    metrics.received.labels("pixel").inc(2)
    metrics.accepted.labels("track").inc(40)
    metrics.accepted.labels("page").inc(10)
    metrics.rejected.labels("invalid").inc(6)
    metrics.rejected.labels("invalid_currency").inc(4)
    metrics.rejected.labels("unauthorized").inc(1)
    metrics.dead_lettered.inc(10)
    metrics.deduplicated.inc(3)
    metrics.spool_depth.set(2)

    summary = collector_pipeline(registry, started_at=STARTED)

    assert summary.received == {"single": 0, "batch": 60, "pixel": 2}
    assert summary.accepted["track"] == 40
    assert summary.accepted["page"] == 10
    assert sum(summary.accepted.values()) == 50
    assert summary.rejected == {"invalid": 6, "invalid_currency": 4, "unauthorized": 1}
    assert (summary.dead_lettered, summary.deduplicated, summary.spooled_requests) == (10, 3, 2)


class Tokens:
    async def find(self, token_hash: str) -> Principal | None:
        scopes = {hash_token("ops-token"): "read:metrics", hash_token("agent"): "read:cases"}
        scope = scopes.get(token_hash)
        return Principal("t", "t", frozenset({scope})) if scope else None


async def test_the_route_answers_camel_case_json_to_a_metrics_token_only() -> None:
    registry = CollectorRegistry()
    ConsumerMetrics("feedback", registry).consumed.labels("raw").inc(5)
    app = FastAPI()
    app.state.tokens = TokenVerifier(Tokens())
    app.include_router(consumer_pipeline_router(registry, "feedback"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        assert (await http.get("/v1/pipeline")).status_code == 401
        agent = await http.get("/v1/pipeline", headers={"Authorization": "Bearer agent"})
        assert agent.status_code == 403
        answer = await http.get("/v1/pipeline", headers={"Authorization": "Bearer ops-token"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["service"] == "feedback"
    assert body["topics"] == [
        {"topic": "raw", "consumed": 5, "processed": 0, "lagRecords": 0, "lagSeconds": 0.0}
    ]
    assert body["deadLetters"] == {}


async def test_the_collectors_route_answers_its_refusals_by_reason() -> None:
    registry = CollectorRegistry()
    CollectorMetrics(registry).rejected.labels("invalid").inc(2)
    app = FastAPI()
    app.state.tokens = TokenVerifier(Tokens())
    app.include_router(collector_pipeline_router(registry))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        answer = await http.get("/v1/pipeline", headers={"Authorization": "Bearer ops-token"})
    assert answer.json()["rejected"] == {"invalid": 2}
    assert answer.json()["deadLettered"] == 0
