"""``POST /v1/feedback/classify`` over HTTP (ASGI transport), on the session's reader."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from services.feedback.classify_api import classify_router
from services.feedback.text.settings import TextSettings
from tests.unit.feedback_text.conftest import Build

URL = "/v1/feedback/classify"


@pytest.fixture
async def http(build: Build) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(classify_router(build(TextSettings(max_chars=200))))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feedback") as client:
        yield client


async def test_a_text_gets_language_label_score_themes_and_intents_in_camel_case(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(URL, json={"text": "Livraison en retard, je vais résilier"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "language",
        "label",
        "score",
        "confidence",
        "themes",
        "intents",
        "classifierVersion",
    }
    assert (body["language"], body["label"], body["intents"]) == ("fr", "negative", ["churn"])
    assert body["themes"] == ["delivery"]
    assert body["classifierVersion"].startswith("text-1.")


async def test_a_given_language_is_used(http: httpx.AsyncClient) -> None:
    response = await http.post(URL, json={"text": "ok", "language": "fr"})
    assert response.json()["language"] == "fr"


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (b"{}", "text", "Field required"),
        (b'{"text": ""}', "text", "at least 1 character"),
        (b'{"text": "   "}', "text", "something other than spaces"),
        (b'{"text": "a\\u0000b"}', "text", "NUL"),
        (b'{"text": "\\ud800"}', "body", "not valid JSON"),
        (b'{"text": 3}', "text", "valid string"),
        (b'{"text": "ok", "language": "de"}', "language", "'fr' or 'en'"),
        (b'{"text": "ok", "lang": "fr"}', "lang", "not permitted"),
        (b"[]", "body", "object"),
        (b"not json", "body", "not valid JSON"),
        (b'{"text": "' + b"a" * 201 + b'"}', "text", "send at most 200"),
    ],
)
async def test_bad_input_gets_a_422_naming_the_field_and_the_fix(
    http: httpx.AsyncClient, body: bytes, field: str, says: str
) -> None:
    response = await http.post(URL, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["field"] == field
    assert says in problem["message"]


async def test_a_huge_body_is_refused_before_parsing(http: httpx.AsyncClient) -> None:
    response = await http.post(URL, content=b'{"text": "' + b"a" * 10_000 + b'"}')
    assert response.status_code == 413
    assert "at most 200 characters" in response.json()["detail"][0]["message"]


async def test_the_openapi_describes_request_and_response(http: httpx.AsyncClient) -> None:
    spec = (await http.get("/openapi.json")).json()
    operation = spec["paths"][URL]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request["required"] == ["text"]
    assert "ClassifyResponse" in str(operation["responses"]["200"])
    assert "classifierVersion" in spec["components"]["schemas"]["ClassifyResponse"]["properties"]
