"""Decoding Kafka record values into the schemas of shared.events, with their types kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, overload

from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.errors import BadRecord

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@overload
def json_decoder(schema: type[M]) -> Callable[[bytes], M]: ...
@overload
def json_decoder(schema: TypeAdapter[T]) -> Callable[[bytes], T]: ...


def json_decoder(schema: type[BaseModel] | TypeAdapter[T]) -> Callable[[bytes], object]:
    """A decoder for a model, or a TypeAdapter of an annotated union, raising BadRecord."""
    adapter: TypeAdapter[object] = (
        schema if isinstance(schema, TypeAdapter) else TypeAdapter(schema)  # type: ignore[assignment]
    )

    def decode(value: bytes) -> object:
        try:
            return adapter.validate_json(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "record"
            raise BadRecord(
                f"{where}: {first['msg']} ({exc.error_count()} error(s))", code="schema"
            ) from exc

    return decode
