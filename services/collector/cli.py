"""``python -m services.collector sources …``: create, list, rotate, enable and disable sources."""

from __future__ import annotations

import argparse
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.collector import repository
from services.collector.integrations.connect import connect_source
from services.collector.integrations.providers import PROVIDERS
from services.collector.sources import SOURCE_KINDS, hash_key, new_write_key
from shared.database import create_engine, create_session_factory
from shared.settings import DatabaseSettings


def source_id_for(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"boucle:source:{name}"))


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sources = commands.add_parser("sources", help="manage sources and their write keys")
    actions = sources.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list sources")
    actions.add_parser("seed-demo", help="create or reset the demo source (BOUCLE_DEMO_WRITE_KEY)")
    add = actions.add_parser("add", help="create a source; prints its write key once")
    add.add_argument("name")
    add.add_argument("--kind", choices=SOURCE_KINDS, default="web")
    connect = actions.add_parser(
        "connect", help="receive a provider's webhooks on this source (/v1/hooks/PROVIDER/ID)"
    )
    connect.add_argument("name")
    connect.add_argument("--provider", choices=sorted(PROVIDERS), required=True)
    connect.add_argument(
        "--secret", required=True, help="what verifies the provider (see README, Integrations)"
    )
    add.add_argument("--origin", action="append", default=[], help="allowed page origin")
    origins = actions.add_parser(
        "origins", help="set the page origins allowed to send with a source's key (CORS)"
    )
    origins.add_argument("name")
    origins.add_argument("origin", nargs="*", help="e.g. https://shop.example; none clears")
    for action, text in (
        ("rotate", "give a source a new write key; the old one stops working"),
        ("enable", "accept events from a source again"),
        ("disable", "refuse a source's events (401)"),
    ):
        actions.add_parser(action, help=text).add_argument("name")


async def run(args: argparse.Namespace, database: DatabaseSettings, *, demo_key: str) -> int:
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await _dispatch(session, args, demo_key=demo_key)
    finally:
        await engine.dispose()


async def _dispatch(session: AsyncSession, args: argparse.Namespace, *, demo_key: str) -> int:
    if args.action == "list":
        for row in await repository.all_sources(session):
            state = "enabled" if row.enabled else "disabled"
            origins = ",".join(row.allowed_origins) or "-"
            print(f"{row.name}\t{row.kind}\t{row.source_id}\t{state}\t{origins}")
        return 0
    if args.action == "seed-demo":
        await repository.put_source(
            session,
            source_id=source_id_for("demo"),
            name="demo",
            kind="web",
            key_hash=hash_key(demo_key),
        )
        print(f"source demo (web) write key: {demo_key}")
        return 0
    if args.action == "add":
        key = new_write_key()
        if not await repository.add_source(
            session,
            source_id=source_id_for(args.name),
            name=args.name,
            kind=args.kind,
            key_hash=hash_key(key),
        ):
            print(f"source {args.name} exists already; use `rotate` for a new key")
            return 1
        await repository.set_origins(session, args.name, args.origin)
        print(f"source {args.name} ({args.kind}) write key: {key}")
        return 0
    if args.action == "connect":
        return await connect_source(session, args.name, args.provider, args.secret)
    if args.action == "origins":
        found = await repository.set_origins(session, args.name, args.origin)
        print(
            f"source {args.name} origins: {' '.join(args.origin) or '(none)'}"
            if found
            else f"no source {args.name}"
        )
        return 0 if found else 1
    if args.action == "rotate":
        key = new_write_key()
        found = await repository.set_key_hash(session, args.name, hash_key(key))
        print(f"source {args.name} new write key: {key}" if found else f"no source {args.name}")
        return 0 if found else 1
    found = await repository.set_enabled(session, args.name, enabled=args.action == "enable")
    print(f"source {args.name} {args.action}d" if found else f"no source {args.name}")
    return 0 if found else 1
