"""``python -m bench.sessionizer.bulk``: which way to write a batch's rows is fastest here.

Upserts N touchpoint rows (12 columns, the sessionizer's widest table) in one transaction, by each
method, on a fresh migrated database: new rows, then the same ids again (updates). Prints the
median milliseconds per statement and rows/s; never fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import asyncpg
from sqlalchemy import (
    ARRAY,
    BindParameter,
    Boolean,
    DateTime,
    Integer,
    String,
    Table,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from bench.sessionizer.runs import ADMIN_DATABASE_URL, admin_sql, migrate
from services.sessionizer.tables import TouchpointRow
from shared.database import create_engine, create_session_factory
from shared.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = (
    "touchpoint_id",
    "person_id",
    "session_id",
    "occurred_at",
    "channel",
    "source",
    "medium",
    "campaign",
    "landing_page",
    "touch_type",
    "version",
    "retracted",
)
TYPES = ("text",) * 3 + ("timestamptz",) + ("text",) * 6 + ("int", "bool")
UPDATE = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
TABLE = "sessionizer.touchpoints"
VALUES = ", ".join(f"${i}" for i in range(1, len(COLUMNS) + 1))
# Statements from this module's own constants, never from input.
PLAIN = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({VALUES}) " + (  # noqa: S608
    f"ON CONFLICT (touchpoint_id) DO UPDATE SET {UPDATE}"
)
UNNEST = (
    f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT * FROM unnest("  # noqa: S608
    + ", ".join(f"${i}::{t}[]" for i, t in enumerate(TYPES, 1))
    + f") ON CONFLICT (touchpoint_id) DO UPDATE SET {UPDATE}"
)
FROM_TEMP = (
    f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM bench_tp "  # noqa: S608
    f"ON CONFLICT (touchpoint_id) DO UPDATE SET {UPDATE}"
)
Rows = list[tuple[Any, ...]]
Method = Callable[[AsyncSession, asyncpg.Connection, Rows], Awaitable[None]]


def rows_of(count: int, *, version: int) -> Rows:
    at = datetime(2026, 5, 4, tzinfo=UTC)
    return [
        (
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"tp{i}")),
            f"person-{i % 97}",
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"tp{i}")),
            at + timedelta(minutes=i),
            "paid_search",
            "google",
            "cpc",
            "brand",
            f"https://shop.example/p/{i}?utm_source=google",
            "session",
            version,
            False,
        )
        for i in range(count)
    ]


async def orm_values(session: AsyncSession, _: asyncpg.Connection, rows: Rows) -> None:
    statement = insert(TouchpointRow).values([dict(zip(COLUMNS, row, strict=True)) for row in rows])
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["touchpoint_id"],
            set_={c: statement.excluded[c] for c in COLUMNS[1:]},
        )
    )


async def core_executemany(session: AsyncSession, _: asyncpg.Connection, rows: Rows) -> None:
    params = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    values = ", ".join(f":{c}" for c in COLUMNS)
    statement = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({values}) "  # noqa: S608
    await session.execute(
        text(statement + f"ON CONFLICT (touchpoint_id) DO UPDATE SET {UPDATE}"), params
    )


async def executemany(_: AsyncSession, conn: asyncpg.Connection, rows: Rows) -> None:
    await conn.executemany(PLAIN, rows)


async def unnest(_: AsyncSession, conn: asyncpg.Connection, rows: Rows) -> None:
    await conn.execute(UNNEST, *(list(column) for column in zip(*rows, strict=True)))


SQL_TYPES: dict[str, TypeEngine[Any]] = {
    "text": String(),
    "timestamptz": DateTime(timezone=True),
    "int": Integer(),
    "bool": Boolean(),
}


def core_unnest_statement() -> Any:
    table = cast(Table, TouchpointRow.__table__)
    arrays: list[BindParameter[Any]] = [
        bindparam(column, type_=ARRAY(SQL_TYPES[kind]))
        for column, kind in zip(COLUMNS, TYPES, strict=True)
    ]
    rows = select(func.unnest(*arrays).table_valued(*COLUMNS).render_derived())
    statement = insert(table).from_select(list(COLUMNS), rows)
    return statement.on_conflict_do_update(
        index_elements=["touchpoint_id"], set_={c: statement.excluded[c] for c in COLUMNS[1:]}
    )


CORE_UNNEST = core_unnest_statement()


async def core_unnest(session: AsyncSession, _: asyncpg.Connection, rows: Rows) -> None:
    columns = {
        name: list(values) for name, values in zip(COLUMNS, zip(*rows, strict=True), strict=True)
    }
    await session.execute(CORE_UNNEST, columns)


async def copy(_: AsyncSession, conn: asyncpg.Connection, rows: Rows) -> None:
    await conn.copy_records_to_table("bench_tp", records=rows, columns=COLUMNS)
    await conn.execute(FROM_TEMP)
    await conn.execute("TRUNCATE bench_tp")


METHODS: dict[str, Method] = {
    "SQLAlchemy insert().values(rows) (multi-row VALUES)": orm_values,
    "SQLAlchemy Core execute(text, rows) (executemany)": core_executemany,
    "asyncpg executemany": executemany,
    "asyncpg INSERT … SELECT FROM unnest($1…$12)": unnest,
    "SQLAlchemy Core insert().from_select(unnest(…))": core_unnest,
    "asyncpg COPY to a temp table + INSERT … SELECT": copy,
}


async def measure(url: str, count: int, repeats: int) -> None:
    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    sessions = create_session_factory(engine)
    print(f"\n{count} rows per statement, median of {repeats} (ms per statement, rows/s)")
    for name, method in METHODS.items():
        timings: dict[str, list[float]] = {"insert": [], "update": []}
        for repeat in range(repeats):
            async with sessions() as session, session.begin():
                raw = await (await session.connection()).get_raw_connection()
                conn = raw.driver_connection
                assert conn is not None
                await conn.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS bench_tp (LIKE sessionizer.touchpoints)"
                )
                await conn.execute("TRUNCATE sessionizer.touchpoints")
                for kind, version in (("insert", 1), ("update", 2)):
                    rows = rows_of(count, version=version + repeat)
                    started = time.perf_counter()
                    await method(session, conn, rows)
                    timings[kind].append(time.perf_counter() - started)
        medians = {kind: statistics.median(values) for kind, values in timings.items()}
        figures = "   ".join(
            f"{kind} {seconds * 1000:7.2f} ms {count / seconds:>9,.0f} rows/s"
            for kind, seconds in medians.items()
        )
        print(f"  {name:<54} {figures}")
    await engine.dispose()


async def bench(args: argparse.Namespace) -> None:
    database = f"bench_{uuid.uuid4().hex[:8]}"
    await admin_sql(f'CREATE DATABASE "{database}"')
    try:
        url = f"{ADMIN_DATABASE_URL.rsplit('/', 1)[0]}/{database}".replace(
            "postgresql://", "postgresql+asyncpg://"
        )
        migrate(ROOT, url)
        for count in args.rows:
            await measure(url, count, args.repeats)
    finally:
        await admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sessionizer.bulk")
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--repeats", type=int, default=15)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
