"""Statement pieces every feedback repository module uses."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Text, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

TEXTS = ARRAY(Text)


def any_of(column: ColumnElement[Any], values: Collection[str]) -> ColumnElement[bool]:
    """``column = ANY($1)`` with one array parameter: one prepared statement whatever the
    number of keys, unlike ``IN (…)``, which is a new statement for every length."""
    return column == any_(bindparam(None, list(values), type_=TEXTS))


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
