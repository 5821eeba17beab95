"""Latency phase: the collector and every consumer running, an offered load at a fixed rate,
and how long a marker takes from its POST to its credit in ``GET /v1/attribution`` and to its
case in ``GET /v1/cases``; with each consumer's lag over the run.

Everything is read from the outside: the read APIs (polled every ``POLL_S``, so a latency is
known to that much), and lag as the groups' committed offsets behind the topics' end offsets.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import httpx

from bench.pipeline import stack
from bench.pipeline.broker import OffsetWatch
from bench.pipeline.context import Bench, Variant
from bench.pipeline.lag import LagSeries
from bench.pipeline.offer import marker_tokens
from shared.settings import TopicSettings

POLL_S = 0.2
LAG_POLL_S = 1.0
WRITE_KEY = "bench-pipeline-write-key"
CONSUMERS = ("sessionizer", "attribution", "feedback")


class ReadApiRefused(Exception):
    """A read API answered 401/403: the benchmark was not given a token it accepts."""


@dataclass(frozen=True)
class LatencyPlan:
    rate: float
    seconds: float
    instances: int
    batch: int
    markers_per_s: float
    settle_s: float


@dataclass(frozen=True)
class LatencyResult:
    name: str
    variant: str
    plan: LatencyPlan
    offered: dict[str, object]  # the load process's summary
    markers: int
    credit_s: list[float]  # latencies of the markers whose credit became visible
    case_s: list[float]
    lag: dict[str, LagSeries]
    read_errors: int = 0  # read API answers that were neither 200 nor a refusal
    first_error: str = ""  # the first of them: its URL, status and the start of its body


class MarkerWatch:
    """Polls both read APIs and notes when each marker first shows up in them."""

    def __init__(self, urls: dict[str, str], tokens: list[str], *, bearer: str | None) -> None:
        self.targets = {
            "credit": f"{urls['attribution']}/v1/attribution?models=last_touch&group_by=campaign",
            # 500: the most the case API lists at once (a larger limit is a 422).
            "case": f"{urls['feedback']}/v1/cases?status=open&limit=500",
        }
        self.pending = {what: set(tokens) for what in self.targets}
        self.seen: dict[str, dict[str, float]] = {what: {} for what in self.targets}
        self.headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
        self.errors = 0
        self.first_error = ""

    async def poll(self, client: httpx.AsyncClient) -> None:
        for what, url in self.targets.items():
            if not self.pending[what]:
                continue
            try:
                answer = await client.get(url, headers=self.headers, timeout=5)
            except httpx.TransportError:
                self.errors += 1
                continue
            if answer.status_code in (401, 403):
                raise ReadApiRefused(
                    f"GET {url} answered {answer.status_code}: the read API refused the "
                    "benchmark's token; set BENCH_TOKEN to one with the scopes read:reports and "
                    "read:cases (sent as `Authorization: Bearer …`)"
                )
            if answer.status_code != 200:
                self.errors += 1
                if not self.first_error:
                    self.first_error = f"GET {url} → {answer.status_code}: {answer.text[:200]}"
                continue
            self._note(what, answer.text, time.time())

    def _note(self, what: str, text: str, now: float) -> None:
        found = {token for token in self.pending[what] if token in text}
        for token in found:
            self.seen[what][token] = now
        self.pending[what] -= found

    def done(self) -> bool:
        return not any(self.pending.values())


async def run_latency(bench: Bench, variant: Variant, plan: LatencyPlan) -> LatencyResult:
    run_id = bench.run_id(f"latency{plan.instances}")
    topics = await bench.topics(run_id)
    env = _stack_env(bench, variant, run_id, await bench.database(variant.root), topics)
    await asyncio.to_thread(_seed_source, env, variant)
    bearer = await asyncio.to_thread(_seed_token, env, variant)
    logs = bench.logs / run_id
    logs.mkdir()
    groups = {
        name: (f"{run_id}-{name}", topics.journeys if name == "attribution" else topics.raw_events)
        for name in CONSUMERS
    }
    with tempfile.TemporaryDirectory(prefix="bench-spool-") as spool:
        env["COLLECTOR__SPOOL__DIR"] = spool
        services = [stack.Service("collector", env, logs, root=variant.root)] + [
            stack.Service(name, env, logs, instance=i, root=variant.root)
            for name in CONSUMERS
            for i in range(plan.instances)
        ]
        await asyncio.to_thread(stack.start_all, services)
        try:
            urls = {service.name: service.url for service in services if service.instance == 0}
            offered, watch, lag = await _drive(bench, plan, urls, groups, bearer=bearer)
        finally:
            await asyncio.to_thread(stack.stop_all, services)
    return _result(variant, plan, offered, watch, lag)


def _stack_env(
    bench: Bench, variant: Variant, run_id: str, database_url: str, topics: TopicSettings
) -> dict[str, str]:
    env = bench.env(variant, database_url=database_url, topics=topics)
    env |= {
        "BOUCLE_DEMO_WRITE_KEY": WRITE_KEY,
        # One load process is one address and one source: the abuse limits are not measured.
        "COLLECTOR__RATE_LIMITS__SOURCE_EVENTS_PER_S": "0",
        "COLLECTOR__RATE_LIMITS__IP_REQUESTS_PER_S": "0",
    }
    for name in CONSUMERS:
        env[f"{name.upper()}__CONSUMER__GROUP_ID"] = f"{run_id}-{name}"
    return env


def _result(
    variant: Variant,
    plan: LatencyPlan,
    offered: dict[str, object],
    watch: MarkerWatch,
    lag: dict[str, LagSeries],
) -> LatencyResult:
    sent: dict[str, float] = dict(offered["markers"])  # type: ignore[call-overload]
    credit = [at - sent[t] for t, at in watch.seen["credit"].items() if t in sent]
    case = [at - sent[t] for t, at in watch.seen["case"].items() if t in sent]
    name = f"{plan.rate:,.0f} ev/s" + (
        f", consumers x{plan.instances}" if plan.instances > 1 else ""
    )
    return LatencyResult(
        name,
        variant.label,
        plan,
        offered,
        len(sent),
        credit,
        case,
        lag,
        watch.errors,
        watch.first_error,
    )


def _seed_source(env: dict[str, str], variant: Variant) -> None:
    """The collector's own CLI creates the source whose write key the load sends."""
    argv = [sys.executable, "-m", "services.collector", "sources", "seed-demo"]
    subprocess.run(argv, cwd=variant.root, env=env, check=True, capture_output=True)


def _seed_token(env: dict[str, str], variant: Variant) -> str | None:
    """The token the benchmark reads with: ``BENCH_TOKEN``, else one of its own, created in the
    run's database with the checkout's token CLI (a checkout without one reads without)."""
    given = os.environ.get("BENCH_TOKEN")
    if not (variant.root / "shared" / "tokens").is_dir():
        return given
    token = given or stack.unique("bench-token-")
    argv = [sys.executable, "-m", "shared.tokens", "create", "--name", "bench"]
    argv += ["--scopes", "read:reports,read:cases", "--token", token]
    made = subprocess.run(argv, cwd=variant.root, env=env, capture_output=True, text=True)
    if made.returncode != 0:
        raise RuntimeError(f"the token CLI refused the benchmark's token: {made.stderr.strip()}")
    return token


async def _drive(
    bench: Bench,
    plan: LatencyPlan,
    urls: dict[str, str],
    groups: dict[str, tuple[str, str]],
    *,
    bearer: str | None,
) -> tuple[dict[str, object], MarkerWatch, dict[str, LagSeries]]:
    tag = stack.unique("")
    tokens = marker_tokens(tag, int(plan.seconds * plan.markers_per_s))
    watch = MarkerWatch(urls, tokens, bearer=bearer)
    lag = {name: LagSeries() for name in groups}
    stop = asyncio.Event()
    argv = [sys.executable, "-m", "bench.pipeline.offer", urls["collector"]]
    argv += ["--write-key", WRITE_KEY, "--rate", str(plan.rate), "--seconds", str(plan.seconds)]
    argv += ["--batch", str(plan.batch), "--markers-per-s", str(plan.markers_per_s), "--tag", tag]
    load = await asyncio.create_subprocess_exec(
        *argv, cwd=stack.ROOT, stdout=asyncio.subprocess.PIPE
    )
    async with OffsetWatch(bench.broker.bootstrap) as offsets, httpx.AsyncClient() as client:
        lagging = asyncio.create_task(_poll_lag(offsets, groups, lag, stop))
        markers = asyncio.create_task(_poll_markers(watch, client, stop))
        loading = asyncio.create_task(load.communicate())
        try:
            await asyncio.wait({loading, markers}, return_when=asyncio.FIRST_COMPLETED)
            if markers.done() and markers.exception() is not None:
                raise markers.exception()  # type: ignore[misc]  # checked just above
            out, _ = await loading
            if load.returncode != 0:
                raise RuntimeError("the load process failed (its error is above)")
            await _settle(watch, lag, plan.settle_s, markers)
        finally:
            if load.returncode is None:
                load.kill()
                await load.wait()
            stop.set()
            await asyncio.gather(lagging, markers, return_exceptions=True)
    return json.loads(out), watch, lag


async def _settle(
    watch: MarkerWatch, lag: dict[str, LagSeries], settle_s: float, markers: asyncio.Task[None]
) -> None:
    """After the load: until every marker was seen and no consumer lags, at most ``settle_s``."""
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline:
        if markers.done() and markers.exception() is not None:
            raise markers.exception()  # type: ignore[misc]  # checked just above
        if watch.done() and all(series.last() == 0 for series in lag.values()):
            return
        await asyncio.sleep(POLL_S)


async def _poll_markers(watch: MarkerWatch, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
    while not stop.is_set() and not watch.done():
        await watch.poll(client)
        await asyncio.sleep(POLL_S)


async def _poll_lag(
    offsets: OffsetWatch,
    groups: dict[str, tuple[str, str]],
    lag: dict[str, LagSeries],
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        now = time.time()
        for name, (group, topic) in groups.items():
            behind = await offsets.end_offsets(topic) - await offsets.committed(group, topic)
            lag[name].add(now, behind)
        await asyncio.sleep(LAG_POLL_S)
