"""The ceilings of the drain phase: a raw aiokafka consumer reading the same topic in the same
run, without decoding, with ``json.loads``, and with the pydantic validation the consumers'
codec does (``shared.codec``), in this process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from bench.pipeline.broker import Broker


@dataclass(frozen=True)
class Ceiling:
    name: str
    records: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


async def ceilings(broker: Broker, topic: str, *, schema: Any, label: str) -> list[Ceiling]:
    adapter: TypeAdapter[Any] = TypeAdapter(schema)
    decoders: list[tuple[str, Callable[[bytes], Any] | None]] = [
        ("raw aiokafka consumer", None),
        ("raw aiokafka consumer + json.loads", json.loads),
        ("raw aiokafka consumer + pydantic decode", adapter.validate_json),
    ]
    out = []
    for name, decode in decoders:
        records, seconds = await broker.read_all(topic, decode)
        out.append(Ceiling(f"{name} ({label})", records, seconds))
    return out
