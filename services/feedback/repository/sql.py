"""Statement pieces every feedback repository module uses."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

TEXTS = ARRAY(Text)


def any_of(column: ColumnElement[Any], values: Collection[str]) -> ColumnElement[bool]:
    """``column IN (SELECT unnest($1))``: one array parameter, so one prepared statement
    whatever the number of keys (``IN ($1, $2…)`` is a new statement for every length), and a
    join the planner can run on the index or a hash. ``column = ANY($1)`` is not: in a prepared
    statement it compares every row with every key (measured: 19 ms for 200 keys over 7,000
    identities, against 2 ms for this)."""
    return column.in_(select(func.unnest(bindparam(None, list(values), type_=TEXTS))))


async def move_persons(session: AsyncSession, table: str, moves: Mapping[str, str]) -> None:
    """``person_id`` of every row of ``feedback.<table>`` that names an absorbed person becomes
    its survivor's, in one statement."""
    if not moves:
        return
    await session.execute(
        text(
            f"UPDATE feedback.{table} AS t SET person_id = m.survivor "  # noqa: S608 - our names
            "FROM unnest(CAST(:absorbed AS text[]), CAST(:survivors AS text[])) "
            "AS m(absorbed, survivor) WHERE t.person_id = m.absorbed"
        ),
        {"absorbed": list(moves), "survivors": list(moves.values())},
    )


async def copy_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Appends rows with COPY on the transaction's own connection: one round trip and binary
    encoding, where an executemany INSERT costs a statement execution and SQLAlchemy's type
    processing per row (measured: 28 ms against 4 ms for 400 responses). Only for rows known
    to be new: COPY has no ON CONFLICT."""
    if not rows:
        return 0
    columns = list(rows[0])
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    # asyncpg's connection under SQLAlchemy's adapter (typed optional: absent once detached).
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        table.name,
        schema_name=table.schema,
        columns=columns,
        records=[tuple(row[name] for name in columns) for row in rows],
    )
    return len(rows)
