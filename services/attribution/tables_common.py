"""What the attribution's table modules share: the schema, its metadata, column types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Numeric, String

from shared.database import Base

SCHEMA = "attribution"
metadata = Base.metadata
Timestamp = DateTime(timezone=True)
Key = String(64)
Text = String(512)
Weight = Numeric(14, 6)  # sums of weights: one conversion is 1.000000
Money = Numeric(20, 4)


def col(name: str, kind: Any, *, key: bool = False, null: bool = False) -> Column[Any]:
    return Column(name, kind, primary_key=key, nullable=null)
