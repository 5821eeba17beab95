"""The collector's erasure API: a token with ``privacy:erase`` (or admin) puts an
ErasureRequest on the privacy topic and gets its id; a write key, no token or another scope
never does; what cannot name a person is refused naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.collector.app import Ingestor, create_app
from services.collector.erasures import erasures_router
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions
from shared.auth import Principal, TokenVerifier, hash_token
from shared.events import ErasureRequest
from tests.unit.test_collector_api import KEY, TOPICS, DictSources, ListSink

ERASER, ADMIN, READER = "eraser-token", "admin-token", "reader-token"
URL = "/v1/privacy/erasures"


class Tokens:
    async def find(self, token_hash: str) -> Principal | None:
        return {
            hash_token(ERASER): Principal("t-1", "dpo", frozenset({"privacy:erase"})),
            hash_token(ADMIN): Principal("t-2", "ops", frozenset({"admin"})),
            hash_token(READER): Principal("t-3", "dashboard", frozenset({"read:reports"})),
        }.get(token_hash)


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
async def client(sink: ListSink) -> AsyncIterator[httpx.AsyncClient]:
    options = CollectorOptions()
    registry = CollectorRegistry()
    ingestor = Ingestor(
        sink, DictSources(), options=options, topics=TOPICS, metrics=CollectorMetrics(registry)
    )
    router = erasures_router(sink, topic=TOPICS.privacy, deadlines=options.limits.body_deadlines())
    app = create_app(ingestor, registry=registry, checks={}, routers=[router])
    app.state.tokens = TokenVerifier(Tokens())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://collector") as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("token", [ERASER, ADMIN])
async def test_a_privacy_token_requests_an_erasure_on_the_privacy_topic_keyed_by_its_id(
    client: httpx.AsyncClient, sink: ListSink, token: str
) -> None:
    body = {"identifiers": ["u-1", "email:abc", "u-1"]}
    response = await client.post(URL, json=body, headers=bearer(token))
    assert response.status_code == 202, response.text
    answer = response.json()
    [record] = sink.on(TOPICS.privacy)
    request = ErasureRequest.model_validate_json(record.value)
    assert (record.key, request.request_id) == (answer["requestId"], answer["requestId"])
    assert request.identifiers == ("u-1", "email:abc")
    assert answer["status"] == f"/v1/privacy/erasures/{request.request_id}"


async def test_a_write_key_or_a_token_without_the_scope_never_erases(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    body = {"identifiers": ["u-1"]}
    assert (await client.post(URL, json=body, auth=(KEY, ""))).status_code == 401
    assert (await client.post(URL, json=body, headers=bearer(KEY))).status_code == 401
    refused = await client.post(URL, json=body, headers=bearer(READER))
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "token 'dashboard' lacks the scope privacy:erase",
    )
    assert sink.on(TOPICS.privacy) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"identifiers": []}', "identifiers"),
        (b'{"identifiers": ["a\\u0000b"]}', "identifiers"),
        (b'{"identifiers": ["\\ud800"]}', "body"),  # no JSON string: a lone surrogate
        (b'{"ids": ["u-1"]}', "identifiers"),
        (b"not json", "body"),
    ],
)
async def test_a_request_that_names_nobody_is_400_naming_the_field(
    client: httpx.AsyncClient, sink: ListSink, body: bytes, field: str
) -> None:
    response = await client.post(URL, content=body, headers=bearer(ERASER))
    assert (response.status_code, response.json()["field"]) == (400, field), response.text
    assert sink.on(TOPICS.privacy) == []


async def test_kafka_down_is_503_and_nothing_is_accepted(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    sink.down = True
    response = await client.post(URL, json={"identifiers": ["u-1"]}, headers=bearer(ERASER))
    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
