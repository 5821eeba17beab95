"""The pipeline benchmark's view of the read APIs: it sends its token, notes each marker once,
and stops with an actionable message when an API refuses it."""

from __future__ import annotations

import httpx
import pytest

from bench.pipeline.latency import MarkerWatch, ReadApiRefused

URLS = {"attribution": "http://attribution.test", "feedback": "http://feedback.test"}


def client(answer: httpx.Response, seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


async def test_the_token_is_sent_as_a_bearer_to_both_read_apis() -> None:
    requests: list[httpx.Request] = []
    watch = MarkerWatch(URLS, ["mkax0z"], bearer="s3cret")
    async with client(httpx.Response(200, text="{}"), requests) as http:
        await watch.poll(http)
    assert [r.headers["authorization"] for r in requests] == ["Bearer s3cret"] * 2
    assert {r.url.host for r in requests} == {"attribution.test", "feedback.test"}


async def test_no_token_sends_no_authorization_header() -> None:
    requests: list[httpx.Request] = []
    async with client(httpx.Response(200, text="{}"), requests) as http:
        await MarkerWatch(URLS, ["mkax0z"], bearer=None).poll(http)
    assert all("authorization" not in r.headers for r in requests)


async def test_a_refusal_names_the_variable_to_set() -> None:
    watch = MarkerWatch(URLS, ["mkax0z"], bearer=None)
    async with client(httpx.Response(401), []) as http:
        with pytest.raises(ReadApiRefused, match="BENCH_TOKEN"):
            await watch.poll(http)


async def test_a_marker_is_seen_once_and_one_token_is_not_mistaken_for_a_longer_one() -> None:
    watch = MarkerWatch(URLS, ["mkax1z", "mkax10z"], bearer=None)
    async with client(httpx.Response(200, text='{"key": "mkax10z"}'), []) as http:
        await watch.poll(http)
        first = dict(watch.seen["credit"])
        await watch.poll(http)
    assert set(first) == {"mkax10z"}
    assert watch.seen["credit"] == first
    assert watch.pending["credit"] == {"mkax1z"}
    assert not watch.done()


async def test_server_errors_are_counted_not_fatal() -> None:
    watch = MarkerWatch(URLS, ["mkax0z"], bearer=None)
    async with client(httpx.Response(503), []) as http:
        await watch.poll(http)
    assert watch.errors == 2
