"""Where a person's identifiers are stored: every row of every table of every schema, cast to
text (bytea columns read as escaped bytes), searched for each needle. What the erasure tests
scan the database with."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

TABLES = """
SELECT table_schema, table_name FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2
"""
BYTEA = """
SELECT table_schema, table_name, column_name FROM information_schema.columns
WHERE data_type = 'bytea' AND table_schema NOT IN ('pg_catalog', 'information_schema')
"""
# strpos, not LIKE: an identifier may hold % or _.
ANY_NEEDLE = "EXISTS (SELECT 1 FROM unnest($1::text[]) AS n WHERE strpos(lower({}), lower(n)) > 0)"


async def traces(database_url: str, needles: Sequence[str]) -> dict[str, int]:
    """``schema.table`` → how many of its rows hold one of the needles (tables without any
    are left out)."""
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        binary: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in await conn.fetch(BYTEA):
            binary.setdefault((schema, table), []).append(column)
        found: dict[str, int] = {}
        for schema, table in await conn.fetch(TABLES):
            texts = [
                "t::text",
                *(f"encode(t.\"{c}\", 'escape')" for c in binary.get((schema, table), [])),
            ]
            where = " OR ".join(ANY_NEEDLE.format(expression) for expression in texts)
            query = f'SELECT count(*) FROM "{schema}"."{table}" AS t WHERE {where}'  # noqa: S608 - catalog names
            count = await conn.fetchval(query, list(needles))
            if count:
                found[f"{schema}.{table}"] = count
        return found
    finally:
        await conn.close()


async def row_counts(database_url: str, tables: Sequence[str]) -> dict[str, int]:
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        return {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608 - test constants
            for table in tables
        }
    finally:
        await conn.close()
