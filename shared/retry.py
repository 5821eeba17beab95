"""Bounded retries of what a dependency outage interrupted; everything else fails at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.errors import KafkaError

from shared.database import is_transient
from shared.errors import DependencyDown
from shared.metrics import ConsumerMetrics
from shared.settings import ConsumerSettings

log = logging.getLogger(__name__)
R = TypeVar("R")


def transient_dependency(exc: BaseException) -> str | None:
    """Which dependency a failure came from, when a retry can cure it; None for bugs."""
    if isinstance(exc, DependencyDown):
        return exc.dependency
    if isinstance(exc, KafkaError):
        return "kafka"
    if is_transient(exc):
        return "postgres"
    return None


class Retrying:
    """Retries with exponential backoff for at most ``retry_budget_s``, which stays well under
    Kafka's max.poll.interval.ms (300 s) so the group keeps the consumer meanwhile."""

    def __init__(self, settings: ConsumerSettings, *, metrics: ConsumerMetrics) -> None:
        self._settings = settings
        self._metrics = metrics

    async def run(self, attempt: Callable[[], Awaitable[R]]) -> R:
        deadline = time.monotonic() + self._settings.retry_budget_s
        backoff = self._settings.retry_initial_backoff_s
        while True:
            try:
                return await attempt()
            except Exception as exc:
                dependency = transient_dependency(exc)
                if dependency is None or time.monotonic() + backoff > deadline:
                    raise
                log.warning(
                    "transient failure, retrying",
                    extra={"dependency": dependency, "error": repr(exc)},
                )
                self._metrics.retries.labels(dependency).inc()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._settings.retry_max_backoff_s)
