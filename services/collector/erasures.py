"""The privileged erasure API: ``POST /v1/privacy/erasures`` puts an ``ErasureRequest`` on the
privacy topic, durably (Kafka acknowledged it, or the spool fsynced it), and answers 202 with
the request's id. It takes an API token with the scope ``privacy:erase``, never a write key:
the token is checked before the body is read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ConfigDict, Field, StringConstraints, ValidationError, field_validator

from services.collector.body import Deadlines, read_capped
from services.collector.responses import errors
from shared.api import ApiModel
from shared.auth import AUTH_RESPONSES, require
from shared.errors import BadInput
from shared.events import ErasureRequest
from shared.privacy import MAX_IDENTIFIER_LENGTH, MAX_IDENTIFIERS, checked_identifiers
from shared.producer import OutgoingRecord, RecordSink

MAX_BODY_BYTES = 64 * 1024
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=MAX_IDENTIFIER_LENGTH)]


class ErasureIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    # Any identifiers of the person, or their person id: userId, anonymousId, email:<sha256>,
    # hubspot_contact:<id>…; every person one of them belongs to is erased whole.
    identifiers: list[Identifier] = Field(min_length=1, max_length=MAX_IDENTIFIERS)

    @field_validator("identifiers")
    @classmethod
    def _storable(cls, identifiers: list[str]) -> list[str]:
        return checked_identifiers(identifiers)


class ErasureOut(ApiModel):
    request_id: str
    identifiers: int
    requested_at: datetime
    # Each consuming service answers GET /v1/privacy/erasures/{requestId} (python -m
    # shared.privacy status REQUEST_ID asks them all).
    status: str


def parsed(body: bytes) -> ErasureIn:
    try:
        return ErasureIn.model_validate_json(body or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise BadInput(f"{field}: {first['msg']}", field=field) from exc


def erasures_router(
    sink: RecordSink,
    *,
    topic: str,
    deadlines: Deadlines,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> APIRouter:
    router = APIRouter(prefix="/v1/privacy", tags=["privacy"], responses=AUTH_RESPONSES)
    body_schema: dict[str, Any] = {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ErasureIn.model_json_schema()}},
        }
    }

    @router.post(
        "/erasures",
        status_code=202,
        dependencies=[Depends(require("privacy:erase"))],
        response_model=ErasureOut,
        responses=errors(400, 408, 413, 503),
        openapi_extra=body_schema,
    )
    async def erase(request: Request) -> ErasureOut:
        """Erase a person, named by any of their identifiers, in every service. Accepted once
        it is durable; each service applies it after its erasure delay (README)."""
        asked = parsed(await read_capped(request, limit=MAX_BODY_BYTES, deadlines=deadlines))
        erasure = ErasureRequest(
            request_id=str(uuid.uuid4()),
            identifiers=tuple(asked.identifiers),
            requested_at=clock(),
        )
        await sink.send_all(
            [OutgoingRecord(topic=topic, key=erasure.request_id, value=erasure.to_bytes())]
        )
        return ErasureOut(
            request_id=erasure.request_id,
            identifiers=len(erasure.identifiers),
            requested_at=erasure.requested_at,
            status=f"/v1/privacy/erasures/{erasure.request_id}",
        )

    return router
