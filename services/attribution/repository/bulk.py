"""Set-based statements: one statement per table for a whole batch, whatever its size.

Rows travel as one array per column and are unpacked by ``unnest`` on the server, so a batch of
any size is one round trip and one prepared statement (asyncpg). Upserts that add to counts and
deletes by composite key work the same way. Rows are sorted by key before they are sent, so two
transactions that touch the same rows always lock them in the same order and never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

Row = Sequence[Any]

# Most specific first: BigInteger is an Integer.
SQL_TYPES: tuple[tuple[type[Any], str], ...] = (
    (BigInteger, "bigint"),
    (Integer, "integer"),
    (Boolean, "boolean"),
    (Numeric, "numeric"),
    (DateTime, "timestamptz"),
    (Date, "date"),
    (LargeBinary, "bytea"),
    (String, "text"),
)


def sql_type(column: Column[Any]) -> str:
    for kind, name in SQL_TYPES:
        if isinstance(column.type, kind):
            return name
    raise TypeError(f"no array type for {column.name} ({column.type})")


def _name(table: Table) -> str:
    return f"{table.schema}.{table.name}"


def _unnest(table: Table, columns: Sequence[str]) -> str:
    arrays = ", ".join(
        f"CAST(:c{i} AS {sql_type(table.c[name])}[])" for i, name in enumerate(columns)
    )
    return f"unnest({arrays}) AS u({', '.join(columns)})"


def _params(columns: Sequence[str], rows: Sequence[Row]) -> dict[str, list[Any]]:
    return {f"c{i}": [row[i] for row in rows] for i in range(len(columns))}


async def insert(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    on_conflict: str = "",
) -> None:
    """INSERT every row; ``on_conflict`` is the statement's ON CONFLICT clause, if any."""
    if not rows:
        return
    sql = (
        f"INSERT INTO {_name(table)} ({', '.join(columns)}) "
        f"SELECT * FROM {_unnest(table, columns)} {on_conflict}"
    )
    await session.execute(text(sql), _params(columns, rows))


async def upsert(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    keys: Sequence[str],
    where: str = "",
) -> None:
    """INSERT, or on a key conflict set every other column to the new row's."""
    updated = [name for name in columns if name not in keys]
    assignments = ", ".join(f"{name} = excluded.{name}" for name in updated)
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {assignments} {where}"
    await insert(
        session,
        table,
        columns,
        sorted(rows, key=lambda r: tuple(r[: len(keys)])),
        on_conflict=conflict,
    )


async def add(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    keys: Sequence[str],
) -> None:
    """Adds each row's non-key columns to the stored row's (created at the row's values), then
    deletes the rows whose every sum came back to zero."""
    if not rows:
        return
    sums = [name for name in columns if name not in keys]
    name = _name(table)
    assignments = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in sums)
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {assignments}"
    ordered = sorted(rows, key=lambda r: tuple(r[: len(keys)]))
    await insert(session, table, columns, ordered, on_conflict=conflict)
    # Only a sum that went down can have come back to zero.
    key_rows = [row[: len(keys)] for row in ordered if any(v < 0 for v in row[len(keys) :])]
    if not key_rows:
        return
    zero = " AND ".join(f"t.{c} = 0" for c in sums)
    matched = " AND ".join(f"t.{k} = u.{k}" for k in keys)
    await session.execute(
        text(f"DELETE FROM {name} AS t USING {_unnest(table, keys)} WHERE {matched} AND {zero}"),
        _params(keys, key_rows),
    )


async def delete(
    session: AsyncSession, table: Table, keys: Sequence[str], rows: Sequence[Row]
) -> None:
    """DELETE the rows whose ``keys`` equal one of ``rows``. The first key is also matched
    on its own, so the planner finds the rows by index whatever its row estimates."""
    if not rows:
        return
    ordered = sorted(rows, key=tuple)
    matched = " AND ".join(f"t.{k} = u.{k}" for k in keys)
    first = f"CAST(:first AS {sql_type(table.c[keys[0]])}[])"
    await session.execute(
        text(
            f"DELETE FROM {_name(table)} AS t USING {_unnest(table, keys)} "
            f"WHERE t.{keys[0]} IN (SELECT unnest({first})) AND {matched}"
        ),
        {**_params(keys, ordered), "first": sorted({row[0] for row in ordered})},
    )
