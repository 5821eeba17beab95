"""``python -m services.collector`` serves the API; ``… sources --help`` manages write keys."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from prometheus_client import CollectorRegistry

from services.collector import repository
from services.collector.app import Ingestor, create_app
from services.collector.settings import CollectorSettings
from services.collector.sources import SOURCE_KINDS, SourceDirectory, hash_key, new_write_key
from shared.database import create_engine, create_session_factory, ping
from shared.log import configure_logging
from shared.metrics import CollectorMetrics
from shared.producer import EventProducer
from shared.runtime import run_service


async def serve(settings: CollectorSettings) -> None:
    engine = create_engine(settings.database)
    producer = EventProducer(settings.kafka, client_id=f"{settings.kafka.client_id}-collector")
    await producer.start()
    try:
        registry = CollectorRegistry()
        sources = SourceDirectory(
            create_session_factory(engine), ttl_s=settings.collector.source_cache_ttl_s
        )
        ingestor = Ingestor(
            producer,
            sources,
            options=settings.collector,
            topics=settings.topics,
            metrics=CollectorMetrics(registry),
        )
        checks = {"kafka": producer.ping, "postgres": lambda: ping(engine)}
        app = create_app(ingestor, registry=registry, checks=checks)
        await run_service(app, settings.collector)
    finally:
        await producer.stop()
        await engine.dispose()


async def manage_sources(settings: CollectorSettings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            if args.action == "list":
                for row in await repository.all_sources(session):
                    state = "enabled" if row.enabled else "disabled"
                    print(f"{row.name}\t{row.kind}\t{row.source_id}\t{state}")
                return 0
            if args.action in ("add", "rotate", "seed-demo"):
                name = "demo" if args.action == "seed-demo" else args.name
                kind = "web" if args.action == "seed-demo" else args.kind
                key = settings.demo_write_key if args.action == "seed-demo" else new_write_key()
                source_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"boucle:source:{name}"))
                await repository.put_source(
                    session, source_id=source_id, name=name, kind=kind, key_hash=hash_key(key)
                )
                print(f"source {name} ({kind}) write key: {key}")
                return 0
            found = await repository.set_enabled(
                session, args.name, enabled=args.action == "enable"
            )
            print(f"source {args.name} {args.action}d" if found else f"no source {args.name}")
            return 0 if found else 1
    finally:
        await engine.dispose()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.collector")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the HTTP collector (the default)")
    sources = commands.add_parser("sources", help="manage sources and their write keys")
    actions = sources.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list sources")
    actions.add_parser("seed-demo", help="create the demo source with BOUCLE_DEMO_WRITE_KEY")
    add = actions.add_parser("add", help="create a source; prints its new write key once")
    add.add_argument("name")
    add.add_argument("--kind", choices=SOURCE_KINDS, default="web")
    rotate = actions.add_parser("rotate", help="give a source a new write key")
    rotate.add_argument("name")
    rotate.add_argument("--kind", choices=SOURCE_KINDS, default="web")
    for action in ("enable", "disable"):
        actions.add_parser(action, help=f"{action} a source").add_argument("name")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    settings = CollectorSettings()
    configure_logging("collector", settings.log)
    if args.command == "sources":
        return asyncio.run(manage_sources(settings, args))
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
