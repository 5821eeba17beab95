"""A request that fails validation is a 422 naming the field, whatever it holds."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from shared.api import answer_validation_errors


class Note(BaseModel):
    text: str
    count: int


def app() -> FastAPI:
    router = APIRouter()

    @router.post("/notes")
    async def add(note: Note) -> dict[str, int]:
        return {"count": note.count}

    application = FastAPI()
    answer_validation_errors(application)
    application.include_router(router)
    return application


async def post(body: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post(
            "/notes", content=body, headers={"content-type": "application/json"}
        )


async def test_a_lone_surrogate_is_a_422_naming_the_field_not_a_500() -> None:
    response = await post(b'{"text": "ok", "count": "\\ud800"}')
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "count"
    assert "\\ud800" not in response.text


async def test_missing_and_malformed_fields_are_named_without_echoing_the_input() -> None:
    response = await post(b'{"count": "seven"}')
    fields = {error["field"]: error["message"] for error in response.json()["detail"]}
    assert response.status_code == 422
    assert set(fields) == {"text", "count"}
    assert "seven" not in response.text
