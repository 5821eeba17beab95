"""Wiring shared by the three consuming services: engine, producer, consumer loop, HTTP app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.consumer import BatchConsumer, ConsumerWiring
from shared.database import create_engine, create_session_factory, ping
from shared.log import configure_logging
from shared.metrics import ConsumerMetrics
from shared.ops import metrics_guard, ops_router
from shared.producer import EventProducer
from shared.runtime import run_service
from shared.settings import (
    AuthSettings,
    ConsumerOptions,
    ConsumerSettings,
    DatabaseSettings,
    HttpSettings,
    KafkaSettings,
    OpsSettings,
    ServiceSettings,
)
from shared.tokens.store import token_verifier


@dataclass(frozen=True, slots=True)
class ServiceParts:
    """What a consuming service contributes: its consumer wiring and its read API."""

    wiring: ConsumerWiring[Any]
    router: APIRouter


Build = Callable[[async_sessionmaker[AsyncSession], CollectorRegistry], ServiceParts]


@dataclass(frozen=True, slots=True)
class ConsumerServiceConfig:
    name: str
    http: HttpSettings
    consumer: ConsumerSettings
    kafka: KafkaSettings
    database: DatabaseSettings
    auth: AuthSettings = field(default_factory=AuthSettings)
    ops: OpsSettings = field(default_factory=OpsSettings)


async def run_consumer_service(config: ConsumerServiceConfig, build: Build) -> None:
    engine = create_engine(config.database)
    sessions = create_session_factory(engine)
    producer = EventProducer(config.kafka, client_id=f"{config.kafka.client_id}-{config.name}")
    await producer.start()
    try:
        registry = CollectorRegistry()
        parts = build(sessions, registry)
        consumer = BatchConsumer(
            parts.wiring,
            producer,
            sessions=sessions,
            kafka=config.kafka,
            settings=config.consumer,
            metrics=ConsumerMetrics(config.name, registry),
        )
        app = FastAPI(title=f"Boucle {config.name}", version="1")
        app.state.tokens = token_verifier(sessions, config.auth)  # read APIs need tokens
        checks = {"kafka": producer.ping, "postgres": lambda: ping(engine)}
        app.include_router(
            ops_router(registry=registry, checks=checks, guard=metrics_guard(config.ops))
        )
        app.include_router(parts.router)
        await run_service(app, config.http, workers=[consumer.run])
    finally:
        await producer.stop()
        await engine.dispose()


def serve_consumer(
    name: str, settings: ServiceSettings, options: ConsumerOptions, build: Build
) -> None:
    """A consuming service's ``main``: log as ``name``, then run until stopped."""
    configure_logging(name, settings.log)
    config = ConsumerServiceConfig(
        name=name,
        http=options,
        consumer=options.consumer,
        kafka=settings.kafka,
        database=settings.database,
        auth=settings.auth,
        ops=settings.ops,
    )
    asyncio.run(run_consumer_service(config, build))
