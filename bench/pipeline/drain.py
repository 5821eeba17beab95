"""Drain phase: a consumer alone on a prepared backlog, on a fresh group and a fresh database.

Its rate is read from the group's committed offsets, polled ten times a second: records
committed between the first commit seen and the last, over the time between them: start-up,
the group join and the first batch are left out. A run that has not finished within its
time limit is stopped and reported as partial, with the rate of what it did.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.pipeline import stack
from bench.pipeline.broker import OffsetWatch
from bench.pipeline.context import Bench, Variant

POLL_S = 0.1


@dataclass(frozen=True)
class Progress:
    total: int  # records in the input topic
    first: tuple[float, int]  # (seconds since start, committed) at the first commit seen
    last: tuple[float, int]  # … at the last change
    finished: bool
    commits: int = 0  # changes of the committed offsets seen

    @property
    def precise(self) -> bool:
        """Enough commits over enough time for the quantisation of polling not to matter."""
        return self.commits >= 5 and self.seconds >= 2

    @property
    def seconds(self) -> float:
        return self.last[0] - self.first[0]

    @property
    def rate(self) -> float:
        if self.seconds > 0:
            return (self.last[1] - self.first[1]) / self.seconds
        # One commit covered everything: only the wall time is left to divide by.
        return self.last[1] / self.last[0] if self.last[0] > 0 else 0.0


@dataclass(frozen=True)
class DrainResult:
    name: str
    consumer: str
    instances: int
    variant: str
    progress: Progress
    output_topic: str | None = None  # the journeys a sessionizer run produced

    @property
    def rate(self) -> float:
        return self.progress.rate


async def watch_progress(
    bootstrap: str,
    group: str,
    topic: str,
    *,
    timeout_s: float,
    alive: Callable[[], bool],
) -> Progress:
    """Polls until the group has committed the whole topic, ``timeout_s`` passed, or a
    process died (then raises)."""
    started = time.perf_counter()
    async with OffsetWatch(bootstrap) as watch:
        total = await watch.end_offsets(topic)
        first: tuple[float, int] | None = None
        last, commits = (0.0, 0), 0
        while time.perf_counter() - started < timeout_s:
            committed = await watch.committed(group, topic)
            now = time.perf_counter() - started
            if committed > last[1]:
                last, commits = (now, committed), commits + 1
                first = first or last
            if committed >= total:
                break
            if not alive():
                raise RuntimeError(f"a process of group {group} exited during the run")
            await asyncio.sleep(POLL_S)
    return Progress(total, first or last, last, finished=last[1] >= total, commits=commits)


async def drain_consumer(
    bench: Bench,
    variant: Variant,
    consumer: str,
    *,
    instances: int,
    input_topic: str,
    timeout_s: float,
) -> DrainResult:
    run_id = bench.run_id(f"{consumer}{instances}")
    given = {"journeys": input_topic} if consumer == "attribution" else {"raw_events": input_topic}
    topics = await bench.topics(run_id, **given)
    group = f"{run_id}-group"
    env = bench.env(variant, database_url=await bench.database(variant.root), topics=topics)
    env[f"{consumer.upper()}__CONSUMER__GROUP_ID"] = group
    logs = bench.logs / run_id
    logs.mkdir()
    services = [
        stack.Service(consumer, env, logs, instance=i, root=variant.root) for i in range(instances)
    ]
    for service in services:
        service.start()
    try:
        progress = await watch_progress(
            bench.broker.bootstrap,
            group,
            input_topic,
            timeout_s=timeout_s,
            alive=lambda: all(s.process is not None and s.process.poll() is None for s in services),
        )
    finally:
        await asyncio.to_thread(stack.stop_all, services)
    name = f"{consumer}" + (f" x{instances}" if instances > 1 else "")
    output = topics.journeys if consumer == "sessionizer" else None
    return DrainResult(name, consumer, instances, variant.label, progress, output)
