"""``python -m services.collector`` serves the API; ``… sources --help`` manages write keys."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from pathlib import Path

import uvloop
from fastapi import APIRouter
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from services.collector import cli, devices, workers
from services.collector.app import Ingestor, create_app
from services.collector.delivery import DeliveryOptions, DurableSink
from services.collector.erasures import erasures_router
from services.collector.imports import imports_router
from services.collector.integrations.router import integrations_router
from services.collector.integrations.store import IntegrationDirectory, Receipts
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorSettings
from services.collector.sources import SourceDirectory
from services.collector.spool import Spool
from shared.database import create_engine, create_session_factory, ping
from shared.log import configure_logging
from shared.ops import metrics_guard
from shared.pages import Pages
from shared.producer import EventProducer
from shared.runtime import run_service
from shared.tokens.store import token_verifier

PAGES = Path(__file__).resolve().parent / "pages"


def build_sink(settings: CollectorSettings, metrics: CollectorMetrics) -> DurableSink:
    options = settings.collector.spool
    spool = Spool(options.dir, max_bytes=options.max_bytes, segment_bytes=options.segment_bytes)
    spool.open()
    client_id = f"{settings.kafka.client_id}-collector"
    return DurableSink(
        spool=spool,
        connect=lambda: EventProducer(settings.kafka, client_id=client_id),
        options=DeliveryOptions(
            ack_timeout_s=options.ack_timeout_s,
            replay_batch=options.replay_batch,
            reconnect_s=options.reconnect_s,
            stop_timeout_s=options.stop_timeout_s,
        ),
        metrics=metrics,
    )


async def serve(settings: CollectorSettings, *, sockets: list[socket.socket] | None = None) -> None:
    devices.load_rules()
    engine = create_engine(settings.database)
    registry = CollectorRegistry()
    metrics = CollectorMetrics(registry)
    # Kafka may be down at start: requests are then spooled and the replayer keeps connecting.
    sink = build_sink(settings, metrics)
    try:
        sources = SourceDirectory(
            create_session_factory(engine), ttl_s=settings.collector.source_cache_ttl_s
        )
        ingestor = Ingestor(
            sink, sources, options=settings.collector, topics=settings.topics, metrics=metrics
        )

        async def delivery() -> bool:
            return sink.ready()

        checks = {"delivery": delivery, "postgres": lambda: ping(engine)}
        app = create_app(
            ingestor,
            registry=registry,
            checks=checks,
            routers=extra_routers(settings, ingestor, engine, registry),
            metrics_guard=metrics_guard(settings.ops),
            pages=Pages("collector", PAGES, links=settings.pages.services),
        )
        # Tokens read /v1/pipeline, post erasures (privacy:erase) and /metrics with
        # OPS__METRICS_TOKEN_SCOPE; events take write keys.
        app.state.tokens = token_verifier(create_session_factory(engine), settings.auth)
        await run_service(app, settings.collector, workers=[sink.run], sockets=sockets)
    finally:
        await sink.close()
        await engine.dispose()


def extra_routers(
    settings: CollectorSettings,
    ingestor: Ingestor,
    engine: AsyncEngine,
    registry: CollectorRegistry,
) -> list[APIRouter]:
    """Webhooks (authenticated by provider signatures), offline imports, and erasure
    requests (API tokens)."""
    sessions = create_session_factory(engine)
    webhooks = integrations_router(
        ingestor,
        directory=IntegrationDirectory(sessions, ttl_s=settings.collector.source_cache_ttl_s),
        receipts=Receipts(sessions),
        registry=registry,
        public_base_url=settings.collector.public_base_url,
    )
    offline = imports_router(
        ingestor, receipts=Receipts(sessions), max_bytes=settings.collector.max_import_bytes
    )
    erasures = erasures_router(
        ingestor.producer,
        topic=settings.topics.privacy,
        deadlines=settings.collector.limits.body_deadlines(),
    )
    return [webhooks, offline, erasures]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.collector")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the HTTP collector (the default)")
    cli.add_parser(commands)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    settings = CollectorSettings()
    configure_logging("collector", settings.log)
    if args.command == "sources":
        return asyncio.run(cli.run(args, settings.database, demo_key=settings.demo_write_key))
    options = settings.collector
    run = uvloop.run if options.event_loop == "uvloop" else asyncio.run
    if options.workers == 1:
        run(serve(settings))
        return 0
    workers.check_spools(options.spool.dir, workers=options.workers)
    sock = workers.listening_socket(options.host, options.port)

    def work(index: int) -> None:
        spool = options.spool.model_copy(
            update={"dir": workers.spool_dir(options.spool.dir, index)}
        )
        own = settings.model_copy(update={"collector": options.model_copy(update={"spool": spool})})
        run(serve(own, sockets=[sock]))

    return workers.run_workers(options.workers, work)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
