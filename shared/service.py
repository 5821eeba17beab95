"""The consumer service kit: a consuming service declares itself once; this builds the process.

A declaration (``ConsumerService``) names the service, its settings class, where its consumer
options live, and a ``build`` that returns its parts: the routes (topic → decoder → handler),
the scheduled jobs, its outbox and jobs tables, and its read API. The kit does the rest, the same
for every service: frozen settings, logging, the database engine, the producer, the consumer
loop on Kafka with the outbox relay, and one HTTP app with ``/healthz``, ``/readyz``,
``/metrics`` and the read API, stopped gracefully on SIGTERM.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.api import answer_validation_errors
from shared.broker import KafkaBroker
from shared.consumer import BatchConsumer, LoopParts, RevokeHook
from shared.database import create_engine, create_session_factory, ping
from shared.http_metrics import count_requests
from shared.jobs import Clock, Job
from shared.log import configure_logging
from shared.metrics import ConsumerMetrics
from shared.ops import metrics_guard, ops_router
from shared.pages import Pages, allow_pages, pages_router
from shared.pipeline import consumer_pipeline_router
from shared.producer import EventProducer
from shared.routes import AnyRoute
from shared.runtime import run_service
from shared.settings import ConsumerOptions, ServiceSettings
from shared.store import SqlStore
from shared.tokens.store import token_verifier

S = TypeVar("S", bound=ServiceSettings)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Resources:
    """What the kit gives a service's ``build``."""

    sessions: async_sessionmaker[AsyncSession]
    registry: CollectorRegistry
    clock: Clock


@dataclass(frozen=True, slots=True)
class ServiceParts:
    routes: Sequence[AnyRoute]
    outbox: Table
    jobs_table: Table
    jobs: Sequence[Job] = ()
    router: APIRouter | None = None
    # The service's pages under /ui/ (README, Pages), if it has any.
    pages: Pages | None = None
    # Put on app.state for the read API's dependencies (the session factory is always there).
    state: Mapping[str, object] = field(default_factory=dict)
    on_revoked: RevokeHook | None = None


@dataclass(frozen=True, slots=True)
class ConsumerService(Generic[S]):
    name: str
    settings: Callable[[], S]
    options: Callable[[S], ConsumerOptions]
    build: Callable[[S, Resources], ServiceParts]

    def main(self) -> None:
        """The process entry point: ``python -m services.<name>``."""
        settings = self.settings()
        configure_logging(self.name, settings.log)
        asyncio.run(run_consumer_service(self, settings))


async def run_consumer_service(
    service: ConsumerService[S], settings: S, *, clock: Clock = utc_now
) -> None:
    options = service.options(settings)
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    producer = EventProducer(settings.kafka, client_id=f"{settings.kafka.client_id}-{service.name}")
    await producer.start()
    try:
        registry = CollectorRegistry()
        parts = service.build(
            settings, Resources(sessions=sessions, registry=registry, clock=clock)
        )
        consumer = BatchConsumer(
            parts.routes,
            LoopParts(
                broker=KafkaBroker(settings.kafka, options.consumer),
                store=SqlStore(sessions, outbox_table=parts.outbox, jobs_table=parts.jobs_table),
                sink=producer,
                metrics=ConsumerMetrics(service.name, registry),
                clock=clock,
            ),
            service=service.name,
            dead_letter_topic=settings.topics.dead_letter,
            settings=options.consumer,
            jobs=parts.jobs,
            on_revoked=parts.on_revoked,
        )
        app = service_app(service.name, parts, sessions=sessions, registry=registry)
        app.state.tokens = token_verifier(sessions, settings.auth)  # read APIs need tokens
        allow_pages(app, settings.pages.origins())  # the pipeline page reads /v1/pipeline

        async def consuming() -> bool:
            return consumer.ready()

        checks = {"kafka": producer.ping, "postgres": lambda: ping(engine), "consumer": consuming}
        app.include_router(
            ops_router(
                registry=registry,
                checks=checks,
                reasons=lambda: {"consumer": consumer.halted} if consumer.halted else {},
                guard=metrics_guard(settings.ops),
            )
        )
        await run_service(app, options, workers=[consumer.run])
    finally:
        await producer.stop()
        await engine.dispose()


def service_app(
    name: str,
    parts: ServiceParts,
    *,
    sessions: async_sessionmaker[AsyncSession],
    registry: CollectorRegistry,
) -> FastAPI:
    """The read API of a service (without the ops routes), its ``/v1/pipeline`` summary and its
    pages, as the process serves them; every request it answers is counted in
    ``boucle_<name>_http_…``."""
    app = FastAPI(title=f"Boucle {name}", version="1")
    answer_validation_errors(app)
    count_requests(app, service=name, registry=registry)
    app.state.sessions = sessions
    app.state.registry = registry
    for key, value in parts.state.items():
        setattr(app.state, key, value)
    if parts.router is not None:
        app.include_router(parts.router)
    app.include_router(consumer_pipeline_router(registry, name))
    if parts.pages is not None:
        app.include_router(pages_router(parts.pages))
    return app
