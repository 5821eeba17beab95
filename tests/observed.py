"""The four services as processes with a Prometheus of their own (deploy/prometheus.sh, 1 s
scrapes) watching them, after a demo stream, dead letters and read-API calls: what the
dashboard test queries. Fresh topics, consumer groups and database; everything started here is
stopped here."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.demo.__main__ import send
from bench.demo.stream import demo_stream
from shared.settings import TopicSettings
from tests import infra
from tests.promql import exported_names

SERVICES = ("collector", "sessionizer", "attribution", "feedback")
PORT_BASE = int(os.environ.get("BOUCLE_OPS_PORT_BASE", "18700"))
PROMETHEUS_PORT = PORT_BASE + 10
WRITE_KEY = "observed-write-key"
TOKEN = "observed-admin-token"
READ_PATHS = {
    "sessionizer": "/v1/journeys/demo-customer-1",
    "attribution": "/v1/attribution",
    "feedback": "/v1/cases",
}


@dataclass(frozen=True)
class Observed:
    prometheus: str
    exported: dict[str, set[str]]  # service → the names its /metrics declares

    def all_exported(self) -> set[str]:
        return set().union(*self.exported.values())


def environment(database_url: str, topics: TopicSettings, work: Path) -> dict[str, str]:
    prefix = infra.unique("ops")
    env = {
        **os.environ,
        "DATABASE__URL": database_url,
        "KAFKA__BOOTSTRAP_SERVERS": infra.BOOTSTRAP,
        "BOUCLE_DEMO_WRITE_KEY": WRITE_KEY,
        "BOUCLE_DEMO_TOKEN": TOKEN,
        "COLLECTOR__SPOOL__DIR": str(work / "spool"),
        "LOG__LEVEL": "INFO",
        "BOUCLE_RUN_DIR": str(work / "run"),
        "PROMETHEUS_PORT": str(PROMETHEUS_PORT),
        "PROMETHEUS_SCRAPE_INTERVAL": "1s",
    }
    env.update({f"TOPICS__{name.upper()}": topic for name, topic in topics.model_dump().items()})
    for offset, service in enumerate(SERVICES):
        env[f"{service.upper()}__PORT"] = str(PORT_BASE + offset)
        env[f"{service.upper()}__CONSUMER__GROUP_ID"] = f"{prefix}-{service}"
    return env


def prometheus(command: str, env: dict[str, str]) -> None:
    """deploy/prometheus.sh, as `make up` runs it, on this stack's ports and run directory."""
    script = infra.ROOT / "deploy" / "prometheus.sh"
    done = subprocess.run(
        [str(script), command], env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"prometheus.sh {command} failed:\n{done.stdout}{done.stderr}")


def send_traffic(urls: dict[str, str], topics: TopicSettings, *, prometheus_url: str) -> None:
    """A demo stream (with the collector's refusals), read-API calls, and records no consumer
    can decode on the topics consumers read."""
    stream = demo_stream(40, seed=7, now=datetime.now(UTC), broken=10)
    with httpx.Client(base_url=urls["collector"], auth=(WRITE_KEY, ""), timeout=30) as client:
        send(client, stream, batch_size=50, quiet=True)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    for service, path in READ_PATHS.items():
        httpx.get(f"{urls[service]}{path}", headers=bearer, timeout=10)
        httpx.get(f"{urls[service]}/no/such/page", timeout=10)
    undecodable(topics)
    # A dead-letter series is born at its first dead letter (its reason is not known before),
    # and Prometheus draws no rate from a series' first sample: a second round after that.
    born = (
        "count(boucle_sessionizer_records_dead_lettered_total)"
        " + count(boucle_attribution_records_dead_lettered_total)"
    )
    wait_for(
        "the first dead letters scraped", lambda: None if series(prometheus_url, born) else born
    )
    undecodable(topics)


def undecodable(topics: TopicSettings) -> None:
    asyncio.run(infra.produce(topics.raw_events, [("bad", b"not json")]))
    asyncio.run(infra.produce(topics.journeys, [("bad", b"{}")]))


def wait_for(what: str, check: Callable[[], object], *, timeout_s: float = 90) -> None:
    """Until ``check`` returns None; what it returned last is in the timeout's message."""
    deadline = time.monotonic() + timeout_s
    while (missing := check()) is not None:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}: {missing}")
        time.sleep(0.5)


def series(url: str, expr: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10).json()
    result: list[dict[str, Any]] = response["data"]["result"]
    return result


def wait_for_targets(prometheus_url: str) -> None:
    """Until every service has been scraped: Prometheus starts its scrapes a few seconds after it
    says it is ready, and what is counted before a series' first sample draws no rate."""

    def scraped() -> object:
        up = {row["metric"]["job"] for row in series(prometheus_url, "up == 1")}
        return None if set(SERVICES) <= up else sorted(up)

    wait_for("Prometheus to scrape every service", scraped)


def wait_for_the_pipeline(prometheus_url: str) -> None:
    """Until Prometheus has seen every consumer consume and the dead letters counted, and has
    recorded rates over them (the rules run every second here, like the scrapes)."""

    def seen() -> object:
        consuming = series(prometheus_url, "job:boucle_records_consumed:rate1m > 0")
        dead = series(prometheus_url, "job:boucle_dead_letters:rate5m > 0")
        jobs = {row["metric"]["job"] for row in consuming + dead}
        return None if len(consuming) == 3 and len(dead) >= 3 else (sorted(jobs), consuming, dead)

    wait_for("every consumer's records and dead letters in Prometheus", seen)


@contextlib.contextmanager
def observed_stack(template_database: str, work: Path) -> Iterator[Observed]:
    topics = asyncio.run(infra.create_topics(infra.unique("ops")))
    database = infra.unique("ops")
    asyncio.run(infra.admin_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template_database}"'))
    env = environment(infra.database_url(database), topics, work)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for seed in (["services.collector", "sources"], ["shared.tokens"]):
            argv = [sys.executable, "-m", *seed, "seed-demo"]
            subprocess.run(argv, cwd=infra.ROOT, env=env, check=True, capture_output=True)
        for service in SERVICES:
            processes[service] = infra.start_service(service, env, work / f"{service}.log")
        urls = {s: f"http://127.0.0.1:{env[f'{s.upper()}__PORT']}" for s in SERVICES}
        for service in SERVICES:
            infra.wait_ready(urls[service], processes[service], work / f"{service}.log")
        prometheus("start", env)
        prometheus_url = f"http://127.0.0.1:{PROMETHEUS_PORT}"
        wait_for_targets(prometheus_url)
        send_traffic(urls, topics, prometheus_url=prometheus_url)
        wait_for_the_pipeline(prometheus_url)
        exported = {s: exported_names(httpx.get(f"{urls[s]}/metrics").text) for s in SERVICES}
        yield Observed(prometheus=prometheus_url, exported=exported)
    finally:
        try:
            prometheus("stop", env)  # a no-op when it never started
        finally:
            for process in processes.values():
                infra.stop(process)
            asyncio.run(infra.admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
