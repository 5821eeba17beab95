"""Every app counts its requests by route template, method and status (the 5xx ratio alert)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.sessionizer.tables import JOBS, OUTBOX
from shared.http_metrics import count_requests
from shared.service import ServiceParts, service_app


def requests(registry: CollectorRegistry, service: str, **labels: str) -> float:
    value = registry.get_sample_value(f"boucle_{service}_http_requests_total", labels)
    return value or 0.0


def reads_api() -> APIRouter:
    router = APIRouter()

    @router.get("/v1/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @router.get("/v1/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    return router


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def client(registry: CollectorRegistry) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    count_requests(app, service="svc", registry=registry)
    app.include_router(reads_api())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        yield http


async def test_requests_are_counted_by_route_template_not_by_raw_path(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    for thing in ("a", "b", "c"):
        assert (await client.get(f"/v1/things/{thing}")).status_code == 200
    route = "/v1/things/{thing_id}"
    assert requests(registry, "svc", route=route, method="GET", status="200") == 3
    count = registry.get_sample_value(
        "boucle_svc_http_request_duration_seconds_count",
        {"route": route, "method": "GET"},
    )
    assert count == 3


async def test_paths_no_route_matches_share_one_series(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    for path in ("/wp-login.php", "/.env", "/v1/nothing/here"):
        assert (await client.get(path)).status_code == 404
    assert requests(registry, "svc", route="unmatched", method="GET", status="404") == 3


async def test_a_bug_in_a_handler_is_counted_as_a_500(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    assert (await client.get("/v1/broken")).status_code == 500
    assert requests(registry, "svc", route="/v1/broken", method="GET", status="500") == 1


async def test_a_wrong_method_on_a_known_route_keeps_the_route(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    assert (await client.post("/v1/things/a")).status_code == 405
    route = "/v1/things/{thing_id}"
    assert requests(registry, "svc", route=route, method="POST", status="405") == 1


async def test_unusual_methods_are_grouped(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.request("PURGE", "/v1/things/a")
    route = "/v1/things/{thing_id}"
    assert requests(registry, "svc", route=route, method="other", status="405") == 1


async def test_the_consumer_kit_counts_its_read_api(registry: CollectorRegistry) -> None:
    parts = ServiceParts(routes=[], outbox=OUTBOX, jobs_table=JOBS, router=reads_api())
    app = service_app("kit", parts, sessions=async_sessionmaker(), registry=registry)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as http:
        assert (await http.get("/v1/things/x")).status_code == 200
    route = "/v1/things/{thing_id}"
    assert requests(registry, "kit", route=route, method="GET", status="200") == 1
