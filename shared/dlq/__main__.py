"""``python -m shared.dlq``: inspect the dead-letter topic, and replay a selection after a fix.

    python -m shared.dlq list [--reason TEXT] [--code CODE] [--service NAME] [--show N]
    python -m shared.dlq replay [--reason TEXT] [--code CODE] [--service NAME]
                                [--origin-topic TOPIC] [--dry-run]

``replay`` sends each selected dead letter's original bytes, key and headers back to the topic
it came from, once: a dead letter already replayed is skipped (``ops.dead_letter_replays``).
Its position is claimed in a transaction that commits only after Kafka acknowledged the record,
so a failed replay claims nothing; a crash between the two can send a record twice, which the
consumers' idempotence absorbs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.broker import record_of
from shared.database import create_engine, create_session_factory
from shared.dlq import DeadLetter, Selection, read, summarise, to_replay
from shared.dlq.tables import ReplayRow
from shared.errors import DependencyDown
from shared.producer import EventProducer, OutgoingRecord
from shared.progress import Progress
from shared.settings import ServiceSettings

CHUNK = 500


class DlqSettings(ServiceSettings):
    client: str = Field(default="dlq")


async def partitions_of(settings: DlqSettings, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(
        p["partition"] for t in described if t.get("error_code", 0) == 0 for p in t["partitions"]
    )


async def read_topic(settings: DlqSettings) -> list[DeadLetter]:
    """Every dead letter up to the end offsets as they were when the command started."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers, enable_auto_commit=False
    )
    try:
        await consumer.start()
    except Exception as exc:
        await consumer.stop()
        raise DependencyDown("kafka", repr(exc)) from exc
    # aiokafka's consumer without a group cannot stop before its coordinator task has run once.
    await asyncio.sleep(0)
    try:
        topic = settings.topics.dead_letter
        partitions = [TopicPartition(topic, p) for p in await partitions_of(settings, topic)]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        progress = Progress("reading dead letters", total=sum(ends.values()))
        letters: list[DeadLetter] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for tp, batch in (await consumer.getmany(timeout_ms=500)).items():
                kept = [r for r in batch if r.offset < ends[tp]]
                letters.extend(read(record_of(r)) for r in kept)
                progress.advance(len(kept))
        return letters
    finally:
        await consumer.stop()


def print_summary(letters: Sequence[DeadLetter], selection: Selection, *, show: int) -> None:
    chosen = [letter for letter in letters if selection.takes(letter)]
    print(
        f"{len(chosen)} dead letters"
        + (f" of {len(letters)}" if len(chosen) < len(letters) else "")
    )
    print("count\tservice\torigin topic\tcode\treason")
    for group in summarise(chosen):
        origin = group.origin_topic or "-"
        print(f"{group.count}\t{group.service}\t{origin}\t{group.code}\t{group.reason}")
    for letter in chosen[-show:] if show else ():
        preview = (letter.record.value or b"")[:200].decode(errors="replace")
        print(f"\n{letter.position} ({letter.code}) {letter.reason}\n  {preview}")


async def replayed_positions(session: AsyncSession) -> set[str]:
    return set((await session.execute(select(ReplayRow.position))).scalars())


async def replay(
    settings: DlqSettings, letters: Sequence[DeadLetter], selection: Selection, *, dry_run: bool
) -> int:
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    producer = EventProducer(settings.kafka, client_id=f"{settings.kafka.client_id}-dlq")
    try:
        async with sessions() as session:
            done = await replayed_positions(session)
        fresh, before, edge = to_replay(letters, selection, replayed=done)
        if edge:
            print(
                f"{edge} selected dead letters were refused by the collector and cannot be "
                "replayed: the sender must send them again, fixed",
                file=sys.stderr,
            )
        if dry_run or not fresh:
            print(
                f"would replay {len(fresh)} (already replayed: {before})"
                if dry_run
                else f"nothing to replay (already replayed: {before})"
            )
            return 0
        await producer.start()
        progress = Progress("replaying", total=len(fresh))
        for start in range(0, len(fresh), CHUNK):
            chunk = fresh[start : start + CHUNK]
            async with sessions() as session, session.begin():
                await session.execute(
                    insert(ReplayRow).on_conflict_do_nothing(),
                    [
                        {
                            "position": d.position,
                            "origin_topic": d.origin_topic,
                            "reason": d.reason[:500],
                        }
                        for d in chunk
                    ],
                )
                await producer.send_all(_back(letter) for letter in chunk)
            progress.advance(len(chunk))
        progress.summary(f"replayed {len(fresh)} (skipped {before} replayed before)")
        return 0
    finally:
        await producer.stop()
        await engine.dispose()


def _back(letter: DeadLetter) -> OutgoingRecord:
    record = letter.record
    assert letter.origin_topic is not None
    return OutgoingRecord(
        topic=letter.origin_topic,
        key=(record.key or b"").decode(errors="replace"),
        value=record.value or b"",
        headers=(("replayed-from", letter.position.encode()),),
    )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shared.dlq", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("list", "count dead letters by reason"),
        ("replay", "send a selection back"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--reason", help="a part of the reason (case-insensitive)")
        command.add_argument("--code", help="the failure code, e.g. schema, domain, sql_22021")
        command.add_argument("--service", help="the service that refused them")
        command.add_argument("--origin-topic", help="the topic they came from")
        if name == "list":
            command.add_argument("--show", type=int, default=0, help="print the last N in full")
        else:
            command.add_argument("--dry-run", action="store_true", help="say what would be sent")
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    selection = Selection(
        reason=args.reason, code=args.code, service=args.service, origin_topic=args.origin_topic
    )
    settings = DlqSettings()
    try:
        letters = await read_topic(settings)
        if args.command == "list":
            print_summary(letters, selection, show=args.show)
            return 0
        return await replay(settings, letters, selection, dry_run=args.dry_run)
    except DependencyDown as exc:
        print(f"error: {exc}; is {exc.dependency} running and reachable?", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
