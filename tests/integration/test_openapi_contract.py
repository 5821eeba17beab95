"""Every service's OpenAPI, fuzzed by schemathesis against the real app on a real database: no
input is answered 5xx, and every status answered is one the OpenAPI documents."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from prometheus_client import CollectorRegistry
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from services.attribution.__main__ import SERVICE as ATTRIBUTION
from services.collector.__main__ import build_sink, extra_routers
from services.collector.app import Ingestor, create_app
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorSettings
from services.collector.sources import SourceDirectory
from services.feedback.__main__ import SERVICE as FEEDBACK
from services.sessionizer.__main__ import SERVICE as SESSIONIZER
from shared.auth import SCOPES, hash_token
from shared.ops import ops_router
from shared.service import ConsumerService, Resources, service_app
from shared.settings import AuthSettings, DatabaseSettings, ServiceSettings
from shared.tokens.store import put_token, token_verifier

TOKEN = "contract-admin-token"
CONSUMERS: dict[str, ConsumerService[Any]] = {
    "sessionizer": SESSIONIZER,
    "attribution": ATTRIBUTION,
    "feedback": FEEDBACK,
}


def sessions_of(database_url: str) -> async_sessionmaker[AsyncSession]:
    # Connections are opened per session: schemathesis drives the app from its own event loop.
    url = DatabaseSettings(url=database_url).sqlalchemy_url()
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"ssl": "disable"})
    return async_sessionmaker(engine, expire_on_commit=False)


def with_tokens(app: FastAPI, sessions: async_sessionmaker[AsyncSession]) -> FastAPI:
    app.state.tokens = token_verifier(sessions, AuthSettings(token_cache_ttl_s=0))
    return app


def consumer_app(name: str, sessions: async_sessionmaker[AsyncSession]) -> FastAPI:
    service = CONSUMERS[name]
    registry = CollectorRegistry()
    resources = Resources(sessions=sessions, registry=registry, clock=lambda: datetime.now(UTC))
    settings: ServiceSettings = service.settings()
    app = service_app(
        name, service.build(settings, resources), sessions=sessions, registry=registry
    )
    app.include_router(ops_router(registry=registry, checks={}))
    return with_tokens(app, sessions)


def collector_app(sessions: async_sessionmaker[AsyncSession], spool: Path) -> FastAPI:
    settings = CollectorSettings.model_validate({"collector": {"spool": {"dir": str(spool)}}})
    registry = CollectorRegistry()
    metrics = CollectorMetrics(registry)
    sink = build_sink(settings, metrics)  # never connected: events are acknowledged by the spool
    ingestor = Ingestor(
        sink,
        SourceDirectory(sessions, ttl_s=30),
        options=settings.collector,
        topics=settings.topics,
        metrics=metrics,
    )
    engine = sessions.kw["bind"]
    app = create_app(
        ingestor,
        registry=registry,
        checks={},
        routers=extra_routers(settings, ingestor, engine, registry),
    )
    return with_tokens(app, sessions)


def fuzz(api: Any, *, examples: int) -> list[str]:
    """Every operation of the schema, ``examples`` generated requests each; the operations run."""
    ran = []
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def call(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {TOKEN}"},
                checks=[not_a_server_error, status_code_conformance],
            )

        call()
        ran.append(operation.label)
    return ran


@pytest.mark.parametrize("service", ["collector", *CONSUMERS])
def test_no_input_is_a_server_error_and_every_status_is_documented(
    service: str, database_url: str, tmp_path: Path
) -> None:
    sessions = sessions_of(database_url)

    async def seed() -> None:
        async with sessions() as session, session.begin():
            await put_token(session, name="contract", token_hash=hash_token(TOKEN), scopes=SCOPES)

    asyncio.run(seed())
    app = (
        collector_app(sessions, tmp_path / "spool")
        if service == "collector"
        else consumer_app(service, sessions)
    )
    # Two models of one name make FastAPI qualify both with their module: a client then sees
    # names such as services__attribution__drilldown__ConversionOut.
    qualified = [name for name in app.openapi()["components"]["schemas"] if "__" in name]
    assert qualified == [], f"models sharing a name in {service}'s OpenAPI: {qualified}"
    examples = int(os.environ.get("BOUCLE_CONTRACT_EXAMPLES", "30"))
    ran = fuzz(schemathesis.openapi.from_asgi("/openapi.json", app), examples=examples)
    assert any("/metrics" in label for label in ran), ran
