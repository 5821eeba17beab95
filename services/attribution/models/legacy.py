"""The three models the current consumer calls through ``MODELS`` (Decimal weights over
``TouchpointView``s). They stay bit-for-bit what they were until the consumer moves to the path
models of ``path.py``, which give the same weights as floats (a test holds them equal)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from services.attribution.models.shares import Model, TouchpointView


def last_touch(touchpoints: Sequence[TouchpointView]) -> list[Decimal]:
    return [Decimal(0)] * (len(touchpoints) - 1) + [Decimal(1)]


def first_touch(touchpoints: Sequence[TouchpointView]) -> list[Decimal]:
    return [Decimal(1)] + [Decimal(0)] * (len(touchpoints) - 1)


def linear(touchpoints: Sequence[TouchpointView]) -> list[Decimal]:
    return [Decimal(1) / len(touchpoints)] * len(touchpoints)


MODELS: dict[str, Model] = {"last_touch": last_touch, "first_touch": first_touch, "linear": linear}
