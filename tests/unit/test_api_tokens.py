"""Bearer tokens on a read API and on /metrics, with a dict standing in for the token table
(the real table, the CLI and the services' routers are in tests/integration/test_api_tokens.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry

from shared.auth import Principal, TokenVerifier, hash_token, new_token, parse_scopes, require
from shared.ops import metrics_guard, ops_router
from shared.settings import OpsSettings
from shared.tokens.cli import is_local

READER, ADMIN, METRICS = "reader-token", "admin-token", "metrics-token"


class DictTokens:
    def __init__(self) -> None:
        self.tokens = {
            hash_token(READER): Principal("t-1", "reader", frozenset({"read:cases"})),
            hash_token(ADMIN): Principal("t-2", "ops", frozenset({"admin"})),
            hash_token(METRICS): Principal("t-3", "prometheus", frozenset({"read:metrics"})),
        }
        self.down = False
        self.lookups = 0

    async def find(self, token_hash: str) -> Principal | None:
        self.lookups += 1
        if self.down:
            raise OSError("connection refused")
        return self.tokens.get(token_hash)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tokens() -> DictTokens:
    return DictTokens()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def app_with(tokens: DictTokens, clock: Clock, ops: OpsSettings | None = None) -> FastAPI:
    app = FastAPI()
    app.state.tokens = TokenVerifier(tokens, ttl_s=10, max_stale_s=60, clock=clock)
    guard = metrics_guard(ops or OpsSettings())
    app.include_router(ops_router(registry=CollectorRegistry(), checks={}, guard=guard))

    @app.get("/v1/cases", dependencies=[Depends(require("read:cases"))])
    async def cases() -> dict[str, list[str]]:
        return {"cases": []}

    @app.get("/v1/journeys", dependencies=[Depends(require("read:journeys"))])
    async def journeys() -> dict[str, list[str]]:
        return {"journeys": []}

    return app


@pytest.fixture
async def http(tokens: DictTokens, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with(tokens, clock))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_read_without_a_token_is_401_with_a_bearer_challenge(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/v1/cases")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="boucle"'
    assert "Authorization: Bearer" in response.json()["detail"]


@pytest.mark.parametrize(
    "header", ["Bearer not-a-token", "Basic ZGVtby13cml0ZS1rZXk6", f"Token {READER}"]
)
async def test_an_unknown_token_or_another_scheme_is_401(
    http: httpx.AsyncClient, header: str
) -> None:
    response = await http.get("/v1/cases", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_with_the_scope_reads_and_admin_reads_everything(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.get("/v1/cases", headers=bearer(READER))).status_code == 200
    assert (await http.get("/v1/cases", headers=bearer(ADMIN))).status_code == 200
    assert (await http.get("/v1/journeys", headers=bearer(ADMIN))).status_code == 200


async def test_a_token_without_the_scope_is_403_naming_it(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/journeys", headers=bearer(READER))
    assert response.status_code == 403
    assert "read:journeys" in response.json()["detail"]
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_a_verified_token_is_not_looked_up_again_within_the_ttl(
    http: httpx.AsyncClient, tokens: DictTokens, clock: Clock
) -> None:
    for _ in range(5):
        await http.get("/v1/cases", headers=bearer(READER))
    assert tokens.lookups == 1
    clock.now += 11
    await http.get("/v1/cases", headers=bearer(READER))
    assert tokens.lookups == 2


async def test_a_revocation_takes_effect_once_the_cache_expires(
    http: httpx.AsyncClient, tokens: DictTokens, clock: Clock
) -> None:
    assert (await http.get("/v1/cases", headers=bearer(READER))).status_code == 200
    del tokens.tokens[hash_token(READER)]
    clock.now += 11
    assert (await http.get("/v1/cases", headers=bearer(READER))).status_code == 401


async def test_a_known_token_outlives_a_brief_outage_and_an_unknown_one_gets_503(
    http: httpx.AsyncClient, tokens: DictTokens, clock: Clock
) -> None:
    assert (await http.get("/v1/cases", headers=bearer(READER))).status_code == 200
    tokens.down = True
    clock.now += 30  # expired, but within max_stale_s
    assert (await http.get("/v1/cases", headers=bearer(READER))).status_code == 200
    unknown = await http.get("/v1/cases", headers=bearer(ADMIN))
    assert unknown.status_code == 503
    assert unknown.headers["retry-after"] == "5"
    clock.now += 60  # past max_stale_s: the outage is no longer brief
    assert (await http.get("/v1/cases", headers=bearer(READER))).status_code == 503


def test_minted_tokens_are_prefixed_random_and_scopes_are_checked() -> None:
    first, second = new_token(), new_token()
    assert first.startswith("bcl_")
    assert len(first) > 40
    assert first != second
    assert parse_scopes("read:cases, admin,read:cases") == ("read:cases", "admin")
    with pytest.raises(ValueError, match="read:everything"):
        parse_scopes("read:everything")


async def metrics_status(app: FastAPI, *, peer: str, headers: dict[str, str] | None = None) -> int:
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return (await client.get("/metrics", headers=headers)).status_code


async def test_metrics_are_open_by_default(tokens: DictTokens, clock: Clock) -> None:
    assert await metrics_status(app_with(tokens, clock), peer="203.0.113.9") == 200


async def test_metrics_limited_to_networks_refuse_other_peers(
    tokens: DictTokens, clock: Clock
) -> None:
    app = app_with(tokens, clock, OpsSettings(metrics_allow_networks=["10.0.0.0/8", "::1"]))
    assert await metrics_status(app, peer="10.1.2.3") == 200
    assert await metrics_status(app, peer="::ffff:10.1.2.3") == 200
    assert await metrics_status(app, peer="::1") == 200
    assert await metrics_status(app, peer="203.0.113.9") == 403
    assert await metrics_status(app, peer="203.0.113.9", headers=bearer(ADMIN)) == 403


async def test_metrics_limited_to_a_token_scope_take_that_token_or_an_allowed_network(
    tokens: DictTokens, clock: Clock
) -> None:
    ops = OpsSettings(metrics_allow_networks=["10.0.0.0/8"], metrics_token_scope="read:metrics")
    app = app_with(tokens, clock, ops)
    outside = "203.0.113.9"
    assert await metrics_status(app, peer=outside) == 401
    assert await metrics_status(app, peer=outside, headers=bearer(METRICS)) == 200
    assert await metrics_status(app, peer=outside, headers=bearer(ADMIN)) == 200
    assert await metrics_status(app, peer=outside, headers=bearer(READER)) == 403
    assert await metrics_status(app, peer="10.0.0.7") == 200


def test_a_metrics_network_that_is_no_network_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not an address or network"):
        OpsSettings(metrics_allow_networks=["10.0.0.0/33"])


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("postgresql+asyncpg://boucle:boucle@127.0.0.1:5432/boucle", True),
        ("postgresql+asyncpg://boucle:boucle@localhost/boucle", True),
        ("postgresql+asyncpg://boucle:boucle@[::1]:5432/boucle", True),
        ("postgresql+asyncpg://boucle@/boucle?host=/var/run/postgresql", True),
        ("postgresql+asyncpg://boucle:boucle@postgres:5432/boucle", False),
        ("postgresql+asyncpg://boucle:boucle@10.0.0.5:5432/boucle", False),
    ],
)
def test_a_chosen_token_value_is_only_for_a_database_on_this_machine(url: str, local: bool) -> None:
    assert is_local(url) is local
