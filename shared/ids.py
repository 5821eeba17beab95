"""Identifiers derived from content, so that a replay from Kafka reproduces the same ids."""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1c8a34-2b1e-4f5e-9a55-1d6f7f3c0b2a")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))
