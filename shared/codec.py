"""Decoding Kafka record values into the schemas of shared.events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from shared.errors import BadRecord

T = TypeVar("T")


def json_decoder(schema: Any) -> Callable[[bytes], Any]:
    """A decoder for ``schema`` (a model or an annotated union) raising BadRecord on bad input."""
    adapter: TypeAdapter[Any] = TypeAdapter(schema)

    def decode(value: bytes) -> Any:
        try:
            return adapter.validate_json(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "record"
            raise BadRecord(
                f"{where}: {first['msg']} ({exc.error_count()} error(s))", code="schema"
            ) from exc

    return decode
