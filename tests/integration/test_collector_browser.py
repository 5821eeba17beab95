"""Headless Chromium (Debian's package) against the collector: the Boucle snippet and the
unmodified @segment/analytics-next, on pages of another origin (so CORS is exercised)."""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests import infra
from tests.processes import PORT_BASE, RunningCollector, running_collector

BROWSER_DIR = infra.ROOT / "tests" / "browser"
SITE_PORT = PORT_BASE + 20


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The shop's pages, on their own origin."""
    handler = functools.partial(_QuietHandler, directory=str(BROWSER_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", SITE_PORT), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{SITE_PORT}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def collector(
    template_database: str, site: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningCollector]:
    with running_collector(
        template_database, tmp_path_factory.mktemp("browser"), port=PORT_BASE + 13
    ) as running:
        subprocess.run(
            [sys.executable, "-m", "services.collector", "sources", "origins", "demo", site],
            cwd=infra.ROOT,
            env=running.collector.env,
            check=True,
            capture_output=True,
        )
        yield running


def _drive(scenario: str, site: str, collector: RunningCollector) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is needed for the browser tests"
    done = subprocess.run(
        [node, "drive.mjs", scenario, site, collector.url, collector.write_key],
        cwd=BROWSER_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _events(collector: RunningCollector, accept: Any, *, what: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        records = asyncio.run(
            infra.read_topic(collector.topics.raw_events, expect=10_000, timeout_s=0.5)
        )
        events = [json.loads(r.value) for r in records]
        if accept(events):
            return events
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {events}")


def test_snippet_visit_with_a_campaign_arrives_with_it_through_click_navigation_and_close(
    site: str, collector: RunningCollector
) -> None:
    visit = _drive("snippet", site, collector)
    assert visit["anonymousId"] == visit["cookie"]

    def complete(events: list[dict[str, Any]]) -> bool:
        mine = [e for e in events if e.get("anonymousId") == visit["anonymousId"]]
        return {"CTA Clicked", "Leaving"} <= {e.get("event") for e in mine} and sum(
            e["type"] == "page" for e in mine
        ) >= 2

    events = [
        e
        for e in _events(collector, complete, what="the visit's events")
        if e.get("anonymousId") == visit["anonymousId"]
    ]
    pages = sorted(e["pageUrl"] for e in events if e["type"] == "page")
    assert "landing.html" in pages[0]
    assert "next.html" in pages[1]
    for event in events:  # the landing's campaign stays with every event of the session
        assert event["campaign"]["name"] == "spring-sale"
        assert event["clickIds"] == {"gclid": "GCL-1"}
        assert event["channel"] == "paid_search"  # a Google click id decides it
    assert len({e["messageId"] for e in events}) == len(events)


def test_segment_analytics_next_in_chromium_reaches_kafka_in_both_delivery_modes(
    site: str, collector: RunningCollector
) -> None:
    run = _drive("analytics-next", site, collector)
    results = run["results"]
    for mode in ("standard", "batching"):
        assert [r["failed"] for r in results[mode]] == [None] * 3, results[mode]
    paths = {(s["method"], s["path"]) for s in run["sent"]}
    assert {("POST", "/v1/p"), ("POST", "/v1/i"), ("POST", "/v1/t"), ("POST", "/v1/b")} <= paths
    assert {s["contentType"] for s in run["sent"] if s["method"] == "POST"} == {"text/plain"}
    ids = {r["messageId"] for mode in results.values() for r in mode}

    def arrived(events: list[dict[str, Any]]) -> bool:
        return ids <= {e["messageId"] for e in events}

    events = {e["messageId"]: e for e in _events(collector, arrived, what="analytics-next")}
    by_type = {events[i]["type"] for i in ids}
    assert by_type == {"page", "identify", "track"}
    assert all(events[i]["context"]["library"]["name"] == "analytics.js" for i in ids)
